import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SluiceError, claimForStreaming } from '@sluice/stream-core';

/** `hijack()` on an HTTP/2 request: one stream cannot take over a multiplexed connection. */
export class HijackNotSupportedError extends SluiceError {
  constructor(why = 'HTTP/2 multiplexes many streams over one connection; only an HTTP/1.x connection can be hijacked') {
    super('ERR_SLUICE_HIJACK_NOT_SUPPORTED', why);
  }
}

/** The response was already started, or the connection already taken. */
export class HijackedError extends SluiceError {
  constructor(message: string) {
    super('ERR_SLUICE_HIJACKED', message);
  }
}

export interface HijackedConnection {
  /** The raw socket; you own it now: write the status line yourself and close it when done. */
  socket: Socket;
  /** Request bytes the server had already read past the headers (the start of a body), if any. */
  head: Buffer;
}

type ParserLike = {
  _consumed?: boolean;
  unconsume?: () => void;
  remove?: () => void;
  close?: () => void;
};

const SERVER_LISTENER = /^(bound )?socketOn(Data|End|Close|Drain|Error|Timeout)$/;

/**
 * Takes the raw socket of an HTTP/1.x request away from Node's HTTP server, as an `upgrade` does:
 * the parser is detached, the server's listeners and timeouts are removed, and the response object
 * refuses further use. On HTTP/2 it throws HijackNotSupportedError.
 */
export function hijack(req: IncomingMessage, res?: ServerResponse): HijackedConnection {
  if (req.httpVersionMajor === 2 || 'stream' in req) throw new HijackNotSupportedError();
  const socket = req.socket as Socket & { parser?: ParserLike | null; _httpMessage?: unknown };
  if (!socket || socket.destroyed) throw new HijackedError('The connection is already closed');
  if (socket.parser == null) throw new HijackedError('The connection was already hijacked or upgraded');
  const response = (res ?? (socket._httpMessage as ServerResponse | undefined)) as ServerResponse | undefined;
  if (response?.headersSent) throw new HijackedError('The response has already started; hijack before writing anything');
  if (response) claimForStreaming(response);

  // Whatever body bytes the parser already handed to the request are the caller's.
  const pending: Buffer[] = [];
  let chunk: Buffer | null;
  while (req.readableLength > 0 && (chunk = req.read() as Buffer | null) !== null) pending.push(chunk);

  for (const event of ['data', 'end', 'close', 'drain', 'error', 'timeout'] as const) {
    for (const listener of socket.listeners(event)) {
      if (SERVER_LISTENER.test((listener as { name?: string }).name ?? '')) socket.removeListener(event, listener as (...a: unknown[]) => void);
    }
  }
  const parser = socket.parser;
  if (parser) {
    if (parser._consumed && parser.unconsume) parser.unconsume();
    parser._consumed = false;
    socket.parser = null;
    (req as { parser?: unknown }).parser = null;
    // We may be inside the parser's execute(): when it returns it files the connection as idle in
    // the server's request-timeout bookkeeping, so it is taken out (and freed) only afterwards.
    setImmediate(() => {
      parser.remove?.();
      parser.close?.();
    });
  }
  if (response) {
    response.detachSocket(socket);
    const refuse = (): never => {
      throw new HijackedError('The connection was hijacked; write to the socket instead');
    };
    response.write = refuse;
    response.end = refuse;
    response.writeHead = refuse;
  }
  socket.setTimeout(0);
  (socket as { readableFlowing: boolean | null }).readableFlowing = null;
  // Until the new owner listens, an error must not crash the process.
  const guard = (): void => {
    if (socket.listenerCount('error') === 1) socket.destroy();
  };
  socket.on('error', guard);
  return { socket, head: pending.length ? Buffer.concat(pending) : Buffer.alloc(0) };
}
