import assert from "node:assert/strict";
import { join } from "node:path";
import {
  checkTensorsMatch,
  listCheckpoints,
  loadCheckpoint,
  resolveCheckpoint,
  saveCheckpoint,
} from "../../lib/train/checkpoint.ts";

const CKPT = {
  params: {
    "fc1.weight": { dtype: "float32", dims: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
    "bn.num_batches_tracked": { dtype: "int64", dims: [], data: new BigInt64Array([3n]) },
  },
  optimizer: {
    "fc1.weight.exp_avg": { dtype: "float32", dims: [2, 3], data: new Float32Array(6).fill(0.5) },
  },
  state: { step: 30, epoch: 2, iteration: 3, lr: 0.01, rng: { shuffle: [1, 2, 3, 4] } },
};

Deno.test("saveCheckpoint() and loadCheckpoint() round-trip tensors and state", async () => {
  const run = await Deno.makeTempDir();
  try {
    const dir = await saveCheckpoint(run, 3, CKPT);
    assert.equal(dir, join(run, "checkpoints", "checkpoint_000003"));
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["model.safetensors", "optimizer.safetensors", "state.json"]);
    const back = await loadCheckpoint(dir);
    assert.deepEqual(back.params["fc1.weight"].data, CKPT.params["fc1.weight"].data);
    assert.deepEqual(back.params["bn.num_batches_tracked"].data, new BigInt64Array([3n]));
    assert.deepEqual(back.optimizer["fc1.weight.exp_avg"].dims, [2, 3]);
    assert.deepEqual(back.state, CKPT.state);
  } finally {
    await Deno.remove(run, { recursive: true });
  }
});

Deno.test("listCheckpoints() and resolveCheckpoint() find the latest", async () => {
  const run = await Deno.makeTempDir();
  try {
    assert.deepEqual(await listCheckpoints(run), []);
    await saveCheckpoint(run, 1, CKPT);
    await saveCheckpoint(run, 12, CKPT);
    await saveCheckpoint(run, 4, CKPT);
    assert.deepEqual((await listCheckpoints(run)).map((c) => c.index), [1, 4, 12]);
    assert.equal(await resolveCheckpoint(run), join(run, "checkpoints", "checkpoint_000012"));
    const one = join(run, "checkpoints", "checkpoint_000004");
    assert.equal(await resolveCheckpoint(one), one);
  } finally {
    await Deno.remove(run, { recursive: true });
  }
});

Deno.test("resolveCheckpoint() says when a run has no checkpoint", async () => {
  const run = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () => resolveCheckpoint(run),
      /Cannot resume from ".*": no checkpoint there/,
    );
  } finally {
    await Deno.remove(run, { recursive: true });
  }
});

Deno.test("saveCheckpoint() keeps the old checkpoint when writing fails", async () => {
  const run = await Deno.makeTempDir();
  try {
    await saveCheckpoint(run, 2, CKPT);
    const bad = {
      ...CKPT,
      params: { w: { dtype: "float32", dims: [5], data: new Float32Array(2) } },
    };
    await assert.rejects(() => saveCheckpoint(run, 2, bad), RangeError);
    const back = await loadCheckpoint(join(run, "checkpoints", "checkpoint_000002"));
    assert.ok(back.params["fc1.weight"]);
    assert.deepEqual([...Deno.readDirSync(join(run, "checkpoints"))].map((e) => e.name), [
      "checkpoint_000002",
    ]);
  } finally {
    await Deno.remove(run, { recursive: true });
  }
});

Deno.test("loadCheckpoint() names the missing file", async () => {
  const run = await Deno.makeTempDir();
  try {
    const dir = await saveCheckpoint(run, 1, CKPT);
    await Deno.remove(join(dir, "optimizer.safetensors"));
    await assert.rejects(() => loadCheckpoint(dir), /missing optimizer\.safetensors/);
  } finally {
    await Deno.remove(run, { recursive: true });
  }
});

Deno.test("checkTensorsMatch() names the first mismatch", () => {
  const expected = new Map([["fc1.weight", [2, 3]], ["bn.num_batches_tracked", []]]);
  checkTensorsMatch(CKPT.params, expected, "c");
  assert.throws(
    () => checkTensorsMatch(CKPT.params, new Map([["fc1.weight", [3, 2]]]), "c"),
    /"fc1\.weight" has dims \[2,3\], expected \[3,2\]/,
  );
  assert.throws(
    () => checkTensorsMatch(CKPT.params, new Map([...expected, ["fc2.bias", [4]]]), "c"),
    /no tensor "fc2\.bias"/,
  );
  assert.throws(
    () => checkTensorsMatch(CKPT.params, new Map([["fc1.weight", [2, 3]]]), "c"),
    /unexpected tensor "bn\.num_batches_tracked"/,
  );
});
