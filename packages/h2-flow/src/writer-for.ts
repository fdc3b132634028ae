import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Stream } from 'node:http2';
import { TransportStreamWriter, claimForStreaming, type StreamWriter, type StreamWriterOptions } from '@sluice/stream-core';
import { writerForResponse } from '@sluice/h1-chunked';
import { Http2StreamTransport } from './transport.js';

export type WriterOptions = StreamWriterOptions;

/** A StreamWriter over a core-API `ServerHttp2Stream` (the `server.on('stream')` form). */
export function writerForStream(stream: ServerHttp2Stream, options?: WriterOptions): StreamWriter {
  return new TransportStreamWriter(new Http2StreamTransport(stream), options);
}

function isHttp2Response(res: ServerResponse | Http2ServerResponse): res is Http2ServerResponse {
  return (res as Http2ServerResponse).stream !== undefined && typeof (res as Http2ServerResponse).stream?.respond === 'function';
}

/**
 * The one function in Sluice that maps a request/response pair to the right StreamWriter: HTTP/2
 * (node:http2's compatibility API, including `allowHTTP1` servers) or HTTP/1.1 (node:http,
 * node:https). Throws ResponseBufferedError while a middleware buffers the response.
 */
export function writerFor(
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
  options?: WriterOptions,
): StreamWriter {
  if (isHttp2Response(res)) {
    claimForStreaming(res);
    return new TransportStreamWriter(new Http2StreamTransport(res.stream, res), options);
  }
  void req;
  return writerForResponse(res as ServerResponse, options);
}
