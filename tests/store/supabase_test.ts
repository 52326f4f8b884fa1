import assert from "node:assert/strict";
import { addWithFallback, LocalStore, StoreError, SupabaseStore } from "../../lib/store/mod.ts";
import { startSupabaseStandIn, type SupabaseStandIn } from "./_supabase_standin.ts";
import { fourExamples, storeSuite } from "./_suite.ts";

function open(s: SupabaseStandIn, extra: Partial<Parameters<typeof SupabaseStore.open>[0]> = {}) {
  return SupabaseStore.open({
    url: s.url,
    key: s.anonKey,
    email: s.email,
    password: s.password,
    ...extra,
  });
}

storeSuite("SupabaseStore", async () => {
  const standin = startSupabaseStandIn();
  const store = await open(standin);
  return {
    store,
    close: async () => {
      await store.close();
      await standin.close();
    },
  };
});

async function withStandIn(fn: (s: SupabaseStandIn) => Promise<void>) {
  const standin = startSupabaseStandIn();
  try {
    await fn(standin);
  } finally {
    await standin.close();
  }
}

Deno.test("SupabaseStore signs in with the password grant and sends the user's token", async () => {
  await withStandIn(async (s) => {
    const store = await open(s);
    await store.add(fourExamples()[0]!);
    assert.equal(s.log[0], "POST /auth/v1/token?grant_type=password");
    assert.match(s.log[1]!, /^POST \/storage\/v1\/object\/images\/[0-9a-f-]{36}\.png$/);
    assert.match(s.log[2]!, /^POST \/rest\/v1\/predictions\?(columns=.*&)?select=\*$/);
    assert.equal(s.tables.get("predictions")!.length, 1);
    await store.close();
  });
});

Deno.test("SupabaseStore sends the queue query as PostgREST filters", async () => {
  await withStandIn(async (s) => {
    const store = await open(s);
    await store.list({
      status: "unlabeled",
      below: 0.8,
      strategy: "margin",
      limit: 10,
      offset: 20,
    });
    const q = new URL("http://x" + s.log.at(-1)!.split(" ")[1]).searchParams;
    assert.equal(q.get("human_label"), "is.null");
    assert.equal(q.get("skipped_at"), "is.null");
    assert.equal(q.get("confidence"), "lt.0.8");
    assert.equal(q.get("order"), "margin.asc,created_at.asc,id.asc");
    assert.deepEqual([q.get("offset"), q.get("limit")], ["20", "10"]);
    await store.close();
  });
});

Deno.test("SupabaseStore.open() fails clearly on wrong credentials", async () => {
  await withStandIn(async (s) => {
    await assert.rejects(
      open(s, { password: "wrong" }),
      (e) =>
        e instanceof StoreError && e.code === "unavailable" &&
        e.message ===
          `Cannot sign in to Supabase at ${s.url} as "${s.email}": Invalid login credentials`,
    );
  });
  await assert.rejects(
    SupabaseStore.open({ url: "", key: "k" }),
    /^TypeError: .*SUPABASE_URL "" is not a URL/,
  );
});

Deno.test("SupabaseStore without sign-in is refused by row level security, keeping nothing", async () => {
  await withStandIn(async (s) => {
    const store = await open(s, { email: undefined });
    await assert.rejects(
      store.add(fourExamples()[0]!),
      (e) =>
        e instanceof StoreError && e.code === "unavailable" &&
        /bucket "images"\): new row violates row-level security/.test(e.message),
    );
    assert.equal(s.objects.size, 0);
    await store.close();
  });
});

Deno.test("SupabaseStore.add() removes the uploaded image when the row insert fails", async () => {
  await withStandIn(async (s) => {
    const store = await open(s);
    s.intercept = (req, url) =>
      req.method === "POST" && url.pathname.startsWith("/rest/")
        ? Response.json(
          { code: "57014", message: "canceling statement due to statement timeout" },
          { status: 500 },
        )
        : undefined;
    await assert.rejects(
      store.add(fourExamples()[0]!),
      /^StoreError: Cannot add the example in Supabase .*: canceling statement due to statement timeout/,
    );
    assert.equal(s.objects.size, 0, "no orphan image");
    assert.equal(s.tables.get("predictions")!.length, 0);
    assert.match(s.log.at(-1)!, /^DELETE \/storage\/v1\/object\/images$/);
    await store.close();
  });
});

Deno.test("addWithFallback() keeps the example locally when Supabase is down", async () => {
  await withStandIn(async (s) => {
    const dir = await Deno.makeTempDir();
    const store = await open(s, { timeoutMs: 2000 });
    const local = await LocalStore.open(dir);
    try {
      s.intercept = () => new Response("upstream connect error", { status: 503 });
      const r = await addWithFallback(store, local, fourExamples()[1]!);
      assert.equal(r.store, local);
      assert.match(r.error!.message, /^Cannot upload the image in Supabase/);
      assert.equal((await local.get(r.example.id))?.predictedLabel, "1");
      s.intercept = undefined;
      const ok = await addWithFallback(store, local, fourExamples()[2]!);
      assert.deepEqual([ok.store, ok.error], [store, undefined]);
      await assert.rejects(
        addWithFallback(store, local, { ...fourExamples()[0]!, topK: [] }),
        /^TypeError/,
        "bad input is not a reason to fall back",
      );
      assert.equal((await local.counts()).total, 1);
    } finally {
      await store.close();
      await local.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("SupabaseStore reports an unreachable server as unavailable", async () => {
  const s = startSupabaseStandIn();
  const store = await open(s, { retry: false });
  await s.close();
  await assert.rejects(
    store.list(),
    (e) =>
      e instanceof StoreError && e.code === "unavailable" &&
      /^Cannot list examples in Supabase http:\/\/127\.0\.0\.1:\d+/.test(e.message),
  );
  await store.close();
});
