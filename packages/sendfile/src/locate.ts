import { close, closeSync, constants, fstat, fstatSync, open, readlink, statfsSync, type BigIntStats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { DotfilesPolicy, SymlinkPolicy } from './options.js';
import { isDotfile, isInside } from './path.js';

/**
 * A file opened for reading: the descriptor is the one whose identity was checked. A plain
 * descriptor with the callback API, not a FileHandle: per small request, fs/promises' FileHandle
 * (its object, its promise-returning open/stat/read/close) was the largest cost after the syscalls.
 * Close it only with closeFile(), which closes it exactly once.
 */
export interface OpenedFile {
  /** The descriptor; -1 once closeFile() has been called. */
  fd: number;
  path: string;
  stat: BigIntStats;
  /** The close in flight, once closeFile() has been called. */
  closing: Promise<void> | null;
  /** fstat and close run on the event loop (see `onLoop` in openLast). */
  onLoop: boolean;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** Closes the file's descriptor once (a second call returns the first close): a descriptor number is never closed twice. */
export function closeFile(file: OpenedFile): Promise<void> {
  if (file.closing) return file.closing;
  const fd = file.fd;
  file.fd = -1;
  if (file.onLoop) {
    try {
      closeSync(fd);
    } catch {
      /* the descriptor is released whatever close() reports */
    }
    file.closing = RESOLVED;
  } else file.closing = new Promise<void>((resolve) => close(fd, () => resolve()));
  return file.closing;
}

// statfs f_type of local, disk- or memory-backed file systems: ext2/3/4, xfs, btrfs, tmpfs, overlayfs,
// zfs, f2fs, ramfs. On these, fstat of an open descriptor reads an inode already in memory and close
// of a read-only descriptor does no I/O. Network and FUSE file systems (nfs, cifs, fuse, 9p…) may
// make a round trip for either, so they keep both on the thread pool.
const LOCAL_FS_TYPES = new Set([0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x794c7630, 0x2fc12fc1, 0xf2f52010, 0x858458f6]);

/**
 * The device of `dir` when it is on a local file system (where fstat and close may run on the
 * event loop), else null. Only Linux reports f_type values we know.
 */
export function localDevice(dir: string, st: { dev: bigint }): bigint | null {
  if (process.platform !== 'linux') return null;
  try {
    return LOCAL_FS_TYPES.has(Number(statfsSync(dir).type)) ? st.dev : null;
  } catch {
    return null;
  }
}

const openFd = (path: string): Promise<number> =>
  new Promise((resolve, reject) => open(path, OPEN_FLAGS, (error, fd) => (error ? reject(error) : resolve(fd))));
const fstatFd = (fd: number): Promise<BigIntStats> =>
  new Promise((resolve, reject) => fstat(fd, { bigint: true }, (error, st) => (error ? reject(error) : resolve(st))));
const fdPath = (fd: number): Promise<string | null> =>
  new Promise((resolve) => readlink(`/proc/self/fd/${fd}`, (error, link) => resolve(error ? null : link)));

export type Refusal = { kind: 'refused'; status: 403 | 404 | 500; reason: string };
/** Where a checked path leads: an opened file, a directory, or a refusal. */
export type Target = { kind: 'file'; file: OpenedFile } | { kind: 'directory'; path: string } | Refusal;
/** The directory holding the last component, reached without an unchecked symlink. */
export type Parent = { kind: 'parent'; path: string; expected: string; dev?: bigint } | Refusal;

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
  let dev: bigint | undefined;
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
    dev = st.dev;
  }
  return { kind: 'parent', path: current, expected: current, dev };
}

/**
 * Opens the last component and proves the descriptor is what was checked: O_NOFOLLOW (a symlink is
 * refused or, under 'inside-root', resolved and checked first), fstat on the descriptor itself for
 * the type, and on Linux the descriptor's own path (/proc/self/fd) must be the checked path, so a
 * middle directory swapped for a symlink after walkParents() is refused too.
 *
 * `onLoop`: the parent directory is on a local file system (see localDevice), so fstat and close are
 * called synchronously: two thread-pool round trips fewer per file, which on a busy machine cost
 * more than the calls themselves. open() and read() always stay on the thread pool (a path lookup
 * or a read may wait for the disk). A symlink that was followed turns it off (it may cross a mount).
 */
export async function openLast(root: string, parent: string, name: string, symlinks: SymlinkPolicy, dotfiles: DotfilesPolicy, onLoop = false): Promise<Target> {
  let path = join(parent, name);
  let fd: number;
  try {
    fd = await openFd(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOOP') return refused(statusForFsError(error), (error as Error).message);
    const target = await followLink(root, path, symlinks, dotfiles);
    if (typeof target !== 'string') return target;
    path = target;
    onLoop = false;
    try {
      fd = await openFd(path);
    } catch (again) {
      return refused(statusForFsError(again), (again as Error).message);
    }
  }
  try {
    const st = onLoop ? fstatSync(fd, { bigint: true }) : await fstatFd(fd);
    if (st.isDirectory()) {
      await closeFile({ fd, path, stat: st, closing: null, onLoop });
      return { kind: 'directory', path };
    }
    if (!st.isFile()) throw refused(404, 'not a regular file');
    if (PROC_FD) {
      // One readlink, only when a directory below the root was walked: the file itself was opened
      // with O_NOFOLLOW, so at depth one nothing else could have been swapped.
      if (path.lastIndexOf(sep) !== root.length || !path.startsWith(root)) {
        const actual = await fdPath(fd);
        if (actual !== null && (actual !== path || !isInside(root, actual))) throw refused(403, 'the opened path is not the checked path');
      }
    }
    return { kind: 'file', file: { fd, path, stat: st, closing: null, onLoop } };
  } catch (error) {
    await closeFile({ fd, path, stat: undefined as never, closing: null, onLoop });
    if ((error as { kind?: string }).kind === 'refused') return error as Refusal;
    return refused(statusForFsError(error), (error as Error).message);
  }
}

/**
 * walkParents + openLast: the whole check for `segments` under `root` (a real path). With
 * `rootDev` (the root's device, when localDevice() found it local), files whose directory is on
 * that same device get fstat and close on the event loop.
 */
export async function openTarget(root: string, segments: readonly string[], symlinks: SymlinkPolicy, dotfiles: DotfilesPolicy, rootDev: bigint | null = null): Promise<Target> {
  if (segments.length === 0) return { kind: 'directory', path: root };
  const parent = segments.length === 1 ? ({ kind: 'parent', path: root, expected: root } as Parent) : await walkParents(root, segments.slice(0, -1), symlinks, dotfiles);
  if (parent.kind === 'refused') return parent;
  const onLoop = rootDev !== null && (parent.dev ?? rootDev) === rootDev;
  return openLast(root, parent.path, segments[segments.length - 1], symlinks, dotfiles, onLoop);
}
