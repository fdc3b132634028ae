// The shapes every layer shares: one HttpRequest goes down the middleware onion to the transport,
// one HttpResponse comes back up.
import type { RequestBody } from './body.js';
import type { HttpResponse } from './response.js';

/** Per-phase deadlines in milliseconds; 0 turns a phase off. */
export interface Timeouts {
  /** Until a connection is ready and the request starts (includes waiting for a pooled socket). */
  connect?: number;
  /** From the end of the upload until the response headers arrive. */
  headers?: number;
  /** No byte moved in either direction, while uploading or downloading. */
  idle?: number;
  /** The whole exchange of one attempt, until the response body ends. */
  total?: number;
}

export interface Progress {
  loaded: number;
  /** Total bytes when known (Content-Length), else null. */
  total: number | null;
}

/** One request as the middleware and the transport see it. Middleware may copy and change it. */
export interface HttpRequest {
  method: string;
  url: URL;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: RequestBody | null;
  timeout: Required<Timeouts>;
  signal?: AbortSignal;
  onUploadProgress?: (p: Progress) => void;
  onDownloadProgress?: (p: Progress) => void;
  /** Send `Expect: 100-continue` and hold the body until the server says 100 (or answers). */
  expectContinue: boolean;
  /** Default cap for text()/json()/bytes() of the response. */
  maxResponseBytes: number;
  /** 1 for the first attempt; retries and redirects count up. */
  attempt: number;
}

/** Sends one request, resolves at the response headers. */
export type Dispatch = (req: HttpRequest) => Promise<HttpResponse>;

/** Wraps a Dispatch (like Go's RoundTripper wrappers and undici's interceptors). */
export type Middleware = (next: Dispatch) => Dispatch;
