// The strict RFC 9112 §7.1 chunked codec for raw sockets.
export { ChunkedEncoder } from './encoder.js';
export type { ChunkedEncoderOptions } from './encoder.js';
export { ChunkedDecoder, CHUNKED_DECODER_DEFAULTS } from './decoder.js';
export type { ChunkedDecoderOptions } from './decoder.js';
export { ChunkedEncodingError, ChunkedErrorCode, CHUNKED_RULES } from './errors.js';
export { DEFAULT_FORBIDDEN_TRAILERS } from './grammar.js';
