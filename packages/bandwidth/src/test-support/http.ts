import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on 127.0.0.1 on a free port. */
export function listen(server: http.Server | import('node:http2').Http2Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Closes the server and every connection still open on it. */
export function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface Download {
  /** performance.now() just before the request was made: the server cannot have sent earlier. */
  t0: number;
  tFirst: number;
  tEnd: number;
  bytes: number;
  /** Cumulative bytes after each read: [time, bytes]. */
  samples: Array<[number, number]>;
  status: number;
  body?: Buffer;
  trailers?: NodeJS.Dict<string>;
}

/** Bytes received by time t (the last sample at or before t). */
export function bytesAt(d: Download, t: number): number {
  let lo = 0;
  let hi = d.samples.length - 1;
  let best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (d.samples[mid]![0] <= t) {
      best = d.samples[mid]![1];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/**
 * GETs a path on its own connection and reads promptly, timing every read at the client.
 * `keep` collects the body. `stopAt` destroys the response after that many ms (an endless stream).
 */
export function download(port: number, path: string, options: { keep?: boolean; stopAfterMs?: number } = {}): Promise<Download> {
  return new Promise((resolve, reject) => {
    const d: Download = { t0: performance.now(), tFirst: 0, tEnd: 0, bytes: 0, samples: [], status: 0 };
    const parts: Buffer[] = [];
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      d.status = res.statusCode ?? 0;
      let timer: NodeJS.Timeout | undefined;
      if (options.stopAfterMs !== undefined) {
        timer = setTimeout(() => {
          d.tEnd = performance.now();
          res.destroy();
          resolve(d);
        }, options.stopAfterMs - (performance.now() - d.t0));
      }
      res.on('data', (chunk: Buffer) => {
        const now = performance.now();
        if (d.bytes === 0) d.tFirst = now;
        d.bytes += chunk.length;
        d.samples.push([now, d.bytes]);
        if (options.keep) parts.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        d.tEnd = performance.now();
        if (options.keep) d.body = Buffer.concat(parts);
        d.trailers = res.trailers;
        resolve(d);
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        if (options.stopAfterMs === undefined) reject(e);
      });
    });
    req.on('error', reject);
  });
}

/** Jain's fairness index: 1 when every share is equal, 1/n when one takes all. */
export function jain(xs: number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0);
  const sq = xs.reduce((a, b) => a + b * b, 0);
  return (sum * sum) / (xs.length * sq);
}
