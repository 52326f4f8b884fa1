// The training loop in this process: the run directory, metrics records, mixed-size last
// batches, checkpoints kept, early stopping, init_from, model.path, seeded dropout and an
// in-process abort + resume.

import assert from "node:assert/strict";
import { join } from "node:path";
import { DataLoader } from "../../lib/data/mod.ts";
import { loadModel, Session, tensor } from "../../lib/onnx/mod.ts";
import { argmaxRows } from "../../lib/track/mod.ts";
import {
  listCheckpoints,
  loadCheckpoint,
  loadExperimentData,
  readSettings,
} from "../../lib/train/mod.ts";
import { SHARED_DIR, sharedPath } from "../_shared.ts";
import {
  abortWhen,
  compose,
  experiment,
  inTempDir,
  listFiles,
  recordValues,
  TINY,
} from "./_experiment.ts";

Deno.test("runExperiment() writes a complete run directory", async () => {
  await inTempDir(async (cwd) => {
    const r = await experiment([...TINY, "trainer.training_iters=2"], cwd);
    assert.equal(r.status, "finished");
    const files = listFiles(r.runDir);
    for (
      const f of [
        ".hydra/config.yaml",
        ".hydra/hydra.yaml",
        ".hydra/overrides.yaml",
        "artifacts/eval_model.onnx",
        "artifacts/inference_model.onnx",
        "artifacts/optimizer_model.onnx",
        "artifacts/train_step.onnx",
        "artifacts/training_model.onnx",
        "checkpoints/checkpoint_000001/inference_model.onnx",
        "checkpoints/checkpoint_000002/model.safetensors",
        "checkpoints/checkpoint_000002/optimizer.safetensors",
        "checkpoints/checkpoint_000002/state.json",
        "config.yaml",
        "metrics.jsonl",
        "model.onnx",
        "params.json",
        "results.json",
        "train.log",
      ]
    ) assert.ok(files.includes(f), `${f} missing from ${files.join(", ")}`);
    const results = JSON.parse(await Deno.readTextFile(join(r.runDir, "results.json")));
    assert.equal(results.progress.iterations, 2);
    assert.equal(results.paths.last_checkpoint, "checkpoints/checkpoint_000002");
    assert.deepEqual(Object.keys(results.best).sort(), [
      "test_accuracy",
      "test_f1_macro",
      "test_f1_micro",
      "test_f1_weighted",
      "test_loss",
      "train_loss",
    ]);
    assert.equal(results.final.test_confusion_matrix.length, 10);
    assert.equal(results.data.classes.length, 10);
    assert.deepEqual(results, r.results);
    const params = JSON.parse(await Deno.readTextFile(join(r.runDir, "params.json")));
    assert.equal(params.model.name, "mlp");
    const log = await Deno.readTextFile(join(r.runDir, "train.log"));
    assert.match(log, /\]\[train\]\[INFO\] - iteration 2\/2 \| lr 0\.001000 \| train_loss /);
    assert.match(r.output, /epoch 2\/2 100%\|#+\| 239\/239 \[.*samples\/s\]/);
  });
});

Deno.test("model.onnx holds the final weights: its test accuracy is results.json's", async () => {
  await inTempDir(async (cwd) => {
    const args = [...TINY, "trainer.training_iters=2"];
    const r = await experiment(args, cwd);
    const settings = readSettings(compose(args, cwd).config.job().toObject());
    const data = await loadExperimentData(settings.data);
    await using loader = await DataLoader.create(data.test, {
      batchSize: 1000,
      transforms: data.testPipeline,
    });
    const session = await Session.create(await loadModel(join(r.runDir, "model.onnx")));
    let correct = 0;
    for await (const b of loader.epoch(0)) {
      const out = await session.run({ input: tensor("float32", [b.dims[0], 784], b.x) });
      const pred = argmaxRows(out.logits!.data as Float32Array, 10);
      correct += pred.filter((p, i) => BigInt(p) === b.y[i]).length;
    }
    await session.release();
    const final = r.results.final as Record<string, number>;
    assert.equal(correct / data.test.length, final.test_accuracy);
  });
});

Deno.test("the loop logs a train record every log_every_n_steps and a test record per iteration", async () => {
  await inTempDir(async (cwd) => {
    // 239 train digits in batches of 50: 4 full batches and a last one of 39.
    const r = await experiment([...TINY, "trainer.training_iters=2", "trainer.batch_size=50"], cwd);
    const recs = await recordValues(r.runDir);
    const train = recs.filter((x) => x.split === "train");
    const test = recs.filter((x) => x.split === "test");
    assert.deepEqual(train.map((x) => x.step), [2, 4, 6, 8, 10]);
    assert.deepEqual(test.map((x) => [x.step, x.iteration, x.epoch]), [[5, 0, 0], [10, 1, 1]]);
    assert.equal((r.results.progress as Record<string, number>).samples, 478);
    const dropped = await experiment(
      [
        ...TINY,
        "trainer.training_iters=2",
        "trainer.batch_size=50",
        "trainer.drop_last=true",
        "run_name=dropped",
      ],
      cwd,
    );
    assert.equal((dropped.results.progress as Record<string, number>).steps, 8);
    assert.equal((dropped.results.progress as Record<string, number>).samples, 400);
  });
});

Deno.test("checkpoints are kept every checkpoint_freq iterations, plus the best and the last", async () => {
  await inTempDir(async (cwd) => {
    const r = await experiment([
      ...TINY,
      "trainer.training_iters=5",
      "trainer.checkpoint_freq=2",
      "trainer.monitor=test_accuracy",
      "trainer.early_stopping_patience=null",
    ], cwd);
    const kept = (await listCheckpoints(r.runDir)).map((c) => c.index);
    const best = (r.results.best as Record<string, { iteration: number }>).test_accuracy!.iteration;
    assert.deepEqual(kept, [...new Set([2, 4, 5, best])].sort((a, b) => a - b));
    const paths = r.results.paths as Record<string, string>;
    assert.equal(paths.best_checkpoint, `checkpoints/checkpoint_${String(best).padStart(6, "0")}`);
    const ckpt = await loadCheckpoint(join(r.runDir, paths.best_checkpoint!));
    assert.equal(ckpt.state.iteration, best);
  });
});

Deno.test("early stopping ends the run after patience iterations without improvement", async () => {
  await inTempDir(async (cwd) => {
    // lr 0: the accuracy never changes, so the second evaluation is the first without gain.
    const r = await experiment([
      ...TINY,
      "trainer.training_iters=5",
      "optimizer.lr=0",
      "trainer.monitor=test_accuracy",
      "trainer.early_stopping_patience=1",
    ], cwd);
    assert.equal(r.status, "early_stopped");
    assert.equal(r.results.early_stopped, true);
    assert.equal((r.results.progress as Record<string, number>).iterations, 2);
    assert.match(r.output, /Early stopping: test_accuracy did not improve for 1 iterations/);
    assert.equal(
      r.results.paths && (r.results.paths as Record<string, string>).last_checkpoint,
      "checkpoints/checkpoint_000002",
    );
  });
});

Deno.test("trainer.init_from starts from another run's weights (run dir, checkpoint, .onnx)", async () => {
  await inTempDir(async (cwd) => {
    const parent = await experiment([...TINY, "trainer.training_iters=1", "run_name=parent"], cwd);
    const parentAcc = (parent.results.final as Record<string, number>).test_accuracy;
    const sources = [
      parent.runDir,
      join(parent.runDir, "checkpoints", "checkpoint_000001"),
      join(parent.runDir, "model.onnx"),
    ];
    for (const [i, source] of sources.entries()) {
      // lr 0 and a new seed: only copied weights give the parent's accuracy.
      const child = await experiment([
        ...TINY,
        "trainer.training_iters=1",
        "optimizer.lr=0",
        "seed=7",
        `run_name=child${i}`,
        `trainer.init_from=${source}`,
      ], cwd);
      assert.equal((child.results.final as Record<string, number>).test_accuracy, parentAcc);
      assert.equal((child.results.init_from as Record<string, number>).matched, 4);
      assert.match(child.output, /Initialized 4 weights from /);
    }
  });
});

Deno.test("an abort saves a checkpoint; resuming gives the uninterrupted run's records", async () => {
  await inTempDir(async (cwd) => {
    const args = [
      ...TINY,
      "trainer.training_iters=3",
      "scheduler=cosine",
      "scheduler.interval=step",
    ];
    const full = await experiment([...args, "run_name=full"], cwd);
    // Aborted after the first step of the second iteration.
    const cut = await experiment([...args, "run_name=cut"], cwd, abortWhen("epoch 2/3"));
    assert.equal(cut.status, "interrupted");
    assert.ok(cut.checkpoint?.endsWith("checkpoint_000002"), String(cut.checkpoint));
    const state = (await loadCheckpoint(cut.checkpoint!)).state;
    assert.ok((state.batch as number) > 0, "the checkpoint is inside the epoch");
    // Resumed from the checkpoint folder itself (a run directory works too).
    const resumed = await experiment([...args, `trainer.resume=${cut.checkpoint}`], cwd);
    assert.equal(resumed.runDir, cut.runDir);
    assert.equal(resumed.status, "finished");
    assert.deepEqual(await recordValues(cut.runDir), await recordValues(full.runDir));
    assert.deepEqual(resumed.results.final, full.results.final);
    assert.deepEqual(resumed.results.best, full.results.best);
  });
});

Deno.test("resuming a finished run changes none of its figures or records", async () => {
  await inTempDir(async (cwd) => {
    const done = await experiment([...TINY, "trainer.training_iters=2"], cwd);
    const records = await Deno.readTextFile(join(done.runDir, "metrics.jsonl"));
    const again = await experiment([
      ...TINY,
      "trainer.training_iters=2",
      `trainer.resume=${done.runDir}`,
    ], cwd);
    assert.equal(again.status, "finished");
    assert.deepEqual(again.results.final, done.results.final);
    assert.deepEqual(again.results.paths, done.results.paths);
    assert.equal(await Deno.readTextFile(join(done.runDir, "metrics.jsonl")), records);
  });
});

Deno.test({
  name: "model.path trains an ONNX export instead of the zoo network",
  ignore: !SHARED_DIR,
  fn: async () => {
    await inTempDir(async (cwd) => {
      const path = sharedPath("data/models/mnist/mlp.train.onnx");
      const r = await experiment([...TINY, `+model.path=${path}`], cwd);
      assert.equal(r.results.model, path);
      // The reference mlp: 784→256→128→10, not the tiny budget's hidden=[32].
      assert.equal(r.results.parameters, 235146);
      assert.match(r.output, /Model .*mlp\.train\.onnx: 235146 trainable parameters/);
    });
  },
});

Deno.test("two runs with the same seed and dropout log the same records", async () => {
  await inTempDir(async (cwd) => {
    const args = [...TINY, "model.dropout=0.3", "trainer.training_iters=2"];
    const a = await experiment([...args, "run_name=a"], cwd);
    const b = await experiment([...args, "run_name=b"], cwd);
    assert.deepEqual(await recordValues(a.runDir), await recordValues(b.runDir));
    const c = await experiment([...args, "run_name=c", "seed=5"], cwd);
    assert.notDeepEqual(await recordValues(c.runDir), await recordValues(a.runDir));
  });
});
