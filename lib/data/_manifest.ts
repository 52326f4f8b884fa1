// Checks of the export manifest and of names that become folders or files.

import type { ExportEntry, ExportManifest } from "./export.ts";

/** "png" or "jpg" from the first bytes, or undefined. */
export function detectImageType(bytes: Uint8Array): "png" | "jpg" | undefined {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return "png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return "jpg";
  }
  return undefined;
}

/** A file name stem from an id: characters outside [A-Za-z0-9._-] become "_". */
export function safeFileStem(id: string): string {
  const stem = id.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_").slice(0, 120);
  return stem || "_";
}

/** Throws unless `name` can be a class folder (no separators, not hidden, not empty). */
export function validClassName(name: unknown, context: string): string {
  const ok = typeof name === "string" && name.length > 0 && name.length <= 255 &&
    !name.startsWith(".") && !/[/\\]/.test(name) &&
    ![...name].some((ch) => ch.charCodeAt(0) < 0x20);
  if (!ok) {
    throw new RangeError(
      `${context}: class ${JSON.stringify(name)} is not a valid folder name ` +
        `(non-empty, no "/" or "\\", not starting with ".")`,
    );
  }
  return name;
}

function fail(path: string, field: string, expected: string, got: unknown): never {
  throw new SyntaxError(
    `Invalid "${path}": ${field} must be ${expected}, got ${JSON.stringify(got)}`,
  );
}

function str(path: string, obj: Record<string, unknown>, key: string, where: string): string {
  const v = obj[key];
  if (typeof v !== "string" || v.length === 0) {
    fail(path, `${where}.${key}`, "a non-empty string", v);
  }
  return v;
}

function checkEntry(path: string, raw: unknown, i: number, classes: string[]): ExportEntry {
  const where = `examples[${i}]`;
  if (typeof raw !== "object" || raw === null) fail(path, where, "an object", raw);
  const e = raw as Record<string, unknown>;
  const file = str(path, e, "file", where);
  if (file.startsWith("/") || file.split(/[/\\]/).some((p) => p === ".." || p === "")) {
    fail(path, `${where}.file`, "a relative path inside the folder", file);
  }
  const label = str(path, e, "label", where);
  if (!classes.includes(label)) {
    fail(path, `${where}.label`, `one of classes (${classes.join(", ")})`, label);
  }
  const entry: ExportEntry = {
    file,
    source_id: str(path, e, "source_id", where),
    label,
    labeled_at: str(path, e, "labeled_at", where),
  };
  if (Number.isNaN(Date.parse(entry.labeled_at))) {
    fail(path, `${where}.labeled_at`, "an ISO 8601 date", entry.labeled_at);
  }
  if (e.prediction !== undefined) {
    const p = e.prediction as Record<string, unknown>;
    if (typeof p !== "object" || p === null) fail(path, `${where}.prediction`, "an object", p);
    str(path, p, "label", `${where}.prediction`);
    if (p.confidence !== undefined && typeof p.confidence !== "number") {
      fail(path, `${where}.prediction.confidence`, "a number", p.confidence);
    }
    entry.prediction = p as unknown as ExportEntry["prediction"];
  }
  return entry;
}

/** Checks a parsed manifest; every message names the file and the field. */
export function checkManifest(
  raw: unknown,
  path: string,
  format: string,
  version: number,
): ExportManifest {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    fail(path, "the manifest", "an object", raw);
  }
  const m = raw as Record<string, unknown>;
  if (m.format !== format) fail(path, "format", JSON.stringify(format), m.format);
  if (!Number.isInteger(m.version) || (m.version as number) < 1) {
    fail(path, "version", "a positive integer", m.version);
  }
  if ((m.version as number) > version) {
    throw new SyntaxError(
      `Invalid "${path}": version ${m.version} is newer than the supported ${version}`,
    );
  }
  const classes = m.classes;
  if (!Array.isArray(classes) || classes.length === 0) {
    fail(path, "classes", "a non-empty list", classes);
  }
  for (const c of classes) validClassName(c, `Invalid "${path}"`);
  if (new Set(classes).size !== classes.length) fail(path, "classes", "unique names", classes);
  if (!Array.isArray(m.examples)) fail(path, "examples", "a list", m.examples);
  return {
    format: format as ExportManifest["format"],
    version: m.version as number,
    created_at: typeof m.created_at === "string" ? m.created_at : "",
    classes: classes as string[],
    examples: m.examples.map((e, i) => checkEntry(path, e, i, classes as string[])),
  };
}
