/**
 * The pass contract: a function from a model to `{ model, changed }` that
 * never mutates its input, says why when it declines, and composes with
 * {@linkcode applyPasses}.
 *
 * @module
 */
import type { Model } from "../onnx/mod.ts";

/** What a pass returns. */
export interface PassResult {
  /** The rewritten model (a copy; the input model is left as it was). */
  model: Model;
  /** Whether anything was rewritten. */
  changed: boolean;
  /** Why nothing was rewritten (or why some candidates were left alone). */
  reason?: string;
  /** One line per rewrite, for reports. */
  notes: string[];
}

/** A graph pass. */
export type Pass = (model: Model) => PassResult;

/** A named pass, as pipelines list them. */
export interface NamedPass {
  name: string;
  run: Pass;
}

/** What {@linkcode applyPasses} returns. */
export interface PipelineResult extends PassResult {
  /** Rounds run (a round runs every pass once). */
  rounds: number;
  /** Per pass: how many times it changed the model. */
  applied: Record<string, number>;
  /** Per pass: its last reason for declining. */
  declined: Record<string, string>;
}

/**
 * Runs passes in order, round after round, until a round changes nothing or
 * `maxRounds` is reached. The input model is not modified.
 *
 * @param model The model.
 * @param passes The passes, in order.
 * @param options `maxRounds` (default 8).
 * @returns The last model, whether anything changed, notes and per-pass counts.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder } from "../onnx/mod.ts";
 * import { applyPasses, removeIdentity } from "./mod.ts";
 * const g = new GraphBuilder();
 * const x = g.input("x", { dtype: "float32", dims: [2] });
 * g.output(g.op("Relu", [g.op("Identity", [g.op("Identity", [x])])]), "y");
 * const r = applyPasses(g.build(), [{ name: "identity", run: removeIdentity }]);
 * assert.deepEqual(r.model.graph.nodes.map((n) => n.opType), ["Relu"]);
 * assert.equal(r.applied.identity, 1);
 * ```
 */
export function applyPasses(
  model: Model,
  passes: readonly NamedPass[],
  options: { maxRounds?: number } = {},
): PipelineResult {
  const { maxRounds = 8 } = options;
  let current = model;
  const notes: string[] = [];
  const applied: Record<string, number> = {};
  const declined: Record<string, string> = {};
  let rounds = 0;
  let changedAny = false;
  while (rounds < maxRounds) {
    rounds++;
    let changed = false;
    for (const p of passes) {
      const r = p.run(current);
      if (r.changed) {
        current = r.model;
        changed = true;
        applied[p.name] = (applied[p.name] ?? 0) + 1;
        notes.push(...r.notes.map((n) => `${p.name}: ${n}`));
      }
      if (r.reason) declined[p.name] = r.reason;
    }
    if (!changed) break;
    changedAny = true;
  }
  return {
    model: changedAny ? current : model,
    changed: changedAny,
    notes,
    rounds,
    applied,
    declined,
    reason: changedAny ? undefined : "no pass found anything to rewrite",
  };
}

/** A result that changed nothing, with its reason. */
export function declined(model: Model, reason: string): PassResult {
  return { model, changed: false, reason, notes: [] };
}

/**
 * Joins per-node reasons (`"<node label>: <why>"`), grouping nodes whose
 * reasons differ only in the names they quote:
 * `3 nodes ("a" (MatMul), "b" (MatMul), …): its weight is not …`.
 *
 * @param reasons One entry per node.
 * @returns One line, or undefined for none.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { joinReasons } from "./mod.ts";
 * assert.equal(joinReasons([`"a" (Gemm): excluded`, `"b" (Gemm): excluded`]), `2 nodes ("a" (Gemm), "b" (Gemm)): excluded`);
 * ```
 */
export function joinReasons(reasons: readonly string[]): string | undefined {
  if (reasons.length === 0) return undefined;
  const by = new Map<string, { who: string[]; why: string }>();
  for (const r of reasons) {
    const at = r.indexOf("): ");
    const [who, why] = at < 0 ? ["", r] : [r.slice(0, at + 1), r.slice(at + 3)];
    const key = why.replace(/"[^"]*"/g, '"…"');
    const entry = by.get(key) ?? { who: [], why };
    entry.who.push(who);
    by.set(key, entry);
  }
  return [...by.values()].map(({ who, why }) => {
    if (who.length === 1) return who[0] ? `${who[0]}: ${why}` : why;
    const shown = who.slice(0, 2).join(", ") + (who.length > 2 ? ", …" : "");
    return `${who.length} nodes (${shown}): ${why}${why.includes('"') ? " (first of them)" : ""}`;
  }).join("; ");
}
