// Logs each request and its response or failure. Credentials never reach the log: the headers named
// in `redact` (any casing) and a URL's userinfo are replaced before the logger sees anything.
import type { Middleware } from '../types.js';
import type { HttpStreamError } from '../errors.js';

/** A pino-style logger: (fields, message). console-style loggers can be wrapped in one line. */
export interface Logger {
  info(fields: object, message?: string): void;
  error?(fields: object, message?: string): void;
}

export interface LoggingOptions {
  logger: Logger;
  /** Header names whose values are replaced by "[REDACTED]" (compared case-insensitively). */
  redact?: readonly string[];
  /** Query parameter names whose values are redacted in logged URLs. */
  redactQuery?: readonly string[];
  /** Log request and response headers (default true). */
  headers?: boolean;
}

export const DEFAULT_REDACTED_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];
const REDACTED = '[REDACTED]';

export function redactHeaders(headers: Record<string, unknown>, redact: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = redact.has(k.toLowerCase()) ? REDACTED : v;
  return out;
}

export function redactURL(url: URL, redactQuery: ReadonlySet<string>): string {
  const u = new URL(url.href);
  if (u.username) u.username = REDACTED;
  if (u.password) u.password = REDACTED;
  for (const name of [...u.searchParams.keys()]) if (redactQuery.has(name.toLowerCase())) u.searchParams.set(name, REDACTED);
  return u.href;
}

export function logging(options: LoggingOptions): Middleware {
  const { logger } = options;
  const redact = new Set([...(options.redact ?? DEFAULT_REDACTED_HEADERS)].map((h) => h.toLowerCase()));
  const redactQuery = new Set((options.redactQuery ?? []).map((q) => q.toLowerCase()));
  const withHeaders = options.headers ?? true;
  return (next) => async (req) => {
    const started = performance.now();
    const url = redactURL(req.url, redactQuery);
    logger.info({ method: req.method, url, attempt: req.attempt, ...(withHeaders ? { headers: redactHeaders(req.headers, redact) } : {}) }, 'http request');
    try {
      const res = await next(req);
      logger.info(
        {
          method: req.method,
          url,
          status: res.status,
          durationMs: Math.round(performance.now() - started),
          ...(withHeaders ? { headers: redactHeaders(res.headers, redact) } : {}),
        },
        'http response',
      );
      return res;
    } catch (err) {
      const e = err as HttpStreamError;
      (logger.error ?? logger.info).call(logger, { method: req.method, url, durationMs: Math.round(performance.now() - started), error: { code: e?.code, message: e?.message } }, 'http request failed');
      throw err;
    }
  };
}
