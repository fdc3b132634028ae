// Maps undici and node:http failures to this package's typed errors, so callers never switch on a
// transport's private codes.
import { BodySourceError, ConnectionError, HttpStreamError, InvalidArgumentError, TimeoutError } from './errors.js';

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_INFO',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
]);

/** Maps an undici/Node error to this package's typed errors. */
export function mapTransportError(err: unknown): Error {
  if (err instanceof HttpStreamError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new TimeoutError('connect', 0);
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') return new BodySourceError('the request body size differs from its declared size', e);
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') return new InvalidArgumentError(e.message);
  if (CONNECTION_CODES.has(code) || /socket|closed|reset/i.test(e?.message ?? '')) {
    return new ConnectionError(`connection failed: ${e?.message ?? code}`, e);
  }
  return new HttpStreamError('ERR_SLUICE_TRANSPORT', `transport error: ${e?.message ?? String(err)}`, { cause: err });
}
