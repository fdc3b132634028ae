import type { OutgoingHttpHeaders } from 'node:http';
import { PayloadTooLargeError, ResponseBufferedError, InvalidOptionError } from './errors.js';
import type { ByteSource } from './pipe.js';

/**
 * The part of http.ServerResponse and http2's compatibility Http2ServerResponse this module uses.
 * Response buffering is for middleware that rewrites a response after the handler produced it.
 */
export interface BufferableResponse {
  statusCode: number;
  readonly headersSent: boolean;
  write(chunk: any, encoding?: any, callback?: any): boolean;
  end(chunk?: any, encoding?: any, callback?: any): any;
  writeHead(status: number, ...rest: any[]): any;
  setHeader(name: string, value: number | string | readonly string[]): any;
  getHeader(name: string): number | string | string[] | undefined;
  removeHeader(name: string): void;
  once(event: string, listener: (...args: any[]) => void): any;
}

export const DEFAULT_BUFFER_LIMIT = 100 * 1024 * 1024;
export const DEFAULT_CAPTURE_LIMIT = 1024 * 1024;

interface Patched {
  write: BufferableResponse['write'];
  end: BufferableResponse['end'];
  writeHead: BufferableResponse['writeHead'];
}

interface BufferState {
  depth: number;
  chunks: Buffer[];
  size: number;
  limit: number;
  overflow: boolean;
  ended: boolean;
  replaced: Buffer | null;
  original: Patched;
}

interface CaptureState {
  chunks: Buffer[];
  size: number;
  limit: number;
  truncated: boolean;
}

const buffered = new WeakMap<object, BufferState>();
const captured = new WeakMap<object, CaptureState>();
const streamed = new WeakSet<object>();

function toBuffer(chunk: unknown, encoding?: unknown): Buffer | null {
  if (chunk == null || typeof chunk === 'function') return null;
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
}

function callbackOf(...args: unknown[]): (() => void) | undefined {
  for (const a of args) if (typeof a === 'function') return a as () => void;
  return undefined;
}

/** True while a bufferResponse() layer holds this response. */
export function isBuffering(res: object): boolean {
  return (buffered.get(res)?.depth ?? 0) > 0;
}

/**
 * Starts (or nests) buffering: until the outermost `flushResponse(res)`, `res.write`, `res.end` and
 * `res.writeHead` are collected in memory instead of sent. Each call adds one level of depth.
 */
export function bufferResponse(res: BufferableResponse, options: { limit?: number } = {}): void {
  const limit = options.limit ?? DEFAULT_BUFFER_LIMIT;
  if (!(limit > 0)) throw new InvalidOptionError('limit', 'must be a positive number of bytes');
  if (streamed.has(res)) throw new ResponseBufferedError();
  const state = buffered.get(res);
  if (state && state.depth > 0) {
    state.depth++;
    return;
  }
  const original: Patched = { write: res.write, end: res.end, writeHead: res.writeHead };
  const s: BufferState = { depth: 1, chunks: [], size: 0, limit, overflow: false, ended: false, replaced: null, original };
  buffered.set(res, s);
  res.write = function write(chunk: unknown, encoding?: unknown, cb?: unknown) {
    const b = toBuffer(chunk, encoding);
    if (b && !s.overflow) {
      if (s.size + b.length > s.limit) s.overflow = true;
      else {
        s.chunks.push(Buffer.from(b));
        s.size += b.length;
      }
    }
    const done = callbackOf(encoding, cb);
    if (done) process.nextTick(done);
    return true;
  };
  res.end = function end(chunk?: unknown, encoding?: unknown, cb?: unknown) {
    if (typeof chunk !== 'function') res.write(chunk, typeof encoding === 'function' ? undefined : encoding);
    s.ended = true;
    const done = callbackOf(chunk, encoding, cb);
    if (done) process.nextTick(done);
    return res;
  };
  res.writeHead = function writeHead(status: number, ...rest: unknown[]) {
    res.statusCode = status;
    const headers = rest.find((r) => r && typeof r === 'object') as OutgoingHttpHeaders | string[] | undefined;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(headers[i]!, headers[i + 1]!);
    } else if (headers) {
      for (const [k, v] of Object.entries(headers)) if (v !== undefined) res.setHeader(k, v as string);
    }
    return res;
  };
}

/** The body collected so far by bufferResponse (or replaced by setResponseBody), or the captured copy. */
export function responseBody(res: object): Buffer | undefined {
  const s = buffered.get(res);
  if (s) return s.replaced ?? Buffer.concat(s.chunks, s.size);
  const c = captured.get(res);
  if (c) return Buffer.concat(c.chunks, c.size);
  return undefined;
}

/** Replaces the buffered body; the outermost flushResponse sends this instead. */
export function setResponseBody(res: object, body: string | Uint8Array): void {
  const s = buffered.get(res);
  if (!s || s.depth === 0) throw new InvalidOptionError('res', 'setResponseBody needs an active bufferResponse()');
  const b = toBuffer(body)!;
  s.replaced = Buffer.from(b);
  s.overflow = false;
}

/**
 * Ends one level of buffering. Only the outermost call writes: the status, the headers with a
 * Content-Length, and the body. Resolves once the response is sent (immediately for inner levels).
 * A body that outgrew the limit is answered with 413 instead of being sent truncated.
 */
export function flushResponse(res: BufferableResponse): Promise<void> {
  const s = buffered.get(res);
  if (!s || s.depth === 0) return Promise.resolve();
  s.depth--;
  if (s.depth > 0) return Promise.resolve();
  buffered.delete(res);
  res.write = s.original.write;
  res.end = s.original.end;
  res.writeHead = s.original.writeHead;
  let body = s.replaced ?? Buffer.concat(s.chunks, s.size);
  if (s.overflow && !s.replaced) {
    res.statusCode = 413;
    res.removeHeader('content-encoding');
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    body = Buffer.from(new PayloadTooLargeError(s.limit).message);
  }
  res.removeHeader('transfer-encoding');
  res.setHeader('content-length', body.length);
  return new Promise<void>((resolve) => res.end(body, () => resolve()));
}

/**
 * Writes the response through as usual and keeps a copy of at most `limit` bytes (default 1 MiB)
 * for loggers. Bytes written through a StreamWriter are never captured.
 */
export function captureResponse(res: BufferableResponse, options: { limit?: number } = {}): void {
  if (captured.has(res)) return;
  const c: CaptureState = { chunks: [], size: 0, limit: options.limit ?? DEFAULT_CAPTURE_LIMIT, truncated: false };
  captured.set(res, c);
  const keep = (chunk: unknown, encoding: unknown): void => {
    if (streamed.has(res)) return;
    const b = toBuffer(chunk, encoding);
    if (!b || b.length === 0) return;
    const room = c.limit - c.size;
    if (room <= 0) {
      c.truncated = true;
      return;
    }
    const part = b.length > room ? b.subarray(0, room) : b;
    if (part.length < b.length) c.truncated = true;
    c.chunks.push(Buffer.from(part));
    c.size += part.length;
  };
  const write = res.write;
  const end = res.end;
  res.write = function (this: unknown, chunk: unknown, encoding?: unknown, cb?: unknown) {
    keep(chunk, encoding);
    return write.call(res, chunk, encoding, cb);
  };
  res.end = function (this: unknown, chunk?: unknown, encoding?: unknown, cb?: unknown) {
    if (typeof chunk !== 'function') keep(chunk, encoding);
    return end.call(res, chunk, encoding, cb);
  };
}

/** What captureResponse kept: the bytes, whether it was cut at the limit, and whether the body was streamed. */
export function capturedResponse(res: object): { body: Buffer; truncated: boolean; streamed: boolean } | undefined {
  const c = captured.get(res);
  if (!c) return undefined;
  return { body: Buffer.concat(c.chunks, c.size), truncated: c.truncated, streamed: streamed.has(res) };
}

/**
 * Called by every writer factory before it streams a response: fails with ResponseBufferedError
 * while the response is buffered, and marks it streamed so captureResponse copies nothing.
 */
export function claimForStreaming(res: object): void {
  if (isBuffering(res)) throw new ResponseBufferedError();
  streamed.add(res);
}

/** True once a StreamWriter has claimed this response. */
export function isStreamed(res: object): boolean {
  return streamed.has(res);
}

/**
 * For sources that must go out with a Content-Length: collects at most `limit` bytes (default
 * 100 MB), then answers `status` with the body, or 413 past the limit (the source is stopped).
 */
export async function sendBuffered(
  res: BufferableResponse,
  status: number,
  contentType: string,
  source: ByteSource | string | Uint8Array,
  options: { limit?: number } = {},
): Promise<void> {
  const limit = options.limit ?? DEFAULT_BUFFER_LIMIT;
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  if (typeof source === 'string' || source instanceof Uint8Array) {
    const b = toBuffer(source)!;
    if (b.length > limit) tooLarge = true;
    else {
      chunks.push(b);
      size = b.length;
    }
  } else {
    const it: AsyncIterable<unknown> =
      typeof (source as ReadableStream).getReader === 'function' && !(Symbol.asyncIterator in (source as object))
        ? (async function* () {
            const reader = (source as ReadableStream).getReader();
            try {
              while (true) {
                const r = await reader.read();
                if (r.done) return;
                yield r.value;
              }
            } finally {
              await reader.cancel().catch(() => {});
            }
          })()
        : (source as AsyncIterable<unknown>);
    for await (const chunk of it) {
      const b = toBuffer(chunk);
      if (!b) continue;
      if (size + b.length > limit) {
        tooLarge = true;
        break; // leaving the loop calls return() on the source: a Readable is destroyed
      }
      chunks.push(b);
      size += b.length;
    }
  }
  const body = tooLarge ? Buffer.from(new PayloadTooLargeError(limit).message) : Buffer.concat(chunks, size);
  res.statusCode = tooLarge ? 413 : status;
  res.setHeader('content-type', tooLarge ? 'text/plain; charset=utf-8' : contentType);
  res.setHeader('content-length', body.length);
  await new Promise<void>((resolve) => res.end(body, () => resolve()));
}
