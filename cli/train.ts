/**
 * `deno task train [overrides]`: compose the experiment config and train.
 *
 * @module
 */
import { runMain } from "./_main.ts";

if (import.meta.main) {
  await runMain(() => {
    console.log("lifecycle train: configuration arrives with lib/config");
    return Promise.resolve(0);
  });
}
