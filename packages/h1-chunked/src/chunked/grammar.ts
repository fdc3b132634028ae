// Byte tables for the chunked grammar (internal; not exported from the package).
import { InvalidOptionError } from '@sluice/stream-core';

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const SEMI = 0x3b;
export const EQUALS = 0x3d;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COLON = 0x3a;

/** HEXDIG value of a byte, or -1 (RFC 5234 HEXDIG is case-insensitive). */
export const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

/** 1 for RFC 9110 §5.6.2 tchar. */
export const TCHAR = new Uint8Array(256);
for (const ch of "!#$%&'*+-.^_`|~") TCHAR[ch.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** 1 for RFC 9110 §5.6.4 qdtext: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text. */
export const QDTEXT = new Uint8Array(256);
QDTEXT[HTAB] = 1;
QDTEXT[SP] = 1;
QDTEXT[0x21] = 1;
for (let c = 0x23; c <= 0x5b; c++) QDTEXT[c] = 1;
for (let c = 0x5d; c <= 0x7e; c++) QDTEXT[c] = 1;
for (let c = 0x80; c <= 0xff; c++) QDTEXT[c] = 1;

/** 1 for what may follow a backslash in a quoted-pair: HTAB / SP / VCHAR / obs-text. */
export const QUOTED_PAIR = new Uint8Array(256);
QUOTED_PAIR[HTAB] = 1;
for (let c = 0x20; c <= 0x7e; c++) QUOTED_PAIR[c] = 1;
for (let c = 0x80; c <= 0xff; c++) QUOTED_PAIR[c] = 1;

/** 1 for bytes allowed in a field value (RFC 9110 §5.5): HTAB, SP, VCHAR, obs-text. */
export const FIELD_VALUE = QUOTED_PAIR;

/**
 * Trailer fields refused by default, by both the encoder and the decoder. RFC 9110 §6.5.1 forbids
 * sending fields that framing, routing or content handling depend on in trailers; a proxy that merges
 * such a trailer into the header section after the fact is how a trailer becomes a smuggling vector.
 */
export const DEFAULT_FORBIDDEN_TRAILERS: ReadonlySet<string> = new Set([
  'transfer-encoding',
  'content-length',
  'trailer',
  'te',
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'content-encoding',
  'content-type',
  'content-range',
]);

/** The forbidden-trailer option resolved: a set of lower-case names, or null to allow all. */
export function forbiddenSet(option: Iterable<string> | null | undefined): ReadonlySet<string> | null {
  if (option === undefined) return DEFAULT_FORBIDDEN_TRAILERS;
  if (option === null) return null;
  const out = new Set<string>();
  for (const name of option) out.add(String(name).toLowerCase());
  return out;
}

/** A non-negative integer (or Infinity) option with its default. */
export function limitOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!Number.isInteger(value) && value !== Infinity)) {
    throw new InvalidOptionError(name, `expected a non-negative integer or Infinity, got ${String(value)}`);
  }
  return value;
}
