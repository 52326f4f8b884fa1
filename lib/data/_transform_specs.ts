// Validation of transform specs as they come from YAML: one message per problem naming
// the list position, the transform and the field.

/** A number or [height, width]. */
export type Size = number | readonly [number, number];

/** One transform as written in a config list (`{name: resize, size: 32}`). */
export type TransformSpec =
  | { name: "resize"; size: Size; interpolation?: "bilinear" | "nearest" }
  | { name: "center_crop"; size: Size }
  | {
    name: "random_resized_crop";
    size: Size;
    scale?: readonly [number, number];
    ratio?: readonly [number, number];
  }
  | { name: "horizontal_flip"; p?: number }
  | { name: "vertical_flip"; p?: number }
  | {
    name: "rotation";
    degrees: number | readonly [number, number];
    fill?: number;
    interpolation?: "bilinear" | "nearest";
  }
  | {
    name: "color_jitter";
    brightness?: number | readonly [number, number];
    contrast?: number | readonly [number, number];
  }
  | { name: "grayscale"; num_output_channels?: 1 | 3 }
  | { name: "normalize"; mean: readonly number[]; std: readonly number[] }
  | { name: "to_tensor" };

/** Canonical transform names. */
export const TRANSFORM_NAMES = [
  "resize",
  "center_crop",
  "random_resized_crop",
  "horizontal_flip",
  "vertical_flip",
  "rotation",
  "color_jitter",
  "grayscale",
  "normalize",
  "to_tensor",
] as const;

/** torchvision's class names (snake_cased) that map onto ours. */
const ALIASES: Record<string, string> = {
  random_horizontal_flip: "horizontal_flip",
  random_vertical_flip: "vertical_flip",
  random_rotation: "rotation",
};

const FIELDS: Record<string, string[]> = {
  resize: ["size", "interpolation"],
  center_crop: ["size"],
  random_resized_crop: ["size", "scale", "ratio"],
  horizontal_flip: ["p"],
  vertical_flip: ["p"],
  rotation: ["degrees", "fill", "interpolation"],
  color_jitter: ["brightness", "contrast"],
  grayscale: ["num_output_channels"],
  normalize: ["mean", "std"],
  to_tensor: [],
};

function canonicalName(raw: string): string {
  const snake = raw.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  return ALIASES[snake] ?? snake;
}

/** Reads and checks one field; `where` prefixes every message. */
class Fields {
  constructor(readonly where: string, readonly spec: Record<string, unknown>) {}

  fail(key: string, expected: string): never {
    const got = JSON.stringify(this.spec[key]);
    throw new TypeError(
      `Invalid transform ${this.where}: "${key}" must be ${expected}, got ${got}`,
    );
  }

  number(key: string, lo: number, hi: number, fallback?: number): number {
    const v = this.spec[key] ?? fallback;
    if (typeof v !== "number" || !(v >= lo && v <= hi)) {
      this.fail(key, `a number in [${lo}, ${hi}]`);
    }
    return v;
  }

  size(key: string): Size {
    const v = this.spec[key];
    const ok = (x: unknown) => Number.isInteger(x) && (x as number) > 0;
    if (ok(v)) return v as number;
    if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [v[0], v[1]];
    return this.fail(key, "a positive integer or [height, width]");
  }

  range(key: string, fallback: readonly [number, number], lo: number): readonly [number, number] {
    const v = this.spec[key] ?? fallback;
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number" && x >= lo)) {
      if (v[0] <= v[1]) return [v[0], v[1]];
    }
    return this.fail(key, `[min, max] with ${lo} <= min <= max`);
  }

  /** A spread `x` meaning [center - x, center + x], or an explicit [min, max]. */
  spread(key: string, center: number, lo: number): readonly [number, number] | undefined {
    const v = this.spec[key];
    if (v === undefined || v === 0) return undefined;
    if (typeof v === "number" && v > 0) return [Math.max(lo, center - v), center + v];
    return this.range(key, [center, center], lo);
  }

  interpolation(fallback: "bilinear" | "nearest"): "bilinear" | "nearest" {
    const v = this.spec.interpolation ?? fallback;
    if (v !== "bilinear" && v !== "nearest") this.fail("interpolation", '"bilinear" or "nearest"');
    return v;
  }

  numbers(key: string): number[] {
    const v = this.spec[key];
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number")) return v;
    if (typeof v === "number") return [v];
    return this.fail(key, "a number or a list of numbers");
  }
}

/**
 * Checks one spec and returns it with its canonical name and defaults filled in.
 * `where` names it in messages, e.g. `train[2]`.
 */
export function checkSpec(raw: unknown, where: string): TransformSpec {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new TypeError(
      `Invalid transform ${where}: expected an object with "name", got ${JSON.stringify(raw)}`,
    );
  }
  const spec = raw as Record<string, unknown>;
  if (typeof spec.name !== "string") {
    throw new TypeError(
      `Invalid transform ${where}: "name" must be one of ${TRANSFORM_NAMES.join(", ")}`,
    );
  }
  const name = canonicalName(spec.name);
  const allowed = FIELDS[name];
  if (!allowed) {
    throw new TypeError(
      `Unknown transform ${where} "${spec.name}": expected one of ${TRANSFORM_NAMES.join(", ")}`,
    );
  }
  for (const key of Object.keys(spec)) {
    if (key !== "name" && !allowed.includes(key)) {
      const valid = allowed.length ? allowed.join(", ") : "none";
      throw new TypeError(
        `Invalid transform ${where} "${name}": unknown field "${key}" (valid: ${valid})`,
      );
    }
  }
  const f = new Fields(`${where} "${name}"`, spec);
  switch (name) {
    case "resize":
      return { name, size: f.size("size"), interpolation: f.interpolation("bilinear") };
    case "center_crop":
      return { name, size: f.size("size") };
    case "random_resized_crop":
      return {
        name,
        size: f.size("size"),
        scale: f.range("scale", [0.08, 1], 0),
        ratio: f.range("ratio", [3 / 4, 4 / 3], Number.MIN_VALUE),
      };
    case "horizontal_flip":
    case "vertical_flip":
      return { name, p: f.number("p", 0, 1, 0.5) };
    case "rotation": {
      const d = spec.degrees;
      const degrees = typeof d === "number" && d >= 0
        ? [-d, d] as const
        : f.range("degrees", [0, 0], -360);
      return {
        name,
        degrees,
        fill: f.number("fill", -1e9, 1e9, 0),
        interpolation: f.interpolation("nearest"),
      };
    }
    case "color_jitter":
      return {
        name,
        brightness: f.spread("brightness", 1, 0),
        contrast: f.spread("contrast", 1, 0),
      };
    case "grayscale": {
      const n = spec.num_output_channels ?? 1;
      if (n !== 1 && n !== 3) return f.fail("num_output_channels", "1 or 3");
      return { name, num_output_channels: n };
    }
    case "normalize": {
      const mean = f.numbers("mean");
      const std = f.numbers("std");
      if (std.some((s) => !(s > 0))) f.fail("std", "positive numbers");
      return { name, mean, std };
    }
    default:
      return { name: "to_tensor" };
  }
}
