// Limits requests in flight. A slot is held until the response body ends (or fails, or is
// destroyed), not merely until the headers arrive: a slow reader keeps its slot.
import { AbortError, HttpStreamError } from '../errors.js';
import type { Middleware } from '../types.js';

export interface ConcurrencyOptions {
  /** Requests in flight at once. */
  max: number;
  /** Requests allowed to wait for a slot (default unlimited); beyond it they fail at once. */
  maxQueue?: number;
}

export function concurrency(options: ConcurrencyOptions): Middleware {
  const max = options.max;
  if (!Number.isInteger(max) || max < 1) throw new HttpStreamError('ERR_SLUICE_INVALID_ARGUMENT', 'concurrency: max must be an integer >= 1');
  const maxQueue = options.maxQueue ?? Infinity;
  let active = 0;
  const waiting: Array<() => void> = [];

  const release = () => {
    const wake = waiting.shift();
    if (wake) wake();
    else active--;
  };

  const acquire = (signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortError(signal.reason));
      if (active < max) {
        active++;
        return resolve();
      }
      if (waiting.length >= maxQueue) return reject(new HttpStreamError('ERR_SLUICE_QUEUE_FULL', `concurrency: ${waiting.length} requests already waiting`));
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(); // the slot passes from the releaser to us: active is unchanged
      };
      const onAbort = () => {
        const i = waiting.indexOf(wake);
        if (i !== -1) waiting.splice(i, 1);
        reject(new AbortError(signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting.push(wake);
    });

  return (next) => async (req) => {
    await acquire(req.signal);
    let res;
    try {
      res = await next(req);
    } catch (err) {
      release();
      throw err;
    }
    let held = true;
    const done = () => {
      if (!held) return;
      held = false;
      release();
    };
    if (res.body.readableEnded || res.body.destroyed) done();
    else {
      res.body.once('end', done);
      res.body.once('close', done);
      res.body.once('error', done);
    }
    return res;
  };
}
