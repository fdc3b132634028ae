import { read as fsRead } from 'node:fs';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { BandwidthLimiter, TokenBucket, throttle } from '@sluice/bandwidth';
import { writerFor } from '@sluice/h2-flow';
import type { HeaderList, StreamWriter } from '@sluice/stream-core';
import { evaluatePreconditions, ifRangePasses, type ConditionalHeaders, type Validators } from './conditional.js';
import { FileChangedError, FileReadError } from './errors.js';
import { closeFile, type OpenedFile } from './locate.js';
import { layoutMultipart } from './multipart.js';
import type { ResolvedOptions } from './options.js';
import { contentRange, parseRange, type ByteRange } from './range.js';
import { dispositionFor, fileContentType, fileEtag, httpDate } from './representation.js';

export type AnyRequest = IncomingMessage | Http2ServerRequest;
export type AnyResponse = ServerResponse | Http2ServerResponse;

/** How a response ended. `error` is set when the body was cut short (peer gone, file changed, read error). */
export interface SendResult {
  status: number;
  /** Body bytes handed to the writer. */
  bytes: number;
  /** The file served, when one was. */
  path?: string;
  error?: Error;
}

/** RFC 9110 §9.1: GET and HEAD are the methods a file answers. */
export function isReadMethod(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD';
}

const NOSNIFF: HeaderList = [['x-content-type-options', 'nosniff']];

const errorDocuments = new Map<number, Buffer>();

/** The small HTML body of an error status, built once per status code. */
function errorDocument(status: number): Buffer {
  let doc = errorDocuments.get(status);
  if (doc === undefined) {
    const msg = STATUS_CODES[status] ?? String(status);
    doc = Buffer.from(`<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>${msg}</pre>\n</body>\n</html>\n`);
    errorDocuments.set(status, doc);
  }
  return doc;
}

/** The writer for this response: writerFor() picks the protocol; rate limits wrap it. */
export function responseWriter(req: AnyRequest, res: AnyResponse, o: ResolvedOptions): StreamWriter {
  let writer = writerFor(req, res, o.bodyWriter);
  if (o.rateLimit) writer = throttle(writer, new TokenBucket({ mbps: o.rateLimit.mbps, burstMbps: o.rateLimit.burstMbps, burstBytes: o.rateLimit.burstBytes }));
  if (o.limiter instanceof BandwidthLimiter) {
    const connection = (req as Http2ServerRequest).stream?.session ?? req.socket;
    writer = throttle(writer, o.limiter, { connection: connection ?? undefined });
  }
  return writer;
}

/** Sends a status with a small HTML body (none for HEAD), as `send` does; never throws. */
export async function respondStatus(req: AnyRequest, res: AnyResponse, o: ResolvedOptions, status: number, extra: HeaderList = []): Promise<SendResult> {
  const doc = errorDocument(status);
  const headers: HeaderList = [
    ['content-type', 'text/html; charset=utf-8'],
    ['content-length', String(doc.length)],
    ['content-security-policy', "default-src 'none'"],
    ...NOSNIFF,
    ...extra,
  ];
  return sendSmall(req, res, o, status, headers, req.method === 'HEAD' ? null : doc);
}

/** Sends a 301 to the directory's slash form; the Location never starts with "//" or "/\". */
export async function respondRedirect(req: AnyRequest, res: AnyResponse, o: ResolvedOptions, location: string): Promise<SendResult> {
  const esc = location.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const doc = `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Redirecting</title>\n</head>\n<body>\n<pre>Redirecting to ${esc}</pre>\n</body>\n</html>\n`;
  const headers: HeaderList = [
    ['content-type', 'text/html; charset=utf-8'],
    ['content-length', String(Buffer.byteLength(doc))],
    ['content-security-policy', "default-src 'none'"],
    ...NOSNIFF,
    ['location', location],
  ];
  return sendSmall(req, res, o, 301, headers, req.method === 'HEAD' ? null : Buffer.from(doc));
}

async function sendSmall(req: AnyRequest, res: AnyResponse, o: ResolvedOptions, status: number, headers: HeaderList, body: Buffer | null): Promise<SendResult> {
  let writer: StreamWriter;
  try {
    // Unbatched: the body is one buffer, written whole with the headers and the end in one tick.
    writer = writerFor(req, res, o.bodyWriter);
  } catch (error) {
    return { status, bytes: 0, error: error as Error };
  }
  try {
    writer.writeHeader(status, headers);
    if (body) await writer.write(body);
    await writer.close();
    return { status, bytes: writer.bytesWritten };
  } catch (error) {
    writer.abort(error);
    return { status, bytes: writer.bytesWritten, error: error as Error };
  }
}

function one(h: AnyRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function conditionalHeaders(req: AnyRequest): ConditionalHeaders & { range?: string } {
  const h = req.headers;
  return {
    'if-match': one(h, 'if-match'),
    'if-none-match': one(h, 'if-none-match'),
    'if-modified-since': one(h, 'if-modified-since'),
    'if-unmodified-since': one(h, 'if-unmodified-since'),
    'if-range': one(h, 'if-range'),
    range: one(h, 'range'),
  };
}

/**
 * Answers a GET or HEAD for an opened, checked file: validators, preconditions (RFC 9110 §13.2.2),
 * ranges (§14), then the body through the StreamWriter. The handle is always closed.
 */
export async function respondWithFile(req: AnyRequest, res: AnyResponse, file: OpenedFile, o: ResolvedOptions): Promise<SendResult> {
  try {
    return await respondOpened(req, res, file, o);
  } finally {
    // Usually already under way: the descriptor is closed as soon as the last byte has been read.
    await closeFile(file);
  }
}

async function respondOpened(req: AnyRequest, res: AnyResponse, file: OpenedFile, o: ResolvedOptions): Promise<SendResult> {
  const { stat, path } = file;
  const length = Number(stat.size);
  const validators: Validators = {
    etag: fileEtag(stat, o.etag),
    lastModified: o.lastModified ? Math.floor(Number(stat.mtimeMs) / 1000) : undefined,
  };
  let type: string;
  let disposition: string | undefined;
  try {
    type = fileContentType(path, o.contentType);
    disposition = dispositionFor(path, o.attachment);
  } catch (error) {
    const r = await respondStatus(req, res, o, 500);
    return { ...r, error: error as Error };
  }
  // Validators and caching metadata: sent with 200, 206 and 304 alike (RFC 9110 §15.4.5).
  const meta: HeaderList = [];
  if (validators.etag) meta.push(['etag', validators.etag]);
  if (validators.lastModified !== undefined) meta.push(['last-modified', httpDate(validators.lastModified)]);
  if (o.cacheControlValue !== undefined) meta.push(['cache-control', o.cacheControlValue]);

  const h = conditionalHeaders(req);
  const outcome = evaluatePreconditions(h, validators);
  if (outcome === 412) return respondStatus(req, res, o, 412);
  if (outcome === 304) return sendSmall(req, res, o, 304, meta, null);

  const headers: HeaderList = [...meta];
  if (o.acceptRanges) headers.push(['accept-ranges', 'bytes']);
  headers.push(['content-type', type]);
  if (disposition) headers.push(['content-disposition', disposition]);
  headers.push(NOSNIFF[0]);

  // RFC 9110 §14.2: Range is defined for GET only; a failing If-Range means "send it all".
  let ranges: ByteRange[] | null = null;
  if (o.acceptRanges && req.method === 'GET' && h.range !== undefined && (h['if-range'] === undefined || ifRangePasses(h['if-range'], validators))) {
    const verdict = parseRange(h.range, length, o.maxRanges);
    if (verdict.kind === 'unsatisfiable') return respondStatus(req, res, o, 416, [['content-range', contentRange(length)]]);
    if (verdict.kind === 'ranges') ranges = verdict.ranges;
  }

  const head = req.method === 'HEAD';
  if (ranges === null) {
    headers.push(['content-length', String(length)]);
    return streamBody(req, res, o, file, 200, headers, head ? [] : [{ range: { start: 0, end: length - 1 } }], '');
  }
  if (ranges.length === 1) {
    const r = ranges[0];
    headers.push(['content-range', contentRange(length, r)], ['content-length', String(r.end - r.start + 1)]);
    return streamBody(req, res, o, file, 206, headers, head ? [] : [{ range: r }], '');
  }
  const layout = layoutMultipart(ranges, length, type);
  const ct = headers.findIndex(([n]) => n === 'content-type');
  headers[ct] = ['content-type', layout.contentType];
  headers.push(['content-length', String(layout.length)]);
  return streamBody(req, res, o, file, 206, headers, head ? [] : layout.parts, layout.tail);
}

/**
 * Reads the ranges with `highWaterMark`-sized reads and writes them through the writer. At most two
 * buffers per download: the one being written and the next being read. The first read happens
 * before the headers are sent, so the headers and the first bytes leave together (for a file up to
 * `highWaterMark`, the whole response is one write), and a file that cannot be read is answered 500
 * instead of a cut stream. The descriptor is closed as soon as the last byte has been read. A short
 * read means the file shrank after its length was known: once the headers are out, the writer is
 * aborted, never closed as if complete.
 */
async function streamBody(
  req: AnyRequest,
  res: AnyResponse,
  o: ResolvedOptions,
  file: OpenedFile,
  status: number,
  headers: HeaderList,
  parts: ReadonlyArray<{ head?: string; range: ByteRange }>,
  tail: string,
): Promise<SendResult> {
  const hwm = o.highWaterMark;
  // Held in an object, not a local: copyRange takes it out, so this frame keeps no reference to it.
  const first: { chunk: Buffer | null } = { chunk: null };
  if (parts.length > 0 && parts[0].range.end >= parts[0].range.start) {
    const r = parts[0].range;
    try {
      first.chunk = await readChunk(file, r.start, Math.min(hwm, r.end + 1 - r.start), r.end + 1);
    } catch (error) {
      return { ...(await respondStatus(req, res, o, 500)), path: file.path, error: error as Error };
    }
    if (parts.length === 1 && first.chunk.length === r.end + 1 - r.start) void closeFile(file);
  }
  let writer: StreamWriter;
  try {
    writer = responseWriter(req, res, o);
  } catch (error) {
    return { status, bytes: 0, path: file.path, error: error as Error };
  }
  try {
    writer.writeHeader(status, headers);
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (part.head) await writer.write(part.head);
      await copyRange(writer, file, part.range, hwm, first, i === parts.length - 1);
    }
    if (tail) await writer.write(tail);
    await writer.close();
    return { status, bytes: writer.bytesWritten, path: file.path };
  } catch (error) {
    writer.abort(error);
    const reason = writer.signal.reason instanceof Error ? writer.signal.reason : (error as Error);
    return { status, bytes: writer.bytesWritten, path: file.path, error: error instanceof FileChangedError || error instanceof FileReadError ? error : reason };
  }
}

const SMALL_READ = Buffer.poolSize >>> 1;

/** One read of `length` bytes at `at` (a fresh buffer: the one before may still sit in the socket's queue). */
function readChunk(file: OpenedFile, at: number, length: number, end: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Small reads take a slice of Node's shared pool (no ArrayBuffer of their own); large ones a
    // buffer of their own, so a 1 MiB read never pins a pool. Either way the memory is not reused.
    const buf = length <= SMALL_READ ? Buffer.allocUnsafe(length) : Buffer.allocUnsafeSlow(length);
    fsRead(file.fd, buf, 0, length, at, (error, bytesRead) => {
      if (error) reject(new FileReadError(file.path, error));
      else if (bytesRead === 0) reject(new FileChangedError(file.path, `it ended at byte ${at}, before byte ${end}`));
      else resolve(bytesRead === length ? buf : buf.subarray(0, bytesRead));
    });
  });
}

/** Writes one range; `first.chunk` is its first chunk when already read (taken out, so only the loop holds it). With `last`, the descriptor is closed after the last read. */
async function copyRange(writer: StreamWriter, file: OpenedFile, range: ByteRange, hwm: number, first: { chunk: Buffer | null }, last: boolean): Promise<void> {
  let pos = range.start;
  const end = range.end + 1;
  if (pos >= end) return;
  const read = (at: number): Promise<Buffer> => readChunk(file, at, Math.min(hwm, end - at), end);
  let next: Promise<Buffer> | null = first.chunk ? Promise.resolve(first.chunk) : read(pos);
  first.chunk = null;
  try {
    while (next) {
      const chunk: Buffer = await next;
      pos += chunk.length;
      next = null;
      if (writer.signal.aborted) throw writer.signal.reason;
      // Read the next chunk while this one is being written: two buffers in flight, no more.
      if (pos < end) next = read(pos);
      else if (last) void closeFile(file);
      await writer.write(chunk);
    }
  } finally {
    // Never leave a read running on a descriptor about to be closed, nor its rejection unhandled.
    if (next) await (next as Promise<Buffer>).catch(() => {});
  }
}
