// `deno task archive export --triton <file.mar> <dir> [--kserve]`, run as users run it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { readArchive } from "../../lib/archive/mod.ts";
import { runCli } from "../_shared.ts";
import { makeArchive } from "../serve/_fixtures.ts";
import { field, parsePbtxt, type PbMessage, validate } from "./_triton_schema.ts";

function archiveCli(args: string[], cwd: string) {
  return runCli("archive.ts", args, { cwd });
}

Deno.test("archive export --triton writes a repository Triton's schema accepts, --kserve a manifest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "archive_export_" });
  try {
    await makeArchive(dir, "digits.mar", { name: "digits", version: "3.0" });
    const r = await archiveCli([
      "export",
      "--triton",
      "digits.mar",
      "repo",
      "--kserve",
      "--storage-uri",
      "s3://models/repo",
      "--max-batch-size",
      "16",
      "--instances",
      "2",
    ], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Triton repository: .*repo\n/);
    const modelDir = join(dir, "repo", "digits");
    const archive = await readArchive(join(dir, "digits.mar"));
    assert.deepEqual(await Deno.readFile(join(modelDir, "3", "model.onnx")), archive.model);
    assert.equal(
      await Deno.readTextFile(join(modelDir, "labels.txt")),
      archive.labels.join("\n") + "\n",
    );
    const cfg = parsePbtxt(await Deno.readTextFile(join(modelDir, "config.pbtxt")));
    assert.deepEqual(validate(cfg, "ModelConfig"), []);
    assert.deepEqual(field(cfg, "name"), ['"digits"']);
    assert.deepEqual(field(cfg, "max_batch_size"), ["16"]);
    const input = field(cfg, "input")[0] as PbMessage;
    assert.deepEqual(field(input, "dims"), ["1", "28", "28"]);
    const group = field(cfg, "instance_group")[0] as PbMessage;
    assert.deepEqual([field(group, "count"), field(group, "kind")], [["2"], ["KIND_CPU"]]);
    assert.ok(field(cfg, "dynamic_batching").length === 1, "dynamic batching on");
    // deno-lint-ignore no-explicit-any
    const doc = parseYaml(await Deno.readTextFile(join(dir, "repo-inferenceservice.yaml"))) as any;
    assert.equal(doc.kind, "InferenceService");
    assert.equal(doc.spec.predictor.model.storageUri, "s3://models/repo");
    assert.equal(doc.spec.predictor.model.modelFormat.name, "triton");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("archive export: bad use and a corrupt archive give one line and exit 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "archive_export_" });
  try {
    await makeArchive(dir, "digits.mar");
    await Deno.writeTextFile(join(dir, "broken.mar"), "not a zip");
    const cases: [string[], RegExp][] = [
      [["export", "digits.mar", "out"], /export needs --triton/],
      [["export", "--triton", "digits.mar"], /export takes <file\.mar> <dir>/],
      [
        ["export", "--triton", "digits.mar", "out", "--storage-uri", "s3://x"],
        /goes with --kserve/,
      ],
      [["export", "--triton", "digits.mar", "out", "--instances", "0"], /Invalid --instances "0"/],
      [["export", "--triton", "broken.mar", "out"], /broken\.mar/],
      [
        ["export", "--triton", "none.mar", "out"],
        /Cannot read archive ".*none\.mar": no such file/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await archiveCli(args, dir);
      assert.equal(r.code, 1, args.join(" "));
      assert.match(r.stderr.trim(), message);
      assert.equal(r.stderr.trim().split("\n").length, 1);
    }
    assert.equal(await Deno.stat(join(dir, "out")).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
