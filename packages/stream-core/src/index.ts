// @sluice/stream-core: the StreamWriter contract and the machinery every writer shares.
export type { StreamWriter, StreamWriterOptions, WriterTransport, TransportEvents, Protocol } from './writer.js';
export { TransportStreamWriter, writableFor, DEFAULT_BACKPRESSURE_TIMEOUT_MS, DEFAULT_BATCH_BYTES } from './writer.js';
export type { HeaderInput, HeaderValue, HeaderList } from './headers.js';
export { normalizeHeaders, assertValidHeader, assertValidStatus, isToken, declaredTrailers, CONNECTION_SPECIFIC_HEADERS } from './headers.js';
export type { ByteSource, PipeOptions } from './pipe.js';
export { pipeFrom, writeNdjson, writeJsonArray } from './pipe.js';
export type { BufferableResponse } from './buffering.js';
export {
  bufferResponse,
  flushResponse,
  captureResponse,
  capturedResponse,
  responseBody,
  setResponseBody,
  sendBuffered,
  isBuffering,
  isStreamed,
  claimForStreaming,
  DEFAULT_BUFFER_LIMIT,
  DEFAULT_CAPTURE_LIMIT,
} from './buffering.js';
export {
  SluiceError,
  HeadersSentError,
  WriteAfterCloseError,
  BackpressureTimeoutError,
  PeerGoneError,
  StreamAbortedError,
  InvalidStatusError,
  InvalidHeaderError,
  TrailerNotDeclaredError,
  ResponseBufferedError,
  PayloadTooLargeError,
  NotJsonError,
  InvalidOptionError,
} from './errors.js';
