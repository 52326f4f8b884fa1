/**
 * The promotion policy: when a newly registered version of a model may become
 * its default. Versions are compared on a figure their archives carry
 * (`metrics.json`, served as TorchServe's `customizedMetadata`): by default
 * the test accuracy, which must be at least the current default's.
 * Configured in app_config.yaml as `server.promotion: {metric, min_delta, mode}`.
 *
 * @module
 */

/** How a candidate version is compared with the default one. */
export interface PromotionPolicy {
  /** The archive figure compared, a dotted path into its metrics (`accuracy`, `latency_ms.p50`). */
  metric: string;
  /** How much better the candidate must be (0: at least as good). */
  minDelta: number;
  /** "max": higher is better (accuracy); "min": lower is better (latency, size). */
  mode: "max" | "min";
}

/** Test accuracy, at least the default's. */
export const DEFAULT_PROMOTION: PromotionPolicy = { metric: "accuracy", minDelta: 0, mode: "max" };

/** The verdict of {@linkcode decidePromotion}. */
export interface PromotionDecision {
  /** Whether the policy lets the candidate become the default. */
  allowed: boolean;
  /** Why, in one line. */
  reason: string;
  /** The compared figure of the candidate and of the default (null: missing). */
  candidate: number | null;
  current: number | null;
}

/**
 * Reads the `promotion:` block of app_config.yaml's `server:` section.
 *
 * @param raw the block (`{metric, min_delta, mode}`; missing keys take the defaults)
 * @param where the file, for messages
 * @returns the policy
 * @throws {TypeError} naming the key that is unknown or of the wrong type
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readPromotionPolicy } from "./mod.ts";
 * const p = readPromotionPolicy({ metric: "accuracy", min_delta: 0.005 }, "app_config.yaml");
 * assert.deepEqual(p, { metric: "accuracy", minDelta: 0.005, mode: "max" });
 * assert.throws(() => readPromotionPolicy({ min_delta: "x" }, "a.yaml"), /min_delta/);
 * ```
 */
export function readPromotionPolicy(raw: unknown, where: string): PromotionPolicy {
  const bad = (key: string, expected: string): never => {
    const v = key ? JSON.stringify((raw as Record<string, unknown>)[key]) : JSON.stringify(raw);
    throw new TypeError(
      `Invalid server.promotion${key ? `.${key}` : ""} ${v} in ${where}: expected ${expected}`,
    );
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    bad("", "a mapping {metric, min_delta, mode}");
  }
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!["metric", "min_delta", "mode"].includes(k)) {
      throw new TypeError(
        `Unknown key "${k}" in ${where} (server.promotion): expected metric, min_delta or mode`,
      );
    }
  }
  const given = (k: string) => r[k] !== undefined && r[k] !== null;
  const policy = { ...DEFAULT_PROMOTION };
  if (given("metric")) {
    if (typeof r.metric !== "string" || !/^[A-Za-z0-9_.-]+$/.test(r.metric)) {
      bad("metric", "a figure name such as accuracy or latency_ms.p50");
    }
    policy.metric = r.metric as string;
  }
  if (given("min_delta")) {
    if (typeof r.min_delta !== "number" || !Number.isFinite(r.min_delta)) {
      bad("min_delta", "a number");
    }
    policy.minDelta = r.min_delta as number;
  }
  if (given("mode")) {
    if (r.mode !== "max" && r.mode !== "min") bad("mode", "max or min");
    policy.mode = r.mode as "max" | "min";
  }
  return policy;
}

/**
 * A figure of an archive's metrics by dotted path (`accuracy`, `latency_ms.p50`).
 *
 * @param metrics the archive's metrics
 * @param path the dotted path
 * @returns the number, or null when absent or not a finite number
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metricValue } from "./mod.ts";
 * assert.equal(metricValue({ latency_ms: { p50: 0.03 } }, "latency_ms.p50"), 0.03);
 * assert.equal(metricValue({ accuracy: "high" }, "accuracy"), null);
 * ```
 */
export function metricValue(metrics: Record<string, unknown>, path: string): number | null {
  let v: unknown = metrics;
  for (const part of path.split(".")) {
    if (typeof v !== "object" || v === null) return null;
    v = (v as Record<string, unknown>)[part];
  }
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function show(x: number): string {
  return String(Math.round(x * 1e6) / 1e6);
}

/**
 * Whether a candidate version may replace the default under a policy.
 *
 * @param candidate the candidate archive's metrics
 * @param current the default version's archive metrics
 * @param policy metric, margin and direction
 * @returns allowed or not, and why
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decidePromotion, DEFAULT_PROMOTION } from "./mod.ts";
 * assert.equal(decidePromotion({ accuracy: 0.98 }, { accuracy: 0.98 }, DEFAULT_PROMOTION).allowed, true);
 * const worse = decidePromotion({ accuracy: 0.9 }, { accuracy: 0.98 }, DEFAULT_PROMOTION);
 * assert.equal(worse.allowed, false);
 * assert.equal(worse.reason, "accuracy 0.9 is below the default's 0.98 (min_delta 0)");
 * ```
 */
export function decidePromotion(
  candidate: Record<string, unknown>,
  current: Record<string, unknown>,
  policy: PromotionPolicy,
): PromotionDecision {
  const { metric, minDelta, mode } = policy;
  const c = metricValue(candidate, metric);
  const d = metricValue(current, metric);
  if (c === null || d === null) {
    const which = c === null ? "candidate's" : "default's";
    return {
      allowed: false,
      reason: `the ${which} archive carries no ${metric} figure to compare`,
      candidate: c,
      current: d,
    };
  }
  const need = mode === "max" ? d + minDelta : d - minDelta;
  const allowed = mode === "max" ? c >= need - 1e-12 : c <= need + 1e-12;
  const split = testSplitNote(candidate, current);
  const reason = allowed
    ? `${metric} ${show(c)} ${mode === "max" ? ">=" : "<="} the default's ${show(d)}${
      minDelta ? ` ${mode === "max" ? "+" : "-"} ${show(minDelta)}` : ""
    }${split}`
    : `${metric} ${show(c)} is ${mode === "max" ? "below" : "above"} the default's ${show(d)} ` +
      `(min_delta ${show(minDelta)})${split}`;
  return { allowed, reason, candidate: c, current: d };
}

/** A warning when the two figures come from test splits of different sizes. */
function testSplitNote(a: Record<string, unknown>, b: Record<string, unknown>): string {
  const x = metricValue(a, "test_samples");
  const y = metricValue(b, "test_samples");
  return x !== null && y !== null && x !== y
    ? `; note: measured on different test splits (${x} vs ${y} samples)`
    : "";
}
