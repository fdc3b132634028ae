import http from 'node:http';
import http2 from 'node:http2';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writerFor } from '@sluice/h2-flow';
import { SluiceError, type StreamWriter } from '@sluice/stream-core';
import { BandwidthLimiter, TokenBucket, throttle, BYTES_PER_MBPS, type RateLimit } from './index.js';
import { bytesAt, close, download, jain, listen } from './test-support/http.js';

// Rates are measured at the client, which reads promptly. The upper bound is physical: the server
// cannot have sent more than depth + rate × (t − t0) by client time t, where t0 is taken before the
// request is made. The lower bounds are loose: a busy machine only makes a download slower.
const UPPER = 1.05;
const LOWER = 0.6;
const BLOCK = Buffer.alloc(1024 * 1024, 0x61);

interface ServerRecord {
  errors: Array<{ at: number; error: unknown }>;
  writers: StreamWriter[];
}

/** A server that streams `?bytes=N` (or forever) in `?chunk=` writes through throttle(). */
async function serve(pick: (req: http.IncomingMessage) => { limit: BandwidthLimiter | RateLimit; connection?: object }): Promise<{ port: number; server: http.Server; record: ServerRecord }> {
  const record: ServerRecord = { errors: [], writers: [] };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const total = Number(url.searchParams.get('bytes') ?? Infinity);
    const chunk = Number(url.searchParams.get('chunk') ?? 256 * 1024);
    const { limit, connection } = pick(req);
    const w = throttle(writerFor(req, res), limit, { connection });
    record.writers.push(w);
    w.writeHeader(200, { 'content-type': 'application/octet-stream' });
    void (async () => {
      try {
        for (let sent = 0; sent < total; ) {
          const n = Math.min(chunk, total - sent);
          await w.write(BLOCK.subarray(0, n));
          sent += n;
        }
        await w.close();
      } catch (error) {
        record.errors.push({ at: performance.now(), error });
      }
    })();
  });
  const port = await listen(server);
  return { port, server, record };
}

async function measureRate(mbps: number, seconds: number): Promise<{ measured: number; target: number }> {
  const bucketSpec = { mbps };
  const target = mbps * BYTES_PER_MBPS;
  let depth = 0;
  const { port, server } = await serve(() => {
    const bucket = new TokenBucket(bucketSpec); // one per response: created when the request arrives
    depth = bucket.burstBytes;
    return { limit: bucket };
  });
  try {
    const size = Math.round(target * seconds);
    const d = await download(port, `/?bytes=${size}`);
    expect(d.bytes).toBe(size);
    // Physical bound first: never more than depth + rate × elapsed.
    for (const [t, b] of d.samples) expect(b).toBeLessThanOrEqual(UPPER * (depth + target * ((t - d.t0) / 1000)));
    return { measured: d.bytes / ((d.tEnd - d.t0) / 1000), target };
  } finally {
    await close(server);
  }
}

describe('rate accuracy at the client (HTTP/1.1, real sockets)', () => {
  test.each([
    [1, 1.5],
    [10, 1.5],
    [100, 1.5],
  ])('%i Mbps over %ss: never more than 5 %% above the target', async (mbps, seconds) => {
    const { measured, target } = await measureRate(mbps, seconds);
    expect(measured).toBeLessThanOrEqual(UPPER * target);
    expect(measured).toBeGreaterThanOrEqual(LOWER * target);
  });

  test('burst then steady: 1 MB at up to 80 Mbps, then 20 Mbps', async () => {
    const spec = { mbps: 20, peakMbps: 80, burstBytes: 1_000_000 };
    const rate = 20 * BYTES_PER_MBPS;
    const peak = 80 * BYTES_PER_MBPS;
    let peakDepth = 0;
    const { port, server } = await serve(() => {
      const b = new TokenBucket(spec);
      peakDepth = Math.max(b.sliceBytes, Math.round(peak * 0.005));
      return { limit: b };
    });
    try {
      // Expected: the bucket drains at 80 − 20 Mbps, so the burst lasts ~133 ms and carries ~1.33 MB.
      const size = 5_000_000;
      const d = await download(port, `/?bytes=${size}`);
      expect(d.bytes).toBe(size);
      const elapsed = (d.tEnd - d.t0) / 1000;
      // Committed bucket: at most burstBytes + rate × elapsed, so the steady rate is what was asked.
      const steady = (d.bytes - spec.burstBytes) / elapsed;
      expect(steady).toBeLessThanOrEqual(UPPER * rate);
      expect(steady).toBeGreaterThanOrEqual(LOWER * rate);
      // Peak bucket: even a full bucket goes no faster than 80 Mbps.
      for (const [t, b] of d.samples) expect(b).toBeLessThanOrEqual(UPPER * (peakDepth + peak * ((t - d.t0) / 1000)));
      // And the burst is real: 1 MB at 20 Mbps alone would take 400 ms.
      const firstMB = d.samples.find(([, b]) => b >= 1_000_000)![0] - d.t0;
      expect(firstMB).toBeLessThan(300);
    } finally {
      await close(server);
    }
  });
});

describe('sharing', () => {
  test('8 downloads under one 40 Mbps global cap each get ~1/8 (Jain ≥ 0.99)', async () => {
    const limiter = new BandwidthLimiter({ global: { mbps: 40 } });
    const { port, server, record } = await serve((req) => ({ limit: limiter, connection: req.socket }));
    try {
      const t0 = performance.now();
      const downloads = await Promise.all(Array.from({ length: 8 }, () => download(port, '/', { stopAfterMs: 2600 })));
      const [from, to] = [t0 + 600, t0 + 2600];
      const shares = downloads.map((d) => bytesAt(d, to) - bytesAt(d, from));
      const index = jain(shares);
      expect(index).toBeGreaterThanOrEqual(0.99);
      // All together, never above the cap (physical bound from t0).
      const total = downloads.reduce((a, d) => a + d.bytes, 0);
      const cap = 40 * BYTES_PER_MBPS;
      expect(total).toBeLessThanOrEqual(UPPER * (limiter.global!.burstBytes + cap * ((Math.max(...downloads.map((d) => d.tEnd)) - t0) / 1000)));
      expect(total).toBeGreaterThanOrEqual(LOWER * cap * 2.6);
      // Every server-side writer is released once its client left, and nobody waits on the bucket.
      await Promise.all(record.writers.map((w) => w.released));
      expect(limiter.global!.waiting).toBe(0);
    } finally {
      await close(server);
    }
  });

  test('per-connection and global limits at once: a byte must pass both', async () => {
    // Two connections at 8 Mbps each under a 100 Mbps global: the per-connection limit binds.
    const limiter = new BandwidthLimiter({ perConnection: { mbps: 8 }, global: { mbps: 100 } });
    const { port, server } = await serve((req) => ({ limit: limiter, connection: req.socket }));
    try {
      const size = 1_500_000;
      const ds = await Promise.all([download(port, `/?bytes=${size}`), download(port, `/?bytes=${size}`)]);
      for (const d of ds) {
        const rate = (d.bytes - 20_000) / ((d.tEnd - d.t0) / 1000); // 20 ms default depth at 8 Mbps
        expect(rate).toBeLessThanOrEqual(UPPER * 8 * BYTES_PER_MBPS);
        expect(rate).toBeGreaterThanOrEqual(LOWER * 8 * BYTES_PER_MBPS);
      }
    } finally {
      await close(server);
    }
  });

  test('HTTP/2: streams on one session share its per-connection bucket', async () => {
    const limiter = new BandwidthLimiter({ perConnection: { mbps: 16 } });
    const server = http2.createServer((req, res) => {
      const w = throttle(writerFor(req, res), limiter, { connection: req.stream.session ?? undefined });
      w.writeHeader(200);
      void (async () => {
        for (let sent = 0; sent < 1_000_000; sent += 100_000) await w.write(BLOCK.subarray(0, 100_000));
        await w.close();
      })().catch(() => {});
    });
    const port = await listen(server);
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const t0 = performance.now();
      const one = (): Promise<number> =>
        new Promise((resolve, reject) => {
          let n = 0;
          const s = session.request({ ':path': '/' });
          s.on('data', (c: Buffer) => (n += c.length));
          s.on('end', () => resolve(n));
          s.on('error', reject);
        });
      const got = await Promise.all([one(), one()]);
      const elapsed = (performance.now() - t0) / 1000;
      expect(got).toEqual([1_000_000, 1_000_000]);
      // 2 MB through one 2 MB/s bucket: about a second, whatever the stream count.
      const rate = (2_000_000 - 40_000) / elapsed;
      expect(rate).toBeLessThanOrEqual(UPPER * 16 * BYTES_PER_MBPS);
      expect(rate).toBeGreaterThanOrEqual(LOWER * 16 * BYTES_PER_MBPS);
    } finally {
      session.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('release', () => {
  test('a client that leaves releases its place in the queue at once', async () => {
    const bucket = new TokenBucket({ mbps: 1 });
    const { port, server, record } = await serve(() => ({ limit: bucket }));
    try {
      const d = await download(port, '/?bytes=10000000', { stopAfterMs: 300 });
      expect(d.bytes).toBeGreaterThan(0);
      expect(d.bytes).toBeLessThan(1_000_000);
      await record.writers[0]!.released;
      await new Promise((r) => setTimeout(r, 20));
      expect(record.errors).toHaveLength(1);
      expect(record.errors[0]!.error).toBeInstanceOf(SluiceError);
      expect((record.errors[0]!.error as SluiceError).code).toBe('ERR_SLUICE_PEER_GONE');
      // The write waiting for tokens failed within moments of the disconnect, not after its slice's turn.
      expect(record.errors[0]!.at - d.tEnd).toBeLessThan(250);
      expect(bucket.waiting).toBe(0);
    } finally {
      await close(server);
    }
  });

  test('abort() on the throttled writer rejects the pending write with the reason', async () => {
    const bucket = new TokenBucket({ mbps: 1 });
    let pending: Promise<void> | undefined;
    let w: StreamWriter | undefined;
    const server = http.createServer((req, res) => {
      w = throttle(writerFor(req, res), bucket);
      pending = w.write(BLOCK); // 1 MiB at 1 Mbps: ~8 s of waiting
      setTimeout(() => w!.abort(new Error('shutting down')), 50);
    });
    const port = await listen(server);
    try {
      await download(port, '/').catch(() => undefined);
      await expect(pending).rejects.toMatchObject({ code: 'ERR_SLUICE_ABORTED' });
      expect(w!.closed).toBe(true);
      expect(bucket.waiting).toBe(0);
    } finally {
      await close(server);
    }
  });
});

describe('the StreamWriter contract through throttle()', () => {
  test('bytes arrive intact and in order, from unawaited mixed writes; trailers and bytesWritten', async () => {
    const bucket = new TokenBucket({ mbps: 100 });
    const parts: Array<string | Uint8Array> = [];
    for (let i = 0; i < 200; i++) parts.push(i % 3 === 0 ? `line ${i} ${'é'.repeat(i)}\n` : new Uint8Array(Array.from({ length: 1000 + i * 97 }, (_, j) => (i + j) & 0xff)));
    const expected = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    let written = -1;
    const server = http.createServer((req, res) => {
      const w = throttle(writerFor(req, res), bucket);
      w.writeHeader(200, { trailer: 'x-sum' });
      for (const p of parts) void w.write(p);
      void w.close({ 'x-sum': String(expected.length) }).then(() => (written = w.bytesWritten));
      void w.write('late').catch((e: SluiceError) => (written = e.code === 'ERR_SLUICE_WRITE_AFTER_CLOSE' ? written : -2));
    });
    const port = await listen(server);
    try {
      const d = await download(port, '/', { keep: true });
      expect(d.body!.equals(expected)).toBe(true);
      expect(d.trailers!['x-sum']).toBe(String(expected.length));
      await new Promise((r) => setTimeout(r, 10));
      expect(written).toBe(expected.length);
    } finally {
      await close(server);
    }
  });

  test('toWritable() works in stream.pipeline and is paced too', async () => {
    const bucket = new TokenBucket({ mbps: 8, burstBytes: 10_000 }); // 1 MB/s
    const server = http.createServer((req, res) => {
      const w = throttle(writerFor(req, res), bucket);
      void pipeline(Readable.from([BLOCK.subarray(0, 200_000), BLOCK.subarray(0, 300_000)]), w.toWritable()).catch(() => {});
    });
    const port = await listen(server);
    try {
      const d = await download(port, '/');
      expect(d.bytes).toBe(500_000);
      const elapsed = (d.tEnd - d.t0) / 1000;
      expect(d.bytes / elapsed).toBeLessThanOrEqual(UPPER * (10_000 / elapsed + 1_000_000));
      expect(elapsed).toBeGreaterThan(0.4);
    } finally {
      await close(server);
    }
  });

  test('throttle() refuses what is not a writer or a limit', () => {
    const bucket = new TokenBucket({ mbps: 1 });
    expect(() => throttle({} as StreamWriter, bucket)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }));
    const fake = { write: () => Promise.resolve(), signal: new AbortController().signal } as unknown as StreamWriter;
    expect(() => throttle(fake, { take: 1 } as unknown as RateLimit)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }));
  });
});

describe('no credit piles up while a peer stalls (manual clock)', () => {
  test('after a 5 s stall the writer gets one bucket, not 5 s of bytes', async () => {
    const { ManualClock, settle } = await import('./test-support/manual-clock.js');
    const clock = new ManualClock();
    const bucket = new TokenBucket({ mbps: 8, clock }); // 1,000 B/ms, depth 20,000
    let stalled = false;
    let release: (() => void) | null = null;
    let written = 0;
    const ac = new AbortController();
    // A StreamWriter whose peer can stop reading: write() hangs while stalled, like a full socket.
    const inner = {
      writeHeader: () => {},
      write: (chunk: Uint8Array) => {
        written += chunk.length;
        return stalled ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
      flush: () => Promise.resolve(),
      close: () => Promise.resolve(),
      abort: () => ac.abort(),
      bytesWritten: 0,
      headersSent: true,
      closed: false,
      signal: ac.signal,
      protocol: 'http/1.1',
      released: Promise.resolve(),
      toWritable: () => {
        throw new Error('unused');
      },
    } as unknown as StreamWriter;
    const w = throttle(inner, bucket);
    void (async () => {
      while (!ac.signal.aborted) await w.write(BLOCK.subarray(0, 10_000)).catch(() => {});
    })();
    await clock.advance(1000);
    expect(written).toBeLessThanOrEqual(20_000 + 1_000 * 1000);
    expect(written).toBeGreaterThanOrEqual(1_000 * 1000);
    stalled = true;
    await clock.advance(50);
    const atStall = written;
    await clock.advance(5000);
    expect(written - atStall).toBeLessThanOrEqual(10_000); // at most the slice that hung
    stalled = false;
    const beforeResume = written;
    release!();
    await settle();
    await clock.advance(100);
    // One bucket (20,000) + 100 ms at the rate + a slice of rounding; 5 s of credit would be 5 MB.
    expect(written - beforeResume).toBeLessThanOrEqual(20_000 + 100 * 1000 + 10_000);
    expect(written - beforeResume).toBeGreaterThanOrEqual(100 * 1000);
    ac.abort();
    await clock.advance(20);
    expect(bucket.waiting).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
