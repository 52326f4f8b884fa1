/** Best value of one metric so far. */
export interface BestEntry {
  /** "min" for losses, "max" otherwise. */
  mode: "min" | "max";
  /** The best value. */
  value: number;
  /** Iteration the best value was reached at. */
  iteration: number;
  /** Iterations since then (0 when the last update improved it). */
  since: number;
}

/** Saved state of a {@linkcode BestTracker}, as JSON. */
export type BestState = Record<string, BestEntry>;

/** "min" for names containing "loss", "max" for the rest. */
export function defaultMode(name: string): "min" | "max" {
  return name.toLowerCase().includes("loss") ? "min" : "max";
}

/**
 * Keeps the best value of each metric and the iterations since it last improved, as the
 * original project did: lower is better for losses, higher for everything else.
 */
export class BestTracker {
  #entries = new Map<string, BestEntry>();
  #improved = new Set<string>();
  #mode: (name: string) => "min" | "max";

  /**
   * Makes a tracker, empty or resumed from a saved state.
   *
   * @param options `modes` overrides the direction per metric name; `state` is a saved
   *   {@linkcode BestTracker.toJSON} to resume from
   */
  constructor(
    options: { modes?: Readonly<Record<string, "min" | "max">>; state?: BestState } = {},
  ) {
    const modes = options.modes ?? {};
    this.#mode = (name) => modes[name] ?? defaultMode(name);
    for (const [name, e] of Object.entries(options.state ?? {})) this.#entries.set(name, { ...e });
  }

  /**
   * Records the numeric metrics of `iteration`; non-numbers are ignored, NaN never improves.
   *
   * @param metrics name → value
   * @param iteration the iteration they belong to
   * @returns the names whose best value improved
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BestTracker } from "./mod.ts";
   * const t = new BestTracker();
   * t.update({ test_loss: 0.5, test_accuracy: 0.9 }, 1);
   * t.update({ test_loss: 0.6, test_accuracy: 0.95 }, 2);
   * assert.deepEqual([t.get("test_loss")?.value, t.get("test_loss")?.since], [0.5, 1]);
   * assert.equal(t.get("test_accuracy")?.iteration, 2);
   * ```
   */
  update(metrics: Readonly<Record<string, unknown>>, iteration: number): string[] {
    this.#improved.clear();
    for (const [name, v] of Object.entries(metrics)) {
      if (typeof v !== "number") continue;
      const e = this.#entries.get(name);
      const mode = e?.mode ?? this.#mode(name);
      const better = !Number.isNaN(v) &&
        (e === undefined || Number.isNaN(e.value) || (mode === "min" ? v < e.value : v > e.value));
      if (better) {
        this.#entries.set(name, { mode, value: v, iteration, since: 0 });
        this.#improved.add(name);
      } else if (e === undefined) {
        this.#entries.set(name, { mode, value: v, iteration, since: 0 });
      }
    }
    for (const e of this.#entries.values()) e.since = Math.max(0, iteration - e.iteration);
    return [...this.#improved];
  }

  /** The best entry of `name`, if seen. */
  get(name: string): BestEntry | undefined {
    const e = this.#entries.get(name);
    return e && { ...e };
  }

  /** Whether the last update improved `name`. */
  improved(name: string): boolean {
    return this.#improved.has(name);
  }

  /** Every entry, for checkpoints and results.json. */
  toJSON(): BestState {
    return Object.fromEntries([...this.#entries].map(([k, e]) => [k, { ...e }]));
  }
}
