// @sluice/h1-chunked: HTTP/1.1 streaming.
export * from './chunked/index.js';
