import http from 'node:http';
import net from 'node:net';
import { Readable, pipeline } from 'node:stream';
import { promisify } from 'node:util';
import {
  BackpressureTimeoutError,
  HeadersSentError,
  InvalidHeaderError,
  InvalidStatusError,
  PeerGoneError,
  ResponseBufferedError,
  TrailerNotDeclaredError,
  WriteAfterCloseError,
  bufferResponse,
  captureResponse,
  capturedResponse,
  flushResponse,
  writeJsonArray,
  writeNdjson,
  pipeFrom,
  type StreamWriter,
} from '@sluice/stream-core';
import { writerForResponse } from './writer.js';
import { get, rawRequest, sleep, startHttpServer } from './test-support/server.js';

const pipelineAsync = promisify(pipeline);

/** Parses a raw chunked HTTP/1.1 response into its chunk sizes, body and trailer lines. */
function parseChunked(raw: string): { head: string; sizes: number[]; body: string; trailers: string[] } {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, end);
  let rest = raw.slice(end + 4);
  const sizes: number[] = [];
  let body = '';
  while (true) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    rest = rest.slice(eol + 2);
    if (size === 0) break;
    sizes.push(size);
    body += rest.slice(0, size);
    rest = rest.slice(size + 2);
  }
  const trailers = rest.split('\r\n').filter(Boolean);
  return { head, sizes, body, trailers };
}

const finishedChunked = (s: string): boolean => /\r\n0\r\n(?:[^\r]+\r\n)*\r\n$/.test(s);

describe('HTTP/1.1 StreamWriter over a real socket', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function serve(handler: (w: StreamWriter, req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>, options?: Parameters<typeof writerForResponse>[1]) {
    const s = await startHttpServer((req, res) => {
      const w = writerForResponse(res, options);
      Promise.resolve(handler(w, req, res)).catch((e) => {
        if (!w.closed) w.abort(e);
      });
    });
    close = s.close;
    return s.port;
  }

  test('streams a chunked body with the status and headers given once', async () => {
    const port = await serve(async (w) => {
      w.writeHeader(201, { 'content-type': 'text/plain', 'x-a': 1 });
      await w.write('hello ');
      await w.write(Buffer.from('world'));
      await w.write(new Uint8Array([33]));
      expect(w.bytesWritten).toBe(12);
      await w.close();
    });
    const res = await get(port);
    expect(res.status).toBe(201);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['x-a']).toBe('1');
    expect(res.body.toString()).toBe('hello world!');
  });

  test('header pairs keep repeated names such as set-cookie, in order', async () => {
    const port = await serve(async (w) => {
      w.writeHeader(200, [
        ['set-cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
        ['x-list', ['p', 'q']],
      ]);
      await w.close();
    });
    const res = await get(port);
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.headers['x-list']).toBe('p, q');
  });

  test.each([
    ['CR in a value', { 'x-bad': 'a\rb' }, InvalidHeaderError],
    ['LF in a value', { 'x-bad': 'a\nInjected: yes' }, InvalidHeaderError],
    ['NUL in a value', { 'x-bad': 'a\0b' }, InvalidHeaderError],
    ['a space in a name', { 'bad name': 'x' }, InvalidHeaderError],
    ['a colon in a name', { 'bad:name': 'x' }, InvalidHeaderError],
  ])('refuses %s before a byte is sent', async (_what, headers, errorClass) => {
    let thrown: unknown;
    const port = await serve(async (w, _req, res) => {
      try {
        w.writeHeader(200, headers as Record<string, string>);
      } catch (e) {
        thrown = e;
      }
      expect(w.headersSent).toBe(false);
      expect(res.headersSent).toBe(false);
      w.writeHeader(500, { 'content-type': 'text/plain' });
      await w.close();
    });
    const raw = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(thrown).toBeInstanceOf(errorClass);
    expect((thrown as { code: string }).code).toBe('ERR_SLUICE_INVALID_HEADER');
    expect(raw.startsWith('HTTP/1.1 500')).toBe(true);
    expect(raw).not.toMatch(/Injected/);
  });

  test.each([99, 100, 101, 1000, 200.5, NaN])('refuses status %p', async (status) => {
    let thrown: unknown;
    const port = await serve(async (w) => {
      try {
        w.writeHeader(status);
      } catch (e) {
        thrown = e;
      }
      await w.close();
    });
    const res = await get(port);
    expect(thrown).toBeInstanceOf(InvalidStatusError);
    expect(res.status).toBe(200); // close() sent the implicit 200 after the refusal
  });

  test('writeHeader twice, and write after close, are typed errors', async () => {
    const errors: unknown[] = [];
    const port = await serve(async (w) => {
      w.writeHeader(200);
      try {
        w.writeHeader(200);
      } catch (e) {
        errors.push(e);
      }
      await w.close();
      await w.write('late').catch((e) => errors.push(e));
      await w.flush().catch((e) => errors.push(e));
      await w.close(); // idempotent
    });
    await get(port);
    expect(errors[0]).toBeInstanceOf(HeadersSentError);
    expect((errors[0] as { code: string }).code).toBe('ERR_SLUICE_HEADERS_SENT');
    expect(errors[1]).toBeInstanceOf(WriteAfterCloseError);
    expect(errors[2]).toBeInstanceOf(WriteAfterCloseError);
  });

  test('HEAD, 204 and 304: body writes are dropped by node:http and the writer closes cleanly', async () => {
    const outcomes: string[] = [];
    const port = await serve(async (w, req) => {
      const status = Number(new URL(req.url!, 'http://x').searchParams.get('status') ?? 200);
      w.writeHeader(status, { 'content-type': 'text/plain' });
      await w.write('body that must not be sent');
      await w.close();
      outcomes.push(`${req.method} ${status} ok`);
    });
    const head = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const r = http.request({ host: '127.0.0.1', port, method: 'HEAD', agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      r.on('error', reject);
      r.end();
    });
    expect(head).toEqual({ status: 200, body: '' });
    expect((await get(port, '/?status=204')).body.length).toBe(0);
    expect((await get(port, '/?status=304')).body.length).toBe(0);
    expect(outcomes).toEqual(['HEAD 200 ok', 'GET 204 ok', 'GET 304 ok']);
  });

  test('headers already sent by other code give HeadersSentError', async () => {
    let thrown: unknown;
    const s = await startHttpServer((_req, res) => {
      res.writeHead(202);
      const w = writerForResponse(res);
      try {
        w.writeHeader(200);
      } catch (e) {
        thrown = e;
      }
      res.end('done');
    });
    close = s.close;
    expect((await get(s.port)).status).toBe(202);
    expect(thrown).toBeInstanceOf(HeadersSentError);
  });

  test('trailers declared in the trailer header reach the client', async () => {
    const port = await serve(async (w) => {
      w.writeHeader(200, { trailer: 'x-checksum, x-rows', 'content-length': '5' });
      await w.write('abcde');
      await w.close({ 'x-checksum': 'abc123', 'x-rows': 5 });
    });
    const res = await get(port);
    expect(res.body.toString()).toBe('abcde');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.trailers).toEqual({ 'x-checksum': 'abc123', 'x-rows': '5' });
  });

  test('an undeclared trailer is refused with a typed error', async () => {
    let thrown: unknown;
    const port = await serve(async (w) => {
      w.writeHeader(200, { trailer: 'x-a' });
      await w.close({ 'x-b': '1' }).catch((e) => (thrown = e));
      await w.close({ 'x-a': '1' });
    });
    const res = await get(port);
    expect(thrown).toBeInstanceOf(TrailerNotDeclaredError);
    expect(res.trailers).toEqual({ 'x-a': '1' });
  });

  test('small writes in one tick are batched into one chunk; flush() sends them at once', async () => {
    const port = await serve(async (w) => {
      w.writeHeader(200);
      for (let i = 0; i < 100; i++) void w.write(`line ${i}\n`);
      await w.flush();
      await sleep(50);
      await w.write('tail');
      await w.close();
    });
    const raw = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', finishedChunked);
    const parsed = parseChunked(raw);
    expect(parsed.body).toBe(Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join('') + 'tail');
    expect(parsed.sizes.length).toBeLessThanOrEqual(3);
  });

  test('flush() pushes a small write to the peer before the stream ends', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const port = await serve(async (w) => {
      w.writeHeader(200, { 'content-type': 'text/event-stream' });
      await w.write('data: 1\n\n');
      await w.flush();
      await gate;
      await w.close();
    });
    const raw = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', (s) => s.includes('data: 1'));
    release();
    expect(raw).toContain('data: 1\n\n');
  });

  test('headers reach the peer promptly even before any body', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const port = await serve(async (w) => {
      w.writeHeader(200, { 'x-started': 'yes' });
      await gate;
      await w.close();
    });
    const raw = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', (s) => s.includes('\r\n\r\n'));
    release();
    expect(raw).toMatch(/x-started: yes/i);
  });

  test('a peer that reads nothing gets the stream aborted after backpressureTimeoutMs', async () => {
    let writer!: StreamWriter;
    let rejected: unknown;
    const done = new Promise<void>((resolve) => {
      void serve(
        async (w) => {
          writer = w;
          w.writeHeader(200);
          const chunk = Buffer.alloc(1 << 20);
          try {
            for (let i = 0; i < 1000; i++) await w.write(chunk);
          } catch (e) {
            rejected = e;
          }
          resolve();
        },
        { backpressureTimeoutMs: 300 },
      ).then((port) => {
        // A client that connects, sends a request and never reads.
        const socket = net.connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        socket.pause();
        socket.on('error', () => {});
        void done.then(() => socket.destroy());
      });
    });
    await done;
    expect(rejected).toBeInstanceOf(BackpressureTimeoutError);
    expect((rejected as { code: string }).code).toBe('ERR_SLUICE_BACKPRESSURE_TIMEOUT');
    expect(writer.signal.aborted).toBe(true);
    expect(writer.signal.reason).toBe(rejected);
    await writer.released;
  });

  test('a client that disconnects is detected without a write failing', async () => {
    let writer!: StreamWriter;
    const aborted = new Promise<unknown>((resolve) => {
      void serve(async (w) => {
        writer = w;
        w.writeHeader(200);
        await w.flush();
        // The handler writes nothing more: only the socket's close can tell us.
        w.signal.addEventListener('abort', () => resolve(w.signal.reason));
      }).then((port) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        socket.once('data', () => socket.destroy());
      });
    });
    const reason = await aborted;
    expect(reason).toBeInstanceOf(PeerGoneError);
    expect(writer.closed).toBe(true);
    await expect(writer.write('x')).rejects.toBeInstanceOf(PeerGoneError);
  });

  test('abort(reason) cuts the connection so the peer sees an incomplete body', async () => {
    const port = await serve(async (w) => {
      w.writeHeader(200);
      await w.write('partial');
      await w.flush();
      await sleep(20);
      w.abort(new Error('database went away'));
      expect(w.signal.aborted).toBe(true);
      expect((w.signal.reason as { code: string }).code).toBe('ERR_SLUICE_ABORTED');
    });
    const error = await new Promise<unknown>((resolve) => {
      http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
        res.on('data', () => {});
        res.on('error', resolve);
        res.on('end', () => resolve(null));
      });
    });
    expect((error as { code?: string } | null)?.code).toBe('ECONNRESET');
  });

  test('the writer outlives the handler and is released exactly once', async () => {
    let releases = 0;
    const port = await serve((w) => {
      void w.released.then(() => releases++);
      w.writeHeader(200);
      setTimeout(() => {
        void (async () => {
          await w.write('later');
          await w.close();
          await w.close();
        })();
      }, 30);
      // the handler returns at once
    });
    const res = await get(port);
    expect(res.body.toString()).toBe('later');
    await sleep(10);
    expect(releases).toBe(1);
  });

  test('works as a Node Writable in stream.pipeline', async () => {
    const port = await serve(async (w) => {
      w.writeHeader(200);
      await pipelineAsync(Readable.from(['a', 'b', Buffer.from('c')]), w.toWritable());
      expect(w.closed).toBe(true);
    });
    expect((await get(port)).body.toString()).toBe('abc');
  });

  test('NDJSON, JSON array and pipe-from helpers (async iterable and WHATWG ReadableStream)', async () => {
    const port = await serve(async (w, req) => {
      if (req.url === '/ndjson') {
        w.writeHeader(200, { 'content-type': 'application/x-ndjson' });
        await writeNdjson(w, (async function* () {
          yield { a: 1 };
          yield [2];
          yield 'three';
        })());
      } else if (req.url === '/array') {
        w.writeHeader(200, { 'content-type': 'application/json' });
        await writeJsonArray(w, [{ a: 1 }, null, 'x']);
      } else if (req.url === '/empty') {
        await writeJsonArray(w, []);
      } else {
        const rs = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new TextEncoder().encode('web'));
            c.enqueue(new TextEncoder().encode('stream'));
            c.close();
          },
        });
        await pipeFrom(w, rs);
      }
    });
    expect((await get(port, '/ndjson')).body.toString()).toBe('{"a":1}\n[2]\n"three"\n');
    expect(JSON.parse((await get(port, '/array')).body.toString())).toEqual([{ a: 1 }, null, 'x']);
    expect((await get(port, '/empty')).body.toString()).toBe('[]');
    expect((await get(port, '/web')).body.toString()).toBe('webstream');
  });

  test('a source that throws mid-stream aborts the response: the peer never sees a complete body', async () => {
    let sourceError: unknown;
    const port = await serve(async (w) => {
      await writeJsonArray(w, (async function* () {
        yield 1;
        throw new Error('cursor failed');
      })()).catch((e) => (sourceError = e));
    });
    const outcome = await new Promise<string>((resolve) => {
      http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('error', () => resolve('error:' + body));
        res.on('end', () => resolve('end:' + body));
      });
    });
    expect((sourceError as Error).message).toBe('cursor failed');
    expect(outcome.startsWith('error:')).toBe(true);
  });

  test('when the peer leaves, the source is stopped (its finally runs)', async () => {
    let finalized = false;
    let produced = 0;
    const port = await serve(async (w) => {
      await pipeFrom(w, (async function* () {
        try {
          while (true) {
            produced++;
            yield Buffer.alloc(64 * 1024);
          }
        } finally {
          finalized = true;
        }
      })()).catch(() => {});
    });
    await new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => {});
    });
    for (let i = 0; i < 100 && !finalized; i++) await sleep(10);
    expect(finalized).toBe(true);
    expect(produced).toBeLessThan(1000);
  });

  test('while bufferResponse() holds the response, asking for a writer is a typed error', async () => {
    let thrown: unknown;
    const s = await startHttpServer(async (req, res) => {
      bufferResponse(res);
      bufferResponse(res); // nested layer
      try {
        writerForResponse(res);
      } catch (e) {
        thrown = e;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('buffered ');
      res.end('body');
      await flushResponse(res); // inner layer: nothing is written yet
      expect(res.headersSent).toBe(false);
      await flushResponse(res); // outermost: now it goes out
    });
    close = s.close;
    const res = await get(s.port);
    expect(thrown).toBeInstanceOf(ResponseBufferedError);
    expect((thrown as { code: string }).code).toBe('ERR_SLUICE_RESPONSE_BUFFERED');
    expect(res.body.toString()).toBe('buffered body');
    expect(res.headers['content-length']).toBe('13');
  });

  test('captureResponse keeps a copy of plain writes but never of streamed bytes', async () => {
    const seen: Array<ReturnType<typeof capturedResponse>> = [];
    const s = await startHttpServer(async (req, res) => {
      captureResponse(res);
      res.on('finish', () => seen.push(capturedResponse(res)));
      if (req.url === '/plain') {
        res.end('plain body');
        return;
      }
      const w = writerForResponse(res);
      await w.write('streamed');
      await w.close();
    });
    close = s.close;
    expect((await get(s.port, '/plain')).body.toString()).toBe('plain body');
    expect((await get(s.port, '/stream')).body.toString()).toBe('streamed');
    expect(seen[0]!.body.toString()).toBe('plain body');
    expect(seen[1]!.streamed).toBe(true);
    expect(seen[1]!.body.length).toBe(0);
  });
});
