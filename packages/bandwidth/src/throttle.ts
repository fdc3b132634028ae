import type { Writable } from 'node:stream';
import { InvalidOptionError, WriteAfterCloseError, writableFor, type HeaderInput, type Protocol, type StreamWriter } from '@sluice/stream-core';
import { BandwidthLimiter } from './limiter.js';
import type { RateLimit } from './token-bucket.js';

export interface ThrottleOptions {
  /**
   * The connection the response goes out on (`req.socket`, or the HTTP/2 session), which keys the
   * limiter's per-connection bucket. Default: the writer itself, i.e. a limit per response.
   */
  connection?: object;
}

const noop = (): void => {};

/**
 * A StreamWriter that waits for tokens before each write. Writes are cut into the limit's slices
 * and each slice waits its turn, so the rate is smooth and streams sharing a bucket interleave.
 * Everything else is the wrapped writer's: headers, flush, close, abort, the signal, back-pressure.
 */
class ThrottledWriter implements StreamWriter {
  readonly #inner: StreamWriter;
  readonly #limit: RateLimit;
  /** The last queued operation; writes, flush and close run in call order. */
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;
  #closePromise: Promise<void> | null = null;
  #writable: Writable | null = null;

  constructor(inner: StreamWriter, limit: RateLimit) {
    this.#inner = inner;
    this.#limit = limit;
  }

  get bytesWritten(): number {
    return this.#inner.bytesWritten;
  }
  get headersSent(): boolean {
    return this.#inner.headersSent;
  }
  get closed(): boolean {
    return this.#closePromise !== null || this.#inner.closed;
  }
  get signal(): AbortSignal {
    return this.#inner.signal;
  }
  get protocol(): Protocol {
    return this.#inner.protocol;
  }
  get released(): Promise<void> {
    return this.#inner.released;
  }

  writeHeader(status: number, headers?: HeaderInput): void {
    this.#inner.writeHeader(status, headers);
  }

  write(chunk: Uint8Array | string): Promise<void> {
    if (this.#closePromise !== null && !this.#inner.closed) return Promise.reject(new WriteAfterCloseError());
    // Bad types, empty chunks and writes after the end: the inner writer gives the right answer.
    if (this.#inner.closed || (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) || chunk.length === 0) return this.#inner.write(chunk);
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // Headers go out now, as they would unthrottled; only the body waits for tokens.
    if (!this.#inner.headersSent) this.#inner.writeHeader(200);
    return this.#enqueue(() => this.#send(buf));
  }

  async #send(buf: Buffer): Promise<void> {
    const slice = this.#limit.sliceBytes;
    const signal = this.#inner.signal;
    for (let off = 0; off < buf.length; off += slice) {
      const part = off === 0 && buf.length <= slice ? buf : buf.subarray(off, Math.min(buf.length, off + slice));
      await this.#limit.take(part.length, signal);
      await this.#inner.write(part);
    }
  }

  flush(): Promise<void> {
    if (this.#pending === 0) return this.#inner.flush();
    return this.#enqueue(() => this.#inner.flush());
  }

  close(trailers?: HeaderInput): Promise<void> {
    if (this.#closePromise) return this.#closePromise;
    if (this.#pending === 0) {
      this.#closePromise = this.#inner.close(trailers);
      return this.#closePromise;
    }
    this.#closePromise = this.#enqueue(() => this.#inner.close(trailers));
    return this.#closePromise;
  }

  abort(reason?: unknown): void {
    // The inner signal fires, so a write waiting for tokens leaves the queue at once.
    this.#inner.abort(reason);
  }

  #enqueue(op: () => Promise<void>): Promise<void> {
    this.#pending++;
    const run = (): Promise<void> => op().finally(() => this.#pending--);
    // Each operation runs after the previous one, whether it succeeded or not; a failed write has
    // aborted the inner writer, so what follows fails with the same reason.
    const p = this.#tail.then(run, run);
    this.#tail = p.catch(noop);
    return p;
  }

  toWritable(): Writable {
    return (this.#writable ??= writableFor(this));
  }
}

function isRateLimit(x: unknown): x is RateLimit {
  return x !== null && typeof x === 'object' && typeof (x as RateLimit).take === 'function' && Number.isSafeInteger((x as RateLimit).sliceBytes) && (x as RateLimit).sliceBytes > 0;
}

/**
 * Wraps any StreamWriter (files, SSE, NDJSON) so its body goes no faster than `limit` allows.
 * With a BandwidthLimiter, pass `{ connection: req.socket }` (or the HTTP/2 session) so responses
 * on one connection share its per-connection bucket.
 */
export function throttle(writer: StreamWriter, limit: BandwidthLimiter | RateLimit, options: ThrottleOptions = {}): StreamWriter {
  if (writer === null || typeof writer !== 'object' || typeof writer.write !== 'function' || !(writer.signal instanceof AbortSignal)) {
    throw new InvalidOptionError('writer', 'must be a StreamWriter');
  }
  let rate: RateLimit;
  if (limit instanceof BandwidthLimiter) rate = limit.forConnection(options.connection ?? writer);
  else if (isRateLimit(limit)) rate = limit;
  else throw new InvalidOptionError('limit', 'must be a BandwidthLimiter, a TokenBucket or another RateLimit');
  return new ThrottledWriter(writer, rate);
}
