// The transport-independent bookkeeping of one attempt: the phase timers (connect, headers, idle,
// total), the caller's AbortSignal, upload/download progress, and the response body stream that
// pauses the socket while nobody reads. A transport reports events to it; it decides failures.
import { Readable } from 'node:stream';
import { AbortError, BodySourceError, HttpStreamError, TimeoutError, type TimeoutPhase } from './errors.js';
import { HttpResponse, type ResponseHeaders } from './response.js';
import type { HttpRequest } from './types.js';

/** Upload chunks larger than this are handed to the socket in slices, so progress and idle stay fine-grained. */
const SLICE = 64 * 1024;

type Phase = 'connect' | 'upload' | 'headers' | 'body' | 'done';

export class Exchange {
  private phase: Phase = 'connect';
  private readonly deadlines = { connect: 0, headers: 0, total: 0 };
  private idleMs = 0;
  private lastActivity = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  private failure: Error | null = null;
  private response: HttpResponse | null = null;
  private responseBody: Readable | null = null;
  private downloaded = 0;
  private downloadTotal: number | null = null;
  private readonly onAbort = () => this.fail(new AbortError(this.req.signal?.reason));
  /** The transport's way to stop the wire exchange; set once it can. */
  cancelTransport: ((err: Error) => void) | null = null;
  /** Called once the exchange is over (body ended or failed): releases the source stream. */
  private readonly cleanups: Array<() => void> = [];
  readonly promise: Promise<HttpResponse>;
  private resolve!: (r: HttpResponse) => void;
  private reject!: (e: Error) => void;

  constructor(private readonly req: HttpRequest) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.arm('total', req.timeout.total);
    this.arm('connect', req.timeout.connect);
    if (req.signal) {
      if (req.signal.aborted) this.fail(new AbortError(req.signal.reason));
      else req.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  get failed(): Error | null {
    return this.failure;
  }

  onCleanup(fn: () => void): void {
    this.cleanups.push(fn);
  }

  /** Sets (ms > 0) or clears a phase deadline; one timer serves all phases, re-armed only when needed. */
  private arm(phase: TimeoutPhase, ms: number): void {
    if (phase === 'idle') {
      this.idleMs = ms > 0 ? ms : 0;
      this.lastActivity = performance.now();
    } else this.deadlines[phase] = ms > 0 ? performance.now() + ms : 0;
    if (ms > 0 && !this.failure) this.schedule(phase === 'idle' ? this.lastActivity + ms : this.deadlines[phase]);
  }

  private disarm(phase: TimeoutPhase): void {
    if (phase === 'idle') this.idleMs = 0;
    else this.deadlines[phase] = 0;
  }

  private schedule(at: number): void {
    if (this.timer && this.timerAt <= at) return; // an earlier check is already due; it will re-arm
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.check(), Math.max(0, at - performance.now()) + 1);
    this.timer.unref?.();
  }

  /** Fails with the first phase past its deadline, or re-arms for the nearest one. */
  private check(): void {
    this.timer = null;
    if (this.failure || this.phase === 'done') return;
    const now = performance.now();
    const idleAt = this.idleMs ? this.lastActivity + this.idleMs : 0;
    const due: Array<[TimeoutPhase, number, number]> = [
      ['connect', this.deadlines.connect, this.req.timeout.connect],
      ['headers', this.deadlines.headers, this.req.timeout.headers],
      ['idle', idleAt, this.idleMs],
      ['total', this.deadlines.total, this.req.timeout.total],
    ];
    let next = Infinity;
    for (const [phase, at, ms] of due) {
      if (!at) continue;
      if (at <= now) return this.fail(new TimeoutError(phase, ms));
      next = Math.min(next, at);
    }
    if (next !== Infinity) this.schedule(next);
  }

  /** A byte moved: restart the idle clock (a number store; the timer catches up lazily). */
  private touch(): void {
    this.lastActivity = performance.now();
  }

  /** The transport has a connection and starts writing the request. */
  started(hasStreamingBody: boolean): void {
    if (this.phase !== 'connect') return;
    this.disarm('connect');
    if (hasStreamingBody) {
      this.phase = 'upload';
      this.arm('idle', this.req.timeout.idle);
    } else {
      this.uploadFinished();
    }
  }

  /** The last request byte was handed to the socket: the headers clock starts now. */
  uploadFinished(): void {
    if (this.phase !== 'connect' && this.phase !== 'upload') return;
    this.phase = 'headers';
    this.disarm('idle');
    this.arm('headers', this.req.timeout.headers);
  }

  /**
   * Wraps the request body for the transport: counts bytes for progress and the idle clock, slices
   * big buffers, turns source failures into BodySourceError, and marks the end of the upload.
   */
  async *uploadStream(data: Uint8Array | AsyncIterable<Uint8Array | string>, total: number | null): AsyncGenerator<Uint8Array> {
    let loaded = 0;
    const progress = this.req.onUploadProgress;
    try {
      if (data instanceof Uint8Array) {
        for (let off = 0; off < data.byteLength; off += SLICE) {
          const slice = data.subarray(off, Math.min(off + SLICE, data.byteLength));
          loaded += slice.byteLength;
          this.touch();
          progress?.({ loaded, total });
          yield slice;
        }
      } else {
        for await (const c of data) {
          const chunk = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
          if (chunk.byteLength === 0) continue;
          loaded += chunk.byteLength;
          this.touch();
          progress?.({ loaded, total });
          yield chunk;
        }
      }
    } catch (err) {
      const e = this.failure ?? (err instanceof HttpStreamError ? err : new BodySourceError(`the request body source failed: ${(err as Error)?.message ?? err}`, err));
      this.fail(e);
      throw e;
    }
    if (total !== null && loaded !== total) {
      const e = new BodySourceError(`the request body produced ${loaded} bytes but its declared size is ${total}`);
      this.fail(e);
      throw e;
    }
    this.uploadFinished();
  }

  /**
   * The same for a Node Readable, without promises per chunk: a relay Readable that the transport
   * drains, pausing the source when the relay is full.
   */
  uploadReadable(src: Readable, total: number | null): Readable {
    let loaded = 0;
    const progress = this.req.onUploadProgress;
    const relay = new Readable({
      highWaterMark: 64 * 1024,
      read: () => {
        if (src.isPaused()) src.resume();
      },
      destroy: (err, cb) => {
        if (!src.destroyed) src.destroy();
        cb(err);
      },
    });
    src.on('data', (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      loaded += buf.length;
      this.lastActivity = performance.now();
      progress?.({ loaded, total });
      if (!relay.push(buf)) src.pause();
    });
    src.once('end', () => {
      if (total !== null && loaded !== total) {
        const e = new BodySourceError(`the request body produced ${loaded} bytes but its declared size is ${total}`);
        this.fail(e);
        relay.destroy(e);
        return;
      }
      this.uploadFinished();
      relay.push(null);
    });
    src.once('error', (err) => {
      const e = this.failure ?? (err instanceof HttpStreamError ? err : new BodySourceError(`the request body source failed: ${err?.message ?? err}`, err));
      this.fail(e);
      relay.destroy(e);
    });
    src.pause();
    return relay;
  }

  /** Final response headers arrived. Returns the sink for body chunks. */
  headers(status: number, statusText: string, headers: ResponseHeaders, pause: () => void, resume: () => void): void {
    if (this.failure) return;
    this.disarm('headers');
    this.disarm('connect');
    this.phase = 'body';
    this.arm('idle', this.req.timeout.idle);
    const len = Number(headers['content-length']);
    this.downloadTotal = Number.isFinite(len) && headers['content-length'] !== undefined ? len : null;
    const body = new Readable({
      highWaterMark: 64 * 1024,
      read: () => resume(),
      destroy: (err, cb) => {
        if (this.phase !== 'done') this.fail(err ?? new AbortError('the response body was destroyed before its end'));
        cb(err);
      },
    });
    // a body nobody reads yet must not crash the process when it fails; readers still see the error
    body.on('error', () => {});
    this.responseBody = body;
    this.pauseTransport = pause;
    this.response = new HttpResponse(status, statusText, headers, this.req.url.href, body, this.req.maxResponseBytes);
    this.resolve(this.response);
  }

  private pauseTransport: () => void = () => {};

  data(chunk: Buffer): void {
    if (this.failure || !this.responseBody) return;
    this.touch();
    this.downloaded += chunk.length;
    this.req.onDownloadProgress?.({ loaded: this.downloaded, total: this.downloadTotal });
    if (!this.responseBody.push(chunk)) this.pauseTransport();
  }

  end(): void {
    if (this.failure) return;
    this.phase = 'done';
    this.finish();
    this.responseBody?.push(null);
  }

  /** Ends the exchange with an error: rejects send() or errors the response body, stops the wire. */
  fail(err: Error): void {
    if (this.failure || this.phase === 'done') return;
    this.failure = err;
    const wasBody = this.phase === 'body';
    this.phase = 'done';
    this.finish();
    try {
      this.cancelTransport?.(err);
    } catch {
      // the transport may already be gone
    }
    if (wasBody && this.responseBody) {
      if (!this.responseBody.destroyed) this.responseBody.destroy(err);
    } else {
      this.reject(err);
    }
  }

  private finish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.req.signal?.removeEventListener('abort', this.onAbort);
    for (const fn of this.cleanups.splice(0)) fn();
  }
}
