import { SluiceError } from '@sluice/stream-core';

/** Stable codes of ChunkedEncodingError; each names one rule of the chunked coding or one limit. */
export const ChunkedErrorCode = {
  BARE_LF: 'ERR_SLUICE_CHUNKED_BARE_LF',
  BARE_CR: 'ERR_SLUICE_CHUNKED_BARE_CR',
  INVALID_SIZE: 'ERR_SLUICE_CHUNKED_INVALID_SIZE',
  SIZE_OVERFLOW: 'ERR_SLUICE_CHUNKED_SIZE_OVERFLOW',
  CHUNK_TOO_LARGE: 'ERR_SLUICE_CHUNKED_CHUNK_TOO_LARGE',
  SIZE_LINE_TOO_LONG: 'ERR_SLUICE_CHUNKED_SIZE_LINE_TOO_LONG',
  INVALID_EXTENSION: 'ERR_SLUICE_CHUNKED_INVALID_EXTENSION',
  EXTENSION_TOO_LARGE: 'ERR_SLUICE_CHUNKED_EXTENSION_TOO_LARGE',
  MISSING_CRLF: 'ERR_SLUICE_CHUNKED_MISSING_CRLF',
  INVALID_TRAILER: 'ERR_SLUICE_CHUNKED_INVALID_TRAILER',
  FORBIDDEN_TRAILER: 'ERR_SLUICE_CHUNKED_FORBIDDEN_TRAILER',
  TRAILERS_TOO_LARGE: 'ERR_SLUICE_CHUNKED_TRAILERS_TOO_LARGE',
  BODY_TOO_LARGE: 'ERR_SLUICE_CHUNKED_BODY_TOO_LARGE',
  TRUNCATED: 'ERR_SLUICE_CHUNKED_TRUNCATED',
  TRAILERS_TOO_LATE: 'ERR_SLUICE_CHUNKED_TRAILERS_TOO_LATE',
} as const;
export type ChunkedErrorCode = (typeof ChunkedErrorCode)[keyof typeof ChunkedErrorCode];

/** The rule each code enforces, as it is quoted in `error.rule` and in the README's errors table. */
export const CHUNKED_RULES: Readonly<Record<ChunkedErrorCode, string>> = {
  ERR_SLUICE_CHUNKED_BARE_LF: 'RFC 9112 §2.2: lines end in CRLF; a bare LF in chunked framing is rejected',
  ERR_SLUICE_CHUNKED_BARE_CR: 'RFC 9112 §2.2: a bare CR (not followed by LF) is rejected',
  ERR_SLUICE_CHUNKED_INVALID_SIZE: 'RFC 9112 §7.1: chunk-size = 1*HEXDIG',
  ERR_SLUICE_CHUNKED_SIZE_OVERFLOW: 'RFC 9112 §7.1: a recipient MUST anticipate large chunk-size values and prevent integer overflow',
  ERR_SLUICE_CHUNKED_CHUNK_TOO_LARGE: 'RFC 9112 §7.1: chunk-size, bounded by maxChunkSize',
  ERR_SLUICE_CHUNKED_SIZE_LINE_TOO_LONG: 'RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF, bounded by maxSizeLineBytes',
  ERR_SLUICE_CHUNKED_INVALID_EXTENSION:
    'RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ); chunk-ext-val = token / quoted-string',
  ERR_SLUICE_CHUNKED_EXTENSION_TOO_LARGE:
    'RFC 9112 §7.1.1: a server ought to limit the total length of chunk extensions (maxExtensionBytes, maxTotalExtensionBytes)',
  ERR_SLUICE_CHUNKED_MISSING_CRLF: 'RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF',
  ERR_SLUICE_CHUNKED_INVALID_TRAILER:
    'RFC 9112 §7.1.2 and §5: trailer-section = *( field-line CRLF ); field-line = field-name ":" OWS field-value OWS; no obs-fold',
  ERR_SLUICE_CHUNKED_FORBIDDEN_TRAILER:
    'RFC 9110 §6.5.1: fields needed for framing, routing or message processing must not be sent or trusted in trailers',
  ERR_SLUICE_CHUNKED_TRAILERS_TOO_LARGE: 'RFC 9112 §7.1.2: trailer-section, bounded by maxTrailerBytes and maxTrailerCount',
  ERR_SLUICE_CHUNKED_BODY_TOO_LARGE: 'RFC 9112 §7.1.3: the decoded content length, bounded by maxBodyBytes',
  ERR_SLUICE_CHUNKED_TRUNCATED: 'RFC 9112 §8: a chunked message that ends before last-chunk, trailer-section and CRLF is incomplete',
  ERR_SLUICE_CHUNKED_TRAILERS_TOO_LATE: 'RFC 9112 §7.1.2: trailers follow the last-chunk, so they must be set before end()',
};

/** A chunked message broke a rule of RFC 9112 §7.1 or a configured limit; `rule` says which. */
export class ChunkedEncodingError extends SluiceError {
  declare readonly code: ChunkedErrorCode;
  /** The rule (RFC section and grammar, or the option that bounds it). */
  readonly rule: string;
  /** Offset of the offending byte in the chunked message (-1 for encoder errors). */
  readonly offset: number;
  constructor(code: ChunkedErrorCode, message: string, offset = -1) {
    super(code, message);
    this.rule = CHUNKED_RULES[code];
    this.offset = offset;
  }
}
