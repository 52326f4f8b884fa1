// Rates checked against torch.optim.lr_scheduler (PyTorch 1.13.1, stepping an SGD optimizer
// with base lr 0.1 or 1e-3 and reading param_groups[0]["lr"] before each step).

import assert from "node:assert/strict";
import { checkSchedulerSpec, LrSchedule } from "../../lib/train/schedulers.ts";

const TORCH = {
  // StepLR(step_size=2, gamma=0.5), 10 epochs
  step: [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.00625, 0.00625],
  // CosineAnnealingLR(T_max=10, eta_min=0.001)
  cosine: [
    0.1,
    0.09757729755661011,
    0.0905463412215599,
    0.07959536998847742,
    0.0657963412215599,
    0.0505,
    0.03520365877844011,
    0.02140463001152259,
    0.010453658778440109,
    0.0034227024433899004,
  ],
  // SequentialLR([LinearLR(start_factor=0.1, total_iters=3), CosineAnnealingLR(T_max=9)], [3])
  warmupCosine: [
    0.010000000000000002,
    0.04,
    0.07,
    0.1,
    0.09698463103929543,
    0.08830222215594889,
    0.075,
    0.058682408883346526,
    0.041317591116653486,
    0.025000000000000012,
    0.011697777844051105,
    0.0030153689607045845,
  ],
  // base 1e-3: SequentialLR([LinearLR(0.25, total_iters=8), CosineAnnealingLR(T_max=32, eta_min=1e-4)], [8])
  warmupCosineSteps: [
    0.00025,
    0.00034375,
    0.00043749999999999995,
    0.0005312499999999999,
    0.0006249999999999999,
    0.0007187499999999999,
    0.0008124999999999999,
    0.0009062499999999998,
    0.001,
    0.0009978331270024887,
    0.0009913533761814535,
    0.0009806231510794937,
    0.0009657457896300787,
    0.0009468645689567594,
    0.0009241613255361451,
    0.0008978547040132313,
    0.000868198051533946,
    0.0008354769778736401,
    0.0008000066048588206,
    0.0007621285315716987,
    0.0007222075445642901,
    0.0006806281047645077,
    0.0006377906449072574,
    0.000594107713148302,
    0.0005499999999999996,
    0.0005058922868516973,
    0.000462209355092742,
    0.00041937189523549173,
    0.0003777924554357094,
    0.0003378714684283008,
    0.0002999933951411789,
    0.0002645230221263594,
    0.00023180194846605354,
    0.00020214529598676828,
    0.00017583867446385455,
    0.00015313543104324026,
    0.00013425421036992097,
    0.00011937684892050602,
    0.0001086466238185463,
    0.00010216687299751144,
  ],
};

function assertClose(actual: number[], expected: number[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => {
    const tol = 1e-12 + 1e-9 * Math.abs(expected[i]!);
    assert.ok(Math.abs(a - expected[i]!) <= tol, `index ${i}: ${a} vs ${expected[i]}`);
  });
}

Deno.test("LrSchedule step matches PyTorch's StepLR per epoch", () => {
  const s = new LrSchedule({ name: "step", stepSize: 2, gamma: 0.5 }, 0.1, {
    epochs: 10,
    stepsPerEpoch: 7,
  });
  assertClose(TORCH.step.map((_, e) => s.at(e, 3)), TORCH.step);
});

Deno.test("LrSchedule cosine matches PyTorch's CosineAnnealingLR", () => {
  const s = new LrSchedule({ name: "cosine", minLr: 0.001 }, 0.1, { epochs: 10, stepsPerEpoch: 5 });
  assertClose(TORCH.cosine.map((_, e) => s.at(e)), TORCH.cosine);
});

Deno.test("LrSchedule warmup_cosine matches PyTorch's SequentialLR(LinearLR, CosineAnnealingLR)", () => {
  const s = new LrSchedule(
    { name: "warmup_cosine", warmupEpochs: 3, warmupStartFactor: 0.1 },
    0.1,
    { epochs: 12, stepsPerEpoch: 9 },
  );
  assertClose(TORCH.warmupCosine.map((_, e) => s.at(e, 8)), TORCH.warmupCosine);
});

Deno.test("LrSchedule with interval step counts optimizer steps and converts epochs", () => {
  // 10 epochs of 4 steps: warm-up of 2 epochs = 8 steps, cosine over the other 32.
  const s = new LrSchedule(
    {
      name: "warmup_cosine",
      interval: "step",
      warmupEpochs: 2,
      warmupStartFactor: 0.25,
      minLr: 1e-4,
    },
    1e-3,
    { epochs: 10, stepsPerEpoch: 4 },
  );
  const got: number[] = [];
  for (let e = 0; e < 10; e++) for (let b = 0; b < 4; b++) got.push(s.at(e, b));
  assertClose(got, TORCH.warmupCosineSteps);
});

Deno.test("LrSchedule step with interval step decays every step_size epochs", () => {
  const s = new LrSchedule({ name: "step", interval: "step", stepSize: 1, gamma: 0.5 }, 1, {
    epochs: 3,
    stepsPerEpoch: 4,
  });
  assert.deepEqual([s.at(0, 3), s.at(1, 0), s.at(1, 3), s.at(2, 0)], [1, 0.5, 0.5, 0.25]);
});

Deno.test("LrSchedule constant keeps the base rate", () => {
  const s = new LrSchedule({ name: "constant" }, 0.03, { epochs: 2, stepsPerEpoch: 3 });
  assert.deepEqual([s.at(0), s.at(1, 2)], [0.03, 0.03]);
});

Deno.test("checkSchedulerSpec() names the bad field", () => {
  assert.throws(
    () => checkSchedulerSpec({ name: "exp" as never }),
    /Invalid scheduler.name "exp": expected one of constant, step, cosine, warmup_cosine/,
  );
  assert.throws(
    () => checkSchedulerSpec({ name: "step", interval: "batch" as never }),
    /Invalid scheduler.interval "batch": expected epoch or step/,
  );
  assert.throws(
    () => checkSchedulerSpec({ name: "warmup_cosine", warmupStartFactor: 0 }),
    /warmup_start_factor 0/,
  );
});
