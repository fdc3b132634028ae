import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { bufferResponse, flushResponse, responseBody, sendBuffered, setResponseBody, isBuffering } from './buffering.js';

async function withServer(handler: http.RequestListener, fn: (port: number) => Promise<void>): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

function get(port: number, path = '/'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

describe('response buffering', () => {
  test('a middleware rewrites the buffered body before the outermost flush sends it', async () => {
    await withServer(
      async (_req, res) => {
        bufferResponse(res);
        res.writeHead(201, { 'content-type': 'text/plain', 'x-h': 'v' });
        res.end('hello');
        expect(isBuffering(res)).toBe(true);
        expect(responseBody(res)!.toString()).toBe('hello');
        setResponseBody(res, responseBody(res)!.toString().toUpperCase());
        await flushResponse(res);
        expect(isBuffering(res)).toBe(false);
      },
      async (port) => {
        const r = await get(port);
        expect(r).toMatchObject({ status: 201, body: 'HELLO' });
        expect(r.headers['x-h']).toBe('v');
        expect(r.headers['content-length']).toBe('5');
      },
    );
  });

  test('a buffered body past its limit is answered 413, never sent truncated', async () => {
    await withServer(
      async (_req, res) => {
        bufferResponse(res, { limit: 10 });
        res.write('0123456789');
        res.end('x');
        await flushResponse(res);
      },
      async (port) => {
        const r = await get(port);
        expect(r.status).toBe(413);
        expect(r.body).toMatch(/exceeds the 10-byte limit/);
      },
    );
  });

  test('sendBuffered sends a source with its Content-Length, and 413 past the limit (the source is stopped)', async () => {
    let destroyed = false;
    await withServer(
      async (req, res) => {
        if (req.url === '/small') {
          await sendBuffered(res, 200, 'text/csv', Readable.from(['a,b\n', '1,2\n']));
          return;
        }
        const huge = new Readable({
          read() {
            this.push(Buffer.alloc(1024));
          },
          destroy(err, cb) {
            destroyed = true;
            cb(err);
          },
        });
        await sendBuffered(res, 200, 'application/octet-stream', huge, { limit: 64 * 1024 });
      },
      async (port) => {
        const small = await get(port, '/small');
        expect(small).toMatchObject({ status: 200, body: 'a,b\n1,2\n' });
        expect(small.headers['content-length']).toBe('8');
        expect(small.headers['content-type']).toBe('text/csv');
        const big = await get(port, '/big');
        expect(big.status).toBe(413);
        expect(destroyed).toBe(true);
      },
    );
  });

  test('sendBuffered accepts strings, bytes and WHATWG streams; the default limit is 100 MB', async () => {
    const { DEFAULT_BUFFER_LIMIT } = await import('./buffering.js');
    expect(DEFAULT_BUFFER_LIMIT).toBe(100 * 1024 * 1024);
    await withServer(
      async (req, res) => {
        if (req.url === '/web') {
          const rs = new ReadableStream({
            start(c) {
              c.enqueue(new TextEncoder().encode('web'));
              c.close();
            },
          });
          await sendBuffered(res, 200, 'text/plain', rs);
        } else await sendBuffered(res, 202, 'text/plain', 'str');
      },
      async (port) => {
        expect((await get(port, '/web')).body).toBe('web');
        expect(await get(port, '/s')).toMatchObject({ status: 202, body: 'str' });
      },
    );
  });
});
