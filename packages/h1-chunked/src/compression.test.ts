import http from 'node:http';
import zlib from 'node:zlib';
import compression from 'compression';
import { writerForResponse } from './writer.js';
import { startHttpServer } from './test-support/server.js';

test("flush() pushes bytes out through Express's compression middleware", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const mw = compression({ threshold: 0 });
  const s = await startHttpServer((req, res) => {
    mw(req as never, res as never, async () => {
      const w = writerForResponse(res);
      w.writeHeader(200, { 'content-type': 'text/event-stream' });
      await w.write('data: first\n\n');
      await w.flush();
      await gate; // nothing more is written until the client has seen the first event
      await w.write('data: second\n\n');
      await w.close();
    });
  });
  const body = await new Promise<string>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: s.port, agent: false, headers: { 'accept-encoding': 'gzip' } }, (res) => {
      expect(res.headers['content-encoding']).toBe('gzip');
      const gunzip = zlib.createGunzip();
      let text = '';
      gunzip.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('first')) release();
      });
      gunzip.on('end', () => resolve(text));
      gunzip.on('error', reject);
      res.pipe(gunzip);
    });
  });
  await s.close();
  expect(body).toBe('data: first\n\ndata: second\n\n');
});
