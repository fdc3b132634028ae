import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HeadersSentError,
  PeerGoneError,
  TransportStreamWriter,
  claimForStreaming,
  type HeaderList,
  type StreamWriter,
  type StreamWriterOptions,
  type TransportEvents,
  type WriterTransport,
} from '@sluice/stream-core';

/**
 * The HTTP/1.1 half of a StreamWriter: Node's ServerResponse does the chunked framing (it chunks
 * whenever no Content-Length is set) and trailers; this transport adds prompt headers, Nagle off,
 * compression-aware flush, and peer-gone detection that does not wait for a write to fail.
 */
class ServerResponseTransport implements WriterTransport {
  readonly protocol = 'http/1.1' as const;
  readonly #res: ServerResponse;
  #events: TransportEvents | null = null;
  #wroteBody = false;
  #headerTimer: NodeJS.Immediate | null = null;
  #ending = false;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  sendHeaders(status: number, headers: HeaderList, trailers: ReadonlySet<string>): void {
    const res = this.#res;
    if (res.headersSent) throw new HeadersSentError('The response headers were already sent by other code (res.writeHead or res.write)');
    // Group repeated names so set-cookie and friends keep every value, in order.
    const grouped = new Map<string, string[]>();
    for (const [name, value] of headers) {
      const list = grouped.get(name);
      if (list) list.push(value);
      else grouped.set(name, [value]);
    }
    for (const [name, values] of grouped) res.setHeader(name, values.length === 1 ? values[0]! : values);
    // RFC 9112 §7.1.2: trailers need the chunked coding, so a length would forbid them.
    if (trailers.size > 0) res.removeHeader('content-length');
    res.writeHead(status);
    res.socket?.setNoDelay(true);
    // Headers go out with the first body bytes; if none come within this turn of the event loop,
    // send them alone so the peer (an EventSource, say) sees the response start promptly.
    this.#headerTimer = setImmediate(() => {
      this.#headerTimer = null;
      if (!this.#wroteBody && !this.#ending && !res.writableEnded && !res.destroyed) res.flushHeaders();
    });
  }

  write(chunk: Buffer): boolean {
    this.#wroteBody = true;
    return this.#res.write(chunk);
  }

  get needsDrain(): boolean {
    return this.#res.writableNeedDrain;
  }

  flush(): void {
    const res = this.#res as ServerResponse & { flush?: () => void };
    if (!this.#wroteBody) res.flushHeaders();
    // Express's `compression` adds res.flush() to push the compressor's pending output.
    if (typeof res.flush === 'function') res.flush();
  }

  end(trailers: HeaderList | undefined, done: (error?: Error) => void): void {
    const res = this.#res;
    this.#ending = true;
    if (trailers && trailers.length > 0) res.addTrailers(trailers as unknown as [string, string][]);
    const onFinish = (): void => {
      res.removeListener('close', onClose);
      done();
    };
    const onClose = (): void => {
      res.removeListener('finish', onFinish);
      if (!res.writableFinished) done(new PeerGoneError('The connection closed before the response was fully sent'));
    };
    res.once('finish', onFinish);
    res.once('close', onClose);
    res.end();
  }

  destroy(_error: Error): void {
    // A cut connection is how HTTP/1.1 tells the peer the body is incomplete.
    if (!this.#res.destroyed) this.#res.destroy();
  }

  readonly #onDrain = (): void => this.#events?.drain();
  readonly #onClose = (): void => {
    if (!this.#res.writableFinished) this.#events?.gone(new PeerGoneError());
  };
  readonly #onError = (error: Error): void => this.#events?.gone(error);

  attach(events: TransportEvents): void {
    this.#events = events;
    const res = this.#res;
    res.on('drain', this.#onDrain);
    res.on('close', this.#onClose);
    res.on('error', this.#onError);
    // The connection may already be gone (the peer left while middleware ran).
    if (res.destroyed || res.socket?.destroyed) process.nextTick(this.#onClose);
  }

  detach(): void {
    const res = this.#res;
    this.#events = null;
    if (this.#headerTimer) clearImmediate(this.#headerTimer);
    this.#headerTimer = null;
    res.removeListener('drain', this.#onDrain);
    res.removeListener('close', this.#onClose);
    res.removeListener('error', this.#onError);
  }
}

/**
 * A StreamWriter over an HTTP/1.1 `http.ServerResponse`. Most code should call `writerFor(req, res)`
 * from `@sluice/h2-flow`, which picks this or the HTTP/2 writer.
 */
export function writerForResponse(res: ServerResponse, options?: StreamWriterOptions): StreamWriter {
  claimForStreaming(res);
  return new TransportStreamWriter(new ServerResponseTransport(res), options);
}

/** True for a request that arrived over HTTP/1.x through node:http or node:https. */
export function isHttp1Request(req: IncomingMessage): boolean {
  return req.httpVersionMajor === 1 || req.httpVersionMajor === 0;
}
