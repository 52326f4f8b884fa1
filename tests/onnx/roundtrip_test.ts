// Every reference model (PyTorch exports) loads, gets shapes for all values,
// saves, and gives the same outputs in ORT before and after.

import assert from "node:assert/strict";
import * as path from "node:path";
import {
  inferShapes,
  loadModel,
  type Model,
  modelToBytes,
  saveModel,
  Session,
  type Tensor,
  tensor,
  validateModel,
} from "../../lib/onnx/mod.ts";

const ROOT = "/work/shared/data/models";
const FILES = [
  ...[...Deno.readDirSync(`${ROOT}/mnist`)].map((e) => `mnist/${e.name}`),
  ...[...Deno.readDirSync(`${ROOT}/torchvision`)].map((e) => `torchvision/${e.name}`),
].filter((f) => f.endsWith(".onnx")).sort();

function seededInput(dims: number[], seed: number): Tensor<"float32"> {
  const t = tensor("float32", dims);
  let s = seed;
  for (let i = 0; i < t.data.length; i++) {
    s = (s * 1664525 + 1013904223) % 2 ** 32;
    t.data[i] = s / 2 ** 32;
  }
  return t;
}

function feedsFor(model: Model, batch: number): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const [k, v] of model.graph.feedInputs().entries()) {
    const dims = v.dims!.map((d) => (typeof d === "number" ? d : batch));
    feeds[v.name] = seededInput(dims, 17 + k);
  }
  return feeds;
}

/** Value of a symbolic dim such as "batch" or "4*batch" for a given batch size. */
function evalDim(dim: string, batch: number): number {
  return dim.split("*").reduce(
    (p, f) => p * (/^\d+$/.test(f) ? Number(f) : f === "batch" ? batch : NaN),
    1,
  );
}

async function runAll(source: Model | Uint8Array | string, feeds: Record<string, Tensor>) {
  const s = await Session.create(source, { intraOpThreads: 2 });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

Deno.test("reference models exist", () => assert.ok(FILES.length >= 14, `found ${FILES.length}`));

for (const file of FILES) {
  Deno.test(`round trip keeps ${file} equal in ORT and infers every value's shape`, async () => {
    const model = await loadModel(path.join(ROOT, file));
    const report = inferShapes(model);
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.unknownOps.map((n) => n.opType), []);
    for (const node of model.graph.nodes) {
      for (const o of node.outputs) {
        const t = model.graph.typeOf(o);
        assert.ok(
          t?.dtype && t.dims && !t.dims.includes(null),
          `${file}: "${o}" of ${node.label} is ${JSON.stringify(t)}`,
        );
      }
    }
    assert.deepEqual(validateModel(model), []);
    const dir = await Deno.makeTempDir();
    try {
      const saved = path.join(dir, "copy.onnx");
      await saveModel(model, saved);
      const batch = file.startsWith("torchvision") ? 1 : 3;
      const feeds = feedsFor(model, batch);
      const before = await runAll(path.join(ROOT, file), feeds);
      const after = await runAll(saved, feeds);
      for (const [name, want] of Object.entries(before)) {
        const got = after[name]!;
        assert.deepEqual(got.dims, want.dims);
        const a = want.data as Float32Array;
        const b = got.data as Float32Array;
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
        assert.ok(worst <= 1e-6, `${file} output "${name}" differs by ${worst}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`inferred dims of every value in ${file} equal ORT's at run time`, async () => {
    const model = await loadModel(path.join(ROOT, file));
    const { types } = inferShapes(model);
    const probe = model.clone();
    const seen = new Set(probe.graph.outputs.map((o) => o.name));
    for (const node of probe.graph.nodes) {
      for (const o of node.outputs) {
        if (o && !seen.has(o)) probe.graph.outputs.push({ name: o }), seen.add(o);
      }
    }
    const batch = 2;
    const results = await runAll(modelToBytes(probe), feedsFor(model, batch));
    for (const [name, got] of Object.entries(results)) {
      const t = types.get(name)!;
      const want = t.dims!.map((d) => (typeof d === "string" ? evalDim(d, batch) : d));
      assert.deepEqual(want, got.dims, `${file}: "${name}"`);
      assert.equal(t.dtype, got.dtype, `${file}: "${name}"`);
    }
  });
}
