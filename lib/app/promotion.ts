/**
 * Promotion of a model version to the default one, through the model server's
 * management API: the candidate's archive figures against the default's under
 * the policy of app_config.yaml (`server.promotion`, lib/serve's
 * `decidePromotion`), or forced. Used by the serving page and by
 * `deno task serve --register … --promote`.
 *
 * @module
 */
import {
  decidePromotion,
  DEFAULT_PROMOTION,
  metricValue,
  type PromotionDecision,
  type PromotionPolicy,
} from "../serve/mod.ts";
import { ModelServerError } from "./errors.ts";
import type { ModelServerClient, VersionInfo } from "./model_server_client.ts";

/** The figures that tell versions apart, from a version's archive metrics. */
export interface VersionFigures {
  version: string;
  isDefault: boolean;
  /** Test accuracy, 0..1. */
  accuracy: number | null;
  /** Batch-1 latency measured when archived (p50, else the mean), ms. */
  latencyMs: number | null;
  /** The model file's size, bytes. */
  sizeBytes: number | null;
  /** The optimization the archive holds (`int8_static`…). */
  optimization: string | null;
  /** The training run it came from. */
  run: string | null;
}

/**
 * The figures of a version (null where its archive does not carry them).
 *
 * @param v a version from the describe API
 * @returns accuracy, latency, size, optimization and run
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { versionFigures } from "./mod.ts";
 * const f = versionFigures({ version: "2.0", isDefault: false, metrics: {
 *   accuracy: 0.98, latency_ms: { avg: 0.05, p50: 0.04 }, size_bytes: 430000 } });
 * assert.deepEqual([f.accuracy, f.latencyMs, f.sizeBytes], [0.98, 0.04, 430000]);
 * ```
 */
export function versionFigures(
  v: Pick<VersionInfo, "version" | "isDefault" | "metrics">,
): VersionFigures {
  const m = v.metrics;
  const text = (k: string) => (typeof m[k] === "string" ? m[k] as string : null);
  return {
    version: v.version,
    isDefault: v.isDefault,
    accuracy: metricValue(m, "accuracy"),
    latencyMs: metricValue(m, "latency_ms.p50") ?? metricValue(m, "latency_ms.avg"),
    sizeBytes: metricValue(m, "size_bytes"),
    optimization: text("optimization"),
    run: text("run"),
  };
}

/** A candidate version beside the default one, and what the policy says. */
export interface Candidate {
  model: string;
  current: VersionFigures;
  candidate: VersionFigures;
  decision: PromotionDecision;
}

/**
 * Every non-default version of a model, compared with its default under a policy.
 *
 * @param model a model from the describe API
 * @param policy the promotion policy (default: accuracy at least the default's)
 * @returns one entry per candidate version, newest first
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { candidatesOf, formatCandidate } from "./mod.ts";
 * const v = (version: string, isDefault: boolean, accuracy: number) =>
 *   ({ version, isDefault, metrics: { accuracy } });
 * const [c] = candidatesOf({ name: "m", versions: [v("1.0", true, 0.98), v("2.0", false, 0.97)] });
 * assert.equal(c!.decision.allowed, false);
 * assert.match(formatCandidate(c!)[1]!, /^accuracy +98\.00% +97\.00%$/);
 * ```
 */
export function candidatesOf(
  model: { name: string; versions: Pick<VersionInfo, "version" | "isDefault" | "metrics">[] },
  policy: PromotionPolicy = DEFAULT_PROMOTION,
): Candidate[] {
  const def = model.versions.find((v) => v.isDefault);
  if (!def) return [];
  return model.versions
    .filter((v) => !v.isDefault)
    .sort((a, b) => Number.parseFloat(b.version) - Number.parseFloat(a.version))
    .map((v) => ({
      model: model.name,
      current: versionFigures(def),
      candidate: versionFigures(v),
      decision: decidePromotion(v.metrics, def.metrics, policy),
    }));
}

/** What {@linkcode promoteVersion} did. */
export interface PromotionResult {
  model: string;
  version: string;
  /** The default before. */
  previous: string;
  /** Whether the version is now the default. */
  promoted: boolean;
  /** Promoted although the policy said no. */
  forced: boolean;
  decision: PromotionDecision;
  /** One line for a person. */
  message: string;
}

/**
 * Makes a version the default of its model when the policy allows it (or when forced).
 *
 * @param client the model server's client
 * @param model the model name
 * @param version the candidate version
 * @param options the policy (default: accuracy at least the default's) and `force`
 * @returns whether it was promoted, and why
 * @throws {ModelServerError} `not_found` for an unknown model or version; `down` when the
 *   server does not answer
 */
export async function promoteVersion(
  client: ModelServerClient,
  model: string,
  version: string,
  options: { policy?: PromotionPolicy; force?: boolean } = {},
): Promise<PromotionResult> {
  const policy = options.policy ?? DEFAULT_PROMOTION;
  const info = await client.describe(model);
  const cand = info.versions.find((v) => v.version === version);
  if (!cand) {
    throw new ModelServerError(
      "not_found",
      `Model "${model}" has no version ${JSON.stringify(version)} (registered: ${
        info.versions.map((v) => v.version).sort((a, b) =>
          Number.parseFloat(a) - Number.parseFloat(b)
        )
          .join(", ")
      })`,
      { status: 404 },
    );
  }
  const previous = info.defaultVersion;
  const base = { model, version, previous };
  if (cand.isDefault) {
    const decision = {
      allowed: true,
      reason: "already the default",
      candidate: null,
      current: null,
    };
    return {
      ...base,
      promoted: true,
      forced: false,
      decision,
      message: `Model "${model}" version ${version} is already the default`,
    };
  }
  const current = info.versions.find((v) => v.isDefault)!;
  const decision = decidePromotion(cand.metrics, current.metrics, policy);
  if (!decision.allowed && !options.force) {
    return {
      ...base,
      promoted: false,
      forced: false,
      decision,
      message: `Model "${model}" version ${version} stays a candidate, the default stays ` +
        `${previous}: ${decision.reason} (force to promote anyway)`,
    };
  }
  await client.setDefault(model, version);
  const forced = !decision.allowed;
  return {
    ...base,
    promoted: true,
    forced,
    decision,
    message: `Model "${model}" version ${version} is the default now (was ${previous}): ` +
      (forced ? `forced although ${decision.reason}` : decision.reason),
  };
}

/**
 * The candidate and default side by side as text lines (the CLI's table).
 *
 * @param c the comparison (see {@linkcode candidatesOf}'s example)
 * @returns lines of a small table: accuracy, latency, size
 */
export function formatCandidate(c: Candidate): string[] {
  const rows: [string, (f: VersionFigures) => string][] = [
    ["accuracy", (f) => f.accuracy === null ? "—" : `${(f.accuracy * 100).toFixed(2)}%`],
    ["latency p50", (f) => f.latencyMs === null ? "—" : `${f.latencyMs.toFixed(4)} ms`],
    ["size", (f) => f.sizeBytes === null ? "—" : `${(f.sizeBytes / 1e6).toFixed(3)} MB`],
  ];
  const head = [`default ${c.current.version}`, `candidate ${c.candidate.version}`];
  const cells = rows.map(([k, f]) => [k, f(c.current), f(c.candidate)]);
  const w = [12, ...head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i + 1]!.length)))];
  const line = (r: string[]) => r.map((x, i) => x.padEnd(w[i]!)).join("  ").trimEnd();
  return [line(["", ...head]), ...cells.map(line)];
}
