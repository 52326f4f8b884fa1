import { gradCheck, summarize } from "./_gradcheck.ts";

interface ConvCase {
  x: number[];
  w: number[];
  attrs: Record<string, number | number[] | string>;
  bias?: boolean;
}

const convs: Record<string, ConvCase> = {
  "3x3 pad 1": { x: [2, 2, 5, 5], w: [3, 2, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true },
  "stride 2, odd size": {
    x: [1, 2, 7, 6],
    w: [2, 2, 3, 3],
    attrs: { strides: [2, 2] },
    bias: true,
  },
  "stride 2 pad 1, output padding needed": {
    x: [1, 1, 6, 6],
    w: [2, 1, 3, 3],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
  },
  "asymmetric pads and strides": {
    x: [1, 2, 6, 5],
    w: [2, 2, 2, 3],
    attrs: { strides: [1, 2], pads: [0, 1, 2, 0] },
  },
  "dilation 2": {
    x: [1, 2, 7, 7],
    w: [2, 2, 3, 3],
    attrs: { dilations: [2, 2], pads: [1, 2, 1, 2] },
  },
  "groups 2": {
    x: [2, 4, 5, 5],
    w: [6, 2, 3, 3],
    attrs: { group: 2, pads: [1, 1, 1, 1] },
    bias: true,
  },
  "depthwise": { x: [2, 3, 5, 5], w: [3, 1, 3, 3], attrs: { group: 3, pads: [1, 1, 1, 1] } },
  "depthwise, multiplier 2, stride 2": {
    x: [1, 2, 6, 6],
    w: [4, 1, 3, 3],
    attrs: { group: 2, strides: [2, 2] },
  },
  "patchify 7x7 stride 7 (ViT)": {
    x: [1, 1, 14, 14],
    w: [4, 1, 7, 7],
    attrs: { strides: [7, 7] },
    bias: true,
  },
  "auto_pad SAME_UPPER stride 2": {
    x: [1, 2, 5, 5],
    w: [2, 2, 3, 3],
    attrs: { auto_pad: "SAME_UPPER", strides: [2, 2] },
  },
  "auto_pad SAME_LOWER": { x: [1, 1, 4, 4], w: [2, 1, 2, 2], attrs: { auto_pad: "SAME_LOWER" } },
  "auto_pad VALID": { x: [1, 1, 5, 4], w: [1, 1, 2, 2], attrs: { auto_pad: "VALID" } },
  // 4+ channels per group: dW by the wide route (one Conv over the batch)
  "wide dW: 3x3 pad 1": {
    x: [2, 4, 5, 5],
    w: [3, 4, 3, 3],
    attrs: { pads: [1, 1, 1, 1] },
    bias: true,
  },
  "wide dW: stride 2 pad 1, taps cut": {
    x: [2, 4, 6, 6],
    w: [2, 4, 3, 3],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
  },
  "wide dW: asymmetric pads and strides": {
    x: [1, 5, 6, 7],
    w: [2, 5, 2, 3],
    attrs: { strides: [1, 2], pads: [0, 1, 2, 0] },
  },
  "wide dW: height dilation 2": {
    x: [1, 4, 7, 6],
    w: [2, 4, 3, 3],
    attrs: { dilations: [2, 1], pads: [2, 1, 1, 0] },
  },
  "wide dW: groups 2": {
    x: [2, 8, 4, 5],
    w: [6, 4, 3, 3],
    attrs: { group: 2, pads: [1, 1, 1, 1] },
    bias: true,
  },
  "wide dW: auto_pad SAME_UPPER stride 2": {
    x: [1, 4, 5, 5],
    w: [2, 4, 3, 3],
    attrs: { auto_pad: "SAME_UPPER", strides: [2, 2] },
  },
  "1-D": { x: [2, 2, 9], w: [3, 2, 3], attrs: { strides: [2], pads: [1, 0] }, bias: true },
  "3-D": { x: [1, 2, 4, 4, 3], w: [2, 2, 2, 2, 2], attrs: { pads: [1, 0, 0, 0, 1, 1] } },
};

for (const [name, c] of Object.entries(convs)) {
  Deno.test(`gradient of Conv, ${name}`, async () => {
    const inputs: Record<string, number[]> = { x: c.x, w: c.w };
    if (c.bias) inputs.b = [c.w[0]!];
    await gradCheck({
      inputs,
      build: (g, v) => g.op("Conv", [v.x, v.w, v.b], c.attrs),
      maxElements: 40,
    });
  });
}

Deno.test("gradient of Conv with a frozen input and a frozen kernel", async () => {
  const c = convs["groups 2"]!;
  for (const wrt of [["w"], ["x"]]) {
    await gradCheck({
      inputs: { x: c.x, w: c.w },
      wrt,
      build: (g, v) => g.op("Conv", [v.x, v.w], c.attrs),
    });
  }
});

const maxPools: Record<string, { x: number[]; attrs: Record<string, number | number[]> }> = {
  "2x2 stride 2 (blocks)": { x: [2, 2, 4, 4], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
  "2x2 stride 2, odd size (blocks, cropped)": {
    x: [1, 2, 5, 7],
    attrs: { kernel_shape: [2, 2], strides: [2, 2] },
  },
  "3x3 stride 1 (overlapping)": { x: [1, 2, 5, 5], attrs: { kernel_shape: [3, 3] } },
  "3x3 stride 2 pad 1": {
    x: [2, 1, 6, 6],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
  },
  "2x2 stride 2 ceil_mode": {
    x: [1, 2, 5, 5],
    attrs: { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 },
  },
  "3x3 stride 2 pad 1 ceil_mode": {
    x: [1, 1, 6, 7],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 },
  },
  "2x2 dilation 2": { x: [1, 1, 6, 6], attrs: { kernel_shape: [2, 2], dilations: [2, 2] } },
  "1-D": { x: [2, 3, 8], attrs: { kernel_shape: [2], strides: [2] } },
};

for (const [name, c] of Object.entries(maxPools)) {
  Deno.test(`gradient of MaxPool, ${name}`, async () => {
    await gradCheck({
      inputs: { x: { dims: c.x, distinct: 0.005, range: [-2, 2] } },
      build: (g, v) => g.op("MaxPool", [v.x], c.attrs),
      maxElements: 48,
    });
  });
}

Deno.test("gradient of Relu then MaxPool: the Relu mask folded into the pool's rule", async () => {
  for (
    const attrs of [{ kernel_shape: [2, 2], strides: [2, 2] }, {
      kernel_shape: [3, 3],
      pads: [1, 1, 1, 1],
    }]
  ) {
    await gradCheck({
      inputs: { x: { dims: [2, 2, 4, 4], distinct: 0.005, kinks: [0], range: [-2, 2] } },
      build: (g, v) => g.op("MaxPool", [g.op("Relu", [v.x])], attrs),
      maxElements: 32,
    });
    // the Relu output also read elsewhere: its rule applies the mask itself
    await gradCheck({
      inputs: { x: { dims: [2, 2, 4, 4], distinct: 0.005, kinks: [0], range: [-2, 2] } },
      build: (g, v) => {
        const r = g.op("Relu", [v.x]);
        return [g.op("MaxPool", [r], attrs), g.op("Mul", [r, r])];
      },
      maxElements: 32,
    });
  }
});

const averagePools: Record<string, Record<string, number | number[]>> = {
  "2x2 stride 2": { kernel_shape: [2, 2], strides: [2, 2] },
  "3x3 stride 1 pad 1, count_include_pad 0": { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
  "3x3 stride 1 pad 1, count_include_pad 1": {
    kernel_shape: [3, 3],
    pads: [1, 1, 1, 1],
    count_include_pad: 1,
  },
  "3x2 stride 2, ceil_mode": { kernel_shape: [3, 2], strides: [2, 2], ceil_mode: 1 },
  "3x3 stride 2 pad 1 ceil_mode, count_include_pad 1": {
    kernel_shape: [3, 3],
    strides: [2, 2],
    pads: [1, 1, 1, 1],
    ceil_mode: 1,
    count_include_pad: 1,
  },
};

for (const [name, attrs] of Object.entries(averagePools)) {
  Deno.test(`gradient of AveragePool, ${name}`, async () => {
    await gradCheck({
      inputs: { x: [1, 2, 6, 5] },
      build: (g, v) => g.op("AveragePool", [v.x], attrs),
    });
  });
}

Deno.test("gradient of GlobalAveragePool", async () => {
  await gradCheck({
    inputs: { x: [2, 3, 4, 5] },
    build: (g, v) => g.op("GlobalAveragePool", [v.x]),
    maxElements: 40,
  });
});

summarize("rules_conv");
