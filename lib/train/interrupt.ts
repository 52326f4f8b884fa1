/**
 * Ctrl-C for training: the first SIGINT (or SIGTERM) aborts a signal the loop
 * watches, so it saves a checkpoint and ends cleanly; a second one, pressed a
 * moment later, exits at once.
 *
 * @module
 */

/** Options of {@linkcode watchInterrupts}. */
export interface InterruptOptions {
  /** Where the notice goes (default stderr). */
  write?: (line: string) => void;
  /**
   * Milliseconds after the first signal during which another one is ignored
   * (a signal forwarded to a sweep job besides the terminal's own); default 1000.
   */
  graceMs?: number;
}

/** A watch on SIGINT/SIGTERM; dispose it to remove the listeners. */
export interface InterruptWatch extends Disposable {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal;
}

/**
 * Starts watching SIGINT and SIGTERM.
 *
 * @param options notice output and grace period
 * @returns the watch: its `signal`, and `[Symbol.dispose]` to stop watching
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { watchInterrupts } from "./interrupt.ts";
 * using watch = watchInterrupts();
 * assert.equal(watch.signal.aborted, false);
 * ```
 */
export function watchInterrupts(options: InterruptOptions = {}): InterruptWatch {
  const { graceMs = 1000 } = options;
  const write = options.write ?? ((line: string) => console.error(line));
  const controller = new AbortController();
  let first = 0;
  const handler = () => {
    if (!controller.signal.aborted) {
      first = performance.now();
      write("Interrupted: saving a checkpoint, then stopping (press Ctrl-C again to quit now)");
      controller.abort();
    } else if (performance.now() - first > graceMs) {
      write("Stopped without a checkpoint");
      Deno.exit(130);
    }
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, handler);
  return {
    signal: controller.signal,
    [Symbol.dispose]() {
      for (const s of signals) Deno.removeSignalListener(s, handler);
    },
  };
}
