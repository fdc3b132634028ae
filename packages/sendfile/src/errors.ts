import { SluiceError } from '@sluice/stream-core';

/**
 * The file changed under the response: it shrank or vanished after its length was sent. The writer
 * is aborted with this error (the peer sees a cut connection or RST_STREAM, never a short body that
 * looks complete).
 */
export class FileChangedError extends SluiceError {
  readonly path: string;
  constructor(path: string, why: string) {
    super('ERR_SLUICE_FILE_CHANGED', `${path} changed while it was being sent: ${why}`);
    this.path = path;
  }
}

/** Reading the file failed after the response started (EIO, a vanished network share). */
export class FileReadError extends SluiceError {
  readonly path: string;
  constructor(path: string, cause: unknown) {
    super('ERR_SLUICE_FILE_READ', `Reading ${path} failed${cause instanceof Error ? `: ${cause.message}` : ''}`, { cause });
    this.path = path;
  }
}

/** The root given to serveStatic() does not exist or is not a directory. */
export class InvalidRootError extends SluiceError {
  readonly root: string;
  constructor(root: string, why: string) {
    super('ERR_SLUICE_INVALID_ROOT', `Invalid root ${JSON.stringify(root)}: ${why}`);
    this.root = root;
  }
}
