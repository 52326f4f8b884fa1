// Entry point of one sweep job in its own process (`deno run -A _job_main.ts <run dir>`): trains
// the config.yaml the launcher wrote there. Exit 0 when done, 130 when interrupted, 1 on error.

import { runExperimentDir } from "./experiment.ts";
import { watchInterrupts } from "./interrupt.ts";

if (import.meta.main) {
  const runDir = Deno.args[0];
  let code = 0;
  {
    using watch = watchInterrupts();
    try {
      if (!runDir) throw new TypeError("Missing the run directory argument");
      const threads = Number(Deno.env.get("LIFECYCLE_TRAIN_THREADS") ?? 0) || undefined;
      const r = await runExperimentDir(runDir, { signal: watch.signal, threads });
      code = r.status === "interrupted" ? 130 : 0;
    } catch (err) {
      console.error(`Error: ${(err as Error).message.split("\n")[0]}`);
      code = 1;
    }
  }
  Deno.exit(code);
}
