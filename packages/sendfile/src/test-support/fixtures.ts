// Test fixtures: a served tree in a temp dir, servers on 127.0.0.1:0, and clients that show what a
// peer sees on the wire (node:http, node:http2, a raw socket).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tree {
  base: string;
  root: string;
  outside: string;
  data: Buffer;
  cleanup(): void;
}

/** base/public (the root), base/public2 (a sibling whose name starts with the root's), base/secret.txt. */
export function makeTree(): Tree {
  const base = mkdtempSync(join(tmpdir(), 'sluice-sendfile-'));
  const root = join(base, 'public');
  const w = (p: string, c: string | Buffer) => writeFileSync(join(root, p), c);
  mkdirSync(root);
  mkdirSync(join(root, 'sub'));
  mkdirSync(join(root, 'noindex'));
  mkdirSync(join(root, '.git'));
  mkdirSync(join(root, 'deep', 'er'), { recursive: true });
  const data = randomBytes(300 * 1024 + 7);
  w('index.html', '<!doctype html><title>home</title>');
  w('hello.txt', 'hello, world\n');
  w('data.bin', data);
  w('empty.txt', '');
  w('.env', 'SECRET=1\n');
  w('.git/config', '[core]\n');
  w('sub/index.html', '<p>sub</p>');
  w('sub/file.txt', 'sub file\n');
  w('noindex/a.txt', 'a\n');
  w('deep/er/leaf.txt', 'leaf\n');
  w('café.txt', 'café\n');
  w('a%2e.txt', 'literal percent\n');
  mkdirSync(join(base, 'public2'));
  writeFileSync(join(base, 'public2', 'secret.txt'), 'sibling secret\n');
  writeFileSync(join(base, 'secret.txt'), 'outside secret\n');
  // Symlinks: to a file inside, to a file outside, to a directory inside (a middle component), and
  // to a directory outside.
  symlinkSync(join(root, 'hello.txt'), join(root, 'link-in.txt'));
  symlinkSync(join(base, 'secret.txt'), join(root, 'link-out.txt'));
  symlinkSync(join(root, 'sub'), join(root, 'linkdir'));
  symlinkSync(join(base, 'public2'), join(root, 'linkdir-out'));
  symlinkSync(join(root, '.env'), join(root, 'link-dot'));
  return { base, root, outside: join(base, 'secret.txt'), data, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

export type Listener = (req: any, res: any) => unknown;

export interface Running {
  port: number;
  close(): Promise<void>;
}

export async function startH1(listener: Listener): Promise<Running> {
  const server = http.createServer((req, res) => void listener(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** An h2c server (HTTP/2 over cleartext, prior knowledge). */
export async function startH2(listener: Listener): Promise<Running> {
  const server = http2.createServer((req, res) => void listener(req, res));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  };
}

let tlsCache: { key: string; cert: string } | null = null;
/** A throwaway self-signed certificate for the allowHTTP1 server, made with openssl. */
export function selfSigned(dir: string): { key: string; cert: string } {
  if (tlsCache) return tlsCache;
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  tlsCache = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  return tlsCache;
}

/** A TLS HTTP/2 server with allowHTTP1: both protocols through one listener. */
export async function startSecure(listener: Listener, tls: { key: string; cert: string }): Promise<Running> {
  const server = http2.createSecureServer({ ...tls, allowHTTP1: true }, (req, res) => void listener(req, res));
  const sockets = new Set<net.Socket>();
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** An HTTP/1.1 request with the path sent exactly as given. */
export function h1(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** One HTTP/2 session for several requests. */
export class H2Client {
  readonly session: http2.ClientHttp2Session;
  constructor(port: number) {
    this.session = http2.connect(`http://127.0.0.1:${port}`);
    this.session.on('error', () => {});
  }
  get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const stream = this.session.request({ ':path': path, ':method': method, ...headers }, { endStream: true });
      const chunks: Buffer[] = [];
      let status = 0;
      let hdrs: Record<string, string | string[] | undefined> = {};
      stream.on('response', (h) => {
        status = Number(h[':status']);
        hdrs = { ...h } as Record<string, string | string[] | undefined>;
      });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve({ status, headers: hdrs, body: Buffer.concat(chunks) }));
      stream.on('error', reject);
    });
  }
  /** Resolves once the session is gone (its 'close' has fired) and a turn has passed for its handles. */
  async close(): Promise<void> {
    const session = this.session;
    if (!session.destroyed) await new Promise<void>((r) => session.close(() => r()));
    await new Promise<void>((r) => setImmediate(r));
    await new Promise<void>((r) => setImmediate(r));
  }
}

/** Sends raw bytes and returns everything the server answers until it closes or goes quiet. */
export function raw(port: number, request: string, quietMs = 300): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | null = null;
    const done = () => {
      if (timer) clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    sock.on('data', (c) => {
      chunks.push(c);
      if (timer) clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    });
    sock.on('end', done);
    sock.on('error', reject);
    sock.write(request);
  });
}

export const rawStatus = (text: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

/** Open descriptors of this process (Linux). */
export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

export async function waitFor(cond: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

/** Splits a multipart/byteranges body into its parts. */
export function parseMultipart(body: Buffer, contentType: string): Array<{ headers: Record<string, string>; data: Buffer }> {
  const boundary = /boundary=([^;]+)/.exec(contentType)![1];
  const text = body.toString('latin1');
  const parts = text.split(`--${boundary}`);
  expectTail(parts[parts.length - 1]);
  return parts.slice(1, -1).map((p) => {
    const [head, ...rest] = p.replace(/^\r\n/, '').split('\r\n\r\n');
    const data = rest.join('\r\n\r\n').replace(/\r\n$/, '');
    const headers: Record<string, string> = {};
    for (const line of head.split('\r\n')) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    return { headers, data: Buffer.from(data, 'latin1') };
  });
}
function expectTail(tail: string): void {
  if (tail !== '--\r\n') throw new Error(`multipart body does not end with the close delimiter: ${JSON.stringify(tail)}`);
}
