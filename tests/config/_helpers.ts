/**
 * Helpers shared by the config tests: strict comparison of config trees (types
 * strict as the conformance runner compares them: 1, 1.0, true and "1" differ;
 * key order ignored), and composing in-memory trees with Hydra's built-ins.
 */
import {
  composeConfig,
  type ComposeOptions,
  type Config,
  type ConfigValue,
  createRepository,
  Float,
  MemorySource,
  parseYaml,
} from "../../lib/config/mod.ts";

function kind(v: ConfigValue): string {
  if (v === null) return "null";
  if (v instanceof Float) return "float";
  if (v instanceof Map) return "map";
  if (Array.isArray(v)) return "list";
  if (typeof v === "number") return "int";
  return typeof v;
}

/** The first difference between two trees, or undefined when equal. */
export function diffTrees(
  expected: ConfigValue,
  actual: ConfigValue,
  path = "<root>",
): string | undefined {
  const ke = kind(expected), ka = kind(actual);
  const show = (v: ConfigValue) => (v instanceof Float ? String(v.value) : JSON.stringify(v));
  if (ke !== ka) return `${path}: expected ${ke} ${show(expected)}, got ${ka} ${show(actual)}`;
  if (expected instanceof Map && actual instanceof Map) {
    for (const k of expected.keys()) if (!actual.has(k)) return `${path}: missing key "${k}"`;
    for (const k of actual.keys()) if (!expected.has(k)) return `${path}: unexpected key "${k}"`;
    for (const [k, v] of expected) {
      const d = diffTrees(v, actual.get(k)!, `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) {
      return `${path}: expected ${expected.length} items, got ${actual.length}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const d = diffTrees(expected[i], actual[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const x = expected instanceof Float ? expected.value : expected;
  const y = actual instanceof Float ? actual.value : actual;
  if (x === y || (Number.isNaN(x) && Number.isNaN(y))) return undefined;
  return `${path}: expected ${JSON.stringify(x)}, got ${JSON.stringify(y)}`;
}

/** Parses expected YAML and the config's YAML output, and returns their first difference. */
export function diffYaml(expectedYaml: string, actualYaml: string): string | undefined {
  return diffTrees(parseYaml(expectedYaml, "expected"), parseYaml(actualYaml, "actual"));
}

/** Composes an in-memory tree with Hydra's built-in configs, as the CLI would. */
export function composeFiles(
  files: Record<string, string>,
  options: Omit<ComposeOptions, "repository"> = {},
): Config {
  const repository = createRepository([new MemorySource(files)]);
  return composeConfig({ ...options, repository });
}
