/**
 * Loader throughput on mnist's 8,000 training digits, batch 64, beside a bare loop that
 * only slices pre-made batches, all in the same run. Then a busy consumer (a synthetic
 * 2 ms "training step" per batch): the time it waits for data shows whether prefetching
 * in workers hides the augmentation.
 *
 * Run: `deno run -A bench/data.ts`
 *
 * @module
 */

import { DataLoader, type LoaderOptions, mnistSplit, type TensorSource } from "../lib/data/mod.ts";

const BATCH = 64;
const EPOCHS = 3;
const NORMALIZE = { name: "normalize", mean: [0.1307], std: [0.3081] };
const AUGMENT = [{ name: "rotation", degrees: 10 }, {
  name: "random_resized_crop",
  size: 28,
  scale: [0.8, 1],
}, NORMALIZE];

const { train } = await mnistSplit();
const src = train.sources[0] as TensorSource;

function bareLoop(): number {
  // The floor: rows already transformed and contiguous, each batch one slice.
  const all = new Float32Array(train.length * 784);
  for (let i = 0; i < train.length; i++) {
    all.set(src.pixels.subarray(train.item[i]! * 784, train.item[i]! * 784 + 784), i * 784);
  }
  let sink = 0;
  let t0 = 0;
  for (let e = -1; e < EPOCHS; e++) {
    if (e === 0) t0 = performance.now(); // epoch -1 warms up, as the loaders' first batch
    for (let s = 0; s < train.length; s += BATCH) {
      const x = all.slice(s * 784, Math.min(s + BATCH, train.length) * 784);
      sink += x[0]!;
    }
  }
  if (Number.isNaN(sink)) throw new Error("unreachable");
  return (EPOCHS * train.length) / ((performance.now() - t0) / 1000);
}

/** Samples/s of the busy consumer fed pre-made batches: the ceiling with any loader. */
function busyAlone(stepMs: number): number {
  const batches = Math.ceil(train.length / BATCH) * EPOCHS;
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    const until = performance.now() + stepMs;
    while (performance.now() < until) { /* the consumer is busy */ }
  }
  return (EPOCHS * train.length) / ((performance.now() - t0) / 1000);
}

/** Samples/s over EPOCHS epochs, and the mean wait per batch when each batch costs `stepMs`. */
async function measure(
  options: LoaderOptions,
  stepMs = 0,
): Promise<{ rate: number; waitMs: number; mode: string }> {
  await using loader = await DataLoader.create(train, options);
  for await (const _ of loader.epoch(99)) break; // warm up workers and the first batch
  let waited = 0;
  let batches = 0;
  const t0 = performance.now();
  for (let e = 0; e < EPOCHS; e++) {
    const it = loader.epoch(e);
    for (;;) {
      const w0 = performance.now();
      const r = await it.next();
      waited += performance.now() - w0;
      if (r.done) break;
      batches++;
      const until = performance.now() + stepMs;
      while (performance.now() < until) { /* the consumer is busy */ }
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return { rate: (EPOCHS * train.length) / seconds, waitMs: waited / batches, mode: loader.mode };
}

const base = bareLoop();
const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(10);
console.log(
  `mnist train ${train.length} digits, batch ${BATCH}, ${EPOCHS} epochs, ${navigator.hardwareConcurrency} cores`,
);
console.log(`${"case".padEnd(40)} ${"samples/s".padStart(10)}  vs bare slices`);
console.log(`${"bare loop slicing pre-made batches".padEnd(40)} ${fmt(base)}  1.00`);

const cases: [string, LoaderOptions][] = [
  ["no augmentation (normalize only)", {
    batchSize: BATCH,
    shuffle: true,
    transforms: [NORMALIZE],
  }],
  ["augmentation, in-process", {
    batchSize: BATCH,
    shuffle: true,
    transforms: AUGMENT,
    workers: 0,
  }],
  ["augmentation, 1 worker", { batchSize: BATCH, shuffle: true, transforms: AUGMENT, workers: 1 }],
  ["augmentation, 2 workers", { batchSize: BATCH, shuffle: true, transforms: AUGMENT, workers: 2 }],
];
for (const [name, options] of cases) {
  const r = await measure(options);
  console.log(`${`${name} [${r.mode}]`.padEnd(40)} ${fmt(r.rate)}  ${(r.rate / base).toFixed(2)}`);
}

const STEP = 2;
console.log(`\nbusy consumer: ${STEP} ms of work per batch (a training step stand-in)`);
console.log(`${"case".padEnd(40)} ${"samples/s".padStart(10)}  wait/batch`);
const alone = busyAlone(STEP);
console.log(`${"consumer alone (pre-made batches)".padEnd(40)} ${fmt(alone)}  0.000 ms`);
for (const [name, options] of cases) {
  const r = await measure(options, STEP);
  console.log(`${`${name} [${r.mode}]`.padEnd(40)} ${fmt(r.rate)}  ${r.waitMs.toFixed(3)} ms`);
}
