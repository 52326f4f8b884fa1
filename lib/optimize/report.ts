/**
 * The profile table (the original project's: size in MB, average/min/max
 * latency, accuracy; plus p95, speed-up and size ratio against the original,
 * and the top operators by time) as text, Markdown and JSON.
 *
 * @module
 */
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import type { LatencyStats, OperatorTime } from "./profile.ts";

/** The figures of one model variant. */
export interface VariantFigures {
  name: string;
  sizeBytes: number;
  latency: LatencyStats;
  /** Top-1 accuracy on the run's test split. */
  accuracy: number;
  topOperators?: OperatorTime[];
  /** What was done to make it. */
  notes?: string[];
}

/** A whole profile: the run, the settings and the rows. */
export interface ProfileReport {
  run: string;
  checkpoint: number;
  batch: number;
  iterations: number;
  threads: number;
  variants: VariantFigures[];
  machine: { cpu: string; cores: number; loadavg: number[] };
  created: string;
}

/** Machine facts for a report: CPU model, cores, load averages (1, 5, 15 min).  * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { machineInfo } from "./mod.ts";
 * assert.ok(machineInfo().cores >= 1);
 * ```
 */
export function machineInfo(): ProfileReport["machine"] {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? "unknown",
    cores: c.length,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

const HEAD = [
  "variant",
  "size MB",
  "avg ms",
  "p50 ms",
  "min ms",
  "max ms",
  "p95 ms",
  "accuracy",
  "speed-up",
  "size",
];

function cells(v: VariantFigures, base: VariantFigures | undefined): string[] {
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "-");
  return [
    v.name,
    f(v.sizeBytes / 1e6, 3),
    f(v.latency.avg, 4),
    f(v.latency.p50, 4),
    f(v.latency.min, 4),
    f(v.latency.max, 4),
    f(v.latency.p95, 4),
    Number.isFinite(v.accuracy) ? `${(v.accuracy * 100).toFixed(2)}%` : "-",
    // The median: one stall of a shared machine moves the average, not the median.
    base ? `${f(base.latency.p50 / v.latency.p50, 2)}x` : "-",
    base ? `${f((100 * v.sizeBytes) / base.sizeBytes, 1)}%` : "-",
  ];
}

/**
 * The table as aligned text. The first row is the baseline of the ratios:
 * speed-up is its median latency over the row's, size the row's file size
 * over its.
 *
 * @param rows The variants, baseline first.
 * @returns Lines of text.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatProfileTable, latencyStats } from "./mod.ts";
 * const row = (name: string, ms: number) => ({ name, sizeBytes: 2e6, accuracy: 0.9, latency: latencyStats([ms]) });
 * const text = formatProfileTable([row("original", 2), row("fused", 1)]);
 * assert.match(text, /fused .* 2\.00x .* 100\.0%/);
 * ```
 */
export function formatProfileTable(rows: readonly VariantFigures[]): string {
  const table = [HEAD, ...rows.map((r) => cells(r, rows[0]))];
  const widths = HEAD.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return table
    .map((r) =>
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
    )
    .join("\n");
}

/**
 * The report as Markdown: the table, then each variant's top operators.
 *
 * @param report The profile.
 * @returns Markdown text.
 */
export function profileMarkdown(report: ProfileReport): string {
  const rows = report.variants;
  const lines = [
    `# Profile of ${report.run} (checkpoint ${report.checkpoint})`,
    "",
    `Batch ${report.batch}, ${report.iterations} timed runs per variant in interleaved rounds, ` +
    `${report.threads} intra-op thread(s), onnxruntime-node CPU. ` +
    `Machine: ${report.machine.cpu}, ${report.machine.cores} cores, load average ${
      report.machine.loadavg.join(" / ")
    }. ` +
    `${report.created}.`,
    "",
    `| ${HEAD.join(" | ")} |`,
    `|${HEAD.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...rows.map((r) => `| ${cells(r, rows[0]).join(" | ")} |`),
    "",
  ];
  for (const v of rows) {
    if (!v.topOperators?.length && !v.notes?.length) continue;
    lines.push(`## ${v.name}`, "");
    for (const n of v.notes ?? []) lines.push(`- ${n}`);
    if (v.topOperators?.length) {
      lines.push("", "| operator | nodes | µs per run | share |", "|---|---:|---:|---:|");
      for (const o of v.topOperators) {
        lines.push(
          `| ${o.opType} | ${o.nodes} | ${o.us.toFixed(1)} | ${(o.share * 100).toFixed(1)}% |`,
        );
      }
    }
    lines.push("");
  }
  return lines.join("\n");
}

/**
 * Writes `<dir>/optimize_profile.json` and `<dir>/optimize_profile.md` (atomically).
 *
 * @param dir The run directory.
 * @param report The profile.
 * @returns The two paths.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latencyStats, saveProfile } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const v = { name: "original", sizeBytes: 1e6, accuracy: 0.9, latency: latencyStats([1, 2]) };
 * const files = await saveProfile(dir, {
 *   run: dir, checkpoint: 1, batch: 1, iterations: 2, threads: 1, variants: [v],
 *   machine: { cpu: "cpu", cores: 2, loadavg: [0, 0, 0] }, created: "now",
 * });
 * assert.match(await Deno.readTextFile(files.md), /\| original \| 1\.000 \|/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveProfile(
  dir: string,
  report: ProfileReport,
): Promise<{ json: string; md: string }> {
  const json = join(dir, "optimize_profile.json");
  const md = join(dir, "optimize_profile.md");
  await writeAtomic(json, JSON.stringify(report, null, 2) + "\n");
  await writeAtomic(md, profileMarkdown(report));
  return { json, md };
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${Deno.pid}.tmp`;
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}
