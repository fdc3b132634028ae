import type { ClientHttp2Session, Http2Server, Http2SecureServer, Http2Session, ServerHttp2Session, ServerHttp2Stream, Http2Stream } from 'node:http2';
import { InvalidOptionError } from '@sluice/stream-core';

/** Flow-control state of one stream and its connection, as nghttp2 reports it. */
export interface FlowWindows {
  stream: {
    /** Bytes the peer may still send us on this stream. */
    localWindow: number | undefined;
    /** Bytes we may still send on this stream, when Node exposes it (Node 20–24 do not). */
    remoteWindow: number | undefined;
    /** The stream window the peer announced in its SETTINGS (SETTINGS_INITIAL_WINDOW_SIZE). */
    peerInitialWindow: number | undefined;
    /** Bytes written by the handler and not yet handed to nghttp2. */
    queuedBytes: number;
  };
  connection: {
    /** Bytes the peer may still send us on the connection. */
    localWindow: number | undefined;
    /** Bytes we may still send on the connection. */
    remoteWindow: number | undefined;
    /** Frames nghttp2 has queued for the socket. */
    outboundQueueSize: number | undefined;
  };
}

/** Reads the stream and connection windows (local and remote) and the bytes queued behind them. */
export function flowWindows(stream: Http2Stream | ServerHttp2Stream): FlowWindows {
  const s = (stream.destroyed ? {} : stream.state) as { localWindowSize?: number; remoteWindowSize?: number };
  const session = stream.session;
  const c = (session && !session.destroyed ? session.state : {}) as {
    localWindowSize?: number;
    remoteWindowSize?: number;
    outboundQueueSize?: number;
  };
  return {
    stream: {
      localWindow: s.localWindowSize,
      remoteWindow: s.remoteWindowSize,
      peerInitialWindow: session && !session.destroyed ? session.remoteSettings.initialWindowSize : undefined,
      queuedBytes: stream.writableLength,
    },
    connection: { localWindow: c.localWindowSize, remoteWindow: c.remoteWindowSize, outboundQueueSize: c.outboundQueueSize },
  };
}

/** Largest window HTTP/2 allows (RFC 9113 §6.9.1). */
export const MAX_WINDOW_SIZE = 2 ** 31 - 1;
/** The receive window `tuneUploadWindows` uses by default: 16 MiB per stream and connection. */
export const DEFAULT_UPLOAD_WINDOW = 16 * 1024 * 1024;

export interface UploadWindowOptions {
  /** Receive window per stream (SETTINGS_INITIAL_WINDOW_SIZE). Default 16 MiB. */
  streamWindow?: number;
  /** Receive window for the whole connection (WINDOW_UPDATE on stream 0). Default 16 MiB. */
  connectionWindow?: number;
}

function checkWindow(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 65_535 || v > MAX_WINDOW_SIZE) throw new InvalidOptionError(name, `must be an integer from 65535 to ${MAX_WINDOW_SIZE}`);
  return v;
}

function tuneSession(session: Http2Session, streamWindow: number, connectionWindow: number): void {
  const apply = (): void => {
    session.setLocalWindowSize(connectionWindow);
    session.settings({ initialWindowSize: streamWindow });
  };
  // Node refuses setLocalWindowSize before the session is connected.
  if ((session as ServerHttp2Session).connecting) session.once('connect', apply);
  else apply();
}

/**
 * Raises the receive windows so HTTP/2 uploads are not throttled by the 64 KiB defaults of RFC 9113:
 * on one session (client or server), or on every session a server accepts from now on.
 */
export function tuneUploadWindows(target: Http2Server | Http2SecureServer | Http2Session | ClientHttp2Session, options: UploadWindowOptions = {}): void {
  const streamWindow = checkWindow('streamWindow', options.streamWindow ?? DEFAULT_UPLOAD_WINDOW);
  const connectionWindow = checkWindow('connectionWindow', options.connectionWindow ?? DEFAULT_UPLOAD_WINDOW);
  if (typeof (target as Http2Session).setLocalWindowSize === 'function') {
    tuneSession(target as Http2Session, streamWindow, connectionWindow);
    return;
  }
  const server = target as Http2Server;
  // New sessions announce the stream window in their first SETTINGS frame; the connection window
  // has no setting and is raised with a WINDOW_UPDATE as each session starts.
  server.updateSettings({ initialWindowSize: streamWindow });
  server.on('session', (session: ServerHttp2Session) => tuneSession(session, streamWindow, connectionWindow));
}
