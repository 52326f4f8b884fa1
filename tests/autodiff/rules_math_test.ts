import { gradCheck, summarize } from "./_gradcheck.ts";

const matmuls: [number[], number[]][] = [
  [[3, 4], [4, 2]],
  [[2, 3, 4], [4, 5]],
  [[2, 3, 4], [2, 4, 5]],
  [[2, 1, 3, 4], [3, 4, 2]],
  [[3, 4], [2, 4, 5]],
  [[4], [4, 3]],
  [[2, 3, 4], [4]],
  [[4], [4]],
  [[4], [2, 4, 3]],
];

for (const [a, b] of matmuls) {
  Deno.test(`gradient of MatMul [${a}] x [${b}] (batch broadcasting, 1-D operands)`, async () => {
    await gradCheck({ inputs: { a, b }, build: (g, v) => g.op("MatMul", [v.a, v.b]) });
  });
}

Deno.test("gradient of MatMul with only one operand trainable", async () => {
  await gradCheck({
    inputs: { a: [2, 3, 4], b: [4, 5] },
    wrt: ["b"],
    build: (g, v) => g.op("MatMul", [v.a, v.b]),
  });
  await gradCheck({
    inputs: { a: [2, 3, 4], b: [4, 5] },
    wrt: ["a"],
    build: (g, v) => g.op("MatMul", [v.a, v.b]),
  });
});

for (const transA of [0, 1]) {
  for (const transB of [0, 1]) {
    for (
      const [alpha, beta, c] of [[1, 1, [5]], [0.7, -1.3, [3, 5]], [2, 0.5, [3, 1]], [
        1,
        1,
        undefined,
      ]] as const
    ) {
      Deno.test(`gradient of Gemm transA=${transA} transB=${transB} alpha=${alpha} beta=${beta} C=[${c ?? "none"}]`, async () => {
        const inputs: Record<string, number[]> = {
          a: transA ? [4, 3] : [3, 4],
          b: transB ? [5, 4] : [4, 5],
        };
        if (c) inputs.c = [...c];
        await gradCheck({
          inputs,
          build: (g, v) => g.op("Gemm", [v.a, v.b, v.c], { transA, transB, alpha, beta }),
        });
      });
    }
  }
}

for (const op of ["Softmax", "LogSoftmax"]) {
  for (const axis of [-1, 0, 1, 2]) {
    Deno.test(`gradient of ${op} over axis ${axis}`, async () => {
      await gradCheck({
        inputs: { x: { dims: [2, 3, 4], range: [-2, 2] } },
        build: (g, v) => g.op(op, [v.x], { axis }),
      });
    });
  }
  Deno.test(`gradient of ${op} at opset 11 (flattened tail from axis 1)`, async () => {
    await gradCheck({
      inputs: { x: { dims: [2, 3, 4], range: [-2, 2] } },
      build: (g, v) => g.op(op, [v.x], { axis: 1 }),
      opset: 11,
    });
  });
}

const reductions: [string, number[] | undefined, number][] = [
  ["ReduceSum", [1], 1],
  ["ReduceSum", [0, 2], 0],
  ["ReduceSum", undefined, 0],
  ["ReduceMean", [-1], 1],
  ["ReduceMean", [0, 2], 0],
  ["ReduceMean", undefined, 1],
  ["ReduceMax", [1], 0],
  ["ReduceMin", [2], 1],
  ["ReduceSumSquare", [0, 1], 0],
  ["ReduceLogSumExp", [2], 1],
];

for (const [op, axes, keepdims] of reductions) {
  Deno.test(`gradient of ${op} axes=${axes ? `[${axes}]` : "all"} keepdims=${keepdims}`, async () => {
    await gradCheck({
      inputs: {
        x: {
          dims: [2, 3, 4],
          distinct: op === "ReduceMax" || op === "ReduceMin" ? 0.01 : undefined,
        },
      },
      build: (g, v) => {
        if (op === "ReduceSum") return g.op(op, [v.x, axes && g.ints(axes)], { keepdims });
        return g.op(op, [v.x], { axes, keepdims });
      },
    });
  });
}

Deno.test("gradient of ReduceSum with empty axes and noop_with_empty_axes is the identity", async () => {
  await gradCheck({
    inputs: { x: [2, 3] },
    build: (g, v) => g.op("ReduceSum", [v.x, g.ints([])], { noop_with_empty_axes: 1 }),
  });
});

summarize("rules_math");
