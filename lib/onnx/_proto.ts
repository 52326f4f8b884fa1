// ModelProto <-> Model: the graph IR is built from the protobuf messages and
// written back to them; what the IR does not model is carried along as protos.

import { create } from "@bufbuild/protobuf";
import {
  type GraphProto,
  GraphProtoSchema,
  type ModelProto,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from "onnx-buf";
import type { Attribute } from "./attribute.ts";
import { dtypeFromOnnx, dtypeToOnnx } from "./dtype.ts";
import { Graph } from "./graph.ts";
import { Model } from "./model.ts";
import { Node } from "./node.ts";
import type { Tensor } from "./tensor.ts";
import type { Dim, ValueInfo } from "./value_info.ts";
import type { ExternalWriter } from "./_external.ts";
import { tensorFromProto, type TensorReadContext, tensorToProto } from "./_tensor_proto.ts";
import { attrFromProto, attrToProto } from "./_attr_proto.ts";

/** Builds the IR of a parsed ModelProto. */
export function modelFromProto(mp: ModelProto, ctx: TensorReadContext): Model {
  const model = new Model(graphFromProto(mp.graph!, ctx), {
    irVersion: Number(mp.irVersion),
    opsetImports: new Map(mp.opsetImport.map((o) => [o.domain, Number(o.version)])),
    producerName: mp.producerName,
    producerVersion: mp.producerVersion,
    domain: mp.domain,
    modelVersion: Number(mp.modelVersion),
    docString: mp.docString,
    metadata: Object.fromEntries(mp.metadataProps.map((e) => [e.key, e.value])),
    functions: mp.functions,
  });
  model.trainingInfo = mp.trainingInfo;
  model.configuration = mp.configuration;
  return model;
}

/** Writes the IR back as a ModelProto (nodes in topological order). */
export function modelToProto(
  model: Model,
  external?: ExternalWriter,
  options: { initializers?: boolean } = {},
): ModelProto {
  return create(ModelProtoSchema, {
    irVersion: BigInt(model.irVersion),
    opsetImport: [...model.opsetImports].map(([domain, version]) =>
      create(OperatorSetIdProtoSchema, { domain, version: BigInt(version) })
    ),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    domain: model.domain,
    modelVersion: BigInt(model.modelVersion),
    docString: model.docString,
    graph: graphToProto(model.graph, external, options.initializers ?? true),
    metadataProps: Object.entries(model.metadata).map(([key, value]) =>
      create(StringStringEntryProtoSchema, { key, value })
    ),
    trainingInfo: model.trainingInfo,
    functions: model.functions,
    configuration: model.configuration,
  });
}

function graphFromProto(gp: GraphProto, ctx: TensorReadContext): Graph {
  const initializers = new Map<string, Tensor>();
  for (const tp of gp.initializer) {
    if (initializers.has(tp.name)) {
      throw new RangeError(`initializer "${tp.name}" is defined twice`);
    }
    initializers.set(tp.name, tensorFromProto(tp, ctx));
  }
  const graph = new Graph({
    name: gp.name,
    docString: gp.docString,
    inputs: gp.input.map(infoFromProto),
    outputs: gp.output.map(infoFromProto),
    initializers,
    valueInfo: new Map(gp.valueInfo.map((v) => [v.name, infoFromProto(v)])),
  });
  for (const np of gp.node) graph.addNode(nodeFromProto(np, ctx), { unchecked: true });
  graph.sparseInitializers = gp.sparseInitializer;
  graph.quantizationAnnotation = gp.quantizationAnnotation;
  graph.metadataProps = gp.metadataProps;
  return graph;
}

function graphToProto(
  graph: Graph,
  external: ExternalWriter | undefined,
  withInitializers: boolean,
): GraphProto {
  const io = new Set([...graph.inputs, ...graph.outputs].map((v) => v.name));
  return create(GraphProtoSchema, {
    name: graph.name,
    docString: graph.docString,
    node: graph.topologicalOrder().map((n) => nodeToProto(n, external)),
    initializer: withInitializers
      ? [...graph.initializers].map(([name, t]) => tensorToProto(name, t, external))
      : [],
    input: graph.inputs.map(infoToProto),
    output: graph.outputs.map(infoToProto),
    valueInfo: [...graph.valueInfo.values()].filter((v) => !io.has(v.name)).map(infoToProto),
    sparseInitializer: graph.sparseInitializers,
    quantizationAnnotation: graph.quantizationAnnotation,
    metadataProps: graph.metadataProps,
  });
}

function nodeFromProto(np: NodeProto, ctx: TensorReadContext): Node {
  const attrs = new Map<string, Attribute>();
  for (const a of np.attribute) {
    try {
      attrs.set(a.name, attrFromProto(a, ctx));
    } catch (err) {
      const label = `"${np.name || np.output[0] || "?"}" (${np.opType})`;
      throw new Error(`node ${label}, attribute "${a.name}": ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  const node = new Node({
    opType: np.opType,
    name: np.name,
    domain: np.domain,
    inputs: np.input,
    outputs: np.output,
    attrs,
    docString: np.docString,
  });
  if (np.overload || np.metadataProps.length || np.deviceConfigurations.length) {
    node.extra = {
      overload: np.overload,
      metadataProps: np.metadataProps,
      deviceConfigurations: np.deviceConfigurations,
    };
  }
  return node;
}

function nodeToProto(node: Node, external?: ExternalWriter): NodeProto {
  const np = create(NodeProtoSchema, {
    input: [...node.inputs],
    output: [...node.outputs],
    name: node.name,
    opType: node.opType,
    domain: node.domain,
    docString: node.docString,
    attribute: [...node.attrs].map(([name, a]) => attrToProto(name, a, external)),
  });
  if (node.extra) Object.assign(np, node.extra);
  return np;
}

function infoFromProto(v: ValueInfoProto): ValueInfo {
  const info: ValueInfo = { name: v.name };
  if (v.docString) info.docString = v.docString;
  const t = v.type;
  if (!t || t.value.case === undefined) return info;
  if (t.value.case !== "tensorType" || t.denotation) {
    info.type = t;
    return info;
  }
  const tt = t.value.value;
  const dtype = dtypeFromOnnx(tt.elemType);
  if (dtype === undefined && tt.elemType !== 0) info.type = t;
  else if (dtype !== undefined) info.dtype = dtype;
  if (tt.shape) {
    info.dims = tt.shape.dim.map((d): Dim =>
      d.value.case === "dimValue"
        ? Number(d.value.value)
        : d.value.case === "dimParam"
        ? d.value.value
        : null
    );
  }
  return info;
}

function infoToProto(v: ValueInfo): ValueInfoProto {
  const p = create(ValueInfoProtoSchema, { name: v.name, docString: v.docString ?? "" });
  if (v.type && v.dtype === undefined) {
    p.type = v.type;
    return p;
  }
  if (v.dtype === undefined && v.dims === undefined) return p;
  const tensorType = create(TypeProto_TensorSchema, {
    elemType: v.dtype ? dtypeToOnnx(v.dtype) : 0,
  });
  if (v.dims) {
    tensorType.shape = create(TensorShapeProtoSchema, {
      dim: v.dims.map((d) =>
        create(TensorShapeProto_DimensionSchema, {
          value: typeof d === "number"
            ? { case: "dimValue", value: BigInt(d) }
            : typeof d === "string"
            ? { case: "dimParam", value: d }
            : { case: undefined },
        })
      ),
    });
  }
  p.type = create(TypeProtoSchema, { value: { case: "tensorType", value: tensorType } });
  return p;
}
