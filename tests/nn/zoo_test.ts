import assert from "node:assert/strict";
import {
  buildModel,
  countParameters,
  modelInputDims,
  type ModelSpec,
  parameterInfo,
} from "../../lib/nn/mod.ts";
import { type Model, numel, tensor, validateModel } from "../../lib/onnx/mod.ts";
import { lcg, loadReference, runModel } from "./_util.ts";

const REFERENCE: [string, ModelSpec, number][] = [
  ["mlp", { name: "mlp" }, 235_146],
  ["cnn", { name: "cnn" }, 421_642],
  ["cnn_bn", { name: "cnn_bn" }, 421_834],
  ["vit_tiny", { name: "vit" }, 139_018],
];

const SMALL_RESNET: ModelSpec = {
  name: "resnet",
  stem: "small",
  in_channels: 1,
  image_size: 28,
  num_classes: 10,
  width_multiplier: 0.25,
};

function dimsByName(model: Model): Map<string, number[]> {
  return new Map(parameterInfo(model).map((p) => [p.name, p.dims]));
}

Deno.test("buildModel() has the reference models' parameter counts", () => {
  for (const [file, spec, count] of REFERENCE) {
    assert.equal(countParameters(buildModel(spec)).parameters, count, file);
  }
  assert.deepEqual(countParameters(buildModel({ name: "cnn_bn" })).buffers, 192);
});

Deno.test("buildModel() has torchvision's resnet18 and resnet34 parameter counts", () => {
  assert.equal(countParameters(buildModel({ name: "resnet" })).parameters, 11_689_512);
  assert.equal(countParameters(buildModel({ name: "resnet", depth: 34 })).parameters, 21_797_672);
});

Deno.test("buildModel() names and shapes parameters as the reference PyTorch exports", async () => {
  for (const [file, spec] of REFERENCE) {
    const ref = await loadReference(`${file}.train.onnx`);
    assert.deepEqual(dimsByName(buildModel(spec)), dimsByName(ref), file);
    assert.deepEqual(parameterInfo(buildModel(spec)), parameterInfo(ref).sort(byOrder(spec)));
  }
});

function byOrder(spec: ModelSpec) {
  const order = parameterInfo(buildModel(spec)).map((p) => p.name);
  return (a: { name: string }, b: { name: string }) =>
    order.indexOf(a.name) - order.indexOf(b.name);
}

Deno.test("buildModel() names resnet parameters as torchvision", () => {
  const names = dimsByName(buildModel({ name: "resnet" }));
  assert.deepEqual(names.get("conv1.weight"), [64, 3, 7, 7]);
  assert.deepEqual(names.get("layer2.0.downsample.0.weight"), [128, 64, 1, 1]);
  assert.deepEqual(names.get("layer4.1.bn2.running_var"), [512]);
  assert.deepEqual(names.get("fc.weight"), [1000, 512]);
  assert.equal(names.has("layer1.0.downsample.0.weight"), false);
});

Deno.test("buildModel() graphs run in onnxruntime-node at batch 1 and 64", async () => {
  const specs: ModelSpec[] = [
    ...REFERENCE.map(([, s]) => s),
    SMALL_RESNET,
    { name: "resnet" },
    { name: "vit", dropout: 0.1, attention_dropout: 0.1 },
  ];
  for (const spec of specs) {
    for (const training of [true, false]) {
      const model = buildModel(spec, { training });
      assert.deepEqual(validateModel(model), [], JSON.stringify(spec));
      for (const n of [1, 64]) {
        const dims = [n, ...modelInputDims(spec)];
        const { logits } = await runModel(model, {
          input: tensor("float32", dims, lcg(numel(dims), n)),
        });
        const classes = (spec as { num_classes?: number }).num_classes ??
          (spec.name === "resnet" ? 1000 : 10);
        assert.deepEqual(logits!.dims, [n, classes], `${JSON.stringify(spec)} at ${n}`);
        assert.ok((logits!.data as Float32Array).every(Number.isFinite));
      }
    }
  }
});

// The keys of conf/model/*.yaml, as the config composes them.
const CONF: Record<string, ModelSpec> = {
  mlp: { name: "mlp", input_shape: [784], hidden: [256, 128], num_classes: 10, dropout: 0 },
  cnn: {
    name: "cnn",
    input_shape: [1, 28, 28],
    channels: [32, 64],
    kernel_size: 3,
    pool: 2,
    hidden: 128,
    num_classes: 10,
    batch_norm: false,
    dropout: 0,
  },
  resnet: {
    name: "resnet",
    input_shape: [1, 28, 28],
    stem_channels: 16,
    stage_channels: [16, 32, 64],
    blocks_per_stage: [1, 1, 1],
    num_classes: 10,
  },
  vit: {
    name: "vit",
    variant: "vit_tiny",
    input_shape: [1, 28, 28],
    patch_size: 7,
    hidden_dim: 64,
    num_layers: 4,
    num_heads: 4,
    mlp_dim: 128,
    dropout: 0,
    attention_dropout: 0,
    num_classes: 10,
  },
};

Deno.test("buildModel() takes the conf/model keys and gives the reference models", () => {
  assert.equal(countParameters(buildModel(CONF.mlp!)).parameters, 235_146);
  assert.equal(countParameters(buildModel(CONF.cnn!)).parameters, 421_642);
  assert.equal(
    countParameters(buildModel({ ...CONF.cnn, name: "cnn_bn", batch_norm: true } as ModelSpec))
      .parameters,
    421_834,
  );
  assert.equal(countParameters(buildModel(CONF.vit!)).parameters, 139_018);
  // A small ResNet: 28×28 picks the 3×3 stem; one block a stage, 1×1 shortcuts where it narrows.
  const resnet = buildModel(CONF.resnet!);
  const names = dimsByName(resnet);
  assert.deepEqual(names.get("conv1.weight"), [16, 1, 3, 3]);
  assert.equal(names.has("layer1.0.downsample.0.weight"), false);
  assert.deepEqual(names.get("layer3.0.downsample.0.weight"), [64, 32, 1, 1]);
  assert.equal(resnet.graph.nodes.some((n) => n.opType === "MaxPool"), false);
  assert.deepEqual(resnet.graph.outputs[0]!.dims, ["N", 10]);
});

Deno.test("buildModel() resolves torchvision's aliases and the resnet presets", () => {
  assert.deepEqual(modelInputDims({ name: "vit", in_channels: 3, image_size: 224 }), [3, 224, 224]);
  assert.deepEqual(
    countParameters(buildModel({ name: "resnet", depth: 18, width_multiplier: 0.5 })),
    countParameters(buildModel({
      name: "resnet",
      stem_channels: 32,
      stage_channels: [32, 64, 128, 256],
      blocks_per_stage: [2, 2, 2, 2],
    })),
  );
  // An mlp on images flattens first; a cnn takes non-square images.
  const mlp = buildModel({ name: "mlp", input_shape: [1, 28, 28] });
  assert.equal(mlp.graph.nodes[0]!.opType, "Flatten");
  const cnn = buildModel({ name: "cnn", input_shape: [3, 32, 48], pool: 2 });
  assert.deepEqual(dimsByName(cnn).get("fc1.weight"), [128, 64 * 8 * 12]);
});

Deno.test("buildModel() keeps the batch symbolic, or fixed when asked", () => {
  const m = buildModel({ name: "vit" });
  assert.deepEqual(m.graph.inputs[0], { name: "input", dtype: "float32", dims: ["N", 1, 28, 28] });
  assert.deepEqual(m.graph.outputs[0], { name: "logits", dtype: "float32", dims: ["N", 10] });
  const fixed = buildModel({ name: "cnn" }, { batch: 8 });
  assert.deepEqual(fixed.graph.outputs[0]!.dims, [8, 10]);
  assert.deepEqual(buildModel({ name: "mlp" }, { batch: "batch" }).graph.inputs[0]!.dims, [
    "batch",
    784,
  ]);
});

Deno.test("buildModel() gives the same weights for the same seed, others for another", () => {
  const a = buildModel({ name: "vit" }, { seed: 5 });
  const b = buildModel({ name: "vit" }, { seed: 5 });
  const c = buildModel({ name: "vit" }, { seed: 6 });
  for (const [name, t] of a.graph.initializers) {
    assert.deepEqual(b.graph.initializers.get(name)!.data, t.data, name);
  }
  const w = "encoder.layers.encoder_layer_1.self_attention.in_proj_weight";
  assert.notDeepEqual(c.graph.initializers.get(w)!.data, a.graph.initializers.get(w)!.data);
  // A parameter's values depend on the seed, its name and dims only.
  const mlp = buildModel({ name: "mlp", hidden: [256, 64] }, { seed: 5 });
  const ref = buildModel({ name: "mlp" }, { seed: 5 });
  assert.deepEqual(
    mlp.graph.initializers.get("fc1.weight")!.data,
    ref.graph.initializers.get("fc1.weight")!.data,
  );
});

Deno.test("buildModel() emits Dropout with its ratio in training only", () => {
  const spec: ModelSpec = { name: "vit", dropout: 0.1, attention_dropout: 0.2, num_layers: 2 };
  const train = buildModel(spec);
  const ratios = train.graph.nodes.filter((n) => n.opType === "Dropout").map((n) => {
    const ratio = train.graph.nodes.find((c) => c.outputs[0] === n.inputs[1])!;
    return (ratio.attrs.get("value")!.value as { data: Float32Array }).data[0]!;
  });
  // encoder dropout, then per layer: attention weights, after attention, two in the MLP.
  assert.deepEqual(ratios.map((r) => Math.round(r * 10) / 10), [
    0.1,
    ...[0.2, 0.1, 0.1, 0.1],
    ...[0.2, 0.1, 0.1, 0.1],
  ]);
  assert.ok(train.graph.nodes.every((n) => n.opType !== "Dropout" || n.outputs.length === 2));
  const evalModel = buildModel(spec, { training: false });
  assert.equal(evalModel.graph.nodes.some((n) => n.opType === "Dropout"), false);
  assert.equal(buildModel({ name: "mlp" }).graph.nodes.some((n) => n.opType === "Dropout"), false);
});

Deno.test("buildModel() emits BatchNormalization in training mode with running statistics", () => {
  const bn = (m: Model) => m.graph.nodes.filter((n) => n.opType === "BatchNormalization");
  const train = bn(buildModel({ name: "cnn_bn" }));
  assert.deepEqual(train.map((n) => n.getInt("training_mode", 0)), [1, 1]);
  assert.deepEqual(train.map((n) => n.outputs.length), [3, 3]);
  assert.ok(Math.abs(train[0]!.getFloat("momentum", 0) - 0.9) < 1e-7);
  const evalNodes = bn(buildModel({ name: "cnn_bn" }, { training: false }));
  assert.deepEqual(evalNodes.map((n) => [n.getInt("training_mode", 0), n.outputs.length]), [
    [0, 1],
    [0, 1],
  ]);
});

Deno.test("buildModel() uses Gemm for 2-D linears and keeps initializers to parameters", () => {
  const opTypes = (m: Model) => new Set(m.graph.nodes.map((n) => n.opType));
  assert.deepEqual(opTypes(buildModel({ name: "mlp" })), new Set(["Gemm", "Relu"]));
  const vit = buildModel({ name: "vit" });
  assert.equal(vit.graph.nodes.filter((n) => n.opType === "Shape").length, 1);
  // Every Linear of the encoder runs on flat tokens: 4 Gemms a layer, and the head.
  assert.equal(vit.graph.nodes.filter((n) => n.opType === "Gemm").length, 4 * 4 + 1);
  assert.equal(vit.graph.nodes.filter((n) => n.opType === "MatMul").length, 2 * 4);
  for (const m of [vit, buildModel({ name: "resnet" }), buildModel({ name: "cnn_bn" })]) {
    const floats = parameterInfo(m).map((p) => p.name);
    assert.deepEqual([...m.graph.initializers.keys()], floats);
  }
});

Deno.test("buildModel() records the resolved spec and seed in the metadata", () => {
  const m = buildModel({ name: "cnn_bn", _target_: "x" } as ModelSpec, { seed: 3 });
  assert.equal(JSON.parse(m.metadata["lifecycle.model_spec"]!).batch_norm, true);
  assert.equal(m.metadata["lifecycle.seed"], "3");
});

Deno.test("buildModel() rejects bad specs naming the key and what is valid", () => {
  const bad: [unknown, RegExp, ErrorConstructor][] = [
    [{ name: "lenet" }, /Unknown model "lenet": expected "name" to be one of mlp, cnn/, RangeError],
    [
      { name: "mlp", hidden_sizes: [3] },
      /Unknown key "hidden_sizes" in model spec "mlp": expected input_shape, num_classes, dropout, variant, hidden, activation/,
      RangeError,
    ],
    [
      { name: "mlp", hidden: "256" },
      /Invalid key "hidden" in model spec "mlp": expected a list of integers, got "256"/,
      TypeError,
    ],
    [
      { name: "cnn", dropout: 1 },
      /Invalid key "dropout" in model spec "cnn": expected a probability in \[0, 1\), got 1/,
      RangeError,
    ],
    [
      { name: "resnet", depth: 50 },
      /Invalid key "depth" in model spec "resnet": expected one of 18, 34, got 50/,
      RangeError,
    ],
    [{ name: "vit", patch_size: 5 }, /patch_size 5 must divide the 28×28 input/, RangeError],
    [{ name: "vit", num_heads: 3 }, /num_heads 3 must divide hidden_dim 64/, RangeError],
    [
      { name: "cnn", channels: [8, 8, 8, 8, 8] },
      /5 pools of 2 shrink the 28×28 input below 1 pixel/,
      RangeError,
    ],
    [
      { name: "resnet", depth: 34, blocks_per_stage: [2, 2, 2, 2] },
      /depth 34 means blocks_per_stage \[3, 4, 6, 3\], got \[2, 2, 2, 2\]/,
      RangeError,
    ],
    [
      { name: "resnet", stage_channels: [16, 32], blocks_per_stage: [1, 1, 1] },
      /stage_channels \[16,32\] and blocks_per_stage \[1,1,1\] must have the same length/,
      RangeError,
    ],
    [
      { name: "vit", input_shape: [1, 28, 28], image_size: 32 },
      /in_channels - \/ image_size 32 disagree with input_shape \[1, 28, 28\]/,
      RangeError,
    ],
    [
      { name: "cnn", input_shape: [784] },
      /Invalid key "input_shape" in model spec "cnn": expected \[channels, height, width\], got \[784\]/,
      RangeError,
    ],
    ["mlp", /Invalid model spec: expected an object with a "name", got "mlp"/, TypeError],
  ];
  for (const [spec, message, type] of bad) {
    assert.throws(() => buildModel(spec as ModelSpec), (e: Error) => {
      assert.ok(e instanceof type, `${e.name}: ${e.message}`);
      assert.match(e.message, message);
      return true;
    });
  }
  assert.throws(() => buildModel({ name: "mlp" }, { batch: 0 }), /Invalid batch 0/);
});
