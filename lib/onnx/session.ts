/**
 * An inference session over onnxruntime-node that checks feeds (names, dtypes,
 * dims) before ORT sees them and speaks this layer's `Tensor`.
 *
 * @module
 */

import * as ort from "onnxruntime-node";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { DType } from "./dtype.ts";
import { modelToBytes } from "./io.ts";
import { Model } from "./model.ts";
import { fromOrtTensor, numel, type Tensor, toOrtTensor } from "./tensor.ts";
import { type Dim, formatDims, type ValueInfo } from "./value_info.ts";

/** Options of `Session.create`. */
export interface SessionOptions {
  /** Threads inside one op (ORT's default: one per core). */
  intraOpThreads?: number;
  /** Threads across ops (used with parallel execution). */
  interOpThreads?: number;
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
  /** Default: `["cuda", "cpu"]` where ORT's CUDA provider is installed, else `["cpu"]`. */
  executionProviders?: string[];
  /** Write ORT's profile (Chrome trace JSON); `endProfiling()` returns its path. */
  enableProfiling?: boolean;
  /** Path prefix of the profile file (default `onnxruntime_profile` in the working folder). */
  profileFilePrefix?: string;
  /** Where ORT writes the graph it optimized. */
  optimizedModelFilePath?: string;
  /** ORT log level, 0 (verbose) to 4 (fatal); default 3 (errors). */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  executionMode?: "sequential" | "parallel";
  /** Reuse memory-block plans across runs of the same shapes (ORT's default: true). */
  enableMemPattern?: boolean;
  /** ORT's CPU arena allocator (ORT's default: true). */
  enableCpuMemArena?: boolean;
  /**
   * ORT session config entries by their full key, e.g.
   * `{ "optimization.disable_specified_optimizers": "NchwcTransformer" }` or
   * `{ "session.intra_op.allow_spinning": "0" }`.
   */
  config?: Record<string, string>;
}

/** Feeds: graph input name → tensor (this layer's or ORT's). */
export type Feeds = Record<string, Tensor | ort.Tensor>;

let cudaProvider: boolean | undefined;

/**
 * Whether onnxruntime-node's CUDA provider library is installed beside its binding.
 *
 * @returns True when a CUDA execution provider can be requested.
 */
export function cudaAvailable(): boolean {
  if (cudaProvider === undefined) {
    try {
      const pkg = path.dirname(
        path.dirname(fileURLToPath(import.meta.resolve("onnxruntime-node"))),
      );
      const bin = path.join(pkg, "bin", "napi-v6", process.platform, process.arch);
      const name = process.platform === "win32"
        ? "onnxruntime_providers_cuda.dll"
        : "libonnxruntime_providers_cuda.so";
      cudaProvider = fs.existsSync(path.join(bin, name));
    } catch {
      cudaProvider = false;
    }
  }
  return cudaProvider;
}

/** An ORT inference session with checked feeds. Release it in `finally`. */
export class Session {
  /** Graph inputs as ORT reports them (symbolic dims as strings). */
  readonly inputs: ValueInfo[];
  /** Graph outputs as ORT reports them. */
  readonly outputs: ValueInfo[];
  /** The execution providers requested. */
  readonly executionProviders: string[];
  readonly #ort: ort.InferenceSession;
  readonly #profilePrefix?: string;
  readonly #inputNames: Set<string>;
  readonly #outputInfo: Map<string, ValueInfo>;
  #released = false;

  private constructor(session: ort.InferenceSession, providers: string[], profilePrefix?: string) {
    this.#ort = session;
    this.#profilePrefix = profilePrefix;
    this.executionProviders = providers;
    this.inputs = session.inputNames.map((name, i) => metadataInfo(name, session.inputMetadata[i]));
    this.outputs = session.outputNames.map((name, i) =>
      metadataInfo(name, session.outputMetadata[i])
    );
    this.#inputNames = new Set(session.inputNames);
    this.#outputInfo = new Map(this.outputs.map((o) => [o.name, o]));
  }

  /**
   * Creates a session from a model, its bytes or a file path (external data is
   * read from the file's folder).
   *
   * @param source A `Model`, `.onnx` bytes, or a path.
   * @param options Threads, optimization level, providers, profiling.
   * @returns The session.
   * @throws {Error} When ORT cannot load the model (its message kept, `cause` set).
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GraphBuilder, tensor } from "./mod.ts";
   * const g = new GraphBuilder();
   * g.output(g.op("Neg", [g.input("x", { dtype: "float32", dims: ["N"] })]), "y");
   * const s = await Session.create(g.build());
   * try {
   *   const { y } = await s.run({ x: tensor("float32", [2], [1, -2]) });
   *   assert.deepEqual(Array.from(y!.data as Float32Array), [-1, 2]);
   * } finally {
   *   await s.release();
   * }
   * ```
   */
  static async create(
    source: Model | Uint8Array | string,
    options: SessionOptions = {},
  ): Promise<Session> {
    const providers = options.executionProviders ?? (cudaAvailable() ? ["cuda", "cpu"] : ["cpu"]);
    const ortOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: providers,
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: options.interOpThreads,
      graphOptimizationLevel: options.graphOptimizationLevel,
      enableProfiling: options.enableProfiling,
      profileFilePrefix: options.profileFilePrefix ?? "onnxruntime_profile",
      optimizedModelFilePath: options.optimizedModelFilePath,
      logSeverityLevel: options.logSeverityLevel ?? 3,
      executionMode: options.executionMode,
      enableMemPattern: options.enableMemPattern,
      enableCpuMemArena: options.enableCpuMemArena,
      extra: options.config,
    };
    // NOTE: onnxruntime-node rejects keys that are present but undefined.
    for (const [k, v] of Object.entries(ortOptions)) {
      if (v === undefined) delete (ortOptions as Record<string, unknown>)[k];
    }
    const what = typeof source === "string"
      ? `"${source}"`
      : source instanceof Model
      ? `model "${source.graph.name}"`
      : "model bytes";
    try {
      const session = typeof source === "string"
        ? await ort.InferenceSession.create(source, ortOptions)
        : await ort.InferenceSession.create(
          source instanceof Model ? modelToBytes(source) : source,
          ortOptions,
        );
      const prefix = options.enableProfiling
        ? options.profileFilePrefix ?? "onnxruntime_profile"
        : undefined;
      return new Session(session, providers, prefix);
    } catch (err) {
      throw new Error(
        `Cannot create an ONNX Runtime session for ${what}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /**
   * Runs the model after checking the feeds.
   *
   * @param feeds One tensor per required graph input.
   * @param options `outputs`: names to fetch (default all); `into`: preallocated
   *   output tensors that ORT writes into (only those outputs are fetched), so a
   *   loop can reuse its buffers (ORT tensors made once and reused spare the
   *   conversion on every run).
   * @returns Output name → tensor (data shared with ORT's result, or the `into` tensors).
   * @throws {TypeError} For an unknown input or output name, a missing input or a wrong dtype.
   * @throws {RangeError} For dims that do not fit the input's declared shape.
   */
  async run<T extends Tensor | ort.Tensor = Tensor>(
    feeds: Feeds,
    options: { outputs?: string[]; into?: Record<string, T> } = {},
  ): Promise<Record<string, T>> {
    if (this.#released) throw new Error("Cannot run: the session was released");
    const ortFeeds = this.checkFeeds(feeds);
    const names = options.into ? Object.keys(options.into) : options.outputs;
    for (const name of names ?? []) {
      const info = this.#outputInfo.get(name);
      if (!info) {
        throw new TypeError(
          `Unknown output "${name}": expected one of ${
            this.outputs.map((o) => `"${o.name}"`).join(", ")
          }`,
        );
      }
      const target = options.into?.[name];
      const dtype = target && (isOrtTensor(target) ? target.type : target.dtype);
      if (dtype && info.dtype && dtype !== info.dtype) {
        throw new TypeError(`Output buffer "${name}" has dtype ${dtype}, expected ${info.dtype}`);
      }
    }
    if (options.into) {
      const fetches: Record<string, ort.Tensor> = {};
      for (const name in options.into) {
        const t = options.into[name]!;
        fetches[name] = isOrtTensor(t) ? t : toOrtTensor(t);
      }
      await this.#ort.run(ortFeeds, fetches);
      return { ...options.into };
    }
    const result = names ? await this.#ort.run(ortFeeds, names) : await this.#ort.run(ortFeeds);
    const out: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(result)) out[name] = fromOrtTensor(value);
    return out as Record<string, T>;
  }

  /**
   * Checks feeds against the inputs and converts them to ORT tensors.
   *
   * @param feeds The feeds.
   * @returns ORT feeds.
   * @throws {TypeError} For names and dtypes; {RangeError} for dims.
   */
  checkFeeds(feeds: Feeds): Record<string, ort.Tensor> {
    for (const name in feeds) {
      if (!this.#inputNames.has(name)) {
        throw new TypeError(
          `Unknown input "${name}": expected one of ${
            this.inputs.map((i) => `"${i.name}"`).join(", ")
          }`,
        );
      }
    }
    const symbols = new Map<string, [number, string]>();
    const out: Record<string, ort.Tensor> = {};
    for (const info of this.inputs) {
      const feed = feeds[info.name];
      const want = () => `${info.dtype ?? "?"} ${formatDims(info.dims)}`;
      if (feed === undefined) {
        throw new TypeError(`Missing input "${info.name}": expected ${want()}`);
      }
      const ortFeed = isOrtTensor(feed);
      const dtype = (ortFeed ? feed.type : feed.dtype) as DType;
      const dims = feed.dims as readonly number[];
      if (info.dtype && dtype !== info.dtype) {
        throw new TypeError(`Input "${info.name}" has dtype ${dtype}, expected ${want()}`);
      }
      checkDims(info, dims, symbols);
      if (!ortFeed && feed.data.length !== numel(dims)) {
        throw new RangeError(
          `Input "${info.name}" has ${feed.data.length} elements for dims ${formatDims(dims)}`,
        );
      }
      out[info.name] = ortFeed ? feed : toOrtTensor(feed);
    }
    return out;
  }

  /**
   * Ends ORT profiling and returns the profile file's path.
   *
   * @returns The path of the JSON trace, or undefined when profiling was off.
   */
  endProfiling(): string | undefined {
    this.#ort.endProfiling();
    if (!this.#profilePrefix) return undefined;
    // NOTE: onnxruntime-node does not return the file name; ORT names it `<prefix>_<date>.json`.
    const dir = path.dirname(path.resolve(this.#profilePrefix));
    const base = path.basename(this.#profilePrefix);
    const files = fs.readdirSync(dir).filter((f) => f.startsWith(`${base}_`) && f.endsWith(".json"))
      .map((f) => path.join(dir, f));
    files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
    return files[0];
  }

  /** Frees ORT's session; the session cannot run afterwards. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await this.#ort.release();
  }
}

function checkDims(
  info: ValueInfo,
  dims: readonly number[],
  symbols: Map<string, [number, string]>,
): void {
  const want = info.dims;
  if (!want) return;
  const fail = () => {
    throw new RangeError(
      `Input "${info.name}" has dims ${formatDims(dims)}, expected ${formatDims(want)}`,
    );
  };
  if (want.length !== dims.length) fail();
  for (let i = 0; i < want.length; i++) {
    const d: Dim = want[i]!;
    if (typeof d === "number" && d !== dims[i]) fail();
    if (typeof d === "string" && d !== "") {
      const seen = symbols.get(d);
      if (seen && seen[0] !== dims[i]) {
        throw new RangeError(
          `Input "${info.name}" has dims ${formatDims(dims)}, expected ${
            formatDims(want)
          } with ${d} = ${seen[0]} as in "${seen[1]}"`,
        );
      }
      symbols.set(d, [dims[i]!, info.name]);
    }
  }
}

function metadataInfo(
  name: string,
  meta: ort.InferenceSession.ValueMetadata | undefined,
): ValueInfo {
  if (!meta || !meta.isTensor) return { name };
  return {
    name,
    dtype: meta.type as DType,
    dims: meta.shape.map((d) => (typeof d === "number" ? (d < 0 ? null : d) : d === "" ? null : d)),
  };
}

function isOrtTensor(value: Tensor | ort.Tensor): value is ort.Tensor {
  return !("dtype" in value);
}
