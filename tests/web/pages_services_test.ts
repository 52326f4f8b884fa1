// Advice through the OpenAI stand-in and examples through the Supabase stand-in,
// both over loopback, and what the pages say when either fails.
import assert from "node:assert/strict";
import { ROOT_DIR } from "../_shared.ts";
import { startOpenAIStandIn } from "../assist/_openai_standin.ts";
import { startSupabaseStandIn } from "../store/_supabase_standin.ts";
import { Client, digitPng, fixtureApp, fixtureEnv, imageForm, makeAppDir } from "./_pages.ts";

const openai = startOpenAIStandIn();
const supabase = startSupabaseStandIn();
const dir = await makeAppDir({
  store: ["store:", "  kind: supabase", "  data_dir: data/store"],
  openai: [
    "openai:",
    "  use: true",
    "  model: standin-model",
    `  base_url: ${openai.baseURL}`,
    `  prompt_file: ${ROOT_DIR}/conf/prompts/advice.txt`,
  ],
});
const env = await fixtureEnv({
  OPENAI_API_KEY: openai.apiKey,
  SUPABASE_URL: supabase.url,
  SUPABASE_KEY: supabase.anonKey,
  SUPABASE_MAIL: supabase.email,
  SUPABASE_PSWD: supabase.password,
});
const app = await fixtureApp(dir, { env, start: true });
await app.services.server.client.register({ url: "digits.mar" });
globalThis.addEventListener("unload", async () => {
  await app.close();
  await openai.close();
  await supabase.close();
  await Deno.remove(dir, { recursive: true });
});

async function advice(body: unknown): Promise<[string, string][]> {
  const res = await app.fetch(
    new Request("http://localhost/api/advice", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const text = await res.text();
  return [...text.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map((m) => [m[1]!, JSON.parse(m[2]!)]);
}

const PREDICTION = {
  label: "7",
  confidence: 0.91,
  topK: [{ label: "7", probability: 0.91 }, { label: "1", probability: 0.05 }],
  model: "digits v1.0",
};

Deno.test("the predict page names the LLM, and /api/advice streams its answer as events", async () => {
  const html = await new Client(app).page("/");
  assert.match(
    html,
    /Advice from standin-model \(127\.0\.0\.1:\d+\) appears here after a prediction/,
  );
  openai.mode = { kind: "stream", chunks: ["Looks ", "like ", "a 7."] };
  const events = await advice(PREDICTION);
  assert.deepEqual(events, [
    ["chunk", "Looks "],
    ["chunk", "like "],
    ["chunk", "a 7."],
    ["done", ""],
  ]);
  const sent = openai.requests.at(-1) as { model: string; messages: { content: string }[] };
  assert.equal(sent.model, "standin-model");
  assert.match(sent.messages[1]!.content, /\(digits v1\.0\) .* predicted "7" with a confidence of/);
});

Deno.test("an OpenAI failure arrives as one error event with a clear message", async () => {
  openai.mode = { kind: "error", status: 429, code: "rate_limit_exceeded", message: "Slow down" };
  try {
    const events = await advice(PREDICTION);
    assert.equal(events.length, 1);
    assert.equal(events[0]![0], "error");
    assert.match(
      events[0]![1],
      /^Advice failed: rate limit or quota reached at http:\/\/127\.0\.0\.1:\d+\/v1 \(429\)/,
    );
  } finally {
    openai.mode = { kind: "stream", chunks: ["ok"] };
  }
});

Deno.test("/api/advice refuses a malformed prediction with 400", async () => {
  for (const body of [{}, { ...PREDICTION, confidence: 2 }, { ...PREDICTION, topK: "x" }]) {
    const res = await app.fetch(
      new Request("http://localhost/api/advice", {
        method: "POST",
        body: JSON.stringify(body),
      }),
    );
    assert.equal(res.status, 400);
    assert.match((await res.json()).error, /^Cannot give advice: expected JSON/);
  }
});

Deno.test("without OPENAI_API_KEY advice is off and the page and endpoint say so", async () => {
  const off = await fixtureApp(dir, { env: { ...env, OPENAI_API_KEY: "" } });
  try {
    const html = await new Client(off).page("/");
    assert.match(
      html,
      /<p id="advice" class="advice advice-off">Advice is off: set OPENAI_API_KEY in \.env<\/p>/,
    );
    const res = await off.fetch(
      new Request("http://localhost/api/advice", {
        method: "POST",
        body: JSON.stringify(PREDICTION),
      }),
    );
    assert.equal(
      await res.text(),
      'event: off\ndata: "Advice is off: set OPENAI_API_KEY in .env"\n\n',
    );
  } finally {
    await off.close();
  }
});

Deno.test("predictions go to Supabase (bucket + table) when it is configured", async () => {
  const { png, label } = await digitPng(4);
  const res = await app.fetch(
    new Request("http://localhost/api/predict", {
      method: "POST",
      body: imageForm(png, "four.png"),
    }),
  );
  const body = await res.json();
  assert.equal(body.example.store, "supabase");
  assert.equal(body.storeError, undefined);
  const row = supabase.tables.get("predictions")!.find((r) => r.id === body.example.id)!;
  assert.equal(row.predicted_label, label);
  assert.deepEqual(supabase.objects.get(`images/${row.image_key}`)?.bytes, png);
});

Deno.test("when Supabase fails, the example is kept locally and the answer says why", async () => {
  supabase.intercept = () => new Response("upstream connect error", { status: 503 });
  try {
    const { png } = await digitPng(5);
    const res = await app.fetch(
      new Request("http://localhost/api/predict", {
        method: "POST",
        body: imageForm(png, "five.png"),
      }),
    );
    const body = await res.json();
    assert.equal(res.status, 200);
    assert.equal(body.example.store, "local");
    assert.match(
      body.storeError,
      /^Cannot upload the image in Supabase .*\(kept in the local store instead\)$/,
    );
    assert.ok(await app.services.stores.local.get(body.example.id));
  } finally {
    supabase.intercept = undefined;
  }
});

Deno.test("when Supabase cannot be signed in to at start-up, examples stay local and / says so", async () => {
  const local = await fixtureApp(dir, { env: { ...env, SUPABASE_PSWD: "wrong" }, start: true });
  try {
    await local.services.server.client.register({ url: "digits.mar" }).catch(() => {});
    const html = await new Client(local).page("/");
    assert.match(
      html,
      /class="banner banner-warn" role="alert">Examples are kept locally: Cannot sign in to Supabase at .*Invalid login credentials/,
    );
    assert.equal(local.services.stores.primary.kind, "local");
  } finally {
    await local.close();
  }
});
