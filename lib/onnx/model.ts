/**
 * A model: a main graph plus opset imports and metadata.
 *
 * @module
 */

import type { DeviceConfigurationProto, FunctionProto, TrainingInfoProto } from "onnx-buf";
import { Graph } from "./graph.ts";

/** The IR version written for new models (ONNX 1.12+ reads it; ORT 1.14+ runs it). */
export const DEFAULT_IR_VERSION = 8;

/** The default opset of the `ai.onnx` domain for new models. */
export const DEFAULT_OPSET = 17;

/** What `new Model()` takes besides the graph. */
export interface ModelInit {
  irVersion?: number;
  /** Domain → version; `""` is `ai.onnx`. Defaults to `{ "": 17 }`. */
  opsetImports?: Map<string, number> | Record<string, number>;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  metadata?: Record<string, string>;
  functions?: FunctionProto[];
}

/**
 * A model. `functions`, `trainingInfo` and `configuration` are kept as their
 * protos and written back unchanged.
 */
export class Model {
  irVersion: number;
  opsetImports: Map<string, number>;
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  metadata: Record<string, string>;
  graph: Graph;
  functions: FunctionProto[];
  trainingInfo: TrainingInfoProto[] = [];
  configuration: DeviceConfigurationProto[] = [];

  constructor(graph: Graph = new Graph(), init: ModelInit = {}) {
    this.graph = graph;
    this.irVersion = init.irVersion ?? DEFAULT_IR_VERSION;
    const imports = init.opsetImports ?? { "": DEFAULT_OPSET };
    this.opsetImports = imports instanceof Map
      ? new Map(imports)
      : new Map(Object.entries(imports));
    this.producerName = init.producerName ?? "lifecycle";
    this.producerVersion = init.producerVersion ?? "";
    this.domain = init.domain ?? "";
    this.modelVersion = init.modelVersion ?? 0;
    this.docString = init.docString ?? "";
    this.metadata = { ...init.metadata };
    this.functions = init.functions ?? [];
  }

  /**
   * The imported version of an op domain.
   *
   * @param domain `""` or `"ai.onnx"` for the default domain.
   * @returns The version, or undefined when not imported.
   */
  opset(domain = ""): number | undefined {
    const d = domain === "ai.onnx" ? "" : domain;
    return this.opsetImports.get(d) ?? (d === "" ? this.opsetImports.get("ai.onnx") : undefined);
  }

  /** A copy with a cloned graph (tensor data shared, see `Graph.clone`). */
  clone(): Model {
    const m = new Model(this.graph.clone(), {
      irVersion: this.irVersion,
      opsetImports: this.opsetImports,
      producerName: this.producerName,
      producerVersion: this.producerVersion,
      domain: this.domain,
      modelVersion: this.modelVersion,
      docString: this.docString,
      metadata: this.metadata,
      functions: [...this.functions],
    });
    m.trainingInfo = [...this.trainingInfo];
    m.configuration = [...this.configuration];
    return m;
  }
}
