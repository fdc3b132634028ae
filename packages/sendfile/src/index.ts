// @sluice/sendfile: serve files over HTTP/1.1 and HTTP/2 — safe paths, MIME, ranges, conditional
// requests, downloads, rate limits. Every byte goes through @sluice/h2-flow's writerFor().
export { sendFile, serveStatic } from './serve.js';
export type { SendFileCallOptions, ServeStaticOptions, StaticListener, SendResult } from './serve.js';
export type { SendFileOptions, RateLimit, DotfilesPolicy, SymlinkPolicy, EtagMode } from './options.js';
export { DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_RANGES, MAX_MAX_AGE } from './options.js';
export { FileChangedError, FileReadError, InvalidRootError } from './errors.js';
// The HTTP semantics, each usable on its own.
export { parseRange, coalesce, contentRange } from './range.js';
export type { ByteRange, RangeVerdict } from './range.js';
export {
  evaluatePreconditions,
  ifRangePasses,
  ifMatchPasses,
  ifNoneMatchPasses,
  parseHttpDate,
  parseEtagList,
  strongMatch,
  weakMatch,
} from './conditional.js';
export type { Validators, ConditionalHeaders, PreconditionOutcome } from './conditional.js';
export { checkRequestPath, requestPathname, directoryLocation } from './path.js';
export type { PathVerdict } from './path.js';
export { attachmentDisposition } from './representation.js';
