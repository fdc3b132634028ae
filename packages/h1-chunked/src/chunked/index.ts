// The strict RFC 9112 §7.1 chunked codec (ChunkedEncoder / ChunkedDecoder) lives in this folder.
export {};
