// `Expect: 100-continue` (RFC 9110 §10.1.1) over node:http: undici refuses the header on HTTP/1.1,
// so these requests take a fresh node:http connection. The body waits for `100 Continue`; a final
// answer instead (417, 401, 413…) means the body is never sent.
import http from 'node:http';
import https from 'node:https';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { Exchange } from './exchange.js';
import { mapTransportError } from './transport-errors.js';
import type { HttpResponse } from './response.js';
import type { HttpRequest } from './types.js';

export function sendWithNodeHttp(req: HttpRequest): Promise<HttpResponse> {
  const ex = new Exchange(req);
  void (async () => {
    const opened = req.body ? await req.body.open() : null;
    if (opened?.data instanceof Readable) {
      const src = opened.data;
      ex.onCleanup(() => {
        if (!src.destroyed && (ex.failed || !continued)) src.destroy();
      });
    }
    if (ex.failed) return;
    const headers: Record<string, string> = { ...req.headers, expect: '100-continue' };
    if (opened) {
      if (opened.length !== null) headers['content-length'] = String(opened.length);
      else headers['transfer-encoding'] = 'chunked';
      if (!headers['content-type'] && req.body?.contentType) headers['content-type'] = req.body.contentType;
    }
    const mod = req.url.protocol === 'https:' ? https : http;
    const cr = mod.request(req.url, { method: req.method, headers, agent: false });
    let continued = false;
    let answered = false;
    ex.cancelTransport = (err) => cr.destroy(err);
    cr.on('error', (err) => ex.fail(mapTransportError(err)));
    cr.on('socket', (socket) => {
      const ready = () => ex.started(opened !== null);
      if ((socket as any).connecting) socket.once(req.url.protocol === 'https:' ? 'secureConnect' : 'connect', ready);
      else ready();
    });
    cr.on('continue', () => {
      if (answered || !opened) return;
      continued = true;
      void (async () => {
        for await (const chunk of ex.uploadStream(opened.data, opened.length)) {
          if (!cr.write(chunk)) await once(cr, 'drain');
        }
        cr.end();
      })().catch((err) => ex.fail(mapTransportError(err)));
    });
    cr.on('response', (res) => {
      answered = true;
      if (!continued) ex.uploadFinished();
      ex.headers(res.statusCode ?? 0, res.statusMessage ?? '', res.headers, () => res.pause(), () => res.resume());
      res.on('data', (chunk: Buffer) => ex.data(chunk));
      res.on('end', () => {
        ex.end();
        // a body never sent leaves the request half-open: close the connection
        if (!continued) cr.destroy();
      });
      res.on('error', (err) => ex.fail(mapTransportError(err)));
      res.on('aborted', () => ex.fail(mapTransportError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))));
    });
    if (!opened) cr.end();
    else cr.flushHeaders();
  })().catch((err) => ex.fail(mapTransportError(err)));
  return ex.promise;
}
