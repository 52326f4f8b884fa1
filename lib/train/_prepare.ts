// Everything a run reads and checks before it writes a file: the resume point, the data,
// the model (does it fit the data?), the artifacts, initial weights and the ORT session.

import { cudaAvailable, type Dim, type Tensor } from "../onnx/mod.ts";
import { generateArtifacts } from "./artifacts.ts";
import { loadExperimentData } from "./experiment_data.ts";
import { buildForward, type InitReport, initWeights } from "./experiment_model.ts";
import { findResumePoint } from "./resume.ts";
import { TrainSession } from "./session.ts";
import type { ExperimentSettings } from "./settings.ts";

/** What {@linkcode prepare} hands the run. */
export type Prepared = Awaited<ReturnType<typeof prepare>>;

/** Everything that reads input and can fail, before any file is written. */
export async function prepare(s: ExperimentSettings) {
  const resume = s.trainer.resume ? await findResumePoint(s.trainer.resume) : null;
  const data = await loadExperimentData(s.data);
  const forward = await buildForward(s);
  checkModelFitsData(s, forward.graph.inputs[0]?.dims, forward.graph.outputs[0]?.dims, data);
  const artifacts = generateArtifacts(forward, {
    optimizer: s.optimizer,
    loss: {
      kind: s.loss.kind,
      labelSmoothing: s.loss.labelSmoothing,
      ...(s.loss.kind === "taylor_cross_entropy" ? { order: s.loss.order } : {}),
    },
  });
  let init: { weights: Map<string, Tensor>; report: InitReport } | null = null;
  if (s.trainer.initFrom && !resume) {
    init = await initWeights(s.trainer.initFrom, artifacts.initial);
  }
  if (s.trainer.device === "cuda" && !cudaAvailable()) {
    throw new RangeError(
      `Invalid trainer.device "cuda": ONNX Runtime's CUDA provider is not installed (valid here: cpu)`,
    );
  }
  const session = await TrainSession.create(artifacts, {
    threads: s.trainer.threads,
    weights: init?.weights,
    session: { executionProviders: s.trainer.device === "cuda" ? ["cuda", "cpu"] : ["cpu"] },
  });
  try {
    if (resume) session.restore(resume.checkpoint, resume.dir);
  } catch (err) {
    await session.release();
    throw err;
  }
  return { resume, data, artifacts, init, session };
}

function checkModelFitsData(
  s: ExperimentSettings,
  input: readonly Dim[] | undefined,
  output: readonly Dim[] | undefined,
  data: Awaited<ReturnType<typeof loadExperimentData>>,
): void {
  const name = s.modelPath ?? String(s.model.name);
  const want = input?.slice(1);
  if (data.sampleDims && want && want.every((d) => typeof d === "number")) {
    const numel = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);
    // A flat input (the mlp) takes the sample's pixels in CHW order.
    const flat = want.length === 1 && want[0] === numel(data.sampleDims);
    if (!flat && want.join("x") !== data.sampleDims.join("x")) {
      throw new RangeError(
        `Cannot train "${name}" on "${s.data.name}": samples are ${
          data.sampleDims.join("x")
        } after the transforms, the model takes ${want.join("x")} ` +
          `(set model.input_shape or the data's image_shape/transforms)`,
      );
    }
  }
  const classes = output?.[1];
  if (typeof classes === "number" && classes !== data.classes.length) {
    throw new RangeError(
      `Cannot train "${name}" on "${s.data.name}": the model has ${classes} outputs, ` +
        `the data has ${data.classes.length} classes (set model.num_classes=${data.classes.length})`,
    );
  }
}
