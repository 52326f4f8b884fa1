import assert from "node:assert/strict";
import { join } from "node:path";
import { strFromU8, unzipSync, zipSync } from "fflate";
import { readArchive, verifyArchive } from "../../lib/archive/mod.ts";
import { makeRun } from "../optimize/_run_fixture.ts";
import { parseOptimizeArgs } from "../../cli/optimize.ts";
import { sharedPath } from "../_shared.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

async function cli(script: string, args: string[], cwd: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", join(ROOT, "deno.json"), join(ROOT, "cli", script), ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { LIFECYCLE_FULL_ERROR: "0", NO_COLOR: "1" },
  }).output();
  const strip = (b: Uint8Array) =>
    new TextDecoder().decode(b).split("\n").filter((l) => !/[│╭╰]|Warning/.test(l)).join("\n");
  return { code: out.code, stdout: strip(out.stdout), stderr: strip(out.stderr) };
}

const temps: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const t of temps) Deno.removeSync(t, { recursive: true });
});

async function temp(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  temps.push(dir);
  return dir;
}

let made: { root: string; run: string } | undefined;
async function fixture() {
  if (!made) {
    const root = await temp("optimize_cli_");
    made = { root, run: await makeRun(root) };
  }
  return made;
}

Deno.test("optimize --quantize --mode static writes a verified archive with the run's handler, labels and metrics", async () => {
  const { root, run } = await fixture();
  const r = await cli(
    "optimize.ts",
    ["--quantize", "--mode", "static", "--iterations", "20", run],
    root,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /variant .*size MB.*avg ms.*p50 ms.*min ms.*max ms.*p95 ms.*accuracy/);
  assert.match(r.stdout, /int8_static/);
  const file = join(root, "model_store", "cnn_default_run_2026-01-01_10-00-00_int8_static.mar");
  assert.ok(verifyArchive(await Deno.readFile(file), file).ok);
  const a = await readArchive(file);
  assert.equal(a.manifest.model.modelName, "cnn_int8_static");
  assert.equal(a.manifest.model.modelVersion, "1.0");
  assert.deepEqual(a.labels, [..."0123456789"]);
  assert.deepEqual(a.handler.input, { name: "input", dims: ["N", 1, 28, 28] });
  assert.deepEqual(a.handler.preprocess, {
    colorMode: "L",
    resize: [28, 28],
    mean: [0.1307],
    std: [0.3081],
    scale: 1 / 255,
  });
  assert.equal(a.handler.postprocess?.topK, 5);
  const m = a.metrics as Record<string, unknown>;
  assert.equal(m.checkpoint, 2, "the best checkpoint by test accuracy");
  assert.ok(
    typeof m.accuracy === "number" && (m.latency_ms as { p95: number }).p95 > 0 &&
      (m.size_bytes as number) > 0,
  );
  assert.deepEqual(a.params, { model: { name: "cnn", channels: [16, 32], hidden: 32 }, seed: 42 });
  const again = await cli("optimize.ts", [
    "--quantize",
    "--mode",
    "static",
    "--checkpoint",
    "1",
    "--iterations",
    "5",
    run,
  ], root);
  assert.equal(again.code, 0, again.stderr);
  const second = await readArchive(
    join(root, "model_store", "cnn_default_run_2026-01-01_10-00-00_int8_static_v2.0.mar"),
  );
  assert.equal(second.manifest.model.modelVersion, "2.0");
  assert.equal((second.metrics as { checkpoint: number }).checkpoint, 1);
});

Deno.test("optimize --profile prints the five variants, saves JSON and Markdown next to the run", async () => {
  const { root, run } = await fixture();
  const r = await cli(
    "optimize.ts",
    ["--profile", "--iterations", "10", "--out", "store2", run],
    root,
  );
  assert.equal(r.code, 0, r.stderr);
  for (
    const v of [
      "original",
      "fused",
      "quantized (int8_dynamic)",
      "fused+quantized (int8_dynamic)",
      "pruned (30% structured)",
    ]
  ) {
    assert.ok(r.stdout.includes(v), v);
  }
  const report = JSON.parse(await Deno.readTextFile(join(run, "optimize_profile.json")));
  assert.equal(report.variants.length, 5);
  assert.ok(report.variants[1].topOperators.length > 0);
  assert.match(
    await Deno.readTextFile(join(run, "optimize_profile.md")),
    /\| variant \| size MB \|/,
  );
  assert.equal(
    [...Deno.readDirSync(join(root, "store2"))].filter((e) => e.name.endsWith(".mar")).length,
    1,
  );
});

Deno.test("optimize: bad input gets one clear line, exit 1, and no archive", async (t) => {
  const { root, run } = await fixture();
  const empty = await temp("optimize_bad_");
  const noCkpt = await makeRun(empty, { withCheckpoints: false });
  const folder = await temp("optimize_imgs_");
  const imgRun = await makeRun(folder, {
    checkpoints: { 1: 0.5 },
    steps: 1,
    data: {
      name: "image_folder",
      root: join(folder, "gone"),
      image_shape: [1, 28, 28],
      test_size: 0.2,
    },
  });
  const cases: [string, string[], RegExp][] = [
    [
      "no checkpoints",
      ["--fuse", noCkpt],
      /has no checkpoints: expected checkpoints\/checkpoint_NNNNNN\//,
    ],
    [
      "missing index",
      ["--fuse", "--checkpoint", "7", run],
      /has no checkpoint 7: available 1, 2, 3/,
    ],
    [
      "precision",
      ["--quantize", "--precision", "int4", run],
      /Unsupported precision "int4": expected one of int8, uint8, fp16/,
    ],
    [
      "mode",
      ["--quantize", "--mode", "qat", run],
      /Unsupported mode "qat": expected one of dynamic, static/,
    ],
    [
      "fp16 static",
      ["--quantize", "--precision", "fp16", "--mode", "static", run],
      /Unsupported mode "static" for precision fp16/,
    ],
    [
      "calibration data",
      ["--quantize", "--mode", "static", imgRun],
      /Cannot load the data of run .*data\.root ".*gone"\).*calibration/,
    ],
    [
      "amount",
      ["--prune", "--amount", "1.5", run],
      /Invalid pruning amount 1\.5: expected a fraction in \[0, 1\)/,
    ],
    ["negative amount", ["--prune", "--amount=-0.1", run], /Invalid pruning amount -0\.1/],
    ["not a run", ["--fuse", folder], /no config\.yaml there/],
    ["no action", [run], /Nothing to do: give --profile, --fuse, --quantize or --prune/],
    [
      "unknown flag",
      ["--fuse", "--fast", run],
      /Unknown option '--fast'.*see deno task optimize --help/,
    ],
  ];
  for (const [name, args, want] of cases) {
    await t.step(name, async () => {
      const out = await temp("store_");
      const r = await cli("optimize.ts", [...args, "--out", out], root);
      assert.equal(r.code, 1, `${name}: ${r.stdout}`);
      const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("Error:"));
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, want);
      assert.deepEqual([...Deno.readDirSync(out)], [], "no archive, no temporary file");
    });
  }
});

Deno.test("parseOptimizeArgs() reads every flag", () => {
  const p = parseOptimizeArgs([
    "--fuse",
    "--quantize",
    "--prune",
    "r",
    "--checkpoint",
    "3",
    "--precision",
    "uint8",
    "--mode",
    "static",
    "--calibration-samples",
    "64",
    "--method",
    "entropy",
    "--exclude",
    "first,fc2",
    "--amount",
    "0.25",
    "--structured",
    "--finetune-steps",
    "10",
    "--iterations",
    "7",
    "--out",
    "s",
    "--ort-optimized",
    "--global",
  ]);
  assert.ok(!("help" in p));
  if ("help" in p) return;
  assert.equal(p.runDir, "r");
  assert.deepEqual(p.options, {
    profile: undefined,
    fuse: true,
    quantize: true,
    prune: true,
    checkpoint: 3,
    precision: "uint8",
    mode: "static",
    calibrationSamples: 64,
    method: "entropy",
    exclude: ["first", "fc2"],
    amount: 0.25,
    structured: true,
    global: true,
    finetuneSteps: 10,
    iterations: 7,
    out: "s",
    ortOptimized: true,
  });
  assert.throws(
    () => parseOptimizeArgs(["--fuse", "r", "--checkpoint", "x"]),
    /Invalid --checkpoint "x": expected an integer/,
  );
  assert.throws(() => parseOptimizeArgs(["--fuse"]), /Expected one run directory, got 0/);
  assert.deepEqual(parseOptimizeArgs(["--help"]), { help: true });
});

Deno.test("optimize --help shows examples", async () => {
  const { root } = await fixture();
  const r = await cli("optimize.ts", ["--help"], root);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Examples:\n {2}deno task optimize --profile/);
});

Deno.test("archive inspect verifies and names a missing file or a differing hash", async (t) => {
  const { root, run } = await fixture();
  let file = join(root, "model_store", "cnn_default_run_2026-01-01_10-00-00_int8_static.mar");
  if (!(await Deno.stat(file).catch(() => undefined))) {
    assert.equal((await cli("optimize.ts", ["--fuse", "--iterations", "5", run], root)).code, 0);
    file = join(root, "model_store", "cnn_default_run_2026-01-01_10-00-00_fused.mar");
  }
  const ok = await cli("archive.ts", ["inspect", file], root);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /: ok \(\d+ bytes\)\nmodel cnn_\w+ version \d\.0/);
  assert.match(ok.stdout, /model\.onnx {2}\d+ bytes {2}sha256 [0-9a-f]{64}/);
  const files = unzipSync(await Deno.readFile(file));
  const tampered: [string, (f: Record<string, Uint8Array>) => void, RegExp][] = [
    ["hash", (f) => f["model.onnx"]![100]! ^= 1, /corrupt archive: sha256 of model\.onnx differs/],
    ["missing", (f) => delete f["handler.json"], /missing handler\.json/],
    ["not a zip", () => {}, /not a readable zip archive/],
  ];
  for (const [name, edit, want] of tampered) {
    await t.step(name, async () => {
      const copy = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.slice()]));
      edit(copy);
      const bad = join(root, `bad_${name}.mar`);
      await Deno.writeFile(
        bad,
        name === "not a zip" ? new TextEncoder().encode("nope") : zipSync(copy),
      );
      const r = await cli("archive.ts", ["inspect", bad], root);
      assert.equal(r.code, 1);
      assert.match(r.stderr, want);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    });
  }
  assert.ok(strFromU8(files["MAR-INF/MANIFEST.json"]!).includes("modelName"));
});

Deno.test("archive create packs a model trained elsewhere, with the next version", async () => {
  const dir = await temp("archive_create_");
  const shared = sharedPath("data/models/mnist/cnn.adam2ep.eval.onnx");
  await Deno.writeTextFile(join(dir, "labels.txt"), [..."0123456789"].join("\n"));
  await Deno.writeTextFile(
    join(dir, "handler.json"),
    JSON.stringify({
      handler: "image_classifier",
      input: { name: "input", dims: ["batch", 1, 28, 28] },
      output: { name: "logits" },
      preprocess: { colorMode: "L", resize: [28, 28] },
    }),
  );
  const args = [
    "create",
    shared,
    "--labels",
    "labels.txt",
    "--handler",
    "handler.json",
    "--name",
    "digits",
  ];
  const r1 = await cli("archive.ts", args, dir);
  assert.equal(r1.code, 0, r1.stderr);
  const r2 = await cli("archive.ts", args, dir);
  assert.match(r2.stdout, /model "digits" version 2\.0/);
  const a = await readArchive(join(dir, "model_store", "digits.mar"));
  assert.deepEqual([a.labels.length, a.manifest.model.modelVersion], [10, "1.0"]);
  await Deno.writeTextFile(
    join(dir, "bad.json"),
    JSON.stringify({
      handler: "image_classifier",
      input: { name: "x", dims: [1, 1, 28, 28] },
      output: { name: "logits" },
    }),
  );
  const bad = await cli("archive.ts", [
    "create",
    shared,
    "--labels",
    "labels.txt",
    "--handler",
    "bad.json",
  ], dir);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Handler "bad\.json" names input "x", the model has "input"/);
  const clash = await cli("archive.ts", [...args, "--version", "2.0"], dir);
  assert.match(clash.stderr, /Cannot archive "digits" version 2\.0: .* already holds it/);
});
