import { isAbsolute, join } from "node:path";
import { LocalStore } from "./local.ts";
import { SupabaseStore } from "./supabase.ts";
import type { ExampleStore } from "./types.ts";

/** The `store:` block of app_config.yaml. */
export interface StoreConfig {
  /** "local" or "supabase"; unset: Supabase when SUPABASE_URL is set, else local. */
  kind?: string;
  /** Folder of the local store (default "data/store"), relative to `baseDir`. */
  data_dir?: string;
  /** Supabase table (default "predictions"). */
  table?: string;
  /** Supabase bucket (default "images"). */
  bucket?: string;
}

/** The opened stores: where examples go, and the local store that keeps them when it fails. */
export interface OpenedStores {
  primary: ExampleStore;
  /** The local store (the primary itself when kind is local). */
  local: LocalStore;
  /** Closes both. */
  close(): Promise<void>;
}

/**
 * Opens the store app_config.yaml asks for, plus the local store as fallback.
 *
 * @param config the `store:` block
 * @param options environment (SUPABASE_URL, SUPABASE_KEY, SUPABASE_MAIL, SUPABASE_PSWD) and base folder
 * @returns the stores
 * @throws {RangeError} on an unknown kind
 * @throws {TypeError} when kind is supabase and SUPABASE_URL or SUPABASE_KEY is missing
 * @throws {StoreError} when a store cannot be opened or signed in to
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStores } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const stores = await openStores({ kind: "local", data_dir: "store" }, { baseDir: dir, env: {} });
 * assert.equal(stores.primary.kind, "local");
 * await stores.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openStores(
  config: StoreConfig,
  options: { env?: Record<string, string | undefined>; baseDir?: string } = {},
): Promise<OpenedStores> {
  const env = options.env ?? Deno.env.toObject();
  const kind = config.kind ?? (env.SUPABASE_URL ? "supabase" : "local");
  if (kind !== "local" && kind !== "supabase") {
    throw new RangeError(`Cannot open the store: store.kind "${kind}" is not local or supabase`);
  }
  const dataDir = config.data_dir ?? "data/store";
  const local = await LocalStore.open(
    isAbsolute(dataDir) ? dataDir : join(options.baseDir ?? Deno.cwd(), dataDir),
  );
  if (kind === "local") return { primary: local, local, close: () => local.close() };
  if (!env.SUPABASE_URL || !env.SUPABASE_KEY) {
    await local.close();
    throw new TypeError(
      "Cannot open the Supabase store: set SUPABASE_URL and SUPABASE_KEY in .env (or store.kind: local)",
    );
  }
  try {
    const primary = await SupabaseStore.open({
      url: env.SUPABASE_URL,
      key: env.SUPABASE_KEY,
      email: env.SUPABASE_MAIL || undefined,
      password: env.SUPABASE_PSWD,
      table: config.table,
      bucket: config.bucket,
    });
    return {
      primary,
      local,
      close: async () => {
        await primary.close();
        await local.close();
      },
    };
  } catch (err) {
    await local.close();
    throw err;
  }
}
