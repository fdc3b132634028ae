// What send() resolves to: status and headers, with the body not read yet. The body is a Readable
// fed under back-pressure (the socket is paused while nobody reads), readable once in any of the
// ways below; text/json/bytes stop at a size cap instead of buffering an unbounded body.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConnectionError, HttpStatusError, ResponseParseError, ResponseTooLargeError } from './errors.js';

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** Bytes of a non-2xx body kept for the HttpStatusError message. */
export const ERROR_SNIPPET_BYTES = 1024;

export interface ReadOptions {
  /** Cap on the bytes read; defaults to the request's maxResponseBytes. */
  maxBytes?: number;
}

export class HttpResponse implements AsyncIterable<Buffer> {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: ResponseHeaders,
    /** The URL that produced this response (after redirects). */
    readonly url: string,
    /** The body, as a Node Readable. Read it, pipe it, or call dump(). */
    readonly body: Readable,
    private readonly maxBytes: number,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** One header's value (several values joined with ", "), or undefined. */
  header(name: string): string | undefined {
    const v = this.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this.body[Symbol.asyncIterator]();
  }

  /** The whole body as bytes; fails with ResponseTooLargeError past the cap. */
  async bytes(options: ReadOptions = {}): Promise<Buffer> {
    const limit = options.maxBytes ?? this.maxBytes;
    const declared = Number(this.header('content-length'));
    if (Number.isFinite(declared) && declared > limit) {
      this.body.destroy();
      throw new ResponseTooLargeError('the response body', limit);
    }
    // listeners, not an async iterator: this is the hot path of small requests
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let n = 0;
      const body = this.body;
      const onData = (chunk: Buffer) => {
        n += chunk.length;
        if (n > limit) {
          cleanup();
          body.destroy();
          reject(new ResponseTooLargeError('the response body', limit));
        } else chunks.push(chunk);
      };
      const onEnd = () => {
        cleanup();
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, n));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const onClose = () => {
        cleanup();
        reject(body.errored ?? new ConnectionError('the response body closed before its end'));
      };
      const cleanup = () => {
        body.off('data', onData);
        body.off('end', onEnd);
        body.off('error', onError);
        body.off('close', onClose);
      };
      if (body.readableEnded) return resolve(Buffer.alloc(0));
      if (body.destroyed) return reject(body.errored ?? new ConnectionError('the response body was already destroyed'));
      body.on('data', onData);
      body.once('end', onEnd);
      body.once('error', onError);
      body.once('close', onClose);
    });
  }

  async text(options?: ReadOptions): Promise<string> {
    return (await this.bytes(options)).toString('utf8');
  }

  async json<T = unknown>(options?: ReadOptions): Promise<T> {
    const text = await this.text(options);
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new ResponseParseError(`invalid JSON in the response from ${this.url}`, err);
    }
  }

  /** Streams the body into a Node Writable or a WHATWG WritableStream, with back-pressure. */
  async pipeTo(destination: Writable | WritableStream<Uint8Array>): Promise<void> {
    if (destination instanceof Writable) return pipeline(this.body, destination);
    await (Readable.toWeb(this.body) as ReadableStream<Uint8Array>).pipeTo(destination);
  }

  /** Discards the body so the connection can be reused (or the concurrency slot freed). */
  async dump(): Promise<void> {
    if (this.body.readableEnded || this.body.destroyed) return;
    this.body.resume();
    await new Promise<void>((resolve) => {
      this.body.once('end', resolve);
      this.body.once('close', resolve);
      this.body.once('error', () => resolve());
    });
  }

  /** Resolves to this response when 2xx; otherwise reads a snippet and throws HttpStatusError. */
  async assertOk(): Promise<this> {
    if (this.ok) return this;
    throw await this.statusError();
  }

  /** An HttpStatusError carrying the first bytes of the body; the rest is discarded. */
  async statusError(): Promise<HttpStatusError> {
    const chunks: Buffer[] = [];
    let n = 0;
    try {
      for await (const chunk of this.body) {
        chunks.push(chunk);
        n += chunk.length;
        if (n >= ERROR_SNIPPET_BYTES) break; // leaving the loop destroys the body
      }
    } catch {
      // a body that fails mid-way still gives us the status
    }
    if (!this.body.destroyed) this.body.destroy();
    const snippet = Buffer.concat(chunks).subarray(0, ERROR_SNIPPET_BYTES).toString('utf8');
    return new HttpStatusError(this.status, this.headers as Record<string, string | string[]>, snippet, this.url);
  }
}
