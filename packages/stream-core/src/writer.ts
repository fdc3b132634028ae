import { Writable } from 'node:stream';
import {
  BackpressureTimeoutError,
  HeadersSentError,
  InvalidOptionError,
  PeerGoneError,
  StreamAbortedError,
  TrailerNotDeclaredError,
  WriteAfterCloseError,
} from './errors.js';
import {
  assertValidStatus,
  declaredTrailers,
  normalizeHeaders,
  type HeaderInput,
  type HeaderList,
} from './headers.js';

export type Protocol = 'http/1.1' | 'h2';

/**
 * What a handler holds to stream a response, the same on HTTP/1.1 and HTTP/2.
 * Get one with `writerFor(req, res)` from `@sluice/h2-flow`.
 */
export interface StreamWriter {
  /** Sends the status and headers, once, before any body. Invalid values throw before a byte is sent. */
  writeHeader(status: number, headers?: HeaderInput): void;
  /** Resolves when the chunk is accepted; under back-pressure, when the peer has drained. */
  write(chunk: Uint8Array | string): Promise<void>;
  /** Pushes batched bytes to the network now; resolves when the transport can take more. */
  flush(): Promise<void>;
  /** Ends the body, with trailers if the `trailer` header announced them. Idempotent. */
  close(trailers?: HeaderInput): Promise<void>;
  /** Ends the stream abnormally (RST_STREAM on HTTP/2, a cut connection on HTTP/1.1). */
  abort(reason?: unknown): void;
  /** Body bytes accepted so far. */
  readonly bytesWritten: number;
  readonly headersSent: boolean;
  /** True once `close()` or `abort()` was called or the peer went away. */
  readonly closed: boolean;
  /** Fires when the peer goes away, on a write error, on a back-pressure timeout and on `abort()`. */
  readonly signal: AbortSignal;
  readonly protocol: Protocol;
  /** Resolves once the writer is released (finished, aborted or the peer left); never rejects. */
  readonly released: Promise<void>;
  /** A Node Writable over this writer, for `stream.pipeline`, encoders and anything that wants one. */
  toWritable(): Writable;
}

export interface StreamWriterOptions {
  /** Abort the stream if the peer reads nothing for this long while a write waits. Default 30 000 ms. */
  backpressureTimeoutMs?: number;
  /** Writes smaller than this are copied into one batch, sent at the end of the tick or at flush(). Default 16 384; 0 disables. */
  batchBytes?: number;
}

export const DEFAULT_BACKPRESSURE_TIMEOUT_MS = 30_000;
export const DEFAULT_BATCH_BYTES = 16 * 1024;

/** Events a transport reports to its writer. */
export interface TransportEvents {
  drain(): void;
  /** The peer left or the transport failed before the response ended. */
  gone(error: Error): void;
}

/**
 * The protocol half of a writer. stream-core owns the contract and the state machine; h1-chunked and
 * h2-flow each supply one of these.
 */
export interface WriterTransport {
  readonly protocol: Protocol;
  /** Sends status and headers. `trailers` lists the trailer names announced. */
  sendHeaders(status: number, headers: HeaderList, trailers: ReadonlySet<string>): void;
  /** Queues bytes; false when the writer must wait for `drain`. */
  write(chunk: Buffer): boolean;
  /** True while the transport's buffer is above its high-water mark. */
  readonly needsDrain: boolean;
  /** Pushes anything the transport holds (uncork, a compressor's flush). */
  flush(): void;
  /** Ends the body; `done` is called once the last byte has been handed to the OS, or with an error. */
  end(trailers: HeaderList | undefined, done: (error?: Error) => void): void;
  /** Tears the stream down at once. */
  destroy(error: Error): void;
  /** Starts reporting events. */
  attach(events: TransportEvents): void;
  /** Stops reporting events and drops every listener it added. */
  detach(): void;
}

/** What write() returns when a chunk was accepted at once; helpers skip awaiting it (internal). */
export const RESOLVED: Promise<void> = Promise.resolve();
const noop = (): void => {};

type State = 'open' | 'closing' | 'closed' | 'aborted';

/**
 * The one StreamWriter implementation: state machine, validation, batching, back-pressure with a
 * timeout, the abort signal and release-exactly-once. Protocols plug in a WriterTransport.
 */
export class TransportStreamWriter implements StreamWriter {
  readonly protocol: Protocol;
  readonly released: Promise<void>;
  readonly #transport: WriterTransport;
  readonly #controller = new AbortController();
  readonly #timeoutMs: number;
  readonly #batchBytes: number;
  #state: State = 'open';
  #headersSent = false;
  #bytes = 0;
  #trailers: ReadonlySet<string> = new Set();
  #batch: Buffer | null = null;
  #batchLen = 0;
  #tickScheduled = false;
  #drain: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  #closePromise: Promise<void> | null = null;
  #release!: () => void;
  #releasedFlag = false;
  #writable: Writable | null = null;

  constructor(transport: WriterTransport, options: StreamWriterOptions = {}) {
    const timeout = options.backpressureTimeoutMs ?? DEFAULT_BACKPRESSURE_TIMEOUT_MS;
    if (!(timeout > 0) || !Number.isFinite(timeout)) throw new InvalidOptionError('backpressureTimeoutMs', 'must be a positive, finite number of milliseconds');
    const batch = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    if (!(batch >= 0) || !Number.isSafeInteger(batch)) throw new InvalidOptionError('batchBytes', 'must be a non-negative integer');
    this.#timeoutMs = timeout;
    this.#batchBytes = batch;
    this.#transport = transport;
    this.protocol = transport.protocol;
    this.released = new Promise<void>((resolve) => (this.#release = resolve));
    transport.attach({
      drain: () => this.#onDrain(),
      gone: (error) => this.#onGone(error),
    });
  }

  get bytesWritten(): number {
    return this.#bytes;
  }
  get headersSent(): boolean {
    return this.#headersSent;
  }
  get closed(): boolean {
    return this.#state !== 'open';
  }
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  writeHeader(status: number, headers?: HeaderInput): void {
    if (this.#state !== 'open') throw this.#stateError();
    if (this.#headersSent) throw new HeadersSentError();
    assertValidStatus(status);
    const list = normalizeHeaders(headers);
    const trailers = declaredTrailers(list);
    this.#transport.sendHeaders(status, list, trailers);
    this.#trailers = trailers;
    this.#headersSent = true;
  }

  write(chunk: Uint8Array | string): Promise<void> {
    if (this.#state !== 'open') return Promise.reject(this.#stateError());
    let buf: Buffer;
    if (typeof chunk === 'string') {
      if (chunk.length === 0) return RESOLVED;
      // Small strings go straight into the batch without an intermediate Buffer.
      if (this.#batchBytes > 0 && chunk.length * 3 <= this.#batchBytes) return this.#writeSmallString(chunk);
      buf = Buffer.from(chunk, 'utf8');
    } else if (Buffer.isBuffer(chunk)) {
      buf = chunk;
    } else if (chunk instanceof Uint8Array) {
      buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    } else {
      return Promise.reject(new TypeError('StreamWriter.write expects a string or a Uint8Array'));
    }
    const len = buf.length;
    if (len === 0) return RESOLVED;
    if (!this.#headersSent) this.writeHeader(200);
    this.#bytes += len;
    if (len < this.#batchBytes) {
      if (this.#batchLen + len > this.#batchBytes) this.#emitBatch();
      const batch = this.#ensureBatch();
      buf.copy(batch, this.#batchLen);
      this.#batchLen += len;
      return this.#afterBatchWrite();
    }
    if (this.#batchLen > 0) this.#emitBatch();
    const ok = this.#transport.write(buf);
    return ok && !this.#drain ? RESOLVED : this.#waitDrain();
  }

  #writeSmallString(chunk: string): Promise<void> {
    if (!this.#headersSent) this.writeHeader(200);
    // A UTF-16 unit is at most 3 UTF-8 bytes, so `chunk.length * 3` bounds the encoded size.
    if (this.#batchLen + chunk.length * 3 > this.#batchBytes) this.#emitBatch();
    const batch = this.#ensureBatch();
    const n = batch.write(chunk, this.#batchLen, "utf8");
    this.#batchLen += n;
    this.#bytes += n;
    return this.#afterBatchWrite();
  }

  #ensureBatch(): Buffer {
    if (this.#batch === null) this.#batch = Buffer.allocUnsafe(this.#batchBytes);
    return this.#batch;
  }

  #afterBatchWrite(): Promise<void> {
    if (this.#batchLen >= this.#batchBytes) this.#emitBatch();
    else if (!this.#tickScheduled) {
      this.#tickScheduled = true;
      process.nextTick(this.#tick);
    }
    return this.#drain ? this.#drain.promise : RESOLVED;
  }

  readonly #tick = (): void => {
    this.#tickScheduled = false;
    if (this.#batchLen > 0 && this.#state !== 'aborted') this.#emitBatch();
  };

  #emitBatch(): void {
    const batch = this.#batch;
    const len = this.#batchLen;
    if (batch === null || len === 0) return;
    this.#batch = null;
    this.#batchLen = 0;
    const ok = this.#transport.write(len === batch.length ? batch : batch.subarray(0, len));
    if (!ok && !this.#drain) void this.#waitDrain().catch(noop);
  }

  flush(): Promise<void> {
    if (this.#state !== 'open') return Promise.reject(this.#stateError());
    if (!this.#headersSent) this.writeHeader(200);
    this.#emitBatch();
    this.#transport.flush();
    return this.#drain || this.#transport.needsDrain ? this.#waitDrain() : RESOLVED;
  }

  #waitDrain(): Promise<void> {
    if (this.#drain) return this.#drain.promise;
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const timer = setTimeout(() => this.#fail(new BackpressureTimeoutError(this.#timeoutMs)), this.#timeoutMs);
    this.#drain = { promise, resolve, reject, timer };
    return promise;
  }

  #onDrain(): void {
    const d = this.#drain;
    if (!d) return;
    if (this.#transport.needsDrain) {
      // Progress was made: the peer is reading, so the timeout starts again.
      d.timer.refresh();
      return;
    }
    clearTimeout(d.timer);
    this.#drain = null;
    d.resolve();
  }

  close(trailers?: HeaderInput): Promise<void> {
    if (this.#closePromise) return this.#closePromise;
    if (this.#state !== 'open') return Promise.reject(this.#stateError());
    let list: HeaderList | undefined;
    try {
      if (!this.#headersSent) this.writeHeader(200);
      if (trailers !== undefined) {
        list = normalizeHeaders(trailers);
        for (const [name] of list) if (!this.#trailers.has(name)) throw new TrailerNotDeclaredError(name);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    this.#state = 'closing';
    this.#emitBatch();
    this.#closePromise = new Promise<void>((resolve, reject) => {
      // The last bytes may sit behind a stalled peer: the same timeout bounds the wait for the end.
      const timer = setTimeout(() => this.#fail(new BackpressureTimeoutError(this.#timeoutMs)), this.#timeoutMs);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(this.#controller.signal.reason);
      };
      this.#controller.signal.addEventListener('abort', onAbort, { once: true });
      this.#transport.end(list, (error) => {
        clearTimeout(timer);
        this.#controller.signal.removeEventListener('abort', onAbort);
        if (this.#state === 'aborted') return; // onAbort already settled the promise
        if (error) {
          this.#fail(error);
          return;
        }
        this.#state = 'closed';
        this.#settleDrain(null);
        this.#doRelease();
        resolve();
      });
    });
    return this.#closePromise;
  }

  abort(reason?: unknown): void {
    if (this.#state === 'closed' || this.#state === 'aborted') return;
    const error = reason instanceof Error && 'code' in reason && String((reason as { code: unknown }).code).startsWith('ERR_SLUICE_')
      ? reason
      : new StreamAbortedError(reason);
    this.#fail(error);
  }

  /** Every abnormal end goes through here: the signal fires once, the transport is torn down, waiters reject. */
  #fail(error: Error): void {
    if (this.#state === 'closed' || this.#state === 'aborted') return;
    this.#state = 'aborted';
    this.#batch = null;
    this.#batchLen = 0;
    this.#transport.destroy(error);
    this.#settleDrain(error);
    this.#controller.abort(error);
    this.#doRelease();
  }

  #onGone(error: Error): void {
    if (this.#state === 'closed' || this.#state === 'aborted') return;
    this.#fail(error instanceof PeerGoneError || (error as { code?: string }).code?.startsWith('ERR_SLUICE_') ? error : new PeerGoneError(undefined, { cause: error }));
  }

  #settleDrain(error: Error | null): void {
    const d = this.#drain;
    if (!d) return;
    this.#drain = null;
    clearTimeout(d.timer);
    if (error) {
      d.promise.catch(noop); // nobody may be waiting; the signal carries the error too
      d.reject(error);
    } else d.resolve();
  }

  #doRelease(): void {
    if (this.#releasedFlag) return;
    this.#releasedFlag = true;
    this.#transport.detach();
    this.#release();
  }

  #stateError(): Error {
    if (this.#state === 'aborted') {
      const reason = this.#controller.signal.reason;
      return reason instanceof Error ? reason : new StreamAbortedError(reason);
    }
    return new WriteAfterCloseError();
  }

  toWritable(): Writable {
    return (this.#writable ??= writableFor(this));
  }
}

/**
 * A Node Writable over any StreamWriter: each write waits for the writer's promise (so pipeline's
 * back-pressure is the writer's), `end()` closes it, `destroy(err)` aborts it, and the writer's
 * abort destroys the Writable. StreamWriter implementations return one of these from toWritable().
 */
export function writableFor(writer: StreamWriter): Writable {
  const writable = new Writable({
    highWaterMark: 0,
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, callback) {
      writer.write(chunk).then(() => callback(), callback);
    },
    final(callback) {
      writer.close().then(() => callback(), callback);
    },
    destroy(error, callback) {
      if (error && !writer.closed) writer.abort(error);
      callback(error);
    },
  });
  const onAbort = (): void => {
    if (!writable.destroyed) writable.destroy(writer.signal.reason);
  };
  if (writer.signal.aborted) onAbort();
  else writer.signal.addEventListener('abort', onAbort, { once: true });
  return writable;
}
