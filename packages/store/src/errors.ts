/** Base class of the store's own errors; `code` is stable for callers to branch on. */
export class StoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/** The embedded data directory is held by another process (usually a running `tokenwatch serve`). */
export class StoreLockedError extends StoreError {
  readonly dataDir: string;
  readonly pid: number | undefined;
  constructor(dataDir: string, pid: number | undefined, options?: { cause?: unknown }) {
    super(
      'STORE_LOCKED',
      `The data directory ${dataDir} is in use by another Tokenwatch process${pid ? ` (pid ${pid})` : ''} (most likely a running ` +
        '`tokenwatch serve`). The embedded engine allows one process per data directory: send reads ' +
        'through the running server (`--server http://127.0.0.1:4318`), stop it first, or use ' +
        'another --data-dir.',
      options,
    );
    this.name = 'StoreLockedError';
    this.dataDir = dataDir;
    this.pid = pid;
  }
}

/** A migration could not be applied, or an applied one no longer matches its file. */
export class MigrationError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MIGRATION', message, options);
    this.name = 'MigrationError';
  }
}

/** A statement refused by the read-only guard of `tokenwatch sql`. */
export class ReadOnlyViolationError extends StoreError {
  constructor(message: string) {
    super('READ_ONLY', message);
    this.name = 'ReadOnlyViolationError';
  }
}
