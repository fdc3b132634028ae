import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { normalizeHeaders, type HeaderInput, type HeaderList } from '@sluice/stream-core';
import { ChunkedEncodingError, ChunkedErrorCode } from './errors.js';
import { forbiddenSet } from './grammar.js';

export interface ChunkedEncoderOptions {
  /** Trailer fields sent after the last-chunk; can also be set later with setTrailers(). */
  trailers?: HeaderInput;
  /** Trailer names refused (lower-case); null allows all. Default DEFAULT_FORBIDDEN_TRAILERS. */
  forbiddenTrailers?: Iterable<string> | null;
  /**
   * Writes up to this many bytes are framed into one buffer (one copy, one push); larger writes
   * are pushed as size line, the caller's buffer itself, and CRLF, so big data is never copied.
   * Default 1024.
   */
  copyThreshold?: number;
  /** Passed to the Transform (e.g. `writableHighWaterMark`). */
  streamOptions?: Omit<TransformOptions, 'transform' | 'flush' | 'objectMode' | 'readableObjectMode' | 'writableObjectMode'>;
}

const CRLF = Buffer.from('\r\n', 'latin1');
const LAST_CHUNK_NO_TRAILERS = Buffer.from('0\r\n\r\n', 'latin1');

/**
 * Encodes bytes in the chunked transfer coding (RFC 9112 §7.1): each non-empty write becomes
 * `hex-size CRLF data CRLF`; end() writes `0 CRLF`, the trailer fields and the final CRLF.
 */
export class ChunkedEncoder extends Transform {
  private readonly forbidden: ReadonlySet<string> | null;
  private readonly copyThreshold: number;
  private fields: HeaderList = [];
  private sealed = false;

  constructor(options: ChunkedEncoderOptions = {}) {
    super(options.streamOptions);
    this.forbidden = forbiddenSet(options.forbiddenTrailers);
    this.copyThreshold = options.copyThreshold ?? 1024;
    if (options.trailers !== undefined) this.setTrailers(options.trailers);
  }

  /**
   * Sets the trailer fields sent at end(), replacing earlier ones. Throws InvalidHeaderError (from
   * stream-core) for a name that is not a token or a value with CR, LF or NUL, and a
   * ChunkedEncodingError for a forbidden field, a value that is not latin1, or after end().
   */
  setTrailers(headers: HeaderInput): this {
    if (this.sealed || this.writableEnded) {
      throw new ChunkedEncodingError(ChunkedErrorCode.TRAILERS_TOO_LATE, 'Trailers must be set before end()');
    }
    const list = normalizeHeaders(headers);
    for (const [name, value] of list) {
      if (this.forbidden?.has(name)) throw new ChunkedEncodingError(ChunkedErrorCode.FORBIDDEN_TRAILER, `The ${name} field is not allowed in trailers`);
      // Field values go on the wire as latin1 (RFC 9110 §5.5 obs-text); anything wider would be mangled.
      for (let i = 0; i < value.length; i++) {
        if (value.charCodeAt(i) > 0xff) throw new ChunkedEncodingError(ChunkedErrorCode.INVALID_TRAILER, `The ${name} trailer value has a character outside latin1`);
      }
    }
    this.fields = list;
    return this;
  }

  /** The trailer fields that end() will send. */
  get trailers(): HeaderList {
    return this.fields;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const n = chunk.length;
    if (n === 0) {
      // A zero-size chunk would be the last-chunk; an empty write sends nothing.
      callback();
      return;
    }
    const size = n.toString(16);
    if (n <= this.copyThreshold) {
      const framed = Buffer.allocUnsafe(size.length + n + 4);
      let at = framed.write(size, 0, 'latin1');
      framed[at++] = 0x0d;
      framed[at++] = 0x0a;
      at += chunk.copy(framed, at);
      framed[at++] = 0x0d;
      framed[at] = 0x0a;
      this.push(framed);
    } else {
      this.push(Buffer.from(`${size}\r\n`, 'latin1'));
      this.push(chunk);
      this.push(CRLF);
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.sealed = true;
    if (this.fields.length === 0) {
      this.push(LAST_CHUNK_NO_TRAILERS);
    } else {
      let tail = '0\r\n';
      for (const [name, value] of this.fields) tail += `${name}: ${value}\r\n`;
      this.push(Buffer.from(`${tail}\r\n`, 'latin1'));
    }
    callback();
  }
}
