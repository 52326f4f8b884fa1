// The labeling page: queue by uncertainty, relabel and skip through the JSON
// endpoints, images, escaping, and the image_folder export the trainer reads.
import assert from "node:assert/strict";
import { join } from "node:path";
import { readImageFolderExport } from "../../lib/data/mod.ts";
import { Client, digitPng, fixtureApp, makeAppDir } from "./_pages.ts";

const dir = await makeAppDir();
const app = await fixtureApp(dir);
globalThis.addEventListener("unload", async () => {
  await app.close();
  await Deno.remove(dir, { recursive: true });
});
const admin = new Client(app);
await admin.login();
const store = app.services.stores.primary;

/** Examples whose top-1 / top-2 probabilities give known orders. */
const SEEDS: [string, number, number][] = [
  // label, top-1, top-2
  ["3", 0.95, 0.03],
  ["5", 0.40, 0.39], // smallest margin
  ["8", 0.35, 0.10], // least confident
  ["1", 0.60, 0.05],
  ["7", 0.55, 0.44],
];
const ids: string[] = [];
for (const [i, [label, p1, p2]] of SEEDS.entries()) {
  const { png } = await digitPng(i);
  const rest = (1 - p1 - p2) / 3;
  const topK = [
    { label, probability: p1 },
    { label: "9", probability: p2 },
    { label: "0", probability: rest },
    { label: "2", probability: rest },
    { label: "4", probability: rest },
  ];
  ids.push((await store.add({ image: png, model: "digits", modelVersion: "1.0", topK })).id);
}

function islandProps(html: string, name: string): Record<string, unknown> {
  const m = /<script type="application\/json" id="__web_islands">(.*?)<\/script>/.exec(html);
  assert.ok(m, "the page carries island props");
  const data = JSON.parse(m[1]!) as { islands: [string, Record<string, unknown>][] };
  return data.islands.find(([n]) => n === name)![1];
}

Deno.test("GET /admin/label lists the queue below the threshold, least confident first", async () => {
  const bundled = await fixtureApp(dir, { bundle: "build", buildDir: await Deno.makeTempDir() });
  try {
    const c = new Client(bundled);
    await c.login();
    const html = await c.page("/admin/label?below=0.9&strategy=least_confidence");
    const props = islandProps(html, "LabelQueue") as {
      items: { id: string; confidence: number }[];
      counts: Record<string, number>;
      classes: string[];
    };
    assert.deepEqual(props.items.map((i) => i.confidence), [0.35, 0.4, 0.55, 0.6]);
    assert.deepEqual(props.counts, { total: 4, labeled: 0, skipped: 0, unlabeled: 4 });
    assert.deepEqual(props.classes, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    assert.match(html, /<strong id="below-value">90\.0%<\/strong>/);
    assert.match(html, /<span class="big-label" id="predicted">8<\/span>/);
  } finally {
    await bundled.close();
  }
});

Deno.test("GET /api/admin/queue orders by margin or entropy and checks its parameters", async () => {
  const margin = await (await admin.fetch("/api/admin/queue?below=1&strategy=margin")).json();
  assert.deepEqual(margin.items.map((i: { predicted: string }) => i.predicted), [
    "5",
    "7",
    "8",
    "1",
    "3",
  ]);
  const entropy = await (await admin.fetch("/api/admin/queue?below=0.5&strategy=entropy")).json();
  assert.deepEqual(entropy.items.map((i: { predicted: string }) => i.predicted).sort(), ["5", "8"]);
  for (const q of ["below=0", "below=2", "below=x", "strategy=random"]) {
    const res = await admin.fetch(`/api/admin/queue?${q}`);
    assert.equal(res.status, 400, q);
    assert.match((await res.json()).error, /^Invalid (below|strategy)/);
  }
});

Deno.test("GET /api/admin/examples/:id/image answers the stored PNG; 404 for an unknown id", async () => {
  const res = await admin.fetch(`/api/admin/examples/${ids[0]}/image`);
  assert.equal(res.headers.get("content-type"), "image/png");
  assert.deepEqual(new Uint8Array(await res.arrayBuffer()), (await digitPng(0)).png);
  const missing = await admin.fetch(
    "/api/admin/examples/00000000-0000-0000-0000-000000000000/image",
  );
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

async function label(id: string, body: unknown, token?: string): Promise<Response> {
  return await admin.fetch(`/api/admin/examples/${id}/label`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-csrf-token": token ?? await admin.csrf("/admin/label"),
    },
    body: JSON.stringify(body),
  });
}

Deno.test("labeling and skipping move examples out of the queue and count as progress", async () => {
  const token = await admin.csrf("/admin/label");
  const res = await label(ids[2]!, { label: "3" }, token);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).humanLabel, "3");
  assert.equal((await store.get(ids[2]!))?.humanLabel, "3");
  const skip = await admin.fetch(`/api/admin/examples/${ids[1]}/skip`, {
    method: "POST",
    headers: { "x-csrf-token": token },
  });
  assert.equal(skip.status, 200);
  const queue = await (await admin.fetch("/api/admin/queue?below=0.9")).json();
  assert.deepEqual(queue.items.map((i: { id: string }) => i.id), [ids[4], ids[3]]);
  assert.deepEqual(queue.counts, { total: 4, labeled: 1, skipped: 1, unlabeled: 2 });
});

Deno.test("bad labels answer 400, unknown examples 404", async () => {
  const token = await admin.csrf("/admin/label");
  for (const body of [{}, { label: 7 }, { label: "" }, { label: "a\u0000b" }]) {
    const res = await label(ids[3]!, body, token);
    assert.equal(res.status, 400, JSON.stringify(body));
    await res.body?.cancel();
  }
  const notJson = await admin.fetch(`/api/admin/examples/${ids[3]}/label`, {
    method: "POST",
    headers: { "x-csrf-token": token },
    body: "label=1",
  });
  assert.equal(notJson.status, 400);
  await notJson.body?.cancel();
  const missing = await label("00000000-0000-0000-0000-000000000000", { label: "1" }, token);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test("labels with markup are shown as text on the labeling page", async () => {
  const bad = "<script>alert(1)</script>";
  const { png } = await digitPng(9);
  const ex = await store.add({
    image: png,
    model: "digits",
    modelVersion: "1.0",
    topK: [{ label: bad, probability: 0.3 }],
  });
  const res = await label(ex.id, { label: `<img src=x onerror=alert(2)>` });
  assert.equal(res.status, 200);
  await res.body?.cancel();
  const html = await new Client(app).fetch("/admin/label", {
    headers: { cookie: `lc_session=${admin.cookies.get("lc_session")}` },
  }).then((r) => r.text());
  assert.doesNotMatch(html, /<script>alert|<img src=x/);
  assert.match(html, /&lt;img src=x onerror=alert\(2\)>/);
  assert.match(html, /predicted &lt;script>alert\(1\)&lt;\/script>/);
  // Unlabel it again for the export below: relabel as a class.
  const again = await label(ex.id, { label: "9" });
  await again.body?.cancel();
});

Deno.test("the export writes an image_folder data set that lib/data reads back", async () => {
  const token = await admin.csrf("/admin/label");
  await (await label(ids[3]!, { label: "1" }, token)).body?.cancel();
  await (await label(ids[4]!, { label: "7" }, token)).body?.cancel();
  const res = await admin.post(
    "/admin/label?below=0.9",
    { action: "export", name: "round-1" },
    token,
  );
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/admin/label?below=0.9");
  const html = await admin.page("/admin/label?below=0.9");
  const out = join(dir, "data", "exports", "round-1");
  assert.match(html, /Exported 4 labeled examples \(1: 1, 3: 1, 7: 1, 9: 1\) to /);
  assert.match(
    html,
    new RegExp(`Train on them: deno task train data=examples data\\.path=${out}<`),
  );
  const { manifest, dataset } = await readImageFolderExport(out, { mode: "L" });
  assert.deepEqual(manifest.classes, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  assert.equal(dataset.length, 4);
  assert.deepEqual([...dataset.labels].sort(), [1, 3, 7, 9]);
  assert.deepEqual(await Deno.readFile(join(out, "3", `${ids[2]}.png`)), (await digitPng(2)).png);

  const again = await admin.post("/admin/label", { action: "export", name: "round-1" }, token);
  await again.body?.cancel();
  assert.match(await admin.page("/admin/label"), /already exists \(pass overwrite to replace it\)/);
  const badName = await admin.post("/admin/label", { action: "export", name: "../up" }, token);
  await badName.body?.cancel();
  assert.match(await admin.page("/admin/label"), /Invalid export name &quot;..\/up&quot;/);
});
