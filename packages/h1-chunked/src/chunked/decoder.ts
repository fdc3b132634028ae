import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import type { HeaderList } from '@sluice/stream-core';
import { ChunkedEncodingError, ChunkedErrorCode } from './errors.js';
import {
  BACKSLASH,
  COLON,
  CR,
  DQUOTE,
  EQUALS,
  FIELD_VALUE,
  HEX,
  HTAB,
  LF,
  QDTEXT,
  QUOTED_PAIR,
  SEMI,
  SP,
  TCHAR,
  forbiddenSet,
  limitOption,
} from './grammar.js';

/** Limits of a ChunkedDecoder; every one has a default that is safe for a public server. */
export interface ChunkedDecoderOptions {
  /** Largest chunk-size accepted (bytes). Default Number.MAX_SAFE_INTEGER: chunks are streamed, never buffered. */
  maxChunkSize?: number;
  /** Largest decoded body (bytes), checked when a chunk-size is read, before its data. Default Infinity (streamed). */
  maxBodyBytes?: number;
  /** Longest chunk-size line, CRLF excluded (bytes); bounds leading zeros and whitespace. Default 1024. */
  maxSizeLineBytes?: number;
  /** Longest chunk-ext on one chunk-size line (bytes after the hex digits). Default 256. */
  maxExtensionBytes?: number;
  /** Total chunk-ext bytes across the message, against extension floods (as llhttp/Node). Default 16384. */
  maxTotalExtensionBytes?: number;
  /** Largest trailer section including its CRLFs (bytes). Default 16384. */
  maxTrailerBytes?: number;
  /** Most trailer fields. Default 64. */
  maxTrailerCount?: number;
  /** Trailer names refused (lower-case); null accepts all. Default DEFAULT_FORBIDDEN_TRAILERS. */
  forbiddenTrailers?: Iterable<string> | null;
  /** Passed to the Transform (e.g. `readableHighWaterMark`). */
  streamOptions?: Omit<TransformOptions, 'transform' | 'flush' | 'objectMode' | 'readableObjectMode' | 'writableObjectMode'>;
}

/** The defaults of ChunkedDecoderOptions, as documented in the README. */
export const CHUNKED_DECODER_DEFAULTS = Object.freeze({
  maxChunkSize: Number.MAX_SAFE_INTEGER,
  maxBodyBytes: Infinity,
  maxSizeLineBytes: 1024,
  maxExtensionBytes: 256,
  maxTotalExtensionBytes: 16 * 1024,
  maxTrailerBytes: 16 * 1024,
  maxTrailerCount: 64,
});

// The parser's states, in the order a message walks through them (RFC 9112 §7.1).
const SIZE_START = 0; // first HEXDIG of chunk-size
const SIZE = 1; // further HEXDIGs
const SIZE_BWS = 2; // BWS after chunk-size; only ";" may follow
const EXT_NAME_START = 3; // after ";" (BWS, then chunk-ext-name)
const EXT_NAME = 4;
const EXT_AFTER_NAME = 5; // BWS after a name; "=" or ";" may follow
const EXT_VALUE_START = 6; // after "=" (BWS, then token or quoted-string)
const EXT_TOKEN = 7;
const EXT_QUOTED = 8;
const EXT_QUOTED_PAIR = 9;
const EXT_QUOTED_END = 10; // right after the closing DQUOTE
const EXT_AFTER_VALUE = 11; // BWS after a value; only ";" may follow
const SIZE_LF = 12; // CR seen at the end of the chunk-size line
const DATA = 13;
const DATA_CR = 14;
const DATA_LF = 15;
const TRAILER_START = 16; // start of a field-line, or the final CRLF
const TRAILER_NAME = 17;
const TRAILER_VALUE = 18;
const TRAILER_LF = 19;
const FINAL_LF = 20;
const DONE = 21;
const FAILED = 22;

const STATE_NAMES = [
  'the chunk-size',
  'the chunk-size',
  'the chunk-size line',
  'a chunk extension',
  'a chunk extension',
  'a chunk extension',
  'a chunk extension',
  'a chunk extension',
  'a chunk extension',
  'a chunk extension',
  'a chunk extension',
  'a chunk extension',
  'the chunk-size line',
  'chunk-data',
  'the CRLF after chunk-data',
  'the CRLF after chunk-data',
  'the trailer section',
  'the trailer section',
  'the trailer section',
  'the trailer section',
  'the final CRLF',
];

const EMPTY = Buffer.alloc(0);

const hex2 = (c: number): string => `0x${c.toString(16).padStart(2, '0')}`;

/**
 * Decodes the chunked transfer coding (RFC 9112 §7.1) from raw socket bytes: the readable side gives
 * the body bytes, `trailers` holds the trailer fields, and `rest` the bytes that followed the message
 * (on a keep-alive connection they are the next message). Strict: anything a request smuggler could
 * use to make two parsers disagree fails the stream with a ChunkedEncodingError.
 *
 * Events: 'trailers' (trailers: HeaderList) when the message is complete, before 'end';
 * 'rest' (bytes: Buffer) for each piece of input that arrives after the message.
 */
export class ChunkedDecoder extends Transform {
  private readonly maxChunkSize: number;
  private readonly maxBodyBytes: number;
  private readonly maxSizeLineBytes: number;
  private readonly maxExtensionBytes: number;
  private readonly maxTotalExtensionBytes: number;
  private readonly maxTrailerBytes: number;
  private readonly maxTrailerCount: number;
  private readonly forbidden: ReadonlySet<string> | null;

  private state = SIZE_START;
  private error: ChunkedEncodingError | null = null;
  /** Bytes of the message consumed before the current input buffer (for error offsets). */
  private consumed = 0;
  private chunkSize = 0;
  private remaining = 0;
  private body = 0;
  private lineBytes = 0;
  private lineExtBytes = 0;
  private totalExtBytes = 0;
  private trailerBytes = 0;
  private line: Buffer = EMPTY;
  private lineLen = 0;
  private nameEnd = 0;
  private readonly fields: HeaderList = [];
  private restBuffers: Buffer[] = [];

  constructor(options: ChunkedDecoderOptions = {}) {
    super(options.streamOptions);
    const d = CHUNKED_DECODER_DEFAULTS;
    this.maxChunkSize = limitOption('maxChunkSize', options.maxChunkSize, d.maxChunkSize);
    this.maxBodyBytes = limitOption('maxBodyBytes', options.maxBodyBytes, d.maxBodyBytes);
    this.maxSizeLineBytes = limitOption('maxSizeLineBytes', options.maxSizeLineBytes, d.maxSizeLineBytes);
    this.maxExtensionBytes = limitOption('maxExtensionBytes', options.maxExtensionBytes, d.maxExtensionBytes);
    this.maxTotalExtensionBytes = limitOption('maxTotalExtensionBytes', options.maxTotalExtensionBytes, d.maxTotalExtensionBytes);
    this.maxTrailerBytes = limitOption('maxTrailerBytes', options.maxTrailerBytes, d.maxTrailerBytes);
    this.maxTrailerCount = limitOption('maxTrailerCount', options.maxTrailerCount, d.maxTrailerCount);
    this.forbidden = forbiddenSet(options.forbiddenTrailers);
  }

  /** Trailer fields (lower-case names, in order); complete once 'trailers' has fired. */
  get trailers(): HeaderList {
    return this.fields;
  }

  /** True once the last-chunk, trailer section and final CRLF have been read. */
  get done(): boolean {
    return this.state === DONE;
  }

  /** Decoded body bytes so far. */
  get bodyBytes(): number {
    return this.body;
  }

  /** Input that followed the end of the message (never part of the body). */
  get rest(): Buffer {
    if (this.restBuffers.length > 1) this.restBuffers = [Buffer.concat(this.restBuffers)];
    return this.restBuffers.length ? this.restBuffers[0]! : EMPTY;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.state === DONE) {
      this.keepRest(chunk);
      callback();
      return;
    }
    if (this.state === FAILED) {
      callback(this.error);
      return;
    }
    const n = chunk.length;
    let i = 0;
    while (i < n && this.state !== DONE) {
      switch (this.state) {
        case SIZE_START:
          i = this.sizeStart(chunk, i);
          break;
        case SIZE:
          i = this.size(chunk, i);
          break;
        case SIZE_BWS:
        case EXT_NAME_START:
        case EXT_NAME:
        case EXT_AFTER_NAME:
        case EXT_VALUE_START:
        case EXT_TOKEN:
        case EXT_QUOTED:
        case EXT_QUOTED_PAIR:
        case EXT_QUOTED_END:
        case EXT_AFTER_VALUE:
          i = this.extension(chunk, i);
          break;
        case SIZE_LF:
          i = this.sizeLf(chunk, i);
          break;
        case DATA:
          i = this.data(chunk, i);
          break;
        case DATA_CR:
          i = this.dataCr(chunk, i);
          break;
        case DATA_LF:
          i = this.dataLf(chunk, i);
          break;
        case TRAILER_START:
          i = this.trailerStart(chunk, i);
          break;
        case TRAILER_NAME:
          i = this.trailerName(chunk, i);
          break;
        case TRAILER_VALUE:
          i = this.trailerValue(chunk, i);
          break;
        case TRAILER_LF:
          i = this.trailerLf(chunk, i);
          break;
        case FINAL_LF:
          i = this.finalLf(chunk, i);
          break;
      }
      if (i < 0) {
        callback(this.error);
        return;
      }
    }
    this.consumed += i;
    if (this.state === DONE) this.finish(chunk, i);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.state === DONE) {
      callback();
      return;
    }
    let where = STATE_NAMES[this.state] ?? 'the message';
    if (this.state === DATA) where += ` (${this.remaining} of ${this.chunkSize} bytes missing)`;
    callback(new ChunkedEncodingError(ChunkedErrorCode.TRUNCATED, `The input ended in ${where}, before the end of the chunked message`, this.consumed));
  }

  // ---- one method per state; each returns the next index, or -1 after fail() -------------------

  /** RFC 9112 §7.1: chunk-size = 1*HEXDIG; no sign, no whitespace, no "0x", not empty. */
  private sizeStart(buf: Buffer, i: number): number {
    const c = buf[i]!;
    const d = HEX[c]!;
    if (d >= 0) {
      if (d > this.maxChunkSize) return this.fail(ChunkedErrorCode.CHUNK_TOO_LARGE, `The chunk-size exceeds maxChunkSize (${this.maxChunkSize})`, i);
      this.chunkSize = d;
      this.lineBytes = 1;
      this.lineExtBytes = 0;
      this.state = SIZE;
      return i + 1;
    }
    if (c === LF) return this.fail(ChunkedErrorCode.BARE_LF, 'LF without CR where a chunk-size was expected', i);
    if (c === SP || c === HTAB) return this.fail(ChunkedErrorCode.INVALID_SIZE, 'Whitespace before the chunk-size', i);
    if (c === 0x2b || c === 0x2d) return this.fail(ChunkedErrorCode.INVALID_SIZE, `A sign ("${String.fromCharCode(c)}") before the chunk-size`, i);
    if (c === CR || c === SEMI) return this.fail(ChunkedErrorCode.INVALID_SIZE, 'Empty chunk-size', i);
    return this.fail(ChunkedErrorCode.INVALID_SIZE, `${hex2(c)} is not a hex digit of chunk-size`, i);
  }

  private size(buf: Buffer, i: number): number {
    const n = buf.length;
    let size = this.chunkSize;
    let lineBytes = this.lineBytes;
    for (; i < n; i++) {
      const d = HEX[buf[i]!]!;
      if (d < 0) break;
      // RFC 9112 §7.1: a recipient MUST anticipate large chunk-size values and prevent overflow.
      size = size * 16 + d;
      if (size > Number.MAX_SAFE_INTEGER) return this.fail(ChunkedErrorCode.SIZE_OVERFLOW, 'The chunk-size exceeds Number.MAX_SAFE_INTEGER', i);
      if (size > this.maxChunkSize) return this.fail(ChunkedErrorCode.CHUNK_TOO_LARGE, `The chunk-size exceeds maxChunkSize (${this.maxChunkSize})`, i);
      if (++lineBytes > this.maxSizeLineBytes) return this.fail(ChunkedErrorCode.SIZE_LINE_TOO_LONG, `The chunk-size line exceeds maxSizeLineBytes (${this.maxSizeLineBytes})`, i);
    }
    this.chunkSize = size;
    this.lineBytes = lineBytes;
    if (i === n) return i;
    const c = buf[i]!;
    if (c === CR) {
      this.state = SIZE_LF;
      return i + 1;
    }
    if (c === LF) return this.fail(ChunkedErrorCode.BARE_LF, 'LF without CR at the end of the chunk-size line', i);
    if (c === SEMI || c === SP || c === HTAB) {
      this.state = c === SEMI ? EXT_NAME_START : SIZE_BWS;
      return this.countExtension(i) ? i + 1 : -1;
    }
    if (c === 0x78 || c === 0x58) return this.fail(ChunkedErrorCode.INVALID_SIZE, 'A "0x" prefix in the chunk-size', i);
    return this.fail(ChunkedErrorCode.INVALID_SIZE, `${hex2(c)} is not a hex digit of chunk-size`, i);
  }

  /** RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ). */
  private extension(buf: Buffer, i: number): number {
    const n = buf.length;
    for (; i < n; i++) {
      const c = buf[i]!;
      if (c === LF) return this.fail(ChunkedErrorCode.BARE_LF, 'LF without CR in a chunk extension', i);
      switch (this.state) {
        case SIZE_BWS:
          if (c === SEMI) this.state = EXT_NAME_START;
          else if (c === CR) return this.fail(ChunkedErrorCode.INVALID_SIZE, 'Whitespace after the chunk-size', i);
          else if (c !== SP && c !== HTAB) return this.fail(ChunkedErrorCode.INVALID_SIZE, 'Whitespace inside the chunk-size', i);
          break;
        case EXT_NAME_START:
          if (TCHAR[c]) this.state = EXT_NAME;
          else if (c !== SP && c !== HTAB) return this.fail(ChunkedErrorCode.INVALID_EXTENSION, `Expected a chunk-ext-name (token), got ${hex2(c)}`, i);
          break;
        case EXT_NAME:
          if (TCHAR[c]) break;
          if (c === CR) return this.endOfLine(i);
          if (c === SEMI) this.state = EXT_NAME_START;
          else if (c === EQUALS) this.state = EXT_VALUE_START;
          else if (c === SP || c === HTAB) this.state = EXT_AFTER_NAME;
          else return this.fail(ChunkedErrorCode.INVALID_EXTENSION, `${hex2(c)} in a chunk-ext-name`, i);
          break;
        case EXT_AFTER_NAME:
          if (c === SEMI) this.state = EXT_NAME_START;
          else if (c === EQUALS) this.state = EXT_VALUE_START;
          else if (c !== SP && c !== HTAB) return this.fail(ChunkedErrorCode.INVALID_EXTENSION, `Whitespace then ${hex2(c)} after a chunk-ext-name; expected "=" or ";"`, i);
          break;
        case EXT_VALUE_START:
          if (TCHAR[c]) this.state = EXT_TOKEN;
          else if (c === DQUOTE) this.state = EXT_QUOTED;
          else if (c !== SP && c !== HTAB) return this.fail(ChunkedErrorCode.INVALID_EXTENSION, `Expected a chunk-ext-val (token or quoted-string), got ${hex2(c)}`, i);
          break;
        case EXT_TOKEN:
          if (TCHAR[c]) break;
          if (c === CR) return this.endOfLine(i);
          if (c === SEMI) this.state = EXT_NAME_START;
          else if (c === SP || c === HTAB) this.state = EXT_AFTER_VALUE;
          else return this.fail(ChunkedErrorCode.INVALID_EXTENSION, `${hex2(c)} in a chunk-ext-val token`, i);
          break;
        case EXT_QUOTED:
          if (c === DQUOTE) this.state = EXT_QUOTED_END;
          else if (c === BACKSLASH) this.state = EXT_QUOTED_PAIR;
          else if (!QDTEXT[c]) return this.fail(ChunkedErrorCode.INVALID_EXTENSION, `${hex2(c)} in a quoted chunk-ext-val`, i);
          break;
        case EXT_QUOTED_PAIR:
          if (!QUOTED_PAIR[c]) return this.fail(ChunkedErrorCode.INVALID_EXTENSION, `${hex2(c)} after a backslash in a quoted chunk-ext-val`, i);
          this.state = EXT_QUOTED;
          break;
        case EXT_QUOTED_END:
          if (c === CR) return this.endOfLine(i);
          if (c === SEMI) this.state = EXT_NAME_START;
          else if (c === SP || c === HTAB) this.state = EXT_AFTER_VALUE;
          else return this.fail(ChunkedErrorCode.INVALID_EXTENSION, `${hex2(c)} after a quoted chunk-ext-val; expected ";" or CRLF`, i);
          break;
        case EXT_AFTER_VALUE:
          // BWS is only allowed before the next ";", never before CRLF.
          if (c === SEMI) this.state = EXT_NAME_START;
          else if (c !== SP && c !== HTAB) return this.fail(ChunkedErrorCode.INVALID_EXTENSION, `Whitespace then ${hex2(c)} after a chunk-ext-val; expected ";"`, i);
          break;
      }
      if (!this.countExtension(i)) return -1;
    }
    return i;
  }

  /** Counts one chunk-ext byte against the per-line, per-message and line-length limits. */
  private countExtension(i: number): boolean {
    if (++this.lineExtBytes > this.maxExtensionBytes) {
      this.fail(ChunkedErrorCode.EXTENSION_TOO_LARGE, `Chunk extensions on one line exceed maxExtensionBytes (${this.maxExtensionBytes})`, i);
      return false;
    }
    if (++this.totalExtBytes > this.maxTotalExtensionBytes) {
      this.fail(ChunkedErrorCode.EXTENSION_TOO_LARGE, `Chunk extensions in the message exceed maxTotalExtensionBytes (${this.maxTotalExtensionBytes})`, i);
      return false;
    }
    if (++this.lineBytes > this.maxSizeLineBytes) {
      this.fail(ChunkedErrorCode.SIZE_LINE_TOO_LONG, `The chunk-size line exceeds maxSizeLineBytes (${this.maxSizeLineBytes})`, i);
      return false;
    }
    return true;
  }

  private endOfLine(i: number): number {
    this.state = SIZE_LF;
    return i + 1;
  }

  private sizeLf(buf: Buffer, i: number): number {
    if (buf[i] !== LF) return this.fail(ChunkedErrorCode.BARE_CR, 'CR not followed by LF at the end of the chunk-size line', i);
    const size = this.chunkSize;
    if (size === 0) {
      // RFC 9112 §7.1: last-chunk = 1*("0") [ chunk-ext ] CRLF, then the trailer section.
      this.state = TRAILER_START;
      return i + 1;
    }
    if (this.body + size > this.maxBodyBytes) return this.fail(ChunkedErrorCode.BODY_TOO_LARGE, `The body would exceed maxBodyBytes (${this.maxBodyBytes})`, i);
    this.remaining = size;
    this.state = DATA;
    return i + 1;
  }

  /** chunk-data: pushed as views of the input, never copied. */
  private data(buf: Buffer, i: number): number {
    const n = buf.length;
    const take = Math.min(this.remaining, n - i);
    this.push(i === 0 && take === n ? buf : buf.subarray(i, i + take));
    this.remaining -= take;
    this.body += take;
    if (this.remaining === 0) this.state = DATA_CR;
    return i + take;
  }

  /** RFC 9112 §7.1: chunk-data is followed by exactly CRLF. */
  private dataCr(buf: Buffer, i: number): number {
    const c = buf[i]!;
    if (c === CR) {
      this.state = DATA_LF;
      return i + 1;
    }
    if (c === LF) return this.fail(ChunkedErrorCode.BARE_LF, 'LF without CR after chunk-data', i);
    return this.fail(ChunkedErrorCode.MISSING_CRLF, `Expected CRLF after ${this.chunkSize} bytes of chunk-data, got ${hex2(c)}`, i);
  }

  private dataLf(buf: Buffer, i: number): number {
    const c = buf[i]!;
    if (c !== LF) return this.fail(ChunkedErrorCode.MISSING_CRLF, `Expected LF after the CR that follows chunk-data, got ${hex2(c)}`, i);
    this.state = SIZE_START;
    return i + 1;
  }

  /** RFC 9112 §7.1.2: a field-line, or the CRLF that ends the message. */
  private trailerStart(buf: Buffer, i: number): number {
    const c = buf[i]!;
    if (!this.countTrailer(i)) return -1;
    if (c === CR) {
      this.state = FINAL_LF;
      return i + 1;
    }
    if (c === LF) return this.fail(ChunkedErrorCode.BARE_LF, 'LF without CR in the trailer section', i);
    // RFC 9112 §5.2: obs-fold is rejected; a line may not start with whitespace.
    if (c === SP || c === HTAB) return this.fail(ChunkedErrorCode.INVALID_TRAILER, 'A trailer line starts with whitespace (obs-fold)', i);
    if (c === COLON) return this.fail(ChunkedErrorCode.INVALID_TRAILER, 'A trailer field with an empty name', i);
    if (!TCHAR[c]) return this.fail(ChunkedErrorCode.INVALID_TRAILER, `${hex2(c)} in a trailer field name`, i);
    if (this.fields.length >= this.maxTrailerCount) return this.fail(ChunkedErrorCode.TRAILERS_TOO_LARGE, `More than maxTrailerCount (${this.maxTrailerCount}) trailer fields`, i);
    this.lineLen = 0;
    this.keepLineByte(c);
    this.state = TRAILER_NAME;
    return i + 1;
  }

  private trailerName(buf: Buffer, i: number): number {
    const n = buf.length;
    for (; i < n; i++) {
      const c = buf[i]!;
      if (!this.countTrailer(i)) return -1;
      if (TCHAR[c]) {
        this.keepLineByte(c);
        continue;
      }
      if (c === COLON) {
        this.nameEnd = this.lineLen;
        this.state = TRAILER_VALUE;
        return i + 1;
      }
      if (c === LF) return this.fail(ChunkedErrorCode.BARE_LF, 'LF without CR in the trailer section', i);
      // RFC 9112 §5.1: no whitespace is allowed between the field name and the colon.
      if (c === SP || c === HTAB) return this.fail(ChunkedErrorCode.INVALID_TRAILER, 'Whitespace between a trailer field name and the colon', i);
      if (c === CR) return this.fail(ChunkedErrorCode.INVALID_TRAILER, 'A trailer line without a colon', i);
      return this.fail(ChunkedErrorCode.INVALID_TRAILER, `${hex2(c)} in a trailer field name`, i);
    }
    return i;
  }

  private trailerValue(buf: Buffer, i: number): number {
    const n = buf.length;
    for (; i < n; i++) {
      const c = buf[i]!;
      if (!this.countTrailer(i)) return -1;
      if (FIELD_VALUE[c]) {
        this.keepLineByte(c);
        continue;
      }
      if (c === CR) {
        this.state = TRAILER_LF;
        return i + 1;
      }
      if (c === LF) return this.fail(ChunkedErrorCode.BARE_LF, 'LF without CR in a trailer field value', i);
      // RFC 9110 §5.5: NUL and other controls are never part of a field value.
      return this.fail(ChunkedErrorCode.INVALID_TRAILER, `${hex2(c)} in a trailer field value`, i);
    }
    return i;
  }

  private trailerLf(buf: Buffer, i: number): number {
    if (!this.countTrailer(i)) return -1;
    if (buf[i] !== LF) return this.fail(ChunkedErrorCode.BARE_CR, 'CR not followed by LF in a trailer field value', i);
    const line = this.line;
    const name = line.toString('latin1', 0, this.nameEnd).toLowerCase();
    let start = this.nameEnd;
    let end = this.lineLen;
    while (start < end && (line[start] === SP || line[start] === HTAB)) start++;
    while (end > start && (line[end - 1] === SP || line[end - 1] === HTAB)) end--;
    if (this.forbidden?.has(name)) return this.fail(ChunkedErrorCode.FORBIDDEN_TRAILER, `The ${name} field is not allowed in trailers`, i);
    this.fields.push([name, line.toString('latin1', start, end)]);
    this.state = TRAILER_START;
    return i + 1;
  }

  private finalLf(buf: Buffer, i: number): number {
    if (!this.countTrailer(i)) return -1;
    if (buf[i] !== LF) return this.fail(ChunkedErrorCode.BARE_CR, 'CR not followed by LF at the end of the chunked message', i);
    this.state = DONE;
    return i + 1;
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private countTrailer(i: number): boolean {
    if (++this.trailerBytes <= this.maxTrailerBytes) return true;
    this.fail(ChunkedErrorCode.TRAILERS_TOO_LARGE, `The trailer section exceeds maxTrailerBytes (${this.maxTrailerBytes})`, i);
    return false;
  }

  /** Trailer lines are the one place bytes are copied; the buffer grows up to maxTrailerBytes. */
  private keepLineByte(c: number): void {
    if (this.lineLen === this.line.length) {
      const grown = Buffer.allocUnsafe(Math.max(128, this.line.length * 2));
      this.line.copy(grown, 0, 0, this.lineLen);
      this.line = grown;
    }
    this.line[this.lineLen++] = c;
  }

  private fail(code: ChunkedErrorCode, message: string, i: number): -1 {
    this.error = new ChunkedEncodingError(code, message, this.consumed + i);
    this.state = FAILED;
    return -1;
  }

  private finish(chunk: Buffer, i: number): void {
    this.line = EMPTY;
    this.emit('trailers', this.fields);
    if (i < chunk.length) this.keepRest(chunk.subarray(i));
    this.push(null);
  }

  private keepRest(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.restBuffers.push(bytes);
    this.emit('rest', bytes);
  }
}
