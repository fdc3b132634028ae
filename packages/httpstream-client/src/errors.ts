// Every failure the client reports is one of these classes, each with a stable `code` that callers
// can switch on; the README's errors table lists them.

/** The base of every error this package throws. `code` is stable across versions. */
export class HttpStreamError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A bad argument refused at the boundary: CR/LF in a header or filename, a missing path param… */
export class InvalidArgumentError extends HttpStreamError {
  constructor(message: string) {
    super('ERR_SLUICE_INVALID_ARGUMENT', message);
  }
}

export type TimeoutPhase = 'connect' | 'headers' | 'idle' | 'total';

/** A per-phase deadline passed. `phase` says which one. */
export class TimeoutError extends HttpStreamError {
  readonly phase: TimeoutPhase;
  readonly timeoutMs: number;
  constructor(phase: TimeoutPhase, timeoutMs: number) {
    super('ERR_SLUICE_TIMEOUT', `${phase} timeout: ${describePhase(phase)} within ${timeoutMs} ms`);
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

function describePhase(phase: TimeoutPhase): string {
  switch (phase) {
    case 'connect':
      return 'no connection was ready for the request';
    case 'headers':
      return 'the response headers did not arrive after the upload finished';
    case 'idle':
      return 'no byte moved in either direction';
    case 'total':
      return 'the exchange did not complete';
  }
}

/** The caller's AbortSignal fired. `cause` is the signal's reason. */
export class AbortError extends HttpStreamError {
  constructor(reason?: unknown) {
    super('ERR_SLUICE_ABORTED', 'the request was aborted', { cause: reason });
  }
}

/** The connection failed or was reset by the peer (ECONNRESET, ECONNREFUSED, socket closed…). */
export class ConnectionError extends HttpStreamError {
  constructor(message: string, cause?: unknown) {
    super('ERR_SLUICE_CONNECTION', message, { cause });
  }
}

/** `stream()`, `streamLines()`, `streamSSE()`, or `ok()` met a non-2xx status. */
export class HttpStatusError extends HttpStreamError {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  /** The first bytes of the body (at most 1 KiB), decoded as UTF-8. */
  readonly bodySnippet: string;
  constructor(status: number, headers: Record<string, string | string[]>, bodySnippet: string, url: string) {
    super('ERR_SLUICE_HTTP_STATUS', `HTTP ${status} from ${url}${bodySnippet ? `: ${bodySnippet.slice(0, 200)}` : ''}`);
    this.status = status;
    this.headers = headers;
    this.bodySnippet = bodySnippet;
  }
}

/** A retry or redirect needed to send the body again, but it was a one-shot stream already read. */
export class BodyNotReplayableError extends HttpStreamError {
  constructor(why: string, cause?: unknown) {
    super(
      'ERR_SLUICE_BODY_NOT_REPLAYABLE',
      `${why}: the request body is a one-shot stream that was already read; pass a factory () => source to make it replayable`,
      { cause },
    );
  }
}

/** The request body source threw, or produced a different number of bytes than its declared size. */
export class BodySourceError extends HttpStreamError {
  constructor(message: string, cause?: unknown) {
    super('ERR_SLUICE_BODY_SOURCE', message, { cause });
  }
}

/** A response body read with text()/json()/bytes() exceeded its size cap, or a line/event exceeded its cap. */
export class ResponseTooLargeError extends HttpStreamError {
  readonly limit: number;
  constructor(what: string, limit: number) {
    super('ERR_SLUICE_RESPONSE_TOO_LARGE', `${what} exceeds the limit of ${limit} bytes`);
    this.limit = limit;
  }
}

/** The redirects middleware followed `max` redirects and was sent to another one. */
export class TooManyRedirectsError extends HttpStreamError {
  constructor(max: number, url: string) {
    super('ERR_SLUICE_TOO_MANY_REDIRECTS', `more than ${max} redirects (last: ${url})`);
  }
}

/** The response body could not be parsed (invalid JSON). */
export class ResponseParseError extends HttpStreamError {
  constructor(message: string, cause?: unknown) {
    super('ERR_SLUICE_RESPONSE_PARSE', message, { cause });
  }
}
