import { constants, type BigIntStats } from 'node:fs';
import { lstat, open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { DotfilesPolicy, SymlinkPolicy } from './options.js';
import { isDotfile, isInside } from './path.js';

/** A file opened for reading: the descriptor is the one whose identity was checked. */
export interface OpenedFile {
  handle: FileHandle;
  path: string;
  stat: BigIntStats;
}

export type Refusal = { kind: 'refused'; status: 403 | 404 | 500; reason: string };
/** Where a checked path leads: an opened file, a directory, or a refusal. */
export type Target = { kind: 'file'; file: OpenedFile } | { kind: 'directory'; path: string } | Refusal;
/** The directory holding the last component, reached without an unchecked symlink. */
export type Parent = { kind: 'parent'; path: string; expected: string } | Refusal;

const refused = (status: 403 | 404 | 500, reason: string): Refusal => ({ kind: 'refused', status, reason });

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

// O_NOFOLLOW refuses a symlink as the last component (ELOOP); O_NONBLOCK keeps a FIFO from blocking
// the thread pool (it is then refused as not a regular file).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const PROC_FD = process.platform === 'linux';

/** A symlink's target, if the policy lets us follow it: inside the root, and not a dotfile unless allowed. */
async function followLink(root: string, link: string, symlinks: SymlinkPolicy, dotfiles: DotfilesPolicy): Promise<string | Refusal> {
  if (symlinks === 'deny') return refused(403, 'symlinks are denied');
  let target: string;
  try {
    target = await realpath(link);
  } catch (error) {
    return refused(statusForFsError(error), (error as Error).message);
  }
  if (!isInside(root, target)) return refused(403, 'the symlink leads outside the root');
  if (dotfiles !== 'allow' && relative(root, target).split(sep).some(isDotfile)) {
    return refused(dotfiles === 'deny' ? 403 : 404, 'the symlink leads to a dotfile');
  }
  return target;
}

/**
 * Walks the directories above the last segment one component at a time, as nginx's
 * `disable_symlinks` does: with 'deny' any symlink is refused; with 'inside-root' one is followed
 * only when its target stays inside the root (and is not a dotfile unless dotfiles are allowed).
 */
export async function walkParents(root: string, dirs: readonly string[], symlinks: SymlinkPolicy, dotfiles: DotfilesPolicy): Promise<Parent> {
  let current = root;
  for (const name of dirs) {
    current = join(current, name);
    let st: BigIntStats;
    try {
      st = await lstat(current, { bigint: true });
      if (st.isSymbolicLink()) {
        const target = await followLink(root, current, symlinks, dotfiles);
        if (typeof target !== 'string') return target;
        current = target;
        st = await stat(current, { bigint: true });
      }
    } catch (error) {
      return refused(statusForFsError(error), (error as Error).message);
    }
    if (!st.isDirectory()) return refused(404, 'a path component is not a directory');
  }
  return { kind: 'parent', path: current, expected: current };
}

/**
 * Opens the last component and proves the descriptor is what was checked: O_NOFOLLOW (a symlink is
 * refused or, under 'inside-root', resolved and checked first), fstat on the descriptor itself for
 * the type, and on Linux the descriptor's own path (/proc/self/fd) must be the checked path, so a
 * middle directory swapped for a symlink after walkParents() is refused too.
 */
export async function openLast(root: string, parent: string, name: string, symlinks: SymlinkPolicy, dotfiles: DotfilesPolicy): Promise<Target> {
  let path = join(parent, name);
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOOP') return refused(statusForFsError(error), (error as Error).message);
    const target = await followLink(root, path, symlinks, dotfiles);
    if (typeof target !== 'string') return target;
    path = target;
    try {
      handle = await open(path, OPEN_FLAGS);
    } catch (again) {
      return refused(statusForFsError(again), (again as Error).message);
    }
  }
  try {
    const st = await handle.stat({ bigint: true });
    if (st.isDirectory()) {
      await handle.close();
      return { kind: 'directory', path };
    }
    if (!st.isFile()) throw refused(404, 'not a regular file');
    if (PROC_FD) {
      // One readlink, only when a directory below the root was walked: the file itself was opened
      // with O_NOFOLLOW, so at depth one nothing else could have been swapped.
      if (path.lastIndexOf(sep) !== root.length || !path.startsWith(root)) {
        const actual = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
        if (actual !== null && (actual !== path || !isInside(root, actual))) throw refused(403, 'the opened path is not the checked path');
      }
    }
    return { kind: 'file', file: { handle, path, stat: st } };
  } catch (error) {
    await handle.close().catch(() => {});
    if ((error as { kind?: string }).kind === 'refused') return error as Refusal;
    return refused(statusForFsError(error), (error as Error).message);
  }
}

/** walkParents + openLast: the whole check for `segments` under `root` (a real path). */
export async function openTarget(root: string, segments: readonly string[], symlinks: SymlinkPolicy, dotfiles: DotfilesPolicy): Promise<Target> {
  if (segments.length === 0) return { kind: 'directory', path: root };
  const parent = await walkParents(root, segments.slice(0, -1), symlinks, dotfiles);
  if (parent.kind === 'refused') return parent;
  return openLast(root, parent.path, segments[segments.length - 1], symlinks, dotfiles);
}
