// The dispatch core over undici's Dispatcher (pooling, keep-alive, HTTP/2 by ALPN, h2c). The
// README explains the choice over node:http: it measured faster for small requests and as fast
// for streamed uploads. Everything above this file is transport-independent.
import { Readable } from 'node:stream';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { Exchange } from './exchange.js';
import { mapTransportError } from './transport-errors.js';
import type { Dispatch, HttpRequest } from './types.js';
import type { NodeHttpPool } from './expect-continue.js';

export interface TransportOptions {
  /** `false`: HTTP/1.1 only; `'alpn'`: negotiate h2 over TLS; `'h2c'`: prior-knowledge HTTP/2 over cleartext. */
  http2?: false | 'alpn' | 'h2c';
  /** Maximum connections per origin. */
  connections?: number;
  /** Idle keep-alive sockets are closed after this many ms. */
  keepAliveTimeout?: number;
  /** TLS options passed to tls.connect (ca, rejectUnauthorized, servername…). */
  tls?: Record<string, unknown>;
  /** Connect timeout of the pool itself (socket + TLS handshake). */
  connectTimeout?: number;
}

/** What the pool learnt of each origin's protocol: true once a connection to it negotiated h2. */
export type ProtocolMap = Map<string, boolean>;

export function createAgent(options: TransportOptions = {}, protocols: ProtocolMap = new Map()): Agent {
  const h2 = options.http2 === 'alpn' || options.http2 === 'h2c';
  // our connector, so that we learn what ALPN chose for each origin (the transport multiplexes only
  // on HTTP/2; the same flags on an HTTP/1.1 fallback would let undici pipeline)
  const connector = buildConnector({
    timeout: options.connectTimeout ?? 10_000,
    allowH2: h2,
    ...(options.http2 === 'h2c' ? { useH2c: true } : {}),
    ...(options.tls ?? {}),
  } as buildConnector.BuildOptions);
  const connect: buildConnector.connector = (opts, callback) =>
    connector(opts, (err, socket) => {
      if (!err && socket) protocols.set(`${opts.protocol}//${opts.host}`, (socket as { alpnProtocol?: string | false }).alpnProtocol === 'h2');
      (callback as (err: Error | null, socket: unknown) => void)(err, socket);
    });
  return new Agent({
    connections: options.connections ?? 128,
    // on HTTP/2 this is the number of concurrent streams per session; on HTTP/1.1 a request is only
    // pipelined when marked idempotent, which the transport does only for origins that speak h2
    pipelining: h2 ? 100 : 1,
    keepAliveTimeout: options.keepAliveTimeout ?? 4_000,
    // our own phase timers own the clock; undici's would fire with their own error types
    headersTimeout: 0,
    bodyTimeout: 0,
    allowH2: h2,
    connect,
  } as Agent.Options);
}

/**
 * Builds the core Dispatch over a Dispatcher (an Agent, Pool, or anything undici accepts).
 * `Expect: 100-continue` requests go through the node:http pool instead (undici refuses the header
 * on HTTP/1.1), except on an h2c client, where undici's HTTP/2 client sends them.
 */
export function createTransport(
  dispatcher: Dispatcher,
  expectContinuePool: NodeHttpPool,
  options: { http2?: TransportOptions['http2']; protocols?: ProtocolMap } = {},
): Dispatch {
  return async function transport(req: HttpRequest) {
    // HTTP/2 for sure: h2c, or an origin where ALPN already chose h2 (a first burst of requests to
    // an 'alpn' origin, before any connection, is scheduled as HTTP/1.1 would be)
    const multiplex = options.http2 === 'h2c' || (options.http2 === 'alpn' && options.protocols?.get(req.url.origin) === true);
    // h2c is known to be HTTP/2 before connecting, and undici's HTTP/2 client implements the
    // expectation; anything else (HTTP/1.1, or TLS where ALPN decides later) takes the node:http pool
    const h2Expect = req.expectContinue && options.http2 === 'h2c';
    if (req.expectContinue && !h2Expect) return expectContinuePool.send(req);
    const ex = new Exchange(req);
    const headers: Record<string, string> = { ...req.headers };
    let body: AsyncIterable<Uint8Array> | Uint8Array | Readable | null = null;
    let streaming = false;
    if (req.body && !ex.failed) {
      try {
        const opened = await req.body.open();
        if (opened.data instanceof Readable) {
          const src = opened.data;
          ex.onCleanup(() => {
            // a body the server refused before `100 Continue` was never read: release it too
            if (!src.destroyed && (ex.failed || (h2Expect && !src.readableEnded))) src.destroy();
          });
        }
        if (opened.length !== null) headers['content-length'] = String(opened.length);
        else delete headers['content-length'];
        if (!headers['content-type'] && req.body.contentType) headers['content-type'] = req.body.contentType;
        if (opened.data instanceof Uint8Array && opened.data.byteLength <= 64 * 1024 && !h2Expect) {
          body = opened.data;
          req.onUploadProgress?.({ loaded: opened.data.byteLength, total: opened.data.byteLength });
        } else if (opened.data instanceof Readable) {
          body = ex.uploadReadable(opened.data, opened.length);
          streaming = true;
        } else {
          body = ex.uploadStream(opened.data, opened.length);
          streaming = true;
        }
      } catch (err) {
        ex.fail(mapTransportError(err));
        return ex.promise;
      }
    }
    if (ex.failed) return ex.promise;
    const { origin, pathname, search } = req.url;
    let controllerRef: Dispatcher.DispatchController | null = null;
    ex.cancelTransport = (err) => controllerRef?.abort(err);
    try {
      dispatcher.dispatch(
        {
          origin,
          path: pathname + search,
          method: req.method as Dispatcher.HttpMethod,
          headers,
          body: body as any,
          // undici uses `idempotent` only to schedule (it never retries by itself; our retry middleware
          // decides): false keeps a request off a busy HTTP/1.1 connection (never pipelined), but on
          // HTTP/2 it would keep requests from sharing the session, so there they are marked true
          idempotent: multiplex,
          // keeps further requests off a connection whose streamed upload is under way: right for
          // HTTP/1.1, wrong for HTTP/2, where it would stop other requests from sharing the session
          blocking: streaming && !multiplex,
          expectContinue: h2Expect,
        },
        {
          onRequestStart(controller) {
            controllerRef = controller;
            if (ex.failed) controller.abort(ex.failed);
            else ex.started(streaming);
          },
          onResponseStart(controller, statusCode, resHeaders, statusMessage) {
            if (statusCode < 200) return;
            ex.headers(statusCode, statusMessage ?? '', resHeaders as any, () => controller.pause(), () => controller.resume());
          },
          onResponseData(_controller, chunk) {
            ex.data(chunk);
          },
          onResponseEnd() {
            ex.end();
          },
          onResponseError(_controller, err) {
            ex.fail(mapTransportError(err));
          },
        },
      );
    } catch (err) {
      ex.fail(mapTransportError(err));
    }
    return ex.promise;
  };
}
