import assert from "node:assert/strict";
import { GraphBuilder, type Model, Session, type Tensor, tensor } from "../../lib/onnx/mod.ts";
import { evaluate } from "../../lib/onnx/reference/mod.ts";
import { appendLoss, buildGradients, type LossOptions } from "../../lib/autodiff/mod.ts";
import { assertClose, finiteDifferenceCheck, rng, summarize } from "./_gradcheck.ts";

type Reduction = "mean" | "sum" | "none";

/** A forward model whose output "logits" is its input z (so the loss is a function of z). */
function identityModel(dims: (number | string)[], dtype: "float32" | "float64"): Model {
  const g = new GraphBuilder();
  g.output(g.op("Identity", [g.input("z", { dtype, dims })]), "logits");
  return g.build();
}

function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const s = Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
  return row.map((v) => v - m - s);
}

function taylorLogProbs(row: number[], n: number): number[] {
  const f = row.map((z) => {
    let term = 1;
    let sum = 1;
    for (let k = 1; k <= n; k++) {
      term *= z / k;
      sum += term;
    }
    return sum;
  });
  const total = f.reduce((a, v) => a + v, 0);
  return f.map((v) => Math.log(v / total));
}

/** Rows of `[N, C, d…]` along the class axis, with their flat positions. */
function classRows(z: number[], dims: number[]): { at: number[]; values: number[] }[] {
  const [n, c] = [dims[0]!, dims[1]!];
  const inner = dims.slice(2).reduce((a, b) => a * b, 1);
  const rows = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < inner; j++) {
      const at = Array.from({ length: c }, (_, k) => (i * c + k) * inner + j);
      rows.push({ at, values: at.map((p) => z[p]!) });
    }
  }
  return rows;
}

function reduce(per: number[], reduction: Reduction, count = per.length): number[] {
  if (reduction === "none") return per;
  const sum = per.reduce((a, v) => a + v, 0);
  return [reduction === "sum" ? sum : sum / count];
}

/** PyTorch's cross_entropy / nll_loss (label smoothing, ignore_index) written out in float64. */
function classLoss(
  z: number[],
  dims: number[],
  labels: number[],
  o: { kind: string; eps: number; ignore?: number; reduction: Reduction; order?: number },
): number[] {
  const c = dims[1]!;
  const per: number[] = [];
  let count = 0;
  classRows(z, dims).forEach((row, r) => {
    const logp = o.kind === "nll"
      ? row.values
      : o.kind === "taylor_cross_entropy"
      ? taylorLogProbs(row.values, o.order ?? 2)
      : logSoftmax(row.values);
    const y = labels[r]!;
    if (o.ignore !== undefined && y === o.ignore) {
      per.push(0);
      return;
    }
    count++;
    const smooth = -logp.reduce((a, v) => a + v, 0) / c;
    per.push((1 - o.eps) * -logp[y]! + o.eps * smooth);
  });
  return reduce(per, o.reduction, count);
}

interface LossCase {
  options: LossOptions;
  dims: number[];
  labels: number[];
  reference: (z: number[]) => number[];
}

async function checkLoss(c: LossCase): Promise<void> {
  const rand = rng(17);
  const n = c.dims.reduce((a, b) => a * b, 1);
  const z = Array.from({ length: n }, () => 4 * rand() - 2);
  const floatLabels = c.options.kind === "mse" || c.options.kind === "bce_with_logits";
  const labelsOf = (dtype: "float32" | "float64"): Tensor =>
    floatLabels
      ? tensor(dtype, c.dims, c.labels)
      : tensor("int64", [c.dims[0]!, ...c.dims.slice(2)], c.labels);
  // float64: the loss against the written-out formula, its gradient against finite differences
  const m64 = appendLoss(identityModel(c.dims, "float64"), c.options).model;
  const feeds64 = { z: tensor("float64", c.dims, z), labels: labelsOf("float64") };
  const loss = evaluate(m64, feeds64, { outputs: ["loss"] }).loss!;
  const want = c.reference(z);
  assert.equal(loss.data.length, want.length);
  want.forEach((w, i) => {
    assert.ok(
      Math.abs(Number(loss.data[i]) - w) <= 1e-12 * Math.max(1, Math.abs(w)),
      `loss[${i}] ${loss.data[i]} vs ${w}`,
    );
  });
  const { analytic, names } = finiteDifferenceCheck(m64, feeds64, ["z"]);
  // float32 in onnxruntime: loss and gradient agree with float64
  const m32 = appendLoss(identityModel(c.dims, "float32"), c.options).model;
  const { model, gradients } = buildGradients(m32, { loss: "loss", wrt: ["z"] });
  const s = await Session.create(model, { graphOptimizationLevel: "all" });
  try {
    const out = await s.run({ z: tensor("float32", c.dims, z), labels: labelsOf("float32") });
    assertClose(out.loss!, tensor("float64", loss.dims, want), 1e-5, "onnxruntime float32 loss");
    assertClose(
      out[gradients.get("z")!]!,
      analytic[names[0]!]!,
      1e-4,
      "onnxruntime float32 gradient",
    );
  } finally {
    await s.release();
  }
}

const CLASS_CASES: [string, Partial<LossOptions>, number[], number[]][] = [
  ["mean", {}, [4, 5], [0, 3, 4, 1]],
  ["sum with label smoothing 0.1", { reduction: "sum", labelSmoothing: 0.1 }, [4, 5], [2, 2, 0, 4]],
  ["none", { reduction: "none" }, [3, 4], [1, 0, 3]],
  ["mean with ignore_index -100", { ignoreIndex: -100 }, [4, 5], [0, -100, 4, 1]],
  ["mean with smoothing 0.2 and ignore_index 3", { labelSmoothing: 0.2, ignoreIndex: 3 }, [4, 5], [
    3,
    1,
    3,
    0,
  ]],
  ["K-dim [N, C, d]", { labelSmoothing: 0.05 }, [2, 3, 4], [0, 1, 2, 1, 2, 2, 0, 0]],
];

for (const kind of ["cross_entropy", "taylor_cross_entropy"] as const) {
  for (const [name, options, dims, labels] of CLASS_CASES) {
    Deno.test(`appendLoss() ${kind}, ${name}: value as PyTorch defines it, gradient by finite differences`, async () => {
      const o = { kind, ...options } as LossOptions;
      await checkLoss({
        options: o,
        dims,
        labels,
        reference: (z) =>
          classLoss(z, dims, labels, {
            kind,
            eps: o.labelSmoothing ?? 0,
            ignore: o.ignoreIndex,
            reduction: o.reduction ?? "mean",
          }),
      });
    });
  }
}

Deno.test("appendLoss() taylor_cross_entropy of order 4", async () => {
  const dims = [3, 4];
  const labels = [0, 3, 1];
  await checkLoss({
    options: { kind: "taylor_cross_entropy", order: 4, labelSmoothing: 0.1 },
    dims,
    labels,
    reference: (z) =>
      classLoss(z, dims, labels, {
        kind: "taylor_cross_entropy",
        eps: 0.1,
        reduction: "mean",
        order: 4,
      }),
  });
});

Deno.test("appendLoss() nll on log-probabilities, with ignore_index", async () => {
  const dims = [4, 3];
  const labels = [2, 0, 1, -1];
  await checkLoss({
    options: { kind: "nll", ignoreIndex: -1 },
    dims,
    labels,
    reference: (z) =>
      classLoss(z, dims, labels, { kind: "nll", eps: 0, ignore: -1, reduction: "mean" }),
  });
});

Deno.test("appendLoss() mse, mean and sum", async () => {
  const dims = [3, 2];
  const t = [0.5, -1, 0, 2, 1.5, -0.25];
  for (const reduction of ["mean", "sum"] as const) {
    await checkLoss({
      options: { kind: "mse", reduction },
      dims,
      labels: t,
      reference: (z) => reduce(z.map((v, i) => (v - t[i]!) ** 2), reduction),
    });
  }
});

Deno.test("appendLoss() bce_with_logits, mean and none", async () => {
  const dims = [2, 3];
  const t = [1, 0, 0.3, 1, 0, 0.8];
  const bce = (z: number, y: number) => Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
  for (const reduction of ["mean", "none"] as const) {
    await checkLoss({
      options: { kind: "bce_with_logits", reduction },
      dims,
      labels: t,
      reference: (z) => reduce(z.map((v, i) => bce(v, t[i]!)), reduction),
    });
  }
});

Deno.test("appendLoss() gives the labels the logits' batch symbol and rejects bad settings", () => {
  const m = identityModel(["N", 10], "float32");
  const { model, labels, loss } = appendLoss(m, { kind: "cross_entropy" });
  assert.deepEqual(model.graph.inputs.find((i) => i.name === labels), {
    name: "labels",
    dtype: "int64",
    dims: ["N"],
  });
  assert.deepEqual(model.graph.outputs.map((o) => o.name), ["logits", loss]);
  assert.equal(m.graph.outputs.length, 1, "the input model is left as it was");
  const mse = appendLoss(m, { kind: "mse", labels: "target" }).model;
  assert.deepEqual(mse.graph.inputs[1], { name: "target", dtype: "float32", dims: ["N", 10] });
  assert.throws(
    () => appendLoss(m, { kind: "hinge" as never }),
    /Unknown loss kind "hinge": expected one of cross_entropy/,
  );
  assert.throws(
    () => appendLoss(m, { kind: "cross_entropy", logits: "nope" }),
    /Unknown logits "nope"/,
  );
  assert.throws(
    () => appendLoss(m, { kind: "cross_entropy", labels: "z" }),
    /Cannot add "z": the name is taken/,
  );
  assert.throws(
    () => appendLoss(m, { kind: "cross_entropy", labelSmoothing: 1.5 }),
    /Invalid labelSmoothing 1.5/,
  );
  assert.throws(
    () => appendLoss(m, { kind: "taylor_cross_entropy", order: 3 }),
    /Invalid Taylor order 3: expected an even integer/,
  );
  assert.throws(
    () => appendLoss(m, { kind: "nll", labelSmoothing: 0.1 }),
    /labelSmoothing for nll/,
  );
  assert.throws(
    () => appendLoss(identityModel(["N"], "float32"), { kind: "cross_entropy" }),
    /expected \[N, C, …\], got rank 1/,
  );
});

summarize("losses");
