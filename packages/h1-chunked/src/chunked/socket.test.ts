// Real sockets on 127.0.0.1: node's http client and server (llhttp) and curl as the peers.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ChunkedDecoder } from './decoder.js';
import { ChunkedEncoder } from './encoder.js';
import type { ChunkedEncodingError } from './errors.js';

interface Received {
  head: string;
  body: Buffer;
  trailers: Array<[string, string]>;
}

/**
 * A raw HTTP/1.1 server that reads chunked request bodies with ChunkedDecoder, answers each with
 * a JSON summary (or 400 naming the error code), and reads the next request from decoder.rest.
 */
async function chunkedEchoServer(seen: Received[]): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let head = Buffer.alloc(0);
    let decoder: ChunkedDecoder | null = null;

    const onBytes = (chunk: Buffer): void => {
      if (decoder) {
        decoder.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headText = head.subarray(0, end).toString('latin1');
      const after = head.subarray(end + 4);
      head = Buffer.alloc(0);
      const d = new ChunkedDecoder();
      decoder = d;
      const body: Buffer[] = [];
      d.on('data', (b: Buffer) => body.push(b));
      d.on('trailers', () => {
        // The message is complete: stop feeding the decoder, let it process what it holds.
        socket.pause();
        d.end();
      });
      d.on('finish', () => {
        const received = { head: headText, body: Buffer.concat(body), trailers: d.trailers };
        seen.push(received);
        const json = JSON.stringify({ bytes: received.body.length, sha256: createHash('sha256').update(received.body).digest('hex'), trailers: d.trailers });
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
        decoder = null;
        const rest = d.rest;
        socket.resume();
        if (rest.length) onBytes(rest);
      });
      d.on('error', (e: ChunkedEncodingError) => {
        socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: ${e.code.length}\r\n\r\n${e.code}`);
      });
      if (after.length) d.write(after);
    };
    socket.on('data', onBytes);
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A raw server whose response body is ChunkedEncoder output piped straight into the socket. */
async function encoderServer(chunks: Buffer[], trailers: Record<string, string>): Promise<{ port: number; wire: Buffer[]; close: () => Promise<void> }> {
  const wire: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: x-sum\r\nConnection: close\r\n\r\n');
      const enc = new ChunkedEncoder();
      enc.on('data', (b: Buffer) => wire.push(b));
      enc.pipe(socket);
      let k = 0;
      // One write per turn of the event loop, so the peer sees separate chunks arrive.
      const next = (): void => {
        if (k < chunks.length) {
          enc.write(chunks[k++]);
          setImmediate(next);
          return;
        }
        enc.setTrailers(trailers);
        enc.end();
      };
      next();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    wire,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const payload = (): Buffer[] => [Buffer.from('hello '), Buffer.alloc(70_000, 0x61), Buffer.from('\r\n0\r\n\r\n(not the end)'), Buffer.from('!')];

function hasCurl(): Promise<boolean> {
  return new Promise((r) => execFile('curl', ['--version'], (err) => r(!err)));
}

describe('ChunkedDecoder on a socket', () => {
  it("decodes a chunked body and its trailers sent by node's http client", async () => {
    const seen: Received[] = [];
    const srv = await chunkedEchoServer(seen);
    try {
      const parts = payload();
      const res = await new Promise<{ status: number; json: { bytes: number; sha256: string; trailers: Array<[string, string]> } }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: srv.port, method: 'POST', path: '/', agent: false, headers: { Trailer: 'x-sum' } }, (r) => {
          let text = '';
          r.setEncoding('utf8');
          r.on('data', (s: string) => (text += s));
          r.on('end', () => resolve({ status: r.statusCode!, json: JSON.parse(text) }));
        });
        req.on('error', reject);
        req.setTimeout(5000, () => req.destroy(new Error('no response')));
        let k = 0;
        const next = (): void => {
          if (k < parts.length) {
            req.write(parts[k++]);
            setImmediate(next);
            return;
          }
          req.addTrailers({ 'X-Sum': 'abc', 'X-Note': ' spaced  ' });
          req.end();
        };
        next();
      });
      expect(seen[0]!.head).toMatch(/\r\ntransfer-encoding: chunked/i);
      expect(res.status).toBe(200);
      expect(res.json.bytes).toBe(Buffer.concat(parts).length);
      expect(res.json.sha256).toBe(sha(Buffer.concat(parts)));
      expect(res.json.trailers).toEqual([
        ['x-sum', 'abc'],
        ['x-note', 'spaced'],
      ]);
    } finally {
      await srv.close();
    }
  });

  it('leaves a pipelined second request in rest, so both are answered on one connection', async () => {
    const seen: Received[] = [];
    const srv = await chunkedEchoServer(seen);
    try {
      const msg = (body: string): string => `POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
      const reply = await new Promise<string>((resolve, reject) => {
        const c = net.connect(srv.port, '127.0.0.1', () => c.write(msg('first') + msg('second!')));
        let text = '';
        c.setEncoding('latin1');
        c.on('data', (s: string) => {
          text += s;
          if ((text.match(/HTTP\/1\.1 200/g) ?? []).length === 2 && text.endsWith('}')) {
            c.destroy();
            resolve(text);
          }
        });
        c.on('error', reject);
        c.setTimeout(3000, () => {
          c.destroy();
          resolve(text);
        });
      });
      expect(seen.map((s) => s.body.toString())).toEqual(['first', 'second!']);
      expect(seen[1]!.head.startsWith('POST /x HTTP/1.1')).toBe(true);
      expect(reply).toContain(`"sha256":"${sha(Buffer.from('second!'))}"`);
    } finally {
      await srv.close();
    }
  });

  it.each([
    ['0\n\r\n', 'ERR_SLUICE_CHUNKED_BARE_LF'],
    ['5 \r\nhello\r\n0\r\n\r\n', 'ERR_SLUICE_CHUNKED_INVALID_SIZE'],
    ['5\r\nhelloXX0\r\n\r\n', 'ERR_SLUICE_CHUNKED_MISSING_CRLF'],
    ['0\r\ncontent-length: 5\r\n\r\n', 'ERR_SLUICE_CHUNKED_FORBIDDEN_TRAILER'],
  ])('answers a smuggling body %j with 400 and the code; the smuggled request is never answered', async (body, code) => {
    const seen: Received[] = [];
    const srv = await chunkedEchoServer(seen);
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const c = net.connect(srv.port, '127.0.0.1', () =>
          c.write(`POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${body}GET /admin HTTP/1.1\r\nHost: a\r\n\r\n`),
        );
        let text = '';
        c.setEncoding('latin1');
        c.on('data', (s: string) => (text += s));
        c.on('end', () => resolve(text));
        c.setTimeout(3000, () => {
          c.destroy();
          resolve(text);
        });
        c.on('error', reject);
      });
      expect(reply).toBe(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: ${code.length}\r\n\r\n${code}`);
      expect(seen).toHaveLength(0);
    } finally {
      await srv.close();
    }
  });
});

describe('ChunkedEncoder on a socket', () => {
  it("is read by node's http client (llhttp), trailers in res.trailers", async () => {
    const parts = payload();
    const srv = await encoderServer(parts, { 'x-sum': sha(Buffer.concat(parts)) });
    try {
      const got = await new Promise<{ body: Buffer; trailers: NodeJS.Dict<string>; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: srv.port, path: '/', agent: false }, (res) => {
            const body: Buffer[] = [];
            res.on('data', (b: Buffer) => body.push(b));
            res.on('end', () => resolve({ body: Buffer.concat(body), trailers: res.trailers, headers: res.headers }));
            res.on('error', reject);
          })
          .on('error', reject)
          .setTimeout(5000, function (this: http.ClientRequest) {
            this.destroy(new Error('no response'));
          });
      });
      expect(got.headers['transfer-encoding']).toBe('chunked');
      expect(got.body.equals(Buffer.concat(parts))).toBe(true);
      expect(got.trailers).toEqual({ 'x-sum': sha(Buffer.concat(parts)) });
      // What went on the wire is exactly one chunk per non-empty write, then the last-chunk.
      const wire = Buffer.concat(srv.wire).toString('latin1');
      expect(wire.startsWith('6\r\nhello \r\n11170\r\n')).toBe(true);
      expect(wire.endsWith(`\r\n1\r\n!\r\n0\r\nx-sum: ${sha(Buffer.concat(parts))}\r\n\r\n`)).toBe(true);
    } finally {
      await srv.close();
    }
  });

  it('is read by curl --raw byte for byte, and curl without --raw decodes it', async () => {
    if (!(await hasCurl())) return; // curl is optional; the node peer above always runs
    const parts = payload();
    const srv = await encoderServer(parts, { 'x-sum': 'abc' });
    try {
      const run = (args: string[]): Promise<Buffer> =>
        new Promise((resolve, reject) => {
          const p = spawn('curl', ['-s', '-S', '--max-time', '5', ...args, `http://127.0.0.1:${srv.port}/`]);
          const out: Buffer[] = [];
          p.stdout.on('data', (b: Buffer) => out.push(b));
          p.on('error', reject);
          p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`curl exited ${code}`))));
        });
      const raw = await run(['--raw']);
      expect(raw.equals(Buffer.concat(srv.wire.splice(0)))).toBe(true);
      const decoded = await run([]);
      expect(decoded.equals(Buffer.concat(parts))).toBe(true);
    } finally {
      await srv.close();
    }
  });

  it('decodes a chunked upload sent by curl', async () => {
    if (!(await hasCurl())) return;
    const seen: Received[] = [];
    const srv = await chunkedEchoServer(seen);
    try {
      const data = Buffer.alloc(200_000, 0x62);
      const out = await new Promise<string>((resolve, reject) => {
        const p = spawn('curl', ['-s', '-S', '--max-time', '5', '-H', 'Transfer-Encoding: chunked', '-H', 'Expect:', '--data-binary', '@-', `http://127.0.0.1:${srv.port}/`]);
        let text = '';
        p.stdout.setEncoding('utf8');
        p.stdout.on('data', (s: string) => (text += s));
        p.on('error', reject);
        p.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`curl exited ${code}`))));
        p.stdin.end(data);
      });
      expect(JSON.parse(out)).toEqual({ bytes: data.length, sha256: sha(data), trailers: [] });
      expect(seen[0]!.head).toMatch(/transfer-encoding: chunked/i);
    } finally {
      await srv.close();
    }
  });
});
