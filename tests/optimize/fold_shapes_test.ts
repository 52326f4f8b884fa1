import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { type Dim, GraphBuilder, loadModel, type Model, type Tensor } from "../../lib/onnx/mod.ts";
import { foldShapes, fuse, removeDead } from "../../lib/optimize/mod.ts";
import { sharedPath } from "../_shared.ts";
import { assertSameOutputs, opTypes, seeded } from "./_helpers.ts";

/** foldShapes then removeDead, as fuse runs them. */
function folded(model: Model): Model {
  const r = foldShapes(model);
  assert.ok(r.changed, r.reason);
  return removeDead(r.model).model;
}

/** Feeds for every graph input: symbolic dims set from `sizes` (default `batch`). */
function feedsAt(model: Model, sizes: Record<string, number>, seed = 3): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const v of model.graph.feedInputs()) {
    const dims = v.dims!.map((d: Dim) => (typeof d === "number" ? d : sizes[d!] ?? sizes.batch!));
    feeds[v.name] = seeded(dims, seed++);
  }
  return feeds;
}

/** Same outputs (to `tol`) at each of the given symbolic sizes. */
async function sameAt(a: Model, b: Model, sizes: Record<string, number>[], tol = 0) {
  for (const s of sizes) await assertSameOutputs(a, b, feedsAt(a, s), tol);
}

/** The int64 values of a Reshape's (now constant) target. */
function targetOf(model: Model, i = 0): number[] {
  const reshape = model.graph.nodes.filter((n) => n.opType === "Reshape")[i]!;
  const t = model.graph.initializers.get(reshape.inputs[1]!);
  assert.ok(t, `Reshape target "${reshape.inputs[1]}" is not an initializer`);
  return Array.from(t.data as BigInt64Array, Number);
}

const BATCHES = [{ batch: 1 }, { batch: 64 }];

/** `Unsqueeze(Gather(Shape(x), i))`: dim `i` of `x` as a 1-element vector. */
function dimOf(g: GraphBuilder, x: ReturnType<GraphBuilder["input"]>, i: number) {
  return g.op("Unsqueeze", [
    g.op("Gather", [g.op("Shape", [x]), g.scalar(i, "int64")]),
    g.ints([0]),
  ]);
}

Deno.test("foldShapes() makes a symbolic dim at another position -1", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["batch", 3, 4] });
  g.output(g.op("Reshape", [x, g.op("Concat", [g.ints([12]), dimOf(g, x, 0)], { axis: 0 })]), "y");
  const model = g.build();
  const r = folded(model);
  assert.deepEqual(opTypes(r), ["Reshape"]);
  assert.deepEqual(targetOf(r), [12, -1]);
  await sameAt(model, r, BATCHES);
});

Deno.test("foldShapes() makes a symbolic dim copied from the same position 0, and folds x*1", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["batch", 3, 4] });
  const n = g.op("Mul", [dimOf(g, x, 0), g.ints([1])]);
  const c = g.op("Mul", [dimOf(g, x, 1), dimOf(g, x, 2)]);
  g.output(g.op("Reshape", [x, g.op("Concat", [n, c], { axis: 0 })]), "y");
  const model = g.build();
  const r = folded(model);
  assert.deepEqual(opTypes(r), ["Reshape"]);
  assert.deepEqual(targetOf(r), [0, 12]);
  await sameAt(model, r, BATCHES);
});

Deno.test("foldShapes() with two symbolic dims: copies become 0, one other -1, else left alone", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["batch", "m", 4] });
  const prod = g.op("Mul", [dimOf(g, x, 1), g.ints([4])]);
  const a = g.op("Reshape", [x, g.op("Concat", [dimOf(g, x, 0), prod], { axis: 0 })]);
  const swapped = g.op("Concat", [dimOf(g, x, 1), dimOf(g, x, 0), g.ints([4])], { axis: 0 });
  const b = g.op("Reshape", [x, swapped], {}, { name: "swap" });
  g.output(a, "a");
  g.output(b, "b");
  const model = g.build();
  const fr = foldShapes(model);
  assert.match(fr.reason!, /"swap" \(Reshape\): target \[m, batch, 4\] has more than one entry/);
  const r = removeDead(fr.model).model;
  assert.deepEqual(targetOf(r, 0), [0, -1]);
  assert.ok(!r.graph.initializers.has(r.graph.nodes.find((n) => n.name === "swap")!.inputs[1]!));
  await sameAt(model, r, [{ batch: 1, m: 2 }, { batch: 64, m: 5 }]);
});

Deno.test("foldShapes() respects Shape start/end and folds a fully known Expand shape", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["batch", 3, 4, 5] });
  const head = g.op("Shape", [x], { end: 1 });
  const y = g.op("Reshape", [x, g.op("Concat", [head, g.ints([-1])], { axis: 0 })]);
  const mid = g.op("Shape", [x], { start: 1, end: -1 });
  const e = g.op("Expand", [g.constant(seeded([1, 1], 5)), mid]);
  g.output(y, "y");
  g.output(e, "e");
  const model = g.build();
  const r = folded(model);
  assert.deepEqual(opTypes(r).sort(), ["Expand", "Reshape"]);
  assert.deepEqual(targetOf(r), [0, -1]);
  const expand = r.graph.nodes.find((n) => n.opType === "Expand")!;
  assert.deepEqual(
    Array.from(r.graph.initializers.get(expand.inputs[1]!)!.data as BigInt64Array, Number),
    [3, 4],
  );
  await sameAt(model, r, BATCHES);
});

Deno.test("foldShapes() folds Slice ends from Shape, keeps ends that need the batch", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["batch", 6] });
  const shape = g.op("Shape", [x]);
  const half = g.op("Div", [g.op("Slice", [shape, g.ints([-1]), g.ints([2])]), g.ints([2])]);
  const left = g.op("Slice", [x, g.ints([0]), half, g.ints([1])]);
  const firstRows = g.op("Slice", [
    x,
    g.ints([0]),
    g.op("Slice", [shape, g.ints([0]), g.ints([1])]),
  ]);
  g.output(left, "left");
  g.output(firstRows, "rows");
  const model = g.build();
  const r = folded(model);
  assert.deepEqual(opTypes(r).filter((t) => t === "Slice").length, 3);
  const slice = r.graph.nodes.find((n) => n.inputs[0] === "x" && n.inputs[3])!;
  assert.deepEqual(
    Array.from(r.graph.initializers.get(slice.inputs[2]!)!.data as BigInt64Array, Number),
    [3],
  );
  await sameAt(model, r, BATCHES);
});

Deno.test("foldShapes() declines a graph without shape computations", () => {
  const g = new GraphBuilder();
  g.output(g.op("Relu", [g.input("x", { dtype: "float32", dims: ["batch", 2] })]), "y");
  const r = foldShapes(g.build());
  assert.equal(r.changed, false);
  assert.match(r.reason!, /no shape computation to fold/);
});

const VIT = "data/models/mnist/vit_tiny.adam2ep.eval.onnx";

Deno.test("fuse() with foldShapes on the PyTorch vit_tiny: no Shape chains left before Reshape, exact at batch 1 and 64", async () => {
  const model = await loadModel(sharedPath(VIT));
  const before = fuse(model, { skip: ["fold_shapes"] }).model;
  const after = fuse(model).model;
  const count = (m: Model, op: string) => opTypes(m).filter((t) => t === op).length;
  assert.ok(after.graph.nodes.length < before.graph.nodes.length * 0.6);
  // The one Shape left feeds the class token's Expand, which needs the batch.
  assert.ok(count(after, "Shape") <= 1, `${count(after, "Shape")} Shape nodes left`);
  assert.equal(count(after, "Reshape"), count(before, "Reshape"));
  for (const n of after.graph.nodes.filter((n) => n.opType === "Reshape")) {
    assert.ok(after.graph.initializers.has(n.inputs[1]!), `${n.label} target is not constant`);
  }
  await sameAt(before, after, BATCHES, 1e-6);
  await sameAt(model, after, BATCHES, 1e-5);
});

/** Every .onnx under the shared models folder. */
function sharedModels(): string[] {
  const root = sharedPath("data/models");
  return readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".onnx"))
    .sort();
}

for (const file of sharedModels()) {
  Deno.test(`foldShapes() on ${file}: exact at batch 1 and 64 (torchvision: 8), alone and within fuse()`, async () => {
    const model = await loadModel(sharedPath("data/models", file));
    const r = foldShapes(model);
    const alone = r.changed ? removeDead(r.model).model : model;
    const big = file.startsWith("torchvision") ? { batch: 8 } : { batch: 64 };
    await sameAt(model, alone, [{ batch: 1 }, big], 1e-6);
    const fused = fuse(model).model;
    await sameAt(fuse(model, { skip: ["fold_shapes"] }).model, fused, [{ batch: 1 }, big], 1e-6);
  });
}

Deno.test("foldShapes() with allowzero 1 uses -1, never 0, for a copied symbolic dim", async () => {
  const g = new GraphBuilder();
  const x = g.input("x", { dtype: "float32", dims: ["batch", 3, 4] });
  const target = g.op("Concat", [dimOf(g, x, 0), g.ints([12])], { axis: 0 });
  g.output(g.op("Reshape", [x, target], { allowzero: 1 }), "y");
  const model = g.build();
  const r = folded(model);
  assert.deepEqual(targetOf(r), [-1, 12]);
  await sameAt(model, r, BATCHES);
});
