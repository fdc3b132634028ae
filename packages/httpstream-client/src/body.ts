// Every request body kind is normalised to one RequestBody: a size (when knowable without reading)
// and an open() that yields bytes. One-shot sources (a Readable, an async iterable, a WHATWG
// ReadableStream) open once; a factory `() => source` opens afresh each time, so retries and
// redirects can replay it.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { lookup } from 'mime-types';
import { BodyNotReplayableError, InvalidArgumentError } from './errors.js';

/** What open() hands to the transport: bytes in one piece, or an async sequence of chunks. */
export interface OpenedBody {
  data: Uint8Array | AsyncIterable<Uint8Array | string>;
  /** Exact byte length when known, else null (sent chunked). */
  length: number | null;
}

/** A request body, ready to be sent (and, when `replayable`, sent again). */
export interface RequestBody {
  readonly kind: string;
  /** Default Content-Type for this body, used when the request sets none. */
  readonly contentType: string | undefined;
  /** True when open() may be called more than once. */
  readonly replayable: boolean;
  /** True once open() was called. */
  readonly consumed: boolean;
  /** Byte length without reading the body (stats a file), or null when unknown. */
  size(): Promise<number | null>;
  open(): Promise<OpenedBody>;
}

/** A file on disk, read when the request is sent (and re-read on a retry). */
export class FileSource {
  constructor(
    readonly path: string,
    readonly contentType?: string,
  ) {}
}

/** A body read from a file path; replayable, with a Content-Length from the file's size. */
export function fromFile(path: string, contentType?: string): FileSource {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('fromFile(path): path must be a non-empty string');
  return new FileSource(path, contentType);
}

/** Anything that can be a body. */
export type BodySource =
  | string
  | Uint8Array
  | ArrayBuffer
  | Readable
  | AsyncIterable<Uint8Array | string>
  | ReadableStream<Uint8Array>
  | Blob
  | FileSource
  | RequestBody;

/** A function producing a fresh source on each call: makes any body replayable. */
export type BodyFactory = () => BodySource | Promise<BodySource>;

export interface BodyOptions {
  /** Declared byte length of a stream or factory body (enables Content-Length). */
  size?: number;
  contentType?: string;
}

export function isRequestBody(x: unknown): x is RequestBody {
  return typeof x === 'object' && x !== null && typeof (x as RequestBody).open === 'function' && 'replayable' in x;
}

function isBlob(x: unknown): x is Blob {
  return typeof Blob !== 'undefined' && x instanceof Blob;
}

function isAsyncIterable(x: unknown): x is AsyncIterable<Uint8Array | string> {
  return typeof x === 'object' && x !== null && typeof (x as any)[Symbol.asyncIterator] === 'function';
}

function isWebStream(x: unknown): x is ReadableStream<Uint8Array> {
  return typeof x === 'object' && x !== null && typeof (x as ReadableStream).getReader === 'function';
}

/** Mime type for a file name from the mime-db database, or application/octet-stream. */
export function mimeTypeFor(name: string): string {
  return lookup(name) || 'application/octet-stream';
}

/** Size and opener for a concrete (non-factory) source. */
async function describe(source: BodySource): Promise<{ size: number | null; contentType?: string; open: () => Promise<OpenedBody> | OpenedBody; replayable: boolean; kind: string }> {
  if (typeof source === 'string') {
    const buf = Buffer.from(source, 'utf8');
    return { kind: 'string', size: buf.length, replayable: true, contentType: 'text/plain; charset=utf-8', open: () => ({ data: buf, length: buf.length }) };
  }
  if (source instanceof Uint8Array) {
    return { kind: 'bytes', size: source.byteLength, replayable: true, open: () => ({ data: source, length: source.byteLength }) };
  }
  if (source instanceof ArrayBuffer) {
    const u8 = new Uint8Array(source);
    return { kind: 'bytes', size: u8.byteLength, replayable: true, open: () => ({ data: u8, length: u8.byteLength }) };
  }
  if (source instanceof FileSource) {
    const st = await stat(source.path);
    if (!st.isFile()) throw new InvalidArgumentError(`${source.path} is not a regular file`);
    const size = st.size;
    return {
      kind: 'file',
      size,
      replayable: true,
      contentType: source.contentType ?? mimeTypeFor(source.path),
      open: () => ({ data: createReadStream(source.path, { highWaterMark: 1024 * 1024 }), length: size }),
    };
  }
  if (isBlob(source)) {
    return {
      kind: 'blob',
      size: source.size,
      replayable: true,
      contentType: source.type || undefined,
      open: () => ({ data: source.stream() as unknown as AsyncIterable<Uint8Array>, length: source.size }),
    };
  }
  if (isRequestBody(source)) {
    return { kind: source.kind, size: await source.size(), replayable: source.replayable, contentType: source.contentType, open: () => source.open() };
  }
  if (source instanceof Readable || isAsyncIterable(source)) {
    return { kind: 'stream', size: null, replayable: false, open: () => ({ data: source as AsyncIterable<Uint8Array>, length: null }) };
  }
  if (isWebStream(source)) {
    return { kind: 'web-stream', size: null, replayable: false, open: () => ({ data: Readable.fromWeb(source as any), length: null }) };
  }
  throw new InvalidArgumentError(`unsupported body source: ${Object.prototype.toString.call(source)}`);
}

/** Builds a RequestBody from a source or a factory. */
export function toRequestBody(source: BodySource | BodyFactory, options: BodyOptions = {}): RequestBody {
  if (options.size !== undefined && !(Number.isSafeInteger(options.size) && options.size >= 0)) {
    throw new InvalidArgumentError(`size must be a non-negative integer, got ${options.size}`);
  }
  if (isRequestBody(source) && options.size === undefined && options.contentType === undefined) return source;
  const isFactory = typeof source === 'function';
  const declared = options.size ?? null;
  let consumed = false;
  let described: ReturnType<typeof describe> | undefined;
  const concrete = () => (described ??= describe(source as BodySource));
  const oneShot = !isFactory && (source instanceof Readable || isWebStream(source) || (isAsyncIterable(source) && !isRequestBody(source)));
  const replayable = isFactory || (isRequestBody(source) ? source.replayable : !oneShot);
  return {
    kind: isFactory ? 'factory' : isRequestBody(source) ? source.kind : typeof source === 'string' ? 'string' : oneShot ? 'stream' : 'bytes',
    contentType: options.contentType ?? staticContentType(source),
    replayable,
    get consumed() {
      return consumed;
    },
    async size() {
      if (declared !== null) return declared;
      if (isFactory) return null;
      return (await concrete()).size;
    },
    async open() {
      if (consumed && !replayable) throw new BodyNotReplayableError('cannot send the body twice');
      consumed = true;
      const d = isFactory ? await describe(await (source as BodyFactory)()) : await concrete();
      const opened = await d.open();
      return { data: opened.data, length: declared ?? opened.length };
    },
  };
}

function staticContentType(source: unknown): string | undefined {
  if (typeof source === 'string') return 'text/plain; charset=utf-8';
  if (source instanceof FileSource) return source.contentType ?? mimeTypeFor(source.path);
  if (isBlob(source)) return source.type || undefined;
  if (isRequestBody(source)) return source.contentType;
  return undefined;
}
