/**
 * Float16 conversion with float32 inputs and outputs.
 *
 * - float32 initializers, Constant values and value types -> float16
 * - `Cast(to=float)` -> `Cast(to=float16)`
 * - graph input `x` -> `Cast(x, to=float16)` read by the graph
 * - graph output `y` -> computed in float16, then `Cast(to=float)` named `y`
 * - ops without float16 in the ONNX spec (Range, Resize's scales) keep float32
 *   through Casts around them
 *
 * Error: float16 keeps 11 significant bits (relative step 2^-11 ≈ 4.9e-4)
 * per stored value; accumulated through a network, outputs typically agree
 * to about 1e-2 of their scale.
 *
 * @module
 */
import {
  float32ToFloat16,
  type Graph,
  inferShapes,
  type Model,
  Node,
  type Tensor,
  tensor,
} from "../onnx/mod.ts";
import { isStandard } from "./_graph.ts";
import { declined, type PassResult } from "./pass.ts";

const FLOAT = 1;
const FLOAT16 = 10;
/** Ops kept in float32: no float16 type in the spec for the marked inputs. */
const KEEP_FLOAT32 = new Set(["Range", "Resize", "Upsample"]);

/**
 * Converts a model to float16, keeping its float32 inputs and outputs.
 *
 * @param model The model (not modified).
 * @returns The converted copy; `reason` when it holds no float32 values.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, tensor } from "../onnx/mod.ts";
 * import { convertFp16 } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: ["N", 2] });
 * g.output(g.op("MatMul", [x, g.initializer("w", tensor("float32", [2, 2], [1, 2, 3, 4]))]), "y");
 * const { model } = convertFp16(g.build());
 * assert.equal(model.graph.initializers.get("w")?.dtype, "float16");
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["Cast", "MatMul", "Cast"]);
 * assert.equal(model.graph.outputs[0]!.dtype, "float32");
 * ```
 */
export function convertFp16(model: Model): PassResult {
  const out = model.clone();
  const graph = out.graph;
  const types = inferShapes(out).types;
  const isFloat = (v: string) =>
    v !== "" && (types.get(v)?.dtype ?? graph.typeOf(v)?.dtype) === "float32";
  let count = 0;
  for (const [name, t] of graph.initializers) {
    if (t.dtype !== "float32") continue;
    graph.initializers.set(name, toHalf(t));
    count++;
  }
  for (const node of [...graph.nodes]) {
    if (!isStandard(node)) continue;
    if (node.opType === "Cast" && node.getInt("to") === FLOAT) node.setInt("to", FLOAT16);
    if (node.opType === "Constant" || node.opType === "ConstantOfShape") {
      const v = node.attrs.get("value");
      if (v?.type === "tensor" && v.value.dtype === "float32") {
        node.setTensor("value", toHalf(v.value));
      }
    }
    if (KEEP_FLOAT32.has(node.opType)) keepFloat32(graph, node, isFloat);
  }
  for (const [name, vi] of graph.valueInfo) {
    if (vi.dtype === "float32") graph.valueInfo.set(name, { ...vi, dtype: "float16" });
  }
  for (const input of graph.feedInputs()) {
    if (input.dtype !== "float32") continue;
    const half = graph.uniqueName(`${input.name}_fp16`);
    graph.replaceAllUses(input.name, half);
    graph.addNode(
      new Node({
        opType: "Cast",
        name: half,
        inputs: [input.name],
        outputs: [half],
        attrs: { to: FLOAT16 },
      }),
      { before: graph.nodes[0] },
    );
    count++;
  }
  for (const output of graph.outputs) {
    if (output.dtype !== "float32") continue;
    const producer = graph.producer(output.name);
    if (!producer) continue;
    const half = graph.uniqueName(`${output.name}_fp16`);
    producer.setOutputs(producer.outputs.map((o) => (o === output.name ? half : o)));
    graph.replaceAllUses(output.name, half);
    graph.addNode(
      new Node({
        opType: "Cast",
        name: graph.uniqueName(`${output.name}_cast`),
        inputs: [half],
        outputs: [output.name],
        attrs: { to: FLOAT },
      }),
    );
    count++;
  }
  if (count === 0) return declined(model, "the model holds no float32 values");
  graph.sortNodes();
  return {
    model: out,
    changed: true,
    notes: [`converted to float16 (${count} tensors and boundaries)`],
  };
}

function toHalf(t: Tensor): Tensor {
  return tensor("float16", t.dims, float32ToFloat16(t.data as Float32Array));
}

/** Casts a node's float inputs back to float32 and its float outputs to float16. */
function keepFloat32(graph: Graph, node: Node, isFloat: (v: string) => boolean): void {
  node.setInputs(node.inputs.map((i) => {
    if (!isFloat(i)) return i;
    const c = graph.uniqueName(`${i}_fp32`);
    graph.addNode(
      new Node({ opType: "Cast", name: c, inputs: [i], outputs: [c], attrs: { to: FLOAT } }),
      {
        before: node,
      },
    );
    return c;
  }));
  const casts: [string, string][] = [];
  node.setOutputs(node.outputs.map((o) => {
    if (!isFloat(o)) return o;
    const raw = graph.uniqueName(`${o}_fp32`);
    casts.push([raw, o]);
    return raw;
  }));
  for (const [raw, o] of casts) {
    graph.addNode(
      new Node({
        opType: "Cast",
        name: graph.uniqueName(`${o}_cast`),
        inputs: [raw],
        outputs: [o],
        attrs: { to: FLOAT16 },
      }),
    );
  }
}
