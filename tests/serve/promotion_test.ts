import assert from "node:assert/strict";
import {
  decidePromotion,
  DEFAULT_PROMOTION,
  loadServerConfig,
  metricValue,
} from "../../lib/serve/mod.ts";

Deno.test("decidePromotion(): at least the default's accuracy, with a margin", () => {
  const p = DEFAULT_PROMOTION;
  assert.equal(decidePromotion({ accuracy: 0.981 }, { accuracy: 0.98 }, p).allowed, true);
  assert.equal(decidePromotion({ accuracy: 0.98 }, { accuracy: 0.98 }, p).allowed, true, "a tie");
  const margin = { ...p, minDelta: 0.005 };
  const d = decidePromotion({ accuracy: 0.981 }, { accuracy: 0.98 }, margin);
  assert.deepEqual(d, {
    allowed: false,
    reason: "accuracy 0.981 is below the default's 0.98 (min_delta 0.005)",
    candidate: 0.981,
    current: 0.98,
  });
  assert.equal(
    decidePromotion({ accuracy: 0.99 }, { accuracy: 0.98 }, margin).reason,
    "accuracy 0.99 >= the default's 0.98 + 0.005",
  );
});

Deno.test("decidePromotion(): lower-is-better figures, missing figures, different test splits", () => {
  const latency = { metric: "latency_ms.p50", minDelta: 0, mode: "min" as const };
  const fast = { latency_ms: { p50: 0.03 } };
  const slow = { latency_ms: { p50: 0.05 } };
  assert.equal(decidePromotion(fast, slow, latency).allowed, true);
  assert.equal(
    decidePromotion(slow, fast, latency).reason,
    "latency_ms.p50 0.05 is above the default's 0.03 (min_delta 0)",
  );
  assert.equal(
    decidePromotion({}, { accuracy: 0.9 }, DEFAULT_PROMOTION).reason,
    "the candidate's archive carries no accuracy figure to compare",
  );
  const noDefault = decidePromotion({ accuracy: 0.9 }, {}, DEFAULT_PROMOTION);
  assert.deepEqual([noDefault.allowed, noDefault.reason], [
    false,
    "the default's archive carries no accuracy figure to compare",
  ]);
  assert.match(
    decidePromotion(
      { accuracy: 0.9, test_samples: 200 },
      { accuracy: 0.8, test_samples: 2000 },
      DEFAULT_PROMOTION,
    ).reason,
    /; note: measured on different test splits \(200 vs 2000 samples\)$/,
  );
  assert.equal(metricValue({ a: { b: "x" } }, "a.b"), null);
});

Deno.test("server.promotion in app_config.yaml is read and checked", async () => {
  const file = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await Deno.writeTextFile(file, "server:\n  promotion:\n    min_delta: 0.01\n");
    const c = await loadServerConfig({ config: file, snapshots: false });
    assert.deepEqual(c.promotion, { metric: "accuracy", minDelta: 0.01, mode: "max" });
    await Deno.writeTextFile(file, "server:\n  promotion:\n    mode: up\n");
    await assert.rejects(
      () => loadServerConfig({ config: file }),
      /^TypeError: Invalid server\.promotion\.mode "up" in .*\.yaml \(server:\): expected max or min$/,
    );
    await Deno.writeTextFile(file, "server:\n  promotion:\n    metric: accuracy\n    delta: 1\n");
    await assert.rejects(() => loadServerConfig({ config: file }), /Unknown key "delta"/);
  } finally {
    await Deno.remove(file);
  }
});
