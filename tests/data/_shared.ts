// The shared reference models folder, located by tests/_shared.ts.

import { join } from "node:path";
import { SHARED_DIR } from "../_shared.ts";

/** The `shared/data/models` folder, or undefined when no shared folder is found. */
export function sharedModels(): string | undefined {
  return SHARED_DIR ? join(SHARED_DIR, "data", "models") : undefined;
}
