import { realpathSync, statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { InvalidRootError } from './errors.js';
import { closeFile, localDevice, openTarget, type Target } from './locate.js';
import { resolveOptions, type ResolvedOptions, type SendFileOptions } from './options.js';
import { checkDecodedPath, checkRequestPath, directoryLocation, requestPathname } from './path.js';
import {
  isReadMethod,
  respondRedirect,
  respondStatus,
  respondWithFile,
  type AnyRequest,
  type AnyResponse,
  type SendResult,
} from './respond.js';

export type { SendResult } from './respond.js';

export interface SendFileCallOptions extends SendFileOptions {
  /**
   * Serve `path` relative to this directory, treating `path` as untrusted: the same checks as
   * serveStatic (no "..", NUL, backslash; dotfiles; symlinks on every component). Without it,
   * `path` is the application's own choice and only its last component is checked.
   */
  root?: string;
}

export interface ServeStaticOptions extends SendFileOptions {
  /**
   * With a `next` (Express/connect), 404 and 405 call `next()` so later routes may answer.
   * Default true; false answers them here. Refusals (400, 403) are always answered here.
   */
  fallthrough?: boolean;
}

/** `(req, res, next?)`: a node:http / node:http2 request listener and Express/connect middleware. */
export type StaticListener = (req: AnyRequest, res: AnyResponse, next?: (error?: unknown) => void) => Promise<void>;

const ALLOW: [string, string][] = [['allow', 'GET, HEAD']];

/**
 * Sends one file. Resolves when the response has ended (or was cut short: see `error`); it does not
 * reject for HTTP-level outcomes (404, 412, a peer that left), only for invalid options.
 */
export async function sendFile(req: AnyRequest, res: AnyResponse, path: string, options: SendFileCallOptions = {}): Promise<SendResult> {
  const o = resolveOptions(options);
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('sendFile: path must be a non-empty string');
  if (!isReadMethod(req.method)) return respondStatus(req, res, o, 405, ALLOW);
  let root: string;
  let segments: string[];
  let dotfiles = o.dotfiles;
  if (options.root !== undefined) {
    try {
      root = await realpath(options.root);
    } catch (error) {
      return { ...(await respondStatus(req, res, o, 500)), error: new InvalidRootError(options.root, (error as Error).message) };
    }
    const verdict = checkDecodedPath(path, o.dotfiles);
    if (!verdict.ok) return respondStatus(req, res, o, verdict.status);
    if (verdict.trailingSlash) return respondStatus(req, res, o, 404);
    segments = verdict.segments;
  } else {
    const abs = resolve(path);
    if (abs.includes('\0')) return respondStatus(req, res, o, 400);
    try {
      root = await realpath(dirname(abs));
    } catch {
      return respondStatus(req, res, o, 404);
    }
    segments = [basename(abs)];
    // The application chose the directory; only the file's own name is its dotfile question.
    const verdict = checkDecodedPath(segments[0], o.dotfiles);
    if (!verdict.ok) return respondStatus(req, res, o, verdict.status);
    dotfiles = 'allow';
  }
  if (segments.length === 0) return respondStatus(req, res, o, 404);
  const target = await openTarget(root, segments, o.symlinks, dotfiles);
  if (target.kind === 'file') return respondWithFile(req, res, target.file, o);
  return respondStatus(req, res, o, target.kind === 'refused' ? target.status : 404);
}

/**
 * A listener serving the files under `root`. The root is resolved (symlinks and all) once, here;
 * a missing root throws InvalidRootError at once rather than 404 on every request.
 */
export function serveStatic(root: string, options: ServeStaticOptions = {}): StaticListener {
  const o = resolveOptions(options);
  const fallthrough = options.fallthrough ?? true;
  if (typeof fallthrough !== 'boolean') throw new TypeError('fallthrough must be a boolean');
  let realRoot: string;
  let rootDev: bigint | null;
  try {
    realRoot = realpathSync(resolve(root));
    const st = statSync(realRoot, { bigint: true });
    if (!st.isDirectory()) throw new Error('not a directory');
    rootDev = localDevice(realRoot, st);
  } catch (error) {
    throw new InvalidRootError(root, (error as Error).message);
  }

  return async function sluiceStatic(req, res, next) {
    const pass = next && fallthrough ? next : undefined;
    try {
      const result = await serveOne(req, res, realRoot, rootDev, o, pass);
      if (result === 'next') pass!();
    } catch (error) {
      // Nothing above should throw; if it does, answer 500 once and hand the error on.
      if (!res.headersSent) await respondStatus(req, res, o, 500).catch(() => {});
      if (next) next(error);
    }
  };
}

async function serveOne(req: AnyRequest, res: AnyResponse, root: string, rootDev: bigint | null, o: ResolvedOptions, pass: unknown): Promise<SendResult | 'next'> {
  if (!isReadMethod(req.method)) return pass ? 'next' : respondStatus(req, res, o, 405, ALLOW);
  const pathname = requestPathname(req.url);
  if (pathname === null) return respondStatus(req, res, o, 400);
  const verdict = checkRequestPath(pathname, o.dotfiles);
  if (!verdict.ok) return verdict.status === 404 && pass ? 'next' : respondStatus(req, res, o, verdict.status);
  const notFound = (): Promise<SendResult> | 'next' => (pass ? 'next' : respondStatus(req, res, o, 404));

  const target: Target = await openTarget(root, verdict.segments, o.symlinks, o.dotfiles, rootDev);
  if (target.kind === 'refused') return target.status === 404 ? notFound() : respondStatus(req, res, o, target.status);
  if (target.kind === 'file') {
    if (verdict.trailingSlash) {
      await closeFile(target.file);
      return notFound();
    }
    return respondWithFile(req, res, target.file, o);
  }
  // A directory: its slash form, then its index file.
  if (!verdict.trailingSlash) return respondRedirect(req, res, o, redirectTarget(req, pathname));
  if (o.index.length === 0) return respondStatus(req, res, o, 403);
  for (const name of o.index) {
    const index = await openTarget(root, [...verdict.segments, name], o.symlinks, o.dotfiles, rootDev);
    if (index.kind === 'file') return respondWithFile(req, res, index.file, o);
    if (index.kind === 'refused' && index.status !== 404) return respondStatus(req, res, o, index.status);
  }
  return notFound();
}

/** The slash form of the directory as the client named it (Express's originalUrl under a mount). */
function redirectTarget(req: AnyRequest, pathname: string): string {
  const original = (req as { originalUrl?: string }).originalUrl ?? req.url ?? pathname;
  const path = requestPathname(original) ?? pathname;
  const q = original.indexOf('?');
  return directoryLocation(path, q === -1 ? '' : original.slice(q));
}
