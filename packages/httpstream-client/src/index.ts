// @sluice/httpstream-client: a fluent HTTP client that streams any request body in constant memory.

// The client and its requests
export { createClient, HttpClient, DEFAULT_TIMEOUTS, DEFAULT_MAX_RESPONSE_BYTES, type ClientOptions } from './client.js';
export { RequestBuilder, MultipartBuilder, type LineOptions } from './request-builder.js';
export { HttpResponse, type ResponseHeaders, type ReadOptions } from './response.js';
export type { HttpRequest, Dispatch, Middleware, Timeouts, Progress } from './types.js';

// Bodies
export { fromFile, toRequestBody, mimeTypeFor, type BodySource, type BodyFactory, type BodyOptions, type RequestBody, type OpenedBody } from './body.js';
export { jsonBody, ndjsonBody, jsonArrayBody, formBody, gzipBody, type FormFields, type ItemSource } from './encoders.js';
export { MultipartBody, quoteDispositionParam, type FilePartOptions } from './multipart.js';

// Reading streams
export { splitLines } from './lines.js';
export { parseSSE, type SSEEvent } from './sse.js';

// Middleware
export { logging, DEFAULT_REDACTED_HEADERS, type LoggingOptions, type Logger } from './middleware/logging.js';
export { retry, type RetryOptions } from './middleware/retry.js';
export { redirects, type RedirectOptions } from './middleware/redirects.js';
export { concurrency, type ConcurrencyOptions } from './middleware/concurrency.js';

// Errors
export {
  HttpStreamError,
  InvalidArgumentError,
  TimeoutError,
  AbortError,
  ConnectionError,
  HttpStatusError,
  BodyNotReplayableError,
  BodySourceError,
  ResponseTooLargeError,
  ResponseParseError,
  TooManyRedirectsError,
  type TimeoutPhase,
} from './errors.js';
