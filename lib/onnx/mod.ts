/**
 * ONNX core: read, write, build, infer and check ONNX graphs; tensors; and an
 * inference session over onnxruntime-node.
 *
 * ## Guide
 *
 * **Tensors** (`tensor.ts`): `{ dtype, dims, data }`, `data` a typed array
 * (`Float32Array`, `BigInt64Array` for int64, `Uint16Array` raw bits for
 * float16/bfloat16, `Uint8Array` for bool, one element per byte for int4/uint4)
 * or `string[]`. Make them with `tensor(dtype, dims, data?)`; `numel`,
 * `stridesOf`; `toOrtTensor`/`fromOrtTensor` share data with ORT;
 * `float32ToFloat16` and friends convert half formats.
 *
 * **Files**: `await loadModel(path)` / `modelFromBytes(bytes, { name })` give a
 * `Model`; `await saveModel(model, path, { externalData: true })` /
 * `modelToBytes(model)` write it. Bad files throw `OnnxFormatError` naming the
 * file and what is wrong.
 *
 * **IR**: `Model { irVersion, opsetImports: Map<domain, version>, metadata,
 * graph, functions, … }`. `Graph { nodes, inputs, outputs, initializers:
 * Map<name, Tensor>, valueInfo: Map<name, ValueInfo> }` with `producer(v)`,
 * `consumers(v)`, `topologicalOrder()`, `sortNodes()`, `uniqueName(prefix)`,
 * `addNode`, `removeNode(s)`, `replaceAllUses(old, new, { except })`,
 * `isInitializer`, `typeOf(v)`, `feedInputs()`, `removeUnused()`, `clone()`.
 * Producer/consumer maps are built on first use and kept in sync by the
 * graph's methods and the node setters
 * (`node.setInput(i, v)`, `node.inputs = [...]`); `graph.nodes` and
 * `node.inputs` are read-only arrays. `Node { name, opType, domain, inputs
 * ("" = absent), outputs, attrs }` with `getInt(name, fallback)`, `getInts`,
 * `getFloat(s)`, `getString(s)`, `getTensor` and `setInt`, … setters.
 * Subgraph attributes (If/Loop/Scan) stay as protos, unknown ops and domains
 * are kept as they are; both survive load → transform → save.
 * A `ValueInfo` is `{ name, dtype?, dims? }` with `Dim = number | string |
 * null` (symbol such as `"N"`, or unknown); `dims: undefined` is unknown rank.
 *
 * **Building**: `new GraphBuilder({ opset: 17 })` or `GraphBuilder.on(model)` to
 * append to a loaded model. `g.input`, `g.initializer`, `g.constant(tensor)`
 * (an initializer; `{ asNode: true }` for a Constant node), `g.ints([..])`,
 * `g.scalar(x)`, `g.op(opType, inputs, attrs, { outputs, name, domain })` →
 * `Value` handles carrying inferred dtype and dims; shape or dtype clashes
 * throw at once naming the node and both shapes. `g.output(v, name)`,
 * `g.build()`. Typed helpers per op: `ops.conv(g, x, w, b, { strides, … })`.
 *
 * **Checks**: `inferShapes(model, { inputDims })` fills `graph.valueInfo`
 * (symbolic dims propagate; unknown ops give unknown types);
 * `validateModel(model)` lists problems naming the node; `assertValidModel`
 * throws them.
 *
 * **Running**: `const s = await Session.create(model)`; `await s.run({ x:
 * tensor(...) })` checks names, dtypes and dims first (`{ into }` reuses
 * preallocated output tensors); `await s.release()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, modelFromBytes, modelToBytes, tensor } from "./mod.ts";
 * const g = new GraphBuilder({ opset: 17 });
 * const x = g.input("x", { dtype: "float32", dims: ["N", 4] });
 * const w = g.initializer("w", tensor("float32", [4, 3], new Float32Array(12).fill(0.5)));
 * g.output(g.op("Relu", [g.op("MatMul", [x, w])]), "y");
 * const model = modelFromBytes(modelToBytes(g.build()));
 * assert.deepEqual(model.graph.outputs[0]!.dims, ["N", 3]);
 * ```
 *
 * @module
 */

export {
  arrayTypeOf,
  type DType,
  type DTypeDataMap,
  dtypeFromOnnx,
  DTYPES,
  dtypeToOnnx,
  isBigIntDType,
  isDType,
  isFloatDType,
  isIntDType,
  onnxTypeName,
  type TensorData,
} from "./dtype.ts";
export {
  bfloat16ToFloat32,
  float16BitsToFloat32,
  float16ToFloat32,
  float32ToBfloat16,
  float32ToFloat16,
  float32ToFloat16Bits,
} from "./float16.ts";
export {
  fromOrtTensor,
  numel,
  pack4,
  scalar,
  stridesOf,
  type Tensor,
  tensor,
  type TensorInit,
  toOrtTensor,
  unpack4,
} from "./tensor.ts";
export { type Dim, formatDims, isStaticDims, type ValueInfo } from "./value_info.ts";
export { type Attribute, type AttributeType, type AttrValue, toAttribute } from "./attribute.ts";
export { Node, type NodeInit } from "./node.ts";
export { Graph, type GraphInit } from "./graph.ts";
export { DEFAULT_IR_VERSION, DEFAULT_OPSET, Model, type ModelInit } from "./model.ts";
export { OnnxFormatError } from "./errors.ts";
export {
  loadModel,
  type LoadOptions,
  modelFromBytes,
  modelToBytes,
  saveModel,
  type SaveOptions,
} from "./io.ts";
export {
  type BuilderOptions,
  GraphBuilder,
  type OpInput,
  type OpOptions,
  Value,
} from "./builder.ts";
export {
  hasShapeRule,
  INFERABLE_OPS,
  inferNode,
  type InferOptions,
  type InferReport,
  inferShapes,
  type TypeInfo,
} from "./shape_inference.ts";
export * as ops from "./ops.ts";
export {
  assertValidModel,
  ModelValidationError,
  validateModel,
  type ValidationProblem,
} from "./validate.ts";
export { cudaAvailable, type Feeds, Session, type SessionOptions } from "./session.ts";
export { type ConvWindow, convWindow, poolDivisors } from "./conv_window.ts";
