import assert from "node:assert/strict";
import { openStores } from "../../lib/store/mod.ts";
import { startSupabaseStandIn } from "./_supabase_standin.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "store_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openStores() picks Supabase when SUPABASE_URL is set and kind is unset", async () => {
  const s = startSupabaseStandIn();
  try {
    await withDir(async (dir) => {
      const env = {
        SUPABASE_URL: s.url,
        SUPABASE_KEY: s.anonKey,
        SUPABASE_MAIL: s.email,
        SUPABASE_PSWD: s.password,
      };
      const stores = await openStores({ data_dir: "store" }, { env, baseDir: dir });
      assert.deepEqual([stores.primary.kind, stores.local.kind], ["supabase", "local"]);
      assert.ok(stores.local.location.startsWith(dir));
      await stores.close();
      const local = await openStores({ kind: "local" }, { env, baseDir: dir });
      assert.equal(local.primary, local.local);
      await local.close();
    });
  } finally {
    await s.close();
  }
});

Deno.test("openStores() fails clearly on a missing key or an unknown kind", async () => {
  await withDir(async (dir) => {
    await assert.rejects(
      openStores({ kind: "supabase" }, {
        env: { SUPABASE_URL: "http://127.0.0.1:9" },
        baseDir: dir,
      }),
      /^TypeError: Cannot open the Supabase store: set SUPABASE_URL and SUPABASE_KEY/,
    );
    await assert.rejects(
      openStores({ kind: "s3" }, { env: {}, baseDir: dir }),
      /^RangeError: .*store\.kind "s3"/,
    );
  });
});
