// Header names and values are checked when they are set, not deep in the transport: a CR or LF in a
// value would be a header-injection hole (RFC 9110 §5.5).
import { InvalidArgumentError } from './errors.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function checkHeader(name: string, value: string): void {
  if (typeof name !== 'string' || !TOKEN.test(name)) throw new InvalidArgumentError(`invalid header name ${JSON.stringify(name)}`);
  if (/[\r\n\0]/.test(value)) throw new InvalidArgumentError(`header ${name} must not contain CR, LF or NUL`);
}

/** Copies headers with lower-case names, validating each. */
export function normaliseHeaders(headers: Record<string, string | number | boolean | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    const value = String(v);
    checkHeader(k, value);
    out[k.toLowerCase()] = value;
  }
  return out;
}
