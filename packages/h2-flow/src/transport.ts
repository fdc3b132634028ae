import { constants, type Http2ServerResponse, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { CONNECTION_SPECIFIC_HEADERS, HeadersSentError, PeerGoneError, type HeaderList, type TransportEvents, type WriterTransport } from '@sluice/stream-core';

const { NGHTTP2_NO_ERROR, NGHTTP2_CANCEL } = constants;

/** Folds a header list into node:http2's object form; repeated names become arrays. */
export function toHttp2Headers(headers: HeaderList, into: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  const seen = new Set<string>();
  for (const [name, value] of headers) {
    // RFC 9113 §8.2.2: connection-specific fields are malformed on HTTP/2; drop them, don't crash.
    if (CONNECTION_SPECIFIC_HEADERS.has(name)) continue;
    if (name === 'te' && value.trim().toLowerCase() !== 'trailers') continue;
    const prev = into[name];
    if (seen.has(name) && prev !== undefined) into[name] = Array.isArray(prev) ? [...prev, value] : [String(prev), value];
    else into[name] = value;
    seen.add(name);
  }
  return into;
}

/**
 * The HTTP/2 half of a StreamWriter. `stream.write()` queues DATA that nghttp2 sends only as the
 * peer's stream and connection windows allow, and returns false past the stream's high-water mark:
 * waiting for 'drain' is waiting for the windows. A peer that never opens its window is reset
 * (RST_STREAM CANCEL) by the writer's back-pressure timeout, which frees the queued DATA.
 */
export class Http2StreamTransport implements WriterTransport {
  readonly protocol = 'h2' as const;
  readonly #stream: ServerHttp2Stream;
  #events: TransportEvents | null = null;
  #finished = false;
  /** HEAD, 204 and 304 carry no body: node:http2 ends the stream with the HEADERS frame. */
  #noBody = false;

  readonly #compat: Http2ServerResponse | undefined;

  /** With `compat`, the compatibility response owns 'wantTrailers': trailers go through it. */
  constructor(stream: ServerHttp2Stream, compat?: Http2ServerResponse) {
    this.#stream = stream;
    this.#compat = compat;
  }

  sendHeaders(status: number, headers: HeaderList, trailers: ReadonlySet<string>): void {
    if (this.#stream.headersSent) throw new HeadersSentError('The response headers were already sent by other code (res.writeHead or stream.respond)');
    // Headers a middleware already set with res.setHeader() go out too, under the handler's own.
    const out = toHttp2Headers(headers, this.#compat ? { ...(this.#compat.getHeaders() as OutgoingHttpHeaders) } : {});
    for (const name of CONNECTION_SPECIFIC_HEADERS) delete out[name];
    out[':status'] = status;
    // As node:http does on HTTP/1.1, body writes on a response that cannot have one are dropped.
    this.#noBody = (this.#stream as ServerHttp2Stream & { headRequest?: boolean }).headRequest === true || status === 204 || status === 304;
    this.#stream.respond(out, { waitForTrailers: trailers.size > 0 && !this.#noBody });
  }

  write(chunk: Buffer): boolean {
    if (this.#noBody) return true;
    return this.#stream.write(chunk);
  }

  get needsDrain(): boolean {
    return this.#stream.writableNeedDrain;
  }

  flush(): void {
    // nghttp2 sends queued frames as soon as the windows allow; nothing is held back here.
  }

  end(trailers: HeaderList | undefined, done: (error?: Error) => void): void {
    const stream = this.#stream;
    if (this.#noBody && stream.writableEnded) {
      this.#finished = true;
      if (stream.writableFinished) process.nextTick(done);
      else stream.once('finish', () => done());
      return;
    }
    // A declared trailer section is always sent (possibly empty), which also ends the stream.
    if (this.#compat) {
      if (trailers) this.#compat.addTrailers(toHttp2Headers(trailers));
    } else {
      stream.once('wantTrailers', () => stream.sendTrailers(trailers ? toHttp2Headers(trailers) : {}));
    }
    const onFinish = (): void => {
      stream.removeListener('close', onClose);
      this.#finished = true;
      done();
    };
    const onClose = (): void => {
      stream.removeListener('finish', onFinish);
      if (stream.rstCode === NGHTTP2_NO_ERROR && stream.writableFinished) done();
      else done(new PeerGoneError(`The HTTP/2 stream closed before the response was fully sent (code ${stream.rstCode})`));
    };
    stream.once('finish', onFinish);
    stream.once('close', onClose);
    stream.end();
  }

  destroy(_error: Error): void {
    const stream = this.#stream;
    if (stream.destroyed || stream.closed) return;
    stream.close(NGHTTP2_CANCEL);
  }

  readonly #onDrain = (): void => this.#events?.drain();
  readonly #onClose = (): void => {
    if (this.#finished) return;
    const code = this.#stream.rstCode;
    if (!this.#stream.writableFinished || (code !== undefined && code !== NGHTTP2_NO_ERROR))
      this.#events?.gone(new PeerGoneError(`The peer reset the HTTP/2 stream (code ${code ?? 'none'})`));
  };
  readonly #onAborted = (): void => this.#events?.gone(new PeerGoneError('The peer aborted the HTTP/2 stream'));
  readonly #onError = (error: Error): void => this.#events?.gone(error);

  attach(events: TransportEvents): void {
    this.#events = events;
    const stream = this.#stream;
    stream.on('drain', this.#onDrain);
    stream.on('close', this.#onClose);
    stream.on('aborted', this.#onAborted);
    stream.on('error', this.#onError);
    if (stream.destroyed || stream.closed) process.nextTick(this.#onClose);
  }

  detach(): void {
    const stream = this.#stream;
    this.#events = null;
    stream.removeListener('drain', this.#onDrain);
    stream.removeListener('close', this.#onClose);
    stream.removeListener('aborted', this.#onAborted);
    // Keep one error listener: a late error on a released stream must not crash the process.
    stream.removeListener('error', this.#onError);
    if (stream.listenerCount('error') === 0) stream.on('error', () => {});
  }
}
