// Validation and derived scores shared by the store implementations.
import {
  type Example,
  type ExampleStatus,
  type ImageType,
  type LabeledExample,
  type ListOptions,
  type NewExample,
  STRATEGIES,
  type Strategy,
  type TopKEntry,
} from "./types.ts";

/** Largest image a store accepts by default (bytes). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const MAX_TEXT = 200;
const STATUSES: readonly ExampleStatus[] = ["all", "unlabeled", "labeled", "skipped"];

/** Column and direction that sort the queue by each strategy. */
export const ORDER: Record<Strategy, { column: string; ascending: boolean }> = {
  least_confidence: { column: "confidence", ascending: true },
  margin: { column: "margin", ascending: true },
  entropy: { column: "entropy", ascending: false },
  newest: { column: "created_at", ascending: false },
  oldest: { column: "created_at", ascending: true },
};

/** The type of PNG or JPEG bytes, from their signature; undefined for anything else. */
export function imageTypeOf(bytes: Uint8Array): ImageType | undefined {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return "image/png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return "image/jpeg";
  }
  return undefined;
}

/** The file extension of an image type. */
export function extensionOf(type: ImageType): string {
  return type === "image/png" ? "png" : "jpg";
}

/** Whether a string holds C0 control characters or DEL. */
export function hasControlChars(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function text(value: unknown, what: string, action = "Cannot store example"): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TypeError(`${action}: ${what} must be a non-empty string`);
  }
  if (value.length > MAX_TEXT || hasControlChars(value)) {
    throw new RangeError(
      `${action}: ${what} ${JSON.stringify(value.slice(0, 40))} is longer than ` +
        `${MAX_TEXT} characters or has control characters`,
    );
  }
  return value;
}

/** A checked label (non-empty, at most 200 characters, no control characters). */
export function checkLabel(label: unknown): string {
  return text(label, "label", "Cannot label example");
}

/** What `add` writes besides the image: checked fields and derived scores. */
export interface CheckedExample {
  type: ImageType;
  model: string;
  modelVersion: string;
  topK: TopKEntry[];
  predictedLabel: string;
  confidence: number;
  margin: number;
  entropy: number;
  createdAt: string;
}

function checkTopK(topK: unknown): TopKEntry[] {
  if (!Array.isArray(topK) || topK.length === 0) {
    throw new TypeError("Cannot store example: topK must be a non-empty array");
  }
  const out = topK.map((e, i) => {
    const p = (e as TopKEntry)?.probability;
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
      throw new RangeError(`Cannot store example: topK[${i}].probability ${p} is not in 0..1`);
    }
    return { label: text((e as TopKEntry).label, `topK[${i}].label`), probability: p };
  });
  out.sort((a, b) => b.probability - a.probability);
  const sum = out.reduce((s, e) => s + e.probability, 0);
  if (sum > 1 + 1e-4) {
    throw new RangeError(`Cannot store example: topK probabilities add up to ${sum}, more than 1`);
  }
  return out;
}

/**
 * Uncertainty scores of a top-k: the margin between the two most likely
 * outcomes and the entropy in nats, the mass outside the top-k counted as one
 * more outcome.
 */
export function uncertainty(topK: TopKEntry[]): { margin: number; entropy: number } {
  const rest = Math.max(0, 1 - topK.reduce((s, e) => s + e.probability, 0));
  const second = topK.length > 1 ? topK[1]!.probability : rest;
  let entropy = 0;
  for (const p of [...topK.map((e) => e.probability), rest]) if (p > 0) entropy -= p * Math.log(p);
  return { margin: topK[0]!.probability - second, entropy };
}

/**
 * Checks an example to add.
 *
 * @throws {TypeError} when the image is not PNG/JPEG or a field is missing
 * @throws {RangeError} when the image is too large or a value is out of range
 */
export function checkNewExample(example: NewExample, maxBytes: number): CheckedExample {
  if (!(example?.image instanceof Uint8Array)) {
    throw new TypeError("Cannot store example: image must be a Uint8Array of PNG or JPEG bytes");
  }
  if (example.image.byteLength > maxBytes) {
    throw new RangeError(
      `Cannot store example: image is ${example.image.byteLength} bytes, more than ${maxBytes}`,
    );
  }
  const type = imageTypeOf(example.image);
  if (!type) {
    throw new TypeError(
      "Cannot store example: image is not PNG or JPEG (convert it to PNG first)",
    );
  }
  const createdAt = example.createdAt ?? new Date();
  if (!(createdAt instanceof Date) || Number.isNaN(createdAt.getTime())) {
    throw new TypeError("Cannot store example: createdAt is not a valid Date");
  }
  const topK = checkTopK(example.topK);
  return {
    type,
    model: text(example.model, "model"),
    modelVersion: text(example.modelVersion, "modelVersion"),
    topK,
    predictedLabel: topK[0]!.label,
    confidence: topK[0]!.probability,
    ...uncertainty(topK),
    createdAt: createdAt.toISOString(),
  };
}

/** List options with defaults applied. */
export type CheckedList = Required<Omit<ListOptions, "below" | "model">> & {
  below?: number;
  model?: string;
};

/**
 * Checks list options and fills in defaults.
 *
 * @throws {RangeError} on an unknown status or strategy, a threshold outside (0, 1] or a bad page
 */
export function checkListOptions(options: ListOptions = {}): CheckedList {
  const { status = "all", strategy = "newest", limit = 50, offset = 0, below, model } = options;
  if (!STATUSES.includes(status)) {
    throw new RangeError(`Cannot list examples: status "${status}" is not one of ${STATUSES}`);
  }
  if (!STRATEGIES.includes(strategy)) {
    throw new RangeError(
      `Cannot list examples: strategy "${strategy}" is not one of ${STRATEGIES.join(", ")}`,
    );
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw new RangeError(`Cannot list examples: limit ${limit} is not an integer in 1..500`);
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw new RangeError(`Cannot list examples: offset ${offset} is not an integer >= 0`);
  }
  if (below !== undefined && !(below > 0 && below <= 1)) {
    throw new RangeError(`Cannot list examples: below ${below} is not in (0, 1]`);
  }
  return { status, strategy, limit, offset, below, model };
}

/** An example as an export takes it. */
export function labeledExample(ex: Example, image: Uint8Array): LabeledExample {
  return {
    sourceId: ex.id,
    label: ex.humanLabel!,
    labeledAt: ex.labeledAt!,
    image,
    prediction: {
      label: ex.predictedLabel,
      confidence: ex.confidence,
      model: ex.model,
      version: ex.modelVersion,
    },
  };
}
