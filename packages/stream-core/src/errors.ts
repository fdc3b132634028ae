/**
 * Every error Sluice throws is a SluiceError with a stable `code` starting with `ERR_SLUICE_`.
 * Handlers switch on `code`, never on messages.
 */
export class SluiceError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** `writeHeader` was called a second time, or after the body started. */
export class HeadersSentError extends SluiceError {
  constructor(message = 'Headers have already been sent') {
    super('ERR_SLUICE_HEADERS_SENT', message);
  }
}

/** `write`, `flush` or `writeHeader` after `close()` or `abort()`. */
export class WriteAfterCloseError extends SluiceError {
  constructor(message = 'The stream has been closed; no more writes are accepted') {
    super('ERR_SLUICE_WRITE_AFTER_CLOSE', message);
  }
}

/** The peer read nothing for `backpressureTimeoutMs` while the writer waited for drain. */
export class BackpressureTimeoutError extends SluiceError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super('ERR_SLUICE_BACKPRESSURE_TIMEOUT', `The peer read nothing for ${timeoutMs} ms; the stream was aborted`);
    this.timeoutMs = timeoutMs;
  }
}

/** The peer went away (closed the connection, reset the stream) before the response ended. */
export class PeerGoneError extends SluiceError {
  constructor(message = 'The peer closed the connection before the response ended', options?: { cause?: unknown }) {
    super('ERR_SLUICE_PEER_GONE', message, options);
  }
}

/** The server side aborted the stream with `abort(reason)`; `cause` is the reason. */
export class StreamAbortedError extends SluiceError {
  constructor(reason?: unknown) {
    super('ERR_SLUICE_ABORTED', `The stream was aborted${reason instanceof Error ? `: ${reason.message}` : reason !== undefined ? `: ${String(reason)}` : ''}`, { cause: reason });
  }
}

/** A status code outside 100–999 or not an integer, or 1xx/204/304 misuse. */
export class InvalidStatusError extends SluiceError {
  readonly status: unknown;
  constructor(status: unknown, why = 'must be an integer from 200 to 999') {
    super('ERR_SLUICE_INVALID_STATUS', `Invalid status ${String(status)}: ${why}`);
    this.status = status;
  }
}

/** A header name that is not an RFC 9110 token, or a value with CR, LF or NUL. */
export class InvalidHeaderError extends SluiceError {
  readonly header: string;
  constructor(header: string, why: string) {
    super('ERR_SLUICE_INVALID_HEADER', `Invalid header ${JSON.stringify(header)}: ${why}`);
    this.header = header;
  }
}

/** `close(trailers)` named a trailer field that the `trailer` header did not announce. */
export class TrailerNotDeclaredError extends SluiceError {
  constructor(name: string) {
    super('ERR_SLUICE_TRAILER_NOT_DECLARED', `Trailer ${JSON.stringify(name)} was not declared in the "trailer" response header`);
  }
}

/** A StreamWriter was asked for while a middleware is buffering the same response. */
export class ResponseBufferedError extends SluiceError {
  constructor() {
    super(
      'ERR_SLUICE_RESPONSE_BUFFERED',
      'This response is being buffered by bufferResponse(); streaming and buffering are exclusive. ' +
        'Flush the buffer (flushResponse) or move the streaming route off the buffering middleware.',
    );
  }
}

/** A buffered body grew past its limit (sendBuffered answers 413 with it). */
export class PayloadTooLargeError extends SluiceError {
  readonly limit: number;
  constructor(limit: number) {
    super('ERR_SLUICE_PAYLOAD_TOO_LARGE', `The body exceeds the ${limit}-byte limit`);
    this.limit = limit;
  }
}

/** A value handed to an NDJSON or JSON-array helper has no JSON form (undefined, a function, a symbol). */
export class NotJsonError extends SluiceError {
  constructor(what: string) {
    super('ERR_SLUICE_NOT_JSON', `Item has no JSON representation: ${what}`);
  }
}

/** An option outside its allowed range. */
export class InvalidOptionError extends SluiceError {
  constructor(option: string, why: string) {
    super('ERR_SLUICE_INVALID_OPTION', `Invalid option ${option}: ${why}`);
  }
}
