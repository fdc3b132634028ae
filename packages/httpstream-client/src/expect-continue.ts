// `Expect: 100-continue` (RFC 9110 §10.1.1) over node:http: undici refuses the header on HTTP/1.1
// (`NotSupportedError: expect header not supported`), so these requests go through a keep-alive
// node:http/https Agent per client, created on first use and closed by client.close(). The body
// waits for `100 Continue`; a final answer instead (417, 401, 413…) means the body is never sent,
// and that connection is closed (the server still expects the announced body on it), never pooled.
import http from 'node:http';
import https from 'node:https';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { Exchange } from './exchange.js';
import { mapTransportError } from './transport-errors.js';
import type { HttpResponse } from './response.js';
import type { HttpRequest } from './types.js';

export interface NodeHttpPoolOptions {
  /** Sockets per origin (Agent maxSockets). */
  connections?: number;
  /** Idle pooled sockets are closed after this many ms (a server's `Keep-Alive: timeout` hint may shorten it). */
  keepAliveTimeout?: number;
  /** TLS options for https origins (ca, rejectUnauthorized, servername…). */
  tls?: Record<string, unknown>;
}

/** The keep-alive node:http/https Agents that carry expect-continue requests, and their requests in flight. */
export class NodeHttpPool {
  private httpAgent: http.Agent | null = null;
  private httpsAgent: https.Agent | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: NodeHttpPoolOptions = {}) {}

  private agentFor(url: URL): http.Agent {
    const common = {
      keepAlive: true,
      maxSockets: this.options.connections ?? 128,
      maxFreeSockets: this.options.connections ?? 128,
      // idle pooled sockets are destroyed after this; on a busy socket it only emits 'timeout'
      timeout: this.options.keepAliveTimeout ?? 4_000,
      scheduling: 'lifo' as const,
    };
    if (url.protocol === 'https:') return (this.httpsAgent ??= new https.Agent({ ...common, ...(this.options.tls ?? {}) }));
    return (this.httpAgent ??= new http.Agent(common));
  }

  send(req: HttpRequest): Promise<HttpResponse> {
    if (this.closed) return Promise.reject(mapTransportError(Object.assign(new Error('the client is closed'), { code: 'UND_ERR_CLOSED' })));
    let done!: () => void;
    const settled = new Promise<void>((resolve) => (done = resolve));
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return sendWithNodeHttp(req, this.agentFor(req.url), done);
  }

  /** Waits for the requests in flight (until their response bodies end), then closes every socket. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
    this.destroy();
  }

  /** Closes every socket now; requests in flight fail with ConnectionError. */
  destroy(): void {
    this.closed = true;
    this.httpAgent?.destroy();
    this.httpsAgent?.destroy();
  }
}

function sendWithNodeHttp(req: HttpRequest, agent: http.Agent, settled: () => void): Promise<HttpResponse> {
  const ex = new Exchange(req);
  ex.onCleanup(settled);
  if (ex.failed) settled(); // failed in the constructor (an aborted signal): no cleanup will run
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
    const cr = mod.request(req.url, { method: req.method, headers, agent });
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
