import { type FSWatcher, lstatSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/** A running {@link watchConfigFile}. */
export type ConfigWatcher = { close(): void };

/** Options of {@link watchConfigFile}. */
export type ConfigWatchOptions = {
  /**
   * Quiet time after the last event before `onChange` runs: editors save in several steps
   * (truncate and write, or write a temporary file and rename it), and one save must be one reload.
   * @default 300
   */
  debounceMs?: number;
  /** Told when the directory cannot be watched (removed, permissions). @default ignored */
  onError?: (err: Error) => void;
};

/**
 * Calls `onChange` once edits of `file` settle. It watches the file's directory rather than the
 * file: editors and Kubernetes ConfigMap updates replace the file (a new inode, by rename), and a
 * watch on the old inode would never fire again. Events for other files in the directory are
 * ignored unless the config is a symbolic link (a ConfigMap swaps the `..data` link beside it), so
 * the caller should compare contents before acting; `onChange` may run when nothing changed.
 *
 * @example
 * const watcher = watchConfigFile('/etc/tokenwatch/tokenwatch.yaml', () => reload('file'));
 * process.on('exit', () => watcher.close());
 */
export function watchConfigFile(
  file: string,
  onChange: () => void,
  options: ConfigWatchOptions = {},
): ConfigWatcher {
  const debounceMs = options.debounceMs ?? 300;
  const name = basename(file);
  const linked = isSymlink(file);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const settle = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
    timer.unref();
  };
  try {
    // Not persistent: the server's socket keeps the process alive, a watch alone must not.
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      // Some platforms omit the name; then any event may be ours.
      if (linked || changed === null || changed === name) settle();
    });
    watcher.on('error', (err) => options.onError?.(err));
  } catch (err) {
    options.onError?.(err as Error);
  }
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
