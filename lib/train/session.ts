/**
 * `TrainSession`: runs the training artifacts in onnxruntime-node. Parameters,
 * optimizer state and running statistics live in preallocated buffers, two per
 * slot: a step reads one and ORT writes the updated values straight into the
 * other, then they swap — no per-step allocation of the model. The ORT
 * tensors over both buffers of every slot are made once, so a step hands ORT
 * the same objects each time (converting some hundred tensors per step
 * costs as much as the small models' kernels).
 *
 * @module
 */
import type * as ort from "onnxruntime-node";
import {
  type Model,
  Session,
  type SessionOptions,
  type Tensor,
  tensor,
  toOrtTensor,
} from "../onnx/mod.ts";
import { exportInferenceModel, type TrainingArtifacts } from "./artifacts.ts";
import { type Checkpoint, type CheckpointState, checkTensorsMatch } from "./checkpoint.ts";
import { GRAD_NORM_OUTPUT, GRAD_NORM_WANTED_INPUT, LR_INPUT, STEP_INPUT } from "./optimizer.ts";

/** Options of {@linkcode TrainSession.create}. */
export interface TrainSessionOptions {
  /** Intra-op threads (default: one per core). */
  threads?: number;
  /** Run the fused train step (default) or the training and optimizer graphs in turn. */
  fused?: boolean;
  /** Initial weights by name (default: the artifacts' initial values). */
  weights?: Map<string, Tensor>;
  /** More ORT session options (execution providers, profiling…). */
  session?: SessionOptions;
}

/** A mini-batch: inputs `[B, …]` float32 and labels `[B]` int64. */
export interface TrainBatch {
  x: Tensor;
  y: Tensor;
}

/** Options of {@linkcode TrainSession.trainStep}. */
export interface StepOptions {
  lr: number;
  /** Also return the batch's logits. */
  logits?: boolean;
  /**
   * Compute the global gradient norm (default true). Without clipping it
   * costs a pass over every gradient, so a loop may ask only on the steps
   * it logs; with clipping it is always computed.
   */
  gradNorm?: boolean;
}

/** What one training step reports. */
export interface StepResult {
  /** Loss of the forward pass before this step's update. */
  loss: number;
  /** Global L2 norm of the gradients, before clipping (NaN when not asked for). */
  gradNorm: number;
  /** Logits of the batch (when asked for). */
  logits?: Tensor;
}

/**
 * Two buffers per slot and their ORT tensors; `buffers[parity]` is fed,
 * the other receives the update.
 */
interface Slot {
  name: string;
  dims: number[];
  buffers: [Float32Array, Float32Array];
  ort: [ort.Tensor, ort.Tensor];
}

function slot(name: string, dims: number[], init?: Tensor): Slot {
  const n = numel({ dims });
  const buffers: Slot["buffers"] = [new Float32Array(n), new Float32Array(n)];
  if (init) buffers[0].set(init.data as Float32Array);
  return {
    name,
    dims,
    buffers,
    ort: [
      toOrtTensor(tensor("float32", dims, buffers[0])),
      toOrtTensor(tensor("float32", dims, buffers[1])),
    ],
  };
}

/** Element count of a slot. */
function numel(s: { dims: number[] }): number {
  return s.dims.reduce((a, b) => a * b, 1);
}

/** Feeds and fetches of the fused step for one parity of the buffers. */
interface FusedBinding {
  feeds: Record<string, ort.Tensor>;
  into: Record<string, ort.Tensor>;
}

/** A float32 scalar whose ORT tensor is made once. */
function scalarSlot(): { data: Float32Array; ort: ort.Tensor } {
  const data = new Float32Array(1);
  return { data, ort: toOrtTensor(tensor("float32", [], data)) };
}

/**
 * ORT settings of training sessions. NOTE: ORT's NCHWc layout (level "all")
 * cannot take the trainable convolutions (their kernels are inputs), only the
 * pools around them and the gradient's own constant-kernel convs, and then
 * reorders full-size activations in and out around each: without it the cnn's
 * step runs 5% faster on one thread, 2-4% on two.
 */
const TRAINING_CONFIG: Record<string, string> = {
  "optimization.disable_specified_optimizers": "NchwcTransformer",
};

/** Training and evaluation over generated artifacts. */
export class TrainSession {
  readonly artifacts: TrainingArtifacts;
  #step: Session;
  #eval: Session;
  #opt?: Session;
  #params: Slot[];
  #states: Slot[][];
  #buffers: Slot[];
  #frozen: Map<string, Tensor>;
  #steps = 0;
  /** Which buffer of every slot holds the current values. */
  #parity: 0 | 1 = 0;
  #scalars = {
    loss: scalarSlot(),
    gradNorm: scalarSlot(),
    lr: scalarSlot(),
    step: scalarSlot(),
  };
  /** The bool fed as `compute_grad_norm` (absent from graphs that clip). */
  #wantNorm?: { data: Uint8Array; ort: ort.Tensor };
  /** Fused step feeds and fetches per parity, batch and logits left to fill. */
  #bindings?: [FusedBinding, FusedBinding];
  #logits = new Map<number, { data: Float32Array; ort: ort.Tensor }>();
  #classes: number;

  private constructor(
    artifacts: TrainingArtifacts,
    sessions: { step: Session; eval: Session; opt?: Session },
    weights: Map<string, Tensor>,
  ) {
    this.artifacts = artifacts;
    this.#step = sessions.step;
    this.#eval = sessions.eval;
    this.#opt = sessions.opt;
    this.#params = artifacts.params.map((p) => slot(p.name, p.dims, weights.get(p.name)));
    this.#states = artifacts.params.map((p, i) => artifacts.states[i]!.map((s) => slot(s, p.dims)));
    this.#buffers = artifacts.buffers.map((b) => slot(b.name, b.dims, weights.get(b.name)));
    const live = new Set([...artifacts.params, ...artifacts.buffers].map((s) => s.name));
    this.#frozen = new Map([...weights].filter(([k]) => !live.has(k)));
    const out = artifacts.eval.graph.outputs.find((o) => o.name === artifacts.logits);
    this.#classes = Number(out?.dims?.[1] ?? 0);
    if (!((artifacts.optimizerSpec.maxGradNorm ?? 0) > 0)) {
      const data = new Uint8Array(1);
      this.#wantNorm = { data, ort: toOrtTensor(tensor("bool", [], data)) };
    }
    if (!this.#opt) this.#bindings = [this.#fusedBinding(0), this.#fusedBinding(1)];
  }

  /**
   * Opens ORT sessions on the artifacts.
   *
   * @param artifacts from `generateArtifacts`
   * @param options threads, fused or split step, initial weights
   * @returns the session; call `release()` when done
   */
  static async create(
    artifacts: TrainingArtifacts,
    options: TrainSessionOptions = {},
  ): Promise<TrainSession> {
    const { fused = true, threads = navigator.hardwareConcurrency } = options;
    const opts: SessionOptions = {
      intraOpThreads: threads,
      interOpThreads: 1,
      graphOptimizationLevel: "all",
      executionMode: "sequential",
      ...options.session,
      config: { ...TRAINING_CONFIG, ...options.session?.config },
    };
    const weights = options.weights ?? artifacts.initial;
    const step = await Session.create(fused ? artifacts.trainStep : artifacts.training, opts);
    const evalSession = await Session.create(artifacts.eval, opts);
    const opt = fused ? undefined : await Session.create(artifacts.optimizer, opts);
    return new TrainSession(artifacts, { step, eval: evalSession, opt }, weights);
  }

  /** Optimizer steps taken so far. */
  get steps(): number {
    return this.#steps;
  }

  #checkBatch(batch: TrainBatch): number {
    const { x, y } = batch;
    if (x.dtype !== "float32") {
      throw new TypeError(
        `TrainBatch input "${this.artifacts.input}" must be float32, got ${x.dtype}`,
      );
    }
    if (y.dtype !== "int64") {
      throw new TypeError(`Labels "${this.artifacts.labels}" must be int64, got ${y.dtype}`);
    }
    const b = x.dims[0]!;
    if (y.dims.length !== 1 || y.dims[0] !== b) {
      throw new RangeError(
        `Labels "${this.artifacts.labels}" have dims [${y.dims}], expected [${b}] to match the batch`,
      );
    }
    return b;
  }

  /** Every slot that a step updates: parameters, optimizer states, running statistics. */
  #allSlots(): Slot[] {
    return [...this.#params, ...this.#states.flat(), ...this.#buffers];
  }

  #fusedBinding(parity: 0 | 1): FusedBinding {
    const a = this.artifacts;
    const feeds: Record<string, ort.Tensor> = {
      [LR_INPUT]: this.#scalars.lr.ort,
      [STEP_INPUT]: this.#scalars.step.ort,
    };
    const into: Record<string, ort.Tensor> = {
      [a.loss]: this.#scalars.loss.ort,
      [GRAD_NORM_OUTPUT]: this.#scalars.gradNorm.ort,
    };
    if (this.#wantNorm) feeds[GRAD_NORM_WANTED_INPUT] = this.#wantNorm.ort;
    for (const s of this.#allSlots()) feeds[s.name] = s.ort[parity];
    for (const s of [...this.#params, ...this.#states.flat()]) {
      into[`${s.name}.updated`] = s.ort[1 - parity]!;
    }
    for (const s of this.#buffers) into[a.updates.get(s.name)!] = s.ort[1 - parity]!;
    return { feeds, into };
  }

  /** The current values of a slot. */
  #current(s: Slot): Float32Array {
    return s.buffers[this.#parity];
  }

  #feeds(batch: TrainBatch, slots: Slot[]): Record<string, Tensor | ort.Tensor> {
    const feeds: Record<string, Tensor | ort.Tensor> = {
      [this.artifacts.input]: batch.x,
      [this.artifacts.labels]: batch.y,
    };
    for (const s of slots) feeds[s.name] = s.ort[this.#parity];
    return feeds;
  }

  #logitsBuffer(b: number): { data: Float32Array; ort: ort.Tensor } {
    let buf = this.#logits.get(b);
    if (!buf) {
      const data = new Float32Array(b * this.#classes);
      buf = { data, ort: toOrtTensor(tensor("float32", [b, this.#classes], data)) };
      this.#logits.set(b, buf);
    }
    return buf;
  }

  /**
   * One optimizer step on a batch.
   *
   * @param batch inputs and labels
   * @param options learning rate; `logits: true` also returns the batch's
   *   logits; `gradNorm: false` skips the gradient norm
   * @returns loss (before the update) and gradient norm
   * @throws {TypeError|RangeError} for a batch of the wrong dtype or shape, before ORT runs
   */
  async trainStep(batch: TrainBatch, options: StepOptions): Promise<StepResult> {
    const b = this.#checkBatch(batch);
    const a = this.artifacts;
    this.#scalars.lr.data[0] = options.lr;
    this.#scalars.step.data[0] = this.#steps + 1;
    if (this.#wantNorm) this.#wantNorm.data[0] = options.gradNorm === false ? 0 : 1;
    const logits = options.logits ? this.#logitsBuffer(b) : undefined;
    if (this.#opt) {
      const feeds = this.#feeds(batch, [...this.#params, ...this.#buffers]);
      const into: Record<string, ort.Tensor> = { [a.loss]: this.#scalars.loss.ort };
      if (logits) into[a.logits] = logits.ort;
      for (const s of this.#buffers) into[a.updates.get(s.name)!] = s.ort[1 - this.#parity]!;
      await this.#splitStep(feeds, into);
    } else {
      const { feeds, into } = this.#bindings![this.#parity];
      feeds[a.input] = toOrtTensor(batch.x);
      feeds[a.labels] = toOrtTensor(batch.y);
      if (logits) into[a.logits] = logits.ort;
      try {
        await this.#step.run(feeds, { into });
      } finally {
        delete into[a.logits];
      }
    }
    this.#parity = this.#parity === 0 ? 1 : 0;
    this.#steps++;
    const result: StepResult = {
      loss: this.#scalars.loss.data[0]!,
      gradNorm: this.#scalars.gradNorm.data[0]!,
    };
    if (logits) result.logits = tensor("float32", [b, this.#classes], logits.data.slice());
    return result;
  }

  /** Training graph then optimizer graph (the non-fused path, for checks and profiling). */
  async #splitStep(
    feeds: Record<string, Tensor | ort.Tensor>,
    into: Record<string, ort.Tensor>,
  ): Promise<void> {
    const grads = this.#params.map((p) => tensor("float32", p.dims, new Float32Array(numel(p))));
    this.#params.forEach((p, i) => into[`${p.name}_grad`] = toOrtTensor(grads[i]!));
    await this.#step.run(feeds, { into });
    const next = (s: Slot) => s.ort[1 - this.#parity]!;
    const optFeeds: Record<string, Tensor | ort.Tensor> = {
      [LR_INPUT]: this.#scalars.lr.ort,
      [STEP_INPUT]: this.#scalars.step.ort,
    };
    const optInto: Record<string, ort.Tensor> = {
      [GRAD_NORM_OUTPUT]: this.#scalars.gradNorm.ort,
    };
    if (this.#wantNorm) optFeeds[GRAD_NORM_WANTED_INPUT] = this.#wantNorm.ort;
    this.#params.forEach((p, i) => {
      optFeeds[p.name] = p.ort[this.#parity];
      optFeeds[`${p.name}_grad`] = grads[i]!;
      optInto[`${p.name}.updated`] = next(p);
      for (const s of this.#states[i]!) {
        optFeeds[s.name] = s.ort[this.#parity];
        optInto[`${s.name}.updated`] = next(s);
      }
    });
    await this.#opt!.run(optFeeds, { into: optInto });
  }

  /**
   * Eval-mode loss and logits of a batch with the current weights.
   *
   * @param batch inputs and labels
   * @returns mean loss and logits `[B, classes]`
   */
  async evaluate(batch: TrainBatch): Promise<{ loss: number; logits: Tensor }> {
    this.#checkBatch(batch);
    const out = await this.#eval.run(this.#feeds(batch, [...this.#params, ...this.#buffers]));
    const loss = (out[this.artifacts.loss]!.data as Float32Array)[0]!;
    return { loss, logits: out[this.artifacts.logits]! };
  }

  /** Current weights (copies): parameters, running statistics and frozen weights. */
  weights(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const s of [...this.#params, ...this.#buffers]) {
      out.set(s.name, tensor("float32", s.dims, this.#current(s).slice()));
    }
    for (const [k, t] of this.#frozen) out.set(k, t);
    return out;
  }

  /** The eval forward with the current weights, ready to save or archive. */
  inferenceModel(): Model {
    return exportInferenceModel(this.artifacts, this.weights());
  }

  /**
   * A checkpoint of the current state (`state.step` is filled in).
   *
   * @param state loop progress to keep beside the tensors
   * @returns tensors and state
   */
  checkpoint(state: Omit<CheckpointState, "step">): Checkpoint {
    const params: Checkpoint["params"] = {};
    for (const [k, t] of this.weights()) {
      if (t.dtype === "float32") params[k] = t as Checkpoint["params"][string];
    }
    const optimizer: Checkpoint["optimizer"] = {};
    for (const s of this.#states.flat()) {
      optimizer[s.name] = tensor("float32", s.dims, this.#current(s).slice());
    }
    return { params, optimizer, state: { ...state, step: this.#steps } as CheckpointState };
  }

  /**
   * Restores weights, optimizer state and the step count from a checkpoint.
   *
   * @param ckpt a checkpoint of the same model and optimizer
   * @param where its path, for messages
   * @throws {RangeError} naming the first tensor that is missing or has other dims
   */
  restore(ckpt: Checkpoint, where: string): void {
    const live = new Map([...this.#params, ...this.#buffers].map((s) => [s.name, s.dims]));
    const expected = new Map(live);
    for (const name of Object.keys(ckpt.params)) {
      const t = this.#frozen.get(name);
      if (t && !live.has(name)) expected.set(name, t.dims);
    }
    checkTensorsMatch(ckpt.params, expected, where);
    checkTensorsMatch(
      ckpt.optimizer,
      new Map(this.#states.flat().map((s) => [s.name, s.dims])),
      where,
    );
    for (const s of [...this.#params, ...this.#buffers]) {
      this.#current(s).set(ckpt.params[s.name]!.data as Float32Array);
    }
    for (const s of this.#states.flat()) {
      this.#current(s).set(ckpt.optimizer[s.name]!.data as Float32Array);
    }
    this.#steps = ckpt.state.step;
  }

  /** Replaces weights by name (e.g. from a parent run); unknown names are refused. */
  setWeights(weights: Map<string, Tensor>): void {
    for (const [name, t] of weights) {
      const s = [...this.#params, ...this.#buffers].find((x) => x.name === name);
      if (s) {
        if (t.data.length !== this.#current(s).length) {
          throw new RangeError(`Cannot set "${name}": dims [${t.dims}], expected [${s.dims}]`);
        }
        this.#current(s).set(t.data as Float32Array);
      } else if (this.#frozen.has(name)) {
        this.#frozen.set(name, t);
      } else {
        throw new RangeError(`Cannot set "${name}": the model has no such weight`);
      }
    }
  }

  /** Frees the ORT sessions. */
  async release(): Promise<void> {
    await this.#step.release();
    await this.#eval.release();
    await this.#opt?.release();
  }
}
