/**
 * The one place lib/serve touches onnxruntime-node: create a session from
 * bytes, read its input/output metadata, run it. Kept small so that it can
 * move onto lib/onnx's Session wrapper later.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import { isDType, type Tensor, type TensorData } from "./tensor.ts";

/** A graph input or output: name, element type, dims (strings for symbolic dims). */
export interface ValueInfo {
  /** Graph input/output name. */
  name: string;
  /** Element type in ONNX spelling ("float32", …). */
  dtype: string;
  /** Sizes; symbolic ones as their names. */
  dims: (number | string)[];
}

/** Options of {@linkcode RuntimeSession.create}. */
export interface RuntimeOptions {
  /** Threads of one operator (ONNX Runtime's intra-op pool). */
  intraOpThreads?: number;
}

/** An ONNX Runtime inference session. */
export class RuntimeSession {
  #session: ort.InferenceSession;
  /** Graph inputs. */
  readonly inputs: ValueInfo[];
  /** Graph outputs. */
  readonly outputs: ValueInfo[];

  private constructor(session: ort.InferenceSession) {
    this.#session = session;
    this.inputs = describe(session.inputMetadata);
    this.outputs = describe(session.outputMetadata);
  }

  /**
   * Loads a model.
   *
   * @param model ONNX bytes
   * @param options thread settings
   * @returns the session
   * @throws {Error} when ONNX Runtime cannot load the model
   */
  static async create(model: Uint8Array, options: RuntimeOptions = {}): Promise<RuntimeSession> {
    const threads = options.intraOpThreads ?? 1;
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
      // NOTE: idle pool threads spin by default, burning cores that the HTTP thread and the
      // other workers need (measured: ~3x the CPU for the same runs of the digit cnn).
      extra: { session: { intra_op: { allow_spinning: "0" } } },
    } as ort.InferenceSession.SessionOptions);
    return new RuntimeSession(session);
  }

  /**
   * Runs the graph. Note: onnxruntime-node runs this on the calling thread.
   *
   * @param feeds tensors by input name
   * @returns tensors by output name
   */
  async run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const input: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      // deno-lint-ignore no-explicit-any
      input[name] = new ort.Tensor(t.dtype as any, t.data as any, t.dims);
    }
    const result = await this.#session.run(input);
    const out: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(result)) {
      if (!isDType(t.type)) throw new TypeError(`Output "${name}" has unsupported type ${t.type}`);
      out[name] = { dtype: t.type, dims: [...t.dims], data: t.data as TensorData };
    }
    return out;
  }

  /** Frees the native session. */
  async release(): Promise<void> {
    await this.#session.release();
  }
}

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): ValueInfo[] {
  return meta.map((m) =>
    m.isTensor
      ? { name: m.name, dtype: String(m.type), dims: [...m.shape] as (number | string)[] }
      : { name: m.name, dtype: "non-tensor", dims: [] }
  );
}
