// Islands on the server: which components are islands, their names, and the
// checks and escaping their props go through before they reach the page.
import type { ComponentType } from "preact";
import type { Manifest } from "./types.ts";

/** An island known to the app. */
export interface IslandInfo {
  /** Name used in the page data and the bundle: `chart__Curve` for `islands/chart/Curve.tsx`. */
  name: string;
  /** Manifest key, `./islands/chart/Curve.tsx`. */
  file: string;
  // deno-lint-ignore no-explicit-any
  component: ComponentType<any>;
}

/** The name an island file is known by in pages and the bundle. */
export function islandName(file: string): string {
  return file.replace(/^\.\/islands\//, "").replace(/\.[jt]sx?$/, "").replaceAll("/", "__");
}

/**
 * The islands of a manifest, keyed by component.
 *
 * @throws {TypeError} when an island file does not default-export a component
 */
export function collectIslands(manifest: Manifest): Map<unknown, IslandInfo> {
  const out = new Map<unknown, IslandInfo>();
  for (const [file, mod] of Object.entries(manifest.islands)) {
    if (typeof mod?.default !== "function") {
      throw new TypeError(`Cannot load island "${file}": its default export is not a component`);
    }
    out.set(mod.default, { name: islandName(file), file, component: mod.default });
  }
  return out;
}

function describe(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (typeof value === "number") return String(value);
  if (typeof value === "object" && value !== null) {
    if ("type" in value && "props" in value) return "a JSX element";
    return `a ${value.constructor?.name ?? "null-prototype"} object`;
  }
  return `a ${typeof value}`;
}

function check(island: string, path: string, value: unknown, depth: number): void {
  const bad = (what: string) => {
    throw new TypeError(
      `Cannot serialize props of island "${island}": ${path} is ${what} (island props must be ` +
        "JSON values: strings, finite numbers, booleans, null, arrays and plain objects)",
    );
  };
  if (depth > 64) bad("nested too deeply");
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) bad(describe(value));
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => check(island, `${path}[${i}]`, v, depth + 1));
    return;
  }
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) bad(describe(value));
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) check(island, `${path}.${k}`, v, depth + 1);
    }
    return;
  }
  bad(describe(value));
}

/**
 * Checks that an island's props survive JSON, so what hydrates in the browser is
 * what rendered on the server.
 *
 * @throws {TypeError} naming the island and the offending prop
 */
export function checkIslandProps(island: string, props: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    if (k === "children") {
      throw new TypeError(
        `Cannot serialize props of island "${island}": children are not supported ` +
          "(pass data as props and render it inside the island)",
      );
    }
    check(island, `props.${k}`, v, 0);
  }
}

/**
 * JSON for a `<script type="application/json">` element: `<` is escaped so no
 * value can close the element (`</script>`) or open a comment; U+2028/9 too.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}
