// The fluent request: collect URL, headers, body and per-request options, then send() (any status),
// stream() (2xx or HttpStatusError), streamLines() or streamSSE().
import type { Readable } from 'node:stream';
import { toRequestBody, type BodyFactory, type BodySource, type RequestBody } from './body.js';
import { formBody, gzipBody, jsonArrayBody, jsonBody, ndjsonBody, type FormFields, type ItemSource } from './encoders.js';
import { InvalidArgumentError } from './errors.js';
import { checkHeader } from './headers.js';
import { MultipartBody, type FilePartOptions } from './multipart.js';
import { splitLines } from './lines.js';
import { parseSSE, type SSEEvent } from './sse.js';
import type { HttpResponse } from './response.js';
import type { HttpRequest, Progress, Timeouts } from './types.js';

/** What a builder needs from its client. */
export interface RequestContext {
  resolveURL(path: string): URL;
  defaults(): Pick<HttpRequest, 'headers' | 'timeout' | 'maxResponseBytes'>;
  dispatch(req: HttpRequest): Promise<HttpResponse>;
}

export interface LineOptions {
  /** Longest accepted line in bytes (default 1 MiB). */
  maxLineBytes?: number;
}

type QueryValue = string | number | boolean | null | undefined | ReadonlyArray<string | number | boolean>;

export class RequestBuilder {
  protected bodyValue: RequestBody | null = null;
  private readonly params = new Map<string, string>();
  private readonly queryPairs: Array<[string, string]> = [];
  private readonly headerValues: Record<string, string> = {};
  private timeouts: Timeouts = {};
  private abortSignal: AbortSignal | undefined;
  private uploadProgress: ((p: Progress) => void) | undefined;
  private downloadProgress: ((p: Progress) => void) | undefined;
  private expect = false;
  private gzipLevel: number | null = null;
  private maxBytes: number | undefined;

  constructor(
    private readonly ctx: RequestContext,
    readonly method: string,
    private readonly path: string,
  ) {
    if (!/^[A-Z]+$/.test(method)) throw new InvalidArgumentError(`invalid method ${JSON.stringify(method)}`);
  }

  /** Replaces `{name}` in the path with the percent-encoded value. */
  pathParam(name: string, value: string | number): this {
    this.params.set(name, encodeURIComponent(String(value)));
    return this;
  }

  pathParams(values: Record<string, string | number>): this {
    for (const [k, v] of Object.entries(values)) this.pathParam(k, v);
    return this;
  }

  /** Appends a query parameter (arrays append one pair per element; null/undefined are skipped). */
  query(name: string, value: QueryValue): this;
  query(values: Record<string, QueryValue>): this;
  query(nameOrValues: string | Record<string, QueryValue>, value?: QueryValue): this {
    const entries = typeof nameOrValues === 'string' ? [[nameOrValues, value] as const] : Object.entries(nameOrValues);
    for (const [k, v] of entries) {
      if (v === null || v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) this.queryPairs.push([k, String(one)]);
    }
    return this;
  }

  header(name: string, value: string | number): this {
    const v = String(value);
    checkHeader(name, v);
    this.headerValues[name.toLowerCase()] = v;
    return this;
  }

  headers(values: Record<string, string | number>): this {
    for (const [k, v] of Object.entries(values)) this.header(k, v);
    return this;
  }

  /** Any body kind: string, bytes, Readable, async iterable, ReadableStream, Blob, fromFile(), or a factory. */
  body(source: BodySource | BodyFactory, contentType?: string, options: { size?: number } = {}): this {
    this.bodyValue = toRequestBody(source, { ...options, ...(contentType ? { contentType } : {}) });
    return this;
  }

  json(value: unknown): this {
    this.bodyValue = jsonBody(value);
    return this;
  }

  /** Newline-delimited JSON from items (or a factory of items, to be replayable). */
  ndjson<T>(items: ItemSource<T>): this {
    this.bodyValue = ndjsonBody(items);
    return this;
  }

  /** A JSON array streamed element by element. */
  jsonArray<T>(items: ItemSource<T>): this {
    this.bodyValue = jsonArrayBody(items);
    return this;
  }

  form(fields: FormFields): this {
    this.bodyValue = formBody(fields);
    return this;
  }

  /** Compresses the request body with gzip and sends Content-Encoding: gzip. */
  gzip(level = 6): this {
    this.gzipLevel = level;
    return this;
  }

  timeout(timeouts: Timeouts | number): this {
    this.timeouts = typeof timeouts === 'number' ? { ...this.timeouts, total: timeouts } : { ...this.timeouts, ...timeouts };
    return this;
  }

  signal(signal: AbortSignal): this {
    this.abortSignal = signal;
    return this;
  }

  onUploadProgress(fn: (p: Progress) => void): this {
    this.uploadProgress = fn;
    return this;
  }

  onDownloadProgress(fn: (p: Progress) => void): this {
    this.downloadProgress = fn;
    return this;
  }

  /** Sends `Expect: 100-continue` and holds the body until the server answers 100. */
  expectContinue(on = true): this {
    this.expect = on;
    return this;
  }

  /** Cap for text()/json()/bytes() of this response. */
  maxResponseBytes(n: number): this {
    this.maxBytes = n;
    return this;
  }

  /** The HttpRequest that send() would dispatch. */
  build(): HttpRequest {
    const path = this.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      const v = this.params.get(name);
      if (v === undefined) throw new InvalidArgumentError(`path parameter {${name}} was not given`);
      return v;
    });
    const url = this.ctx.resolveURL(path);
    for (const [k, v] of this.queryPairs) url.searchParams.append(k, v);
    const d = this.ctx.defaults();
    const headers = { ...d.headers, ...this.headerValues };
    let body = this.bodyValue;
    if (body && this.gzipLevel !== null) {
      body = gzipBody(body, this.gzipLevel);
      headers['content-encoding'] = 'gzip';
    }
    return {
      method: this.method,
      url,
      headers,
      body,
      timeout: { ...d.timeout, ...stripUndefined(this.timeouts) },
      ...(this.abortSignal ? { signal: this.abortSignal } : {}),
      ...(this.uploadProgress ? { onUploadProgress: this.uploadProgress } : {}),
      ...(this.downloadProgress ? { onDownloadProgress: this.downloadProgress } : {}),
      expectContinue: this.expect,
      maxResponseBytes: this.maxBytes ?? d.maxResponseBytes,
      attempt: 1,
    };
  }

  /** Sends the request; resolves at the response headers, whatever the status. */
  send(): Promise<HttpResponse> {
    let req: HttpRequest;
    try {
      req = this.build();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.ctx.dispatch(req);
  }

  /** The response body for a 2xx status; otherwise HttpStatusError with a snippet of the body. */
  async stream(): Promise<Readable> {
    const res = await this.send();
    await res.assertOk();
    return res.body;
  }

  /** The response body as text lines (NDJSON, logs…), sent when iteration starts. */
  async *streamLines(options: LineOptions = {}): AsyncGenerator<string> {
    yield* splitLines(await this.stream(), options.maxLineBytes);
  }

  /** The response body as Server-Sent Events. */
  async *streamSSE(options: LineOptions = {}): AsyncGenerator<SSEEvent> {
    if (!this.headerValues['accept']) this.header('accept', 'text/event-stream');
    yield* parseSSE(await this.stream(), options.maxLineBytes);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A multipart/form-data request: fields and files are streamed in order. */
export class MultipartBuilder extends RequestBuilder {
  private readonly multipartBody: MultipartBody;

  constructor(ctx: RequestContext, method: string, path: string, boundary?: string) {
    super(ctx, method, path);
    this.multipartBody = new MultipartBody(boundary);
    this.bodyValue = this.multipartBody;
  }

  field(name: string, value: string | number | boolean): this {
    this.multipartBody.field(name, value);
    return this;
  }

  /** A file part from any body source or a factory; give `size` to let the request carry Content-Length. */
  file(name: string, filename: string, source: BodySource | BodyFactory, options: FilePartOptions = {}): this {
    this.multipartBody.file(name, filename, source, options);
    return this;
  }
}
