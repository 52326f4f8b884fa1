/**
 * Hydra's basic sweeper: the jobs of a multirun are the cartesian product of
 * the swept overrides, in command-line order with the first swept key varying
 * slowest; a key given twice keeps its first position and its last value;
 * values are printed back in Hydra's form (`a=1`, `b=True`, `c=[0,1]`).
 *
 * @module
 */
import { ConfigCompositionError } from "./errors.ts";
import { add, compare, decimalOf, toNumber } from "./_decimal.ts";
import { shuffled } from "./override_functions.ts";
import { parseOverride } from "./override_parser.ts";
import {
  type ChoiceSweep,
  elementText,
  isSweepValue,
  keyElement,
  type Override,
  type ParsedElement,
  type RangeSweep,
} from "./override_types.ts";
import { Float } from "./values.ts";

/** What the sweeper needs besides the overrides. */
export interface SweepOptions {
  /** Options of a config group, for `glob()`. */
  groupOptions?: (group: string) => string[];
  /** `hydra.sweeper.params`: `{ key: "v1,v2" }` swept before the command line. */
  params?: Record<string, string>;
}

/**
 * The override lists of each job, in job order.
 *
 * @param overrides the command line's overrides, swept or not
 * @param options group options for `glob()`, `hydra.sweeper.params`
 * @returns one list of override strings per job
 * @throws {ConfigCompositionError} for `interval()` sweeps (not discrete)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jobLine, sweepJobs } from "./mod.ts";
 * const jobs = sweepJobs(["lr=0.1,0.01", "model=cnn,mlp"]);
 * assert.deepEqual(jobs.map((j, i) => jobLine(i, j)), [
 *   "#0 : lr=0.1 model=cnn",
 *   "#1 : lr=0.1 model=mlp",
 *   "#2 : lr=0.01 model=cnn",
 *   "#3 : lr=0.01 model=mlp",
 * ]);
 * ```
 */
export function sweepJobs(
  overrides: (string | Override)[],
  options: SweepOptions = {},
): string[][] {
  const params = Object.entries(options.params ?? {}).map(([k, v]) => parseOverride(`${k}=${v}`));
  const parsed = overrides.map((o) => (typeof o === "string" ? parseOverride(o) : o));
  const lists = new Map<string, string[]>();
  for (const o of [...params, ...parsed]) {
    const key = keyElement(o);
    lists.set(key, valuesOf(o, options).map((v) => `${key}=${v}`));
  }
  let jobs: string[][] = [[]];
  for (const values of lists.values()) {
    jobs = jobs.flatMap((job) => values.map((v) => [...job, v]));
  }
  return jobs;
}

function valuesOf(o: Override, options: SweepOptions): string[] {
  const v = o.value;
  if (!isSweepValue(v)) return [elementText(v === undefined ? null : v)];
  switch (v.kind) {
    case "choice":
      return choiceValues(v).map(elementText);
    case "range":
      return rangeValues(v).map(elementText);
    case "glob":
      return globValues(v.include, v.exclude, options.groupOptions?.(o.keyOrGroup) ?? []);
    default:
      throw new ConfigCompositionError(
        `Cannot sweep "${o.inputLine}": the basic sweeper does not support ${v.kind} sweeps`,
      );
  }
}

/** Hydra's launcher line for a job: `#3 : a=1 b=x` (overrides of `hydra.*` left out). */
export function jobLine(num: number, overrides: string[]): string {
  return `#${num} : ${overrides.filter((o) => !o.startsWith("hydra.")).join(" ")}`;
}

/** The values a range sweep stands for (Python's `range`, or Hydra's decimal float range). */
export function rangeValues(sweep: RangeSweep): (number | Float)[] {
  const isFloat = [sweep.start, sweep.stop, sweep.step].some((x) => x instanceof Float);
  const raw = (x: number | Float) => (x instanceof Float ? x.value : x);
  const [start, stop, step] = [raw(sweep.start), raw(sweep.stop), raw(sweep.step)];
  if (step === 0) {
    throw new RangeError(`Invalid range values (start:${start}, stop:${stop}, step:${step})`);
  }
  const out: (number | Float)[] = [];
  if (!isFloat) {
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  } else {
    let cur = decimalOf(start);
    const end = decimalOf(stop), inc = decimalOf(step);
    while (step > 0 ? compare(cur, end) < 0 : compare(cur, end) > 0) {
      out.push(new Float(toNumber(cur)));
      cur = add(cur, inc);
      if (out.length > 1_000_000) throw new RangeError("range() is too long");
    }
  }
  return sweep.shuffle ? shuffled(out) : out;
}

/** The elements a choice sweep stands for, shuffled when asked. */
export function choiceValues(sweep: ChoiceSweep): ParsedElement[] {
  return sweep.shuffle ? shuffled(sweep.list) : sweep.list;
}

/** Options of a group that a glob sweep selects, in their order. */
export function globValues(include: string[], exclude: string[], names: string[]): string[] {
  const match = (s: string, globs: string[]) => globs.some((g) => globToRegExp(g).test(s));
  return names.filter((n) => match(n, include) && !match(n, exclude));
}

/** Python's `fnmatch` pattern as a regular expression (`*`, `?`, `[seq]`, `[!seq]`). */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else if (ch === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith("!")) body = "^" + body.slice(1);
        re += `[${body.replaceAll("\\", "\\\\")}]`;
        i = end;
      }
    } else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "s");
}
