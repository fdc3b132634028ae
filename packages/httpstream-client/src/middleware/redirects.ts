// Follows redirects under the rules of RFC 9110 §15.4: 303 turns into GET (HEAD stays), a POST
// answered 301/302 turns into GET (what every user agent does), 307/308 keep method and body, which
// must then be replayable. Credentials are dropped when the redirect leaves the origin.
import { BodyNotReplayableError, TooManyRedirectsError } from '../errors.js';
import type { HttpRequest, Middleware } from '../types.js';

export interface RedirectOptions {
  /** Redirects followed before TooManyRedirectsError (default 5). */
  max?: number;
  /** Headers removed when the redirect goes to another origin (defaults below). */
  stripOnCrossOrigin?: readonly string[];
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
export const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'transfer-encoding'];

export function redirects(options: RedirectOptions = {}): Middleware {
  const max = options.max ?? 5;
  const strip = (options.stripOnCrossOrigin ?? CREDENTIAL_HEADERS).map((h) => h.toLowerCase());
  return (next) => async (req) => {
    let current: HttpRequest = req;
    for (let n = 0; ; n++) {
      const res = await next(current);
      const location = res.header('location');
      if (!REDIRECT_STATUSES.has(res.status) || !location) return res;
      let target: URL;
      try {
        target = new URL(location, current.url);
      } catch {
        return res; // an unusable Location is the caller's to see
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:') return res;
      await res.dump();
      if (n >= max) throw new TooManyRedirectsError(max, target.href);
      const headers = { ...current.headers };
      let method = current.method;
      let body = current.body;
      const toGet = (res.status === 303 && method !== 'HEAD') || ((res.status === 301 || res.status === 302) && method === 'POST');
      if (toGet) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = null;
        for (const h of BODY_HEADERS) delete headers[h];
      } else if (body && !body.replayable && body.consumed) {
        throw new BodyNotReplayableError(`redirect ${res.status} to ${target.href} needs the request body again`);
      }
      if (target.origin !== current.url.origin) for (const h of strip) delete headers[h];
      current = { ...current, method, url: target, headers, body, attempt: current.attempt + 1 };
    }
  };
}
