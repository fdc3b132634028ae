// createClient(): a base URL, default headers and timeouts, a connection pool, and the middleware
// onion around the transport. The first middleware given to use() is the outermost layer.
import type { Dispatcher } from 'undici';
import { InvalidArgumentError } from './errors.js';
import { normaliseHeaders } from './headers.js';
import { MultipartBuilder, RequestBuilder, type RequestContext } from './request-builder.js';
import type { HttpResponse } from './response.js';
import { createAgent, createTransport, type ProtocolMap, type TransportOptions } from './transport.js';
import { NodeHttpPool } from './expect-continue.js';
import type { Dispatch, HttpRequest, Middleware, Timeouts } from './types.js';

export interface ClientOptions extends TransportOptions {
  /** Resolved against by relative paths; its path is a prefix (`/api` + `/items` = `/api/items`). */
  baseURL?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Default per-phase timeouts in ms; 0 turns a phase off. */
  timeout?: Timeouts;
  /** Default cap for text()/json()/bytes() of a response. */
  maxResponseBytes?: number;
  /** An undici Dispatcher to use instead of the client's own pool (not closed by close()). */
  dispatcher?: Dispatcher;
}

export const DEFAULT_TIMEOUTS: Required<Timeouts> = { connect: 10_000, headers: 60_000, idle: 60_000, total: 0 };
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export class HttpClient {
  private readonly base: URL | null;
  private readonly defaultHeaders: Record<string, string>;
  private readonly defaultTimeouts: Required<Timeouts>;
  private readonly maxResponseBytes: number;
  private readonly ownDispatcher: Dispatcher | null;
  /** Keep-alive node:http/https Agents for `Expect: 100-continue` requests (always ours, closed by close()). */
  private readonly expectContinuePool: NodeHttpPool;
  private readonly transport: Dispatch;
  private readonly middleware: Middleware[] = [];
  private chain: Dispatch;
  private readonly ctx: RequestContext;

  constructor(options: ClientOptions = {}) {
    this.base = options.baseURL ? new URL(options.baseURL) : null;
    if (this.base && !/^https?:$/.test(this.base.protocol)) throw new InvalidArgumentError(`baseURL must be http or https, got ${this.base.protocol}`);
    this.defaultHeaders = normaliseHeaders(options.headers);
    this.defaultTimeouts = { ...DEFAULT_TIMEOUTS, ...Object.fromEntries(Object.entries(options.timeout ?? {}).filter(([, v]) => v !== undefined)) };
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const protocols: ProtocolMap = new Map();
    this.ownDispatcher = options.dispatcher ? null : createAgent({ ...options, connectTimeout: options.connectTimeout ?? (this.defaultTimeouts.connect || 10_000) }, protocols);
    this.expectContinuePool = new NodeHttpPool({ connections: options.connections, keepAliveTimeout: options.keepAliveTimeout, tls: options.tls });
    this.transport = createTransport(options.dispatcher ?? this.ownDispatcher!, this.expectContinuePool, { http2: options.http2, protocols });
    this.chain = this.transport;
    this.ctx = {
      resolveURL: (path) => this.resolveURL(path),
      defaults: () => ({ headers: { ...this.defaultHeaders }, timeout: { ...this.defaultTimeouts }, maxResponseBytes: this.maxResponseBytes }),
      dispatch: (req) => this.chain(req),
    };
  }

  /** Adds middleware; the first one ever added is the outermost (sees the request first). */
  use(...middleware: Middleware[]): this {
    this.middleware.push(...middleware);
    this.chain = this.middleware.reduceRight<Dispatch>((next, mw) => mw(next), this.transport);
    return this;
  }

  resolveURL(path: string): URL {
    if (/^https?:\/\//i.test(path)) return new URL(path);
    if (!this.base) throw new InvalidArgumentError(`relative path ${JSON.stringify(path)} needs a baseURL`);
    const prefix = this.base.pathname.replace(/\/+$/, '');
    const url = new URL(prefix + (path.startsWith('/') ? path : `/${path}`), this.base.origin);
    return url;
  }

  request(method: string, path: string): RequestBuilder {
    return new RequestBuilder(this.ctx, method.toUpperCase(), path);
  }

  get(path: string): RequestBuilder {
    return this.request('GET', path);
  }
  head(path: string): RequestBuilder {
    return this.request('HEAD', path);
  }
  post(path: string): RequestBuilder {
    return this.request('POST', path);
  }
  put(path: string): RequestBuilder {
    return this.request('PUT', path);
  }
  patch(path: string): RequestBuilder {
    return this.request('PATCH', path);
  }
  delete(path: string): RequestBuilder {
    return this.request('DELETE', path);
  }
  options(path: string): RequestBuilder {
    return this.request('OPTIONS', path);
  }

  /** A multipart/form-data request (POST unless told otherwise). */
  multipart(path: string, method = 'POST', boundary?: string): MultipartBuilder {
    return new MultipartBuilder(this.ctx, method.toUpperCase(), path, boundary);
  }

  /** Sends a prepared HttpRequest through the middleware. */
  dispatch(req: HttpRequest): Promise<HttpResponse> {
    return this.chain(req);
  }

  /** Closes the client's own connection pools (waits for requests in flight, until their bodies end). */
  async close(): Promise<void> {
    await Promise.all([this.ownDispatcher?.close(), this.expectContinuePool.close()]);
  }

  /** Closes the pools now, failing requests in flight. */
  async destroy(): Promise<void> {
    this.expectContinuePool.destroy();
    await this.ownDispatcher?.destroy();
  }
}

export function createClient(options: ClientOptions = {}): HttpClient {
  return new HttpClient(options);
}
