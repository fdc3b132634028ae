import { randomBytes } from 'node:crypto';
import { contentRange, type ByteRange } from './range.js';

/** One part of a multipart/byteranges body: its header block and the range it carries. */
export interface Part {
  head: string;
  range: ByteRange;
}

/** A multipart/byteranges body (RFC 9110 §14.6), laid out in advance so its length is known. */
export interface MultipartLayout {
  contentType: string;
  parts: Part[];
  tail: string;
  length: number;
}

/** A boundary that cannot occur in the parts' headers and is vanishingly unlikely in the file. */
export function makeBoundary(): string {
  return `sluice-${randomBytes(12).toString('hex')}`;
}

/** Lays out the parts: each starts with CRLF "--boundary", its Content-Type and Content-Range. */
export function layoutMultipart(ranges: readonly ByteRange[], length: number, type: string, boundary = makeBoundary()): MultipartLayout {
  let total = 0;
  const parts: Part[] = ranges.map((range, i) => {
    const head = `${i === 0 ? '' : '\r\n'}--${boundary}\r\ncontent-type: ${type}\r\ncontent-range: ${contentRange(length, range)}\r\n\r\n`;
    total += Buffer.byteLength(head) + (range.end - range.start + 1);
    return { head, range };
  });
  const tail = `\r\n--${boundary}--\r\n`;
  total += Buffer.byteLength(tail);
  return { contentType: `multipart/byteranges; boundary=${boundary}`, parts, tail, length: total };
}
