import { constants, type BigIntStats } from 'node:fs';
import { lstat, open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { DotfilesPolicy, SymlinkPolicy } from './options.js';
import { isDotfile, isInside } from './path.js';

/** Where a checked path leads: a file or directory (with the stat that was checked), or a refusal. */
export type Location =
  | { kind: 'file' | 'directory'; path: string; stat: BigIntStats }
  | { kind: 'refused'; status: 403 | 404 | 500; reason: string };

/** A file opened for reading: the descriptor is the one whose identity was checked. */
export interface OpenedFile {
  handle: FileHandle;
  path: string;
  stat: BigIntStats;
}

export type OpenResult = { kind: 'opened'; file: OpenedFile } | { kind: 'refused'; status: 403 | 404 | 500; reason: string };

const refused = (status: 403 | 404 | 500, reason: string): { kind: 'refused'; status: 403 | 404 | 500; reason: string } => ({ kind: 'refused', status, reason });

/** What a file-system error means to the peer: missing is 404, forbidden is 403, the rest 500. */
export function statusForFsError(error: unknown): 403 | 404 | 500 {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ENAMETOOLONG':
      return 404;
    case 'EACCES':
    case 'EPERM':
    case 'ELOOP':
      return 403;
    default:
      return 500;
  }
}

// O_NOFOLLOW refuses a symlink swapped in as the last component; O_NONBLOCK keeps a FIFO swapped in
// from blocking the thread pool (it is then refused as not a regular file).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const PROC_FD = process.platform === 'linux';

/**
 * Walks `segments` under `root` (a real path) one component at a time, as nginx's
 * `disable_symlinks` does: with 'deny' any symlink is refused; with 'inside-root' a symlink is
 * followed only when its target stays inside the root (and, unless dotfiles are allowed, the
 * target is not a dotfile either).
 */
export async function locate(root: string, segments: readonly string[], symlinks: SymlinkPolicy, dotfiles: DotfilesPolicy): Promise<Location> {
  let current = root;
  let st: BigIntStats;
  try {
    st = await stat(root, { bigint: true });
  } catch (error) {
    return refused(statusForFsError(error), 'the root is not reachable');
  }
  for (let i = 0; i < segments.length; i++) {
    if (!st.isDirectory()) return refused(404, 'a path component is not a directory');
    current = join(current, segments[i]);
    try {
      st = await lstat(current, { bigint: true });
      if (st.isSymbolicLink()) {
        if (symlinks === 'deny') return refused(403, 'symlinks are denied');
        const target = await realpath(current);
        if (!isInside(root, target)) return refused(403, 'the symlink leads outside the root');
        if (dotfiles !== 'allow' && relative(root, target).split(sep).some(isDotfile)) {
          return refused(dotfiles === 'deny' ? 403 : 404, 'the symlink leads to a dotfile');
        }
        current = target;
        st = await stat(current, { bigint: true });
      }
    } catch (error) {
      return refused(statusForFsError(error), (error as Error).message);
    }
  }
  if (st.isDirectory()) return { kind: 'directory', path: current, stat: st };
  if (st.isFile()) return { kind: 'file', path: current, stat: st };
  return refused(404, 'not a regular file');
}

/**
 * Opens the file that `locate` checked and proves it is the same one: O_NOFOLLOW, then fstat on the
 * descriptor must give the dev and inode that were checked, and on Linux the descriptor's own path
 * (/proc/self/fd) must be the checked path, so a symlink swapped in as a middle component between
 * check and open is refused too.
 */
export async function openChecked(root: string, located: { path: string; stat: BigIntStats }): Promise<OpenResult> {
  let handle: FileHandle;
  try {
    handle = await open(located.path, OPEN_FLAGS);
  } catch (error) {
    return refused(statusForFsError(error), (error as Error).message);
  }
  try {
    const st = await handle.stat({ bigint: true });
    if (!st.isFile()) throw refused(403, 'the opened file is not a regular file');
    if (st.dev !== located.stat.dev || st.ino !== located.stat.ino) throw refused(403, 'the file was replaced between check and open');
    if (PROC_FD) {
      const actual = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
      if (actual !== null && (actual !== located.path || !isInside(root, actual))) throw refused(403, 'the opened path is not the checked path');
    }
    return { kind: 'opened', file: { handle, path: located.path, stat: st } };
  } catch (error) {
    await handle.close().catch(() => {});
    if ((error as { kind?: string }).kind === 'refused') return error as OpenResult;
    return refused(statusForFsError(error), (error as Error).message);
  }
}
