/**
 * Shared entry-point wrapper for the thin CLIs in this folder: runs a main
 * function, turns any error into one clear line on stderr and a non-zero exit.
 * The stack trace is printed only when `LIFECYCLE_FULL_ERROR=1`.
 *
 * @module
 */

/** Runs `main` with the process arguments and exits with its code or 1 on error. */
export async function runMain(main: (args: string[]) => Promise<number | void>): Promise<never> {
  let code = 0;
  try {
    code = (await main(Deno.args)) ?? 0;
  } catch (err) {
    console.error(formatError(err));
    code = 1;
  }
  Deno.exit(code);
}

/** One line for an error, or its full stack when `LIFECYCLE_FULL_ERROR=1`. */
export function formatError(err: unknown): string {
  const full = Deno.env.get("LIFECYCLE_FULL_ERROR") === "1";
  if (!(err instanceof Error)) return `Error: ${String(err)}`;
  if (full) {
    let text = err.stack ?? String(err);
    let cause = err.cause;
    while (cause instanceof Error) {
      text += `\nCaused by: ${cause.stack ?? String(cause)}`;
      cause = cause.cause;
    }
    return text;
  }
  const line = err.message.split("\n")[0];
  const hint = "(set LIFECYCLE_FULL_ERROR=1 for the stack trace)";
  return `Error: ${line} ${hint}`;
}
