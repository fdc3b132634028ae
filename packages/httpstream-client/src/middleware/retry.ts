// Retries failed attempts with exponential back-off and full jitter, honouring Retry-After
// (RFC 9110 §10.2.3), for idempotent methods by default (RFC 9110 §9.2.2). A body that cannot be
// replayed is never resent as empty: the retry fails with BodyNotReplayableError instead.
import { BodyNotReplayableError, ConnectionError, TimeoutError, AbortError } from '../errors.js';
import type { HttpResponse } from '../response.js';
import type { HttpRequest, Middleware } from '../types.js';

export interface RetryOptions {
  /** Retries after the first attempt (default 2). */
  retries?: number;
  /** Methods that may be retried (default the idempotent ones). */
  methods?: readonly string[];
  /** Statuses that cause a retry (default 408, 429, 500, 502, 503, 504). */
  statuses?: readonly number[];
  /** First back-off in ms (default 200); doubles each attempt. */
  minDelay?: number;
  /** Cap on one back-off in ms (default 10 000). */
  maxDelay?: number;
  /** A Retry-After longer than this (ms, default 60 000) is not waited for: the response is returned. */
  maxRetryAfter?: number;
  /** Decides whether a failure is worth another attempt (default: connection errors and timeouts). */
  retryOnError?: (err: unknown) => boolean;
}

export const IDEMPOTENT_METHODS = ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'];
const RETRY_STATUSES = [408, 429, 500, 502, 503, 504];

function defaultRetryOnError(err: unknown): boolean {
  return err instanceof ConnectionError || (err instanceof TimeoutError && err.phase !== 'total');
}

/** Retry-After in ms: delay-seconds or an HTTP-date; null when absent or malformed. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError(signal.reason));
    const onAbort = () => {
      clearTimeout(t);
      reject(new AbortError(signal?.reason));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function retry(options: RetryOptions = {}): Middleware {
  const retries = options.retries ?? 2;
  const methods = new Set((options.methods ?? IDEMPOTENT_METHODS).map((m) => m.toUpperCase()));
  const statuses = new Set(options.statuses ?? RETRY_STATUSES);
  const minDelay = options.minDelay ?? 200;
  const maxDelay = options.maxDelay ?? 10_000;
  const maxRetryAfter = options.maxRetryAfter ?? 60_000;
  const retryOnError = options.retryOnError ?? defaultRetryOnError;

  return (next) => async (req: HttpRequest) => {
    for (let n = 0; ; n++) {
      const attempt: HttpRequest = { ...req, attempt: req.attempt + n };
      let res: HttpResponse | undefined;
      let error: unknown;
      try {
        res = await next(attempt);
      } catch (err) {
        error = err;
      }
      const wanted = methods.has(req.method) && n < retries && (res ? statuses.has(res.status) : retryOnError(error));
      if (!wanted) {
        if (res) return res;
        throw error;
      }
      let delay = Math.min(maxDelay, minDelay * 2 ** n) * Math.random(); // full jitter
      const retryAfter = res ? parseRetryAfter(res.header('retry-after')) : null;
      if (retryAfter !== null) {
        if (retryAfter > maxRetryAfter) return res!;
        delay = retryAfter;
      }
      if (req.body && !req.body.replayable && req.body.consumed) {
        const why = res ? `retry after HTTP ${res.status}` : `retry after ${(error as Error)?.message ?? error}`;
        if (res) await res.dump();
        throw new BodyNotReplayableError(why, error ?? res);
      }
      if (res) await res.dump();
      await sleep(delay, req.signal);
    }
  };
}
