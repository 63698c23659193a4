/**
 * @module
 * A one-line progress bar on stderr, redrawn with `\r`: plain text, no dependency, and out of
 * stdout so the findings can be piped.
 */

const WIDTH = 30;

/** A progress bar; `update` redraws it, `done` ends its line. */
export type Progress = {
  update(label: string, fraction: number): void;
  done(): void;
};

/** A progress bar writing to `stream` (stderr by default). */
export function createProgress(stream: NodeJS.WritableStream = process.stderr): Progress {
  let drawn = false;
  return {
    update(label, fraction) {
      const clamped = Math.max(0, Math.min(1, fraction));
      const filled = Math.round(clamped * WIDTH);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}`;
      const percent = `${Math.round(clamped * 100)}`.padStart(3);
      stream.write(`\r[${bar}] ${percent}% ${label.padEnd(48)}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
