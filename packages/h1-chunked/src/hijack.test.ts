import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { hijack, HijackNotSupportedError, HijackedError } from './hijack.js';
import { sleep } from './test-support/server.js';

describe('hijack(req)', () => {
  test('takes the raw socket of an HTTP/1.1 request; the server lets go of it', async () => {
    // Short request timeouts: a connection the server still tracked would be killed by them.
    const server = http.createServer({ requestTimeout: 300, headersTimeout: 200, connectionsCheckingInterval: 50 } as http.ServerOptions, (req, res) => {
      const { socket, head } = hijack(req, res);
      expect(head.length).toBe(0);
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello raw\n');
      socket.on('data', (d) => socket.write(`echo:${d.toString()}`));
      socket.on('end', () => socket.end());
      expect(() => res.end('no')).toThrow(HijackedError);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const client = net.connect(port, '127.0.0.1');
    let received = '';
    client.setEncoding('latin1');
    client.on('data', (d: string) => (received += d));
    client.write('GET /raw HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(600); // past requestTimeout: the connection must survive
    client.write('ping');
    for (let i = 0; i < 50 && !received.includes('echo:ping'); i++) await sleep(10);
    client.end();
    await new Promise((r) => client.on('close', r));
    server.close();
    expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(received).toContain('hello raw\n');
    expect(received).toContain('echo:ping');
    expect(received).not.toContain('408');
  });

  test('body bytes already read by the server are handed over as head', async () => {
    const server = http.createServer((req, res) => {
      req.once('readable', () => {
        const { socket, head } = hijack(req, res);
        socket.end(`HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhead=${head.toString()}`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const received = await new Promise<string>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => c.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde'));
      let d = '';
      c.on('data', (x) => (d += x));
      c.on('close', () => resolve(d));
    });
    server.close();
    expect(received).toContain('head=abcde');
  });

  test('after the response started, hijack is refused', async () => {
    let thrown: unknown;
    const server = http.createServer((req, res) => {
      res.writeHead(200);
      res.write('x');
      try {
        hijack(req, res);
      } catch (e) {
        thrown = e;
      }
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => http.get({ port, host: '127.0.0.1', agent: false }, (r) => r.resume().on('end', resolve)));
    server.close();
    expect(thrown).toBeInstanceOf(HijackedError);
    expect((thrown as { code: string }).code).toBe('ERR_SLUICE_HIJACKED');
  });

  test('on HTTP/2 it is a typed "not supported" error', async () => {
    let thrown: unknown;
    const server = http2.createServer((req, res) => {
      try {
        hijack(req as unknown as http.IncomingMessage);
      } catch (e) {
        thrown = e;
      }
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const session = http2.connect(`http://127.0.0.1:${port}`);
    await new Promise<void>((resolve) => {
      const s = session.request({ ':path': '/' });
      s.resume();
      s.on('end', resolve);
    });
    session.close();
    server.close();
    expect(thrown).toBeInstanceOf(HijackNotSupportedError);
    expect((thrown as { code: string }).code).toBe('ERR_SLUICE_HIJACK_NOT_SUPPORTED');
  });
});
