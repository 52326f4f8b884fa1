import { tensor } from "../../lib/onnx/mod.ts";
import { gradCheck, summarize } from "./_gradcheck.ts";

Deno.test("gradient of Reshape, Flatten, Squeeze and Unsqueeze", async () => {
  await gradCheck({
    inputs: { x: [2, 3, 4] },
    build: (g, v) => g.op("Reshape", [v.x, g.ints([4, -1])]),
  });
  await gradCheck({
    inputs: { x: [2, 3, 4] },
    build: (g, v) => g.op("Flatten", [v.x], { axis: 2 }),
  });
  await gradCheck({
    inputs: { x: [2, 1, 4] },
    build: (g, v) => g.op("Squeeze", [v.x, g.ints([1])]),
  });
  await gradCheck({
    inputs: { x: [2, 4] },
    build: (g, v) => g.op("Unsqueeze", [v.x, g.ints([0, 2])]),
  });
});

Deno.test("gradient of Reshape with a symbolic batch dim", async () => {
  await gradCheck({
    inputs: { x: { dims: [2, 3, 4], declare: ["N", 3, 4] } },
    build: (g, v) => g.op("Reshape", [g.op("Reshape", [v.x, g.ints([0, -1])]), g.ints([2, 12])]),
  });
});

for (const perm of [[1, 0, 2], [2, 0, 1], undefined]) {
  Deno.test(`gradient of Transpose perm=${perm ? `[${perm}]` : "reversed"}`, async () => {
    await gradCheck({
      inputs: { x: [2, 3, 4] },
      build: (g, v) => g.op("Transpose", [v.x], { perm }),
    });
  });
}

Deno.test("gradient of Concat along each axis, with one input used twice", async () => {
  for (const axis of [0, 1, -1]) {
    const dims = (k: number) => [2, 3, 2].map((d, i) => (i === (axis + 3) % 3 ? d + k : d));
    await gradCheck({
      inputs: { a: dims(0), b: dims(1) },
      build: (g, v) => g.op("Concat", [v.a, v.b, v.a], { axis }),
    });
  }
});

Deno.test("gradient of Concat with a symbolic size along the axis (Slice route)", async () => {
  await gradCheck({
    inputs: { a: { dims: [2, 3], declare: ["N", 3] }, b: [1, 3] },
    build: (g, v) => g.op("Reshape", [g.op("Concat", [v.b, v.a], { axis: 0 }), g.ints([3, 3])]),
  });
});

Deno.test("gradient of Split with sizes, equal parts and an unused part", async () => {
  await gradCheck({
    inputs: { x: [2, 6] },
    build: (g, v) => g.op("Split", [v.x, g.ints([1, 2, 3])], { axis: 1 }, { outputs: 3 }),
  });
  await gradCheck({
    inputs: { x: [4, 3] },
    build: (g, v) => g.op("Split", [v.x], { axis: 0 }, { outputs: 2 })[1]!,
  });
});

const slices: [string, number[], number[], number[] | undefined, number[] | undefined][] = [
  ["unit steps", [1], [3], [1], undefined],
  ["negative start and end", [-3], [-1], [2], undefined],
  ["two axes, end beyond the dim", [0, 1], [1, 100], [0, 2], undefined],
  ["step 2", [0], [5], [2], [2]],
  ["step 3 from 1", [1], [6], [1], [3]],
  ["step -1 (reversal)", [-1], [-100], [2], [-1]],
  ["step -2 and step 2 on two axes", [4, 0], [0, 3], [1, 2], [-2, 2]],
];

for (const [name, starts, ends, axes, steps] of slices) {
  Deno.test(`gradient of Slice, ${name}`, async () => {
    await gradCheck({
      inputs: { x: [3, 6, 5] },
      build: (g, v) =>
        g.op("Slice", [
          v.x,
          g.ints(starts),
          g.ints(ends),
          axes && g.ints(axes),
          steps && g.ints(steps),
        ]),
    });
  });
}

Deno.test("gradient of Slice with starts computed from a symbolic shape (pads in the graph)", async () => {
  await gradCheck({
    inputs: { x: { dims: [2, 6], declare: [2, "L"] } },
    build: (g, v) => {
      const len = g.op("Gather", [g.op("Shape", [v.x]), g.ints([1])]);
      const start = g.op("Sub", [len, g.ints([4])]);
      const y = g.op("Slice", [v.x, start, g.op("Sub", [len, g.ints([1])]), g.ints([1])]);
      return g.op("Reshape", [y, g.ints([2, 3])]);
    },
  });
});

Deno.test("gradient of Slice with computed starts and step 2 (scatter in the graph)", async () => {
  await gradCheck({
    inputs: { x: { dims: [7, 2], declare: ["L", 2] } },
    build: (g, v) => {
      const len = g.op("Gather", [g.op("Shape", [v.x]), g.ints([0])]);
      const y = g.op("Slice", [
        v.x,
        g.op("Sub", [len, g.ints([6])]),
        len,
        g.ints([0]),
        g.ints([2]),
      ]);
      return g.op("Reshape", [y, g.ints([3, 2])]);
    },
  });
});

Deno.test("gradient of Gather: constant scalar index (class token)", async () => {
  await gradCheck({
    inputs: { x: [2, 5, 3] },
    build: (g, v) => g.op("Gather", [v.x, g.constant(tensor("int64", [], [0]))], { axis: 1 }),
  });
  await gradCheck({
    inputs: { x: [2, 5, 3] },
    build: (g, v) => g.op("Gather", [v.x, g.constant(tensor("int64", [], [-2]))], { axis: 1 }),
  });
});

const gathers: [string, number, number[], number[]][] = [
  ["axis 0, repeated and negative indices (embedding)", 0, [3], [1, -1, 1]],
  ["axis 0, 2-D indices", 0, [2, 2], [0, 4, 4, 2]],
  ["axis 1, repeated indices", 1, [4], [2, 0, 2, -1]],
  ["axis 2, 2-D indices", 2, [2, 3], [0, 1, 2, 2, 1, 0]],
];

for (const [name, axis, dims, values] of gathers) {
  Deno.test(`gradient of Gather, ${name}`, async () => {
    await gradCheck({
      inputs: { x: [5, 4, 3], i: { dims, dtype: "int64", values } },
      build: (g, v) => g.op("Gather", [v.x, v.i], { axis }),
    });
  });
}

Deno.test("gradient of GatherElements with repeated indices", async () => {
  await gradCheck({
    inputs: { x: [3, 4], i: { dims: [3, 2], dtype: "int64", values: [0, 0, 3, -1, 2, 1] } },
    build: (g, v) => g.op("GatherElements", [v.x, v.i], { axis: 1 }),
  });
});

Deno.test("gradient of Expand to a broadcast shape", async () => {
  await gradCheck({
    inputs: { x: [3, 1] },
    build: (g, v) => g.op("Expand", [v.x, g.ints([2, 3, 4])]),
  });
  await gradCheck({
    inputs: { x: [1, 1, 4] },
    build: (g, v) => g.op("Expand", [v.x, g.ints([2, 1])]),
  });
});

Deno.test("gradient of Tile", async () => {
  await gradCheck({ inputs: { x: [2, 3] }, build: (g, v) => g.op("Tile", [v.x, g.ints([2, 3])]) });
});

Deno.test("gradient of Pad in constant mode", async () => {
  await gradCheck({
    inputs: { x: [2, 3, 2] },
    build: (g, v, dtype) => g.op("Pad", [v.x, g.ints([0, 1, 2, 1, 0, 3]), g.scalar(0.5, dtype)]),
  });
});

summarize("rules_shape");
