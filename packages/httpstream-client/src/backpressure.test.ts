// Constant memory: the body is produced only as fast as the peer reads, so RSS does not grow with
// the body size. Bounds are generous (a loaded CI machine), but far below the bytes sent.
import busboy from 'busboy';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createClient } from './index.js';
import { startServer } from './test-support/server.js';

const MiB = 1024 * 1024;

/** A Readable of `total` bytes made of one reused 64 KiB chunk; counts how far it was read. */
function generated(total: number) {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let produced = 0;
  const stream = new Readable({
    read() {
      if (produced >= total) return void this.push(null);
      const n = Math.min(chunk.length, total - produced);
      produced += n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
  return { stream, produced: () => produced };
}

function rssSampler() {
  const base = process.memoryUsage().rss;
  let peak = base;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  return { stop: () => (clearInterval(t), (peak - base) / MiB), peakSoFar: () => (peak - base) / MiB };
}

// The bound on RSS growth. The in-process servers' socket reads allocate a fresh 64 KiB Buffer per
// chunk received, freed only when V8 collects: it collects once ~32 MiB of such external memory has
// piled up on Node 20/22, ~45 MiB on Node 24. So RSS plateaus at 25–35 MiB above the start on Node
// 20/22 and 50–70 MiB on Node 24, whatever the body size; a client that buffered would grow by the
// hundreds of MiB sent.
const RSS_BOUND = 96;

test('256 MiB to a sink reading 30 MiB/s: the source is pulled at the sink pace and RSS stays flat', async () => {
  const total = 256 * MiB;
  const rate = 30 * MiB;
  const started = Date.now();
  let received = 0;
  const server = await startServer((req, res) => {
    req.on('data', (c: Buffer) => {
      received += c.length;
      const due = started + (received / rate) * 1000;
      const wait = due - Date.now();
      if (wait > 5) {
        req.pause();
        setTimeout(() => req.resume(), wait);
      }
    });
    req.on('end', () => res.end(String(received)));
  });
  const client = createClient({ baseURL: server.url });
  try {
    const src = generated(total);
    const rss = rssSampler();
    // half-way through, the producer must not be far ahead of the reader
    const check = setTimeout(() => {
      aheadAtMidpoint = (src.produced() - received) / MiB;
      rssAtMidpoint = rss.peakSoFar();
    }, 4000);
    let aheadAtMidpoint = -1;
    let rssAtMidpoint = -1;
    const res = await client.put('/sink').body(src.stream, 'application/octet-stream', { size: total }).timeout({ idle: 30_000 }).send();
    expect(await res.text()).toBe(String(total));
    clearTimeout(check);
    const grew = rss.stop();
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `back-pressure: ${total / MiB} MiB in ${seconds.toFixed(1)} s, RSS +${grew.toFixed(1)} MiB (+${rssAtMidpoint.toFixed(1)} at 4 s), producer ahead by ${aheadAtMidpoint.toFixed(1)} MiB at 4 s`,
    );
    expect(seconds).toBeGreaterThan((total / rate) * 0.8);
    expect(aheadAtMidpoint).toBeGreaterThanOrEqual(0);
    expect(aheadAtMidpoint).toBeLessThan(16);
    expect(grew).toBeLessThan(RSS_BOUND);
    // flat: the second half (another ~128 MiB) adds next to nothing to the peak of the first
    expect(rssAtMidpoint).toBeGreaterThanOrEqual(0);
    expect(grew - rssAtMidpoint).toBeLessThan(24);
  } finally {
    await client.close();
    await server.close();
  }
}, 40_000);

test('the relay: a download from server A streamed as a multipart file to server B', async () => {
  const total = 64 * MiB;
  const a = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-disposition': 'attachment; filename="large.txt"', 'content-length': total });
    generated(total).stream.pipe(res);
  });
  const b = await startServer((req, res) => {
    const bb = busboy({ headers: req.headers });
    const hash = createHash('sha256');
    let name = '';
    let n = 0;
    bb.on('file', (_field, file, info) => {
      name = info.filename ?? '';
      file.on('data', (c: Buffer) => {
        n += c.length;
        hash.update(c);
      });
    });
    bb.on('close', () => res.end(JSON.stringify({ name, n, sha: hash.digest('hex') })));
    req.pipe(bb);
  });
  const client = createClient();
  try {
    const expected = createHash('sha256');
    for await (const c of generated(total).stream) expected.update(c);
    const rss = rssSampler();
    const download = await client.get(`${a.url}/file`).send();
    const filename: string = /filename="([^"]+)"/.exec(download.header('content-disposition') ?? '')?.[1] ?? 'download.bin';
    const size = Number(download.header('content-length'));
    const upload = await client.multipart(`${b.url}/upload`).file('file', filename, download.body, { size }).send();
    const result = await upload.json<{ name: string; n: number; sha: string }>();
    const grew = rss.stop();
    expect(result).toEqual({ name: 'large.txt', n: total, sha: expected.digest('hex') });
    expect(grew).toBeLessThan(RSS_BOUND);
  } finally {
    await client.close();
    await a.close();
    await b.close();
  }
}, 40_000);
