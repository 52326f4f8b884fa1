// readSettings() over the project's own conf/ and over bad values.

import assert from "node:assert/strict";
import { readSettings } from "../../lib/train/mod.ts";
import { compose } from "./_experiment.ts";

function settingsOf(args: string[]) {
  return readSettings(compose(args, Deno.cwd()).config.job().toObject());
}

Deno.test("readSettings() reads the default experiment", () => {
  const s = settingsOf([]);
  assert.equal(s.model.name, "cnn");
  assert.equal(s.data.name, "mnist");
  assert.deepEqual(s.data.normalize, { mean: [0.1307], std: [0.3081] });
  assert.equal(s.optimizer.name, "adam");
  assert.equal(s.trainer.threads, navigator.hardwareConcurrency);
  assert.equal(s.trainer.monitor, "test_loss");
  assert.equal(s.loss.kind, "cross_entropy");
  assert.equal(s.wandb.group, "cnn");
});

Deno.test("readSettings() maps snake_case keys onto the optimizer and scheduler specs", () => {
  const s = settingsOf([
    "optimizer=sgd",
    "optimizer.momentum=0.9",
    "optimizer.nesterov=true",
    "optimizer.weight_decay=5e-4",
    "trainer.grad_clip=1.0",
    "scheduler=warmup_cosine",
    "scheduler.warmup_epochs=2",
    "scheduler.interval=step",
  ]);
  assert.deepEqual(s.optimizer, {
    name: "sgd",
    momentum: 0.9,
    nesterov: true,
    dampening: 0,
    weightDecay: 5e-4,
    maxGradNorm: 1,
  });
  assert.deepEqual(s.scheduler, {
    name: "warmup_cosine",
    interval: "step",
    minLr: 0,
    warmupEpochs: 2,
    warmupStartFactor: 0.1,
  });
  assert.equal(settingsOf(["~scheduler"]).scheduler.name, "constant");
});

Deno.test("readSettings() names each bad value and what is valid", () => {
  const cases: [string, RegExp][] = [
    ["trainer.batch_size=abc", /Invalid trainer\.batch_size "abc": expected a positive integer$/],
    ["trainer.batch_size=0", /Invalid trainer\.batch_size 0: expected a positive integer$/],
    [
      "trainer.epochs_per_iteration=1.5",
      /Invalid trainer\.epochs_per_iteration 1\.5: expected a positive integer$/,
    ],
    ["trainer.drop_last=maybe", /Invalid trainer\.drop_last "maybe": expected true or false$/],
    ["trainer.device=tpu", /Invalid trainer\.device "tpu": expected one of cpu, cuda$/],
    ["trainer.grad_clip=-1", /Invalid trainer\.grad_clip -1: expected a number >= 0$/],
    ["optimizer.betas=[0.9]", /Invalid optimizer\.betas \[0\.9\]: expected a list of 2 numbers$/],
    ["data.test_size=2", /Invalid data\.test_size 2: expected a number in \[0, 1\]$/],
    [
      "loss.label_smoothing=x",
      /Invalid loss\.label_smoothing "x": expected a number in \[0, 1\]$/,
    ],
  ];
  for (const [override, message] of cases) {
    assert.throws(() => settingsOf([override]), message, override);
  }
  assert.throws(
    () =>
      readSettings({
        model: { name: "mlp" },
        data: { name: "mnist" },
        optimizer: { name: "sgd", lr: 1 },
      }),
    /^TypeError: Missing trainer: expected a config section$/,
  );
});
