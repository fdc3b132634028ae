// @sluice/h2-flow: HTTP/2 streaming that honours flow control, and the one writer factory.
export { writerFor, writerForStream } from './writer-for.js';
export type { WriterOptions } from './writer-for.js';
export { flowWindows, tuneUploadWindows, MAX_WINDOW_SIZE, DEFAULT_UPLOAD_WINDOW } from './windows.js';
export type { FlowWindows, UploadWindowOptions } from './windows.js';
export { toHttp2Headers } from './transport.js';
