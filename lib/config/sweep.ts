/**
 * Hydra's basic sweeper: the jobs of a multirun are the cartesian product of
 * the swept overrides, in command-line order with the first swept key varying
 * slowest; a key given twice keeps its first position and its last value;
 * values are printed back in Hydra's form (`a=1`, `b=True`, `c=[0,1]`).
 *
 * @module
 */
import { ConfigCompositionError } from "./errors.ts";
import { choiceValues, globValues, rangeValues } from "./override_functions.ts";
import { parseOverride } from "./override_parser.ts";
import { elementText, isSweepValue, keyElement, type Override } from "./override_types.ts";

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
 * @throws {ConfigCompositionError} for `interval()` sweeps (not discrete)
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
