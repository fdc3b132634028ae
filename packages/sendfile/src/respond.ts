import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { BandwidthLimiter, TokenBucket, throttle } from '@sluice/bandwidth';
import { writerFor } from '@sluice/h2-flow';
import type { HeaderList, StreamWriter } from '@sluice/stream-core';
import { evaluatePreconditions, ifRangePasses, type ConditionalHeaders, type Validators } from './conditional.js';
import { FileChangedError, FileReadError } from './errors.js';
import type { OpenedFile } from './locate.js';
import { layoutMultipart } from './multipart.js';
import type { ResolvedOptions } from './options.js';
import { contentRange, parseRange, type ByteRange } from './range.js';
import { cacheControlValue, dispositionFor, fileContentType, fileEtag } from './representation.js';

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

function errorDocument(status: number): string {
  const msg = STATUS_CODES[status] ?? String(status);
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>${msg}</pre>\n</body>\n</html>\n`;
}

/** The writer for this response: writerFor() picks the protocol; rate limits wrap it. */
export function responseWriter(req: AnyRequest, res: AnyResponse, o: ResolvedOptions): StreamWriter {
  let writer = writerFor(req, res, o.writer);
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
    ['content-length', String(Buffer.byteLength(doc))],
    ['content-security-policy', "default-src 'none'"],
    ...NOSNIFF,
    ...extra,
  ];
  return sendSmall(req, res, o, status, headers, req.method === 'HEAD' ? '' : doc);
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
  return sendSmall(req, res, o, 301, headers, req.method === 'HEAD' ? '' : doc);
}

async function sendSmall(req: AnyRequest, res: AnyResponse, o: ResolvedOptions, status: number, headers: HeaderList, body: string): Promise<SendResult> {
  let writer: StreamWriter;
  try {
    writer = writerFor(req, res, o.writer);
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

function conditionalHeaders(req: AnyRequest): ConditionalHeaders & { range?: string } {
  const h = req.headers;
  const one = (name: string): string | undefined => {
    const v = h[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  return {
    'if-match': one('if-match'),
    'if-none-match': one('if-none-match'),
    'if-modified-since': one('if-modified-since'),
    'if-unmodified-since': one('if-unmodified-since'),
    'if-range': one('if-range'),
    range: one('range'),
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
    await file.handle.close().catch(() => {});
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
  if (validators.lastModified !== undefined) meta.push(['last-modified', new Date(validators.lastModified * 1000).toUTCString()]);
  const cc = cacheControlValue(o);
  if (cc) meta.push(['cache-control', cc]);

  const h = conditionalHeaders(req);
  const outcome = evaluatePreconditions(h, validators);
  if (outcome === 412) return respondStatus(req, res, o, 412);
  if (outcome === 304) return sendSmall(req, res, o, 304, meta, '');

  const headers: HeaderList = [...meta];
  if (o.acceptRanges) headers.push(['accept-ranges', 'bytes']);
  headers.push(['content-type', type]);
  if (disposition) headers.push(['content-disposition', disposition]);
  headers.push(...NOSNIFF);

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
 * buffers per download: the one being written and the next being read. A short read means the file
 * shrank after its length was sent: the writer is aborted, never closed as if complete.
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
  let writer: StreamWriter;
  try {
    writer = responseWriter(req, res, o);
  } catch (error) {
    return { status, bytes: 0, path: file.path, error: error as Error };
  }
  try {
    writer.writeHeader(status, headers);
    for (const part of parts) {
      if (part.head) await writer.write(part.head);
      await copyRange(writer, file, part.range, o.highWaterMark);
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

async function copyRange(writer: StreamWriter, file: OpenedFile, range: ByteRange, hwm: number): Promise<void> {
  let pos = range.start;
  const end = range.end + 1;
  if (pos >= end) return;
  const read = async (at: number): Promise<Buffer> => {
    // A fresh buffer per read: the one before may still sit in the socket's queue.
    const buf = Buffer.allocUnsafeSlow(Math.min(hwm, end - at));
    let bytesRead: number;
    try {
      ({ bytesRead } = await file.handle.read(buf, 0, buf.length, at));
    } catch (error) {
      throw new FileReadError(file.path, error);
    }
    if (bytesRead === 0) throw new FileChangedError(file.path, `it ended at byte ${at}, before byte ${end}`);
    return bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
  };
  let next: Promise<Buffer> | null = read(pos);
  try {
    while (next) {
      const chunk: Buffer = await next;
      pos += chunk.length;
      next = null;
      if (writer.signal.aborted) throw writer.signal.reason;
      // Read the next chunk while this one is being written: two buffers in flight, no more.
      if (pos < end) next = read(pos);
      await writer.write(chunk);
    }
  } finally {
    // Never leave a read running on a descriptor about to be closed, nor its rejection unhandled.
    if (next) await (next as Promise<Buffer>).catch(() => {});
  }
}
