/**
 * One registered version of a model: its archive, handler, worker pool and
 * request queue, and what the describe API reports about it.
 *
 * @module
 */
import { type HandlerSpec, type ModelArchive } from "../archive/mod.ts";
import { Batcher, type BatchResult } from "./batcher.ts";
import { ServeError } from "./errors.ts";
import { imageToTensor, pairsToJson, topK } from "./image_classifier.ts";
import { RuntimeSession, type ValueInfo } from "./_runtime.ts";
import type { Tensor } from "./tensor.ts";
import { checkFeed, parseTensorRequest, tensorResponse } from "./tensor_handler.ts";
import { type WorkerDescription, WorkerPool } from "./worker_pool.ts";

/** Per-version serving settings (TorchServe's names, camelCased). */
export interface ModelSettings {
  /** Most requests in one run. */
  batchSize: number;
  /** Milliseconds. */
  maxBatchDelay: number;
  /** Workers kept running. */
  minWorkers: number;
  /** Upper bound when growing under load. */
  maxWorkers: number;
  /** Seconds a worker may take for one batch before it is replaced (504). */
  responseTimeout: number;
  /** Seconds a worker may take to load the model. */
  startupTimeout: number;
  /** Requests that may wait; one more gets 503. */
  jobQueueSize: number;
  /** Intra-op threads per worker; 0 or undefined: cores / workers. */
  threadsPerWorker?: number;
  /** Idle seconds after which workers above the minimum stop. */
  maxIdleTime: number;
}

/** A request body as the inference API received it. */
export type PredictBody =
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "json"; value: unknown };

/** What a prediction answers: JSON text, and how long it queued. */
export interface PredictResult {
  /** The response body. */
  json: string;
  /** Time spent in the queue, ms. */
  queueMs: number;
}

/** Where a version came from and how it was registered. */
export interface ServedModelSource {
  /** Served name. */
  name: string;
  /** The `url` it was registered with (file name in the store or http(s) URL). */
  url: string;
  /** The archive's file name in the model store. */
  marName: string;
  /** The decoded archive. */
  archive: ModelArchive;
  /** Registered at start-up rather than through the API. */
  loadedAtStartup: boolean;
}

/** A registered model version. */
export class ServedModel {
  /** Served model name. */
  readonly name: string;
  /** The archive's `modelVersion`. */
  readonly version: string;
  /** The `url` it was registered with. */
  readonly url: string;
  /** The archive's file name in the model store. */
  readonly marName: string;
  /** The decoded archive. */
  readonly archive: ModelArchive;
  /** The archive's handler.json. */
  readonly handler: HandlerSpec;
  /** Graph inputs of model.onnx. */
  readonly inputs: ValueInfo[];
  /** Graph outputs of model.onnx. */
  readonly outputs: ValueInfo[];
  /** Whether the batch dimension is symbolic, so that requests can be concatenated. */
  readonly dynamicBatch: boolean;
  /** Registered at start-up (command line or snapshot) rather than through the API. */
  readonly loadedAtStartup: boolean;
  /** Its workers. */
  readonly pool: WorkerPool;
  /** Its request queue. */
  readonly batcher: Batcher;
  #settings: ModelSettings;
  #closing = false;
  #closed = false;
  #inflight = 0;
  #idle: (() => void)[] = [];

  private constructor(
    src: ServedModelSource,
    settings: ModelSettings,
    io: { inputs: ValueInfo[]; outputs: ValueInfo[] },
    log?: (event: string, detail: Record<string, unknown>) => void,
  ) {
    this.name = src.name;
    this.version = src.archive.manifest.model.modelVersion;
    this.url = src.url;
    this.marName = src.marName;
    this.archive = src.archive;
    this.handler = src.archive.handler;
    this.loadedAtStartup = src.loadedAtStartup;
    this.inputs = io.inputs;
    this.outputs = io.outputs;
    this.#settings = { ...settings };
    const batchDim = this.inputs[0]?.dims[0];
    this.dynamicBatch = typeof batchDim !== "number" || batchDim < 0;
    const label = `${this.name}/${this.version}`;
    this.pool = new WorkerPool(src.archive.model, {
      minWorkers: settings.minWorkers,
      maxWorkers: settings.maxWorkers,
      threadsPerWorker: settings.threadsPerWorker || undefined,
      startupTimeoutMs: settings.startupTimeout * 1000,
      idleTimeoutMs: settings.maxIdleTime * 1000,
      onAvailable: () => this.batcher.pump(),
      log: (event, detail) => log?.(event, { model: this.name, version: this.version, ...detail }),
    });
    this.batcher = new Batcher(this.pool, {
      batchSize: settings.batchSize,
      maxBatchDelayMs: settings.maxBatchDelay,
      queueSize: settings.jobQueueSize,
      responseTimeoutMs: settings.responseTimeout * 1000,
      dynamicBatch: this.dynamicBatch,
      label,
      incoming: () => this.#inflight - this.batcher.submitted,
    });
  }

  /**
   * Checks an archive against its model (loading it once) and prepares a version; no workers yet.
   *
   * @param src name, url and decoded archive
   * @param settings serving settings
   * @param log model-log sink
   * @returns the prepared version
   * @throws {ServeError} 400 when the model does not load or does not fit its handler.json
   */
  static async create(
    src: ServedModelSource,
    settings: ModelSettings,
    log?: (event: string, detail: Record<string, unknown>) => void,
  ): Promise<ServedModel> {
    let session: RuntimeSession;
    try {
      session = await RuntimeSession.create(src.archive.model);
    } catch (err) {
      throw ServeError.badRequest(
        `Cannot load model of "${src.marName}": ${(err as Error).message.split("\n")[0]}`,
        { cause: err },
      );
    }
    const io = { inputs: session.inputs, outputs: session.outputs };
    await session.release();
    checkHandlerFits(src.archive.handler, io, src.marName);
    return new ServedModel(src, settings, io, log);
  }

  /** Current settings. */
  get settings(): Readonly<ModelSettings> {
    return this.#settings;
  }

  /** Whether it has at least one loaded worker and is not being removed. */
  get ready(): boolean {
    return !this.#closing && this.pool.readyCount > 0;
  }

  /**
   * Sets the worker bounds.
   *
   * @param minWorkers workers kept running
   * @param maxWorkers upper bound under load
   * @returns once the workers fit the bounds
   */
  async scale(minWorkers: number, maxWorkers: number): Promise<void> {
    this.#settings.minWorkers = minWorkers;
    this.#settings.maxWorkers = maxWorkers;
    await this.pool.scale(minWorkers, maxWorkers);
  }

  /**
   * Runs raw tensors through the batcher (KServe v2 and the tensor handler).
   *
   * @param feeds tensors by input name, checked with {@linkcode checkFeed}; or a function
   *   producing them (e.g. reading the request), counted in flight from the start
   * @returns this request's rows of every output
   */
  infer(
    feeds: Record<string, Tensor> | (() => Promise<Record<string, Tensor>>),
  ): Promise<BatchResult> {
    return this.#track(async () =>
      this.batcher.submit(typeof feeds === "function" ? await feeds() : feeds)
    );
  }

  /** Requests accepted and not answered yet. */
  get inflight(): number {
    return this.#inflight;
  }

  /** Runs a request, counted in flight so that unregistering waits for it. */
  async #track<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw ServeError.versionNotFound(this.name, this.version);
    this.#inflight++;
    try {
      return await fn();
    } finally {
      if (--this.#inflight === 0) { for (const r of this.#idle.splice(0)) r(); }
    }
  }

  /**
   * Handles a `/predictions` request with the archive's handler.
   *
   * @param body raw bytes or parsed JSON; or a function producing it (e.g. reading the
   *   request), counted in flight from the start
   * @returns the response JSON
   * @throws {ServeError} 400 for input the handler cannot use
   */
  predict(body: PredictBody | (() => Promise<PredictBody>)): Promise<PredictResult> {
    return this.#track(async () => this.#predict(typeof body === "function" ? await body() : body));
  }

  async #predict(body: PredictBody): Promise<PredictResult> {
    if (this.handler.handler === "image_classifier") {
      const tensor = await imageToTensor(imageBytes(body), this.handler);
      const input = checkFeed(tensor, this.inputs.find((i) => i.name === this.handler.input.name)!);
      const r = await this.batcher.submit({ [this.handler.input.name]: input });
      const data = r.outputs[this.handler.output.name]!.data;
      // 64-bit integer outputs come as bigints
      const row = data instanceof BigInt64Array || data instanceof BigUint64Array
        ? Array.from(data, Number)
        : data as ArrayLike<number>;
      return {
        json: pairsToJson(topK(row, this.archive.labels, this.handler)),
        queueMs: r.queueMs,
      };
    }
    if (body.kind !== "json") {
      throw ServeError.badRequest(
        `Model "${this.name}" uses the tensor handler: send JSON (Content-Type: application/json)`,
      );
    }
    const r = await this.batcher.submit(parseTensorRequest(body.value, this.inputs));
    const wanted = { [this.handler.output.name]: r.outputs[this.handler.output.name]! };
    return { json: JSON.stringify(tensorResponse(wanted)), queueMs: r.queueMs };
  }

  /**
   * TorchServe's describe entry for this version.
   *
   * @param isDefault whether it is its model's default version
   * @param customized add the archive's metrics as `customizedMetadata`
   * @returns the JSON-ready description
   */
  describe(isDefault: boolean, customized = false): Record<string, unknown> {
    const s = this.#settings;
    const workers: WorkerDescription[] = this.pool.describe();
    const d: Record<string, unknown> = {
      modelName: this.name,
      modelVersion: this.version,
      modelUrl: this.url,
      engine: "OnnxRuntime",
      runtime: this.archive.manifest.runtime,
      handler: this.handler.handler,
      isDefault,
      minWorkers: s.minWorkers,
      maxWorkers: s.maxWorkers,
      batchSize: s.batchSize,
      maxBatchDelay: s.maxBatchDelay,
      responseTimeout: s.responseTimeout,
      startupTimeout: s.startupTimeout,
      maxIdleTime: s.maxIdleTime,
      loadedAtStartup: this.loadedAtStartup,
      workers,
      jobQueueStatus: {
        remainingCapacity: this.batcher.remainingCapacity,
        pendingRequests: this.batcher.pending,
      },
    };
    if (customized) d.customizedMetadata = JSON.stringify(this.archive.metrics ?? {});
    return d;
  }

  /**
   * Stops taking requests, lets queued and running ones finish, stops the workers.
   *
   * @param timeoutMs how long in-flight requests may take before workers are stopped anyway
   */
  async close(timeoutMs = Infinity): Promise<void> {
    this.#closing = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = Number.isFinite(timeoutMs)
      ? new Promise<void>((r) => timer = setTimeout(r, timeoutMs))
      : new Promise<void>(() => {});
    const idle = this.#inflight === 0
      ? Promise.resolve()
      : new Promise<void>((r) => this.#idle.push(r));
    await Promise.race([Promise.all([idle, this.batcher.drain()]), limit]);
    clearTimeout(timer);
    this.#closed = true;
    this.batcher.rejectAll(ServeError.versionNotFound(this.name, this.version));
    await this.pool.close();
  }
}

function imageBytes(body: PredictBody): Uint8Array {
  if (body.kind === "bytes") return body.bytes;
  const v = body.value as Record<string, unknown> | null;
  const b64 = typeof v === "object" && v !== null ? v.data ?? v.body : undefined;
  if (typeof b64 !== "string") {
    throw ServeError.badRequest(
      `Expected image bytes, a multipart field "data", or JSON {"data": "<base64 image>"}`,
    );
  }
  try {
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch (err) {
    throw ServeError.badRequest(`Invalid base64 in "data": ${(err as Error).message}`);
  }
}

function checkHandlerFits(
  spec: HandlerSpec,
  io: { inputs: ValueInfo[]; outputs: ValueInfo[] },
  where: string,
): void {
  const input = io.inputs.find((i) => i.name === spec.input.name);
  const names = (list: ValueInfo[]) => list.map((i) => `"${i.name}"`).join(", ");
  if (!input) {
    throw ServeError.badRequest(
      `${where}: handler.json input "${spec.input.name}" is not a model input (${
        names(io.inputs)
      })`,
    );
  }
  if (!io.outputs.some((o) => o.name === spec.output.name)) {
    throw ServeError.badRequest(
      `${where}: handler.json output "${spec.output.name}" is not a model output (${
        names(io.outputs)
      })`,
    );
  }
  if (spec.handler !== "image_classifier") return;
  const fixed = (d: unknown) => typeof d === "number" && d >= 0;
  const agree = input.dims.length === spec.input.dims.length &&
    input.dims.every((d, i) => i === 0 || !fixed(d) || d === spec.input.dims[i]);
  if (input.dtype !== "float32" || !agree) {
    throw ServeError.badRequest(
      `${where}: model input "${input.name}" is ${input.dtype} [${input.dims.join(",")}], ` +
        `handler.json expects float32 [${spec.input.dims.join(",")}]`,
    );
  }
}
