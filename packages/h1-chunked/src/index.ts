// @sluice/h1-chunked: HTTP/1.1 streaming.
export { writerForResponse, isHttp1Request } from './writer.js';
export { hijack, HijackNotSupportedError } from './hijack.js';
export type { HijackedConnection } from './hijack.js';
export * from './chunked/index.js';
