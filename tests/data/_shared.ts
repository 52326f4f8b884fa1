// Locates the shared reference data (`shared/data/models`) beside or above the checkout.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The `shared/data/models` folder, or undefined when this checkout has none nearby. */
export function sharedModels(): string | undefined {
  const env = Deno.env.get("LIFECYCLE_SHARED");
  const starts = env ? [env] : [];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    starts.push(join(dir, "shared"));
    dir = dirname(dir);
  }
  for (const s of starts) {
    try {
      if (Deno.statSync(join(s, "data", "models", "mnist")).isDirectory) {
        return join(s, "data", "models");
      }
    } catch {
      // not here
    }
  }
  return undefined;
}
