/**
 * PyTorch peer figures for side-by-side benchmarks: runs
 * `shared/bench/torch_peer.py` in the same run when Debian's python3-torch is
 * installed, else falls back to `shared/data/models/baseline.json` and says so.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { SHARED_DIR } from "../tests/_shared.ts";

/** A peer figure and where it came from. */
export interface PeerFigure {
  ms: number;
  source: "measured" | "baseline.json" | "absent";
}

const PYTHON = "/usr/bin/python3";

/** Whether PyTorch can be measured in this run. */
export function torchAvailable(): boolean {
  if (!SHARED_DIR || !existsSync(PYTHON)) return false;
  const r = new Deno.Command(PYTHON, { args: ["-c", "import torch"], stderr: "null" }).outputSync();
  return r.success;
}

/**
 * Runs torch_peer.py with the given arguments, or reads the stored figure.
 *
 * @param args e.g. `["train-step", "cnn", "--optimizer", "sgd"]`
 * @param baselineKey path in baseline.json, e.g. `["train_step_ms_batch64", "cnn/sgd_m0.9_lr0.05"]`
 * @returns the median ms and its source
 */
export async function peerFigure(args: string[], baselineKey: string[]): Promise<PeerFigure> {
  if (torchAvailable()) {
    const r = await new Deno.Command(PYTHON, {
      args: [join(SHARED_DIR!, "bench", "torch_peer.py"), ...args],
      env: {
        GLIBC_TUNABLES:
          "glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=4294967296",
      },
      stderr: "null",
    }).output();
    if (r.success) {
      const line = new TextDecoder().decode(r.stdout).trim().split("\n").pop()!;
      return { ms: JSON.parse(line).median_ms, source: "measured" };
    }
  }
  if (!SHARED_DIR) return { ms: NaN, source: "absent" };
  // deno-lint-ignore no-explicit-any
  let v: any = JSON.parse(
    await Deno.readTextFile(join(SHARED_DIR, "data", "models", "baseline.json")),
  );
  for (const k of baselineKey) v = v?.[k];
  return typeof v === "number" ? { ms: v, source: "baseline.json" } : { ms: NaN, source: "absent" };
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
