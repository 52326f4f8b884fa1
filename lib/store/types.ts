/** One class and its probability in a prediction's top-k. */
export interface TopKEntry {
  label: string;
  /** 0..1. */
  probability: number;
}

/** A prediction to store, with the image it was made on. */
export interface NewExample {
  /** PNG or JPEG bytes (convert other formats first). */
  image: Uint8Array;
  /** Served model name. */
  model: string;
  /** Served model version. */
  modelVersion: string;
  /** Classes by decreasing probability; the first is the predicted label. */
  topK: TopKEntry[];
  /** When it was predicted (default now). */
  createdAt?: Date;
}

/** A stored example. Times are ISO 8601 strings in UTC. */
export interface Example {
  /** UUID. */
  id: string;
  createdAt: string;
  /** Object key of the image in the store (`<id>.png`). */
  imageKey: string;
  /** `image/png` or `image/jpeg`. */
  imageType: ImageType;
  model: string;
  modelVersion: string;
  /** The model's top class. */
  predictedLabel: string;
  /** Its probability, 0..1. */
  confidence: number;
  topK: TopKEntry[];
  /** Top-1 minus top-2 probability (1 when there is one class): small is uncertain. */
  margin: number;
  /** Entropy (nats) of the top-k probabilities, with the rest of the mass as one more outcome. */
  entropy: number;
  /** The label a person gave, or null. */
  humanLabel: string | null;
  labeledAt: string | null;
  /** When it was skipped in the labeling queue (cleared by a label), or null. */
  skippedAt: string | null;
}

/** Image types a store keeps. */
export type ImageType = "image/png" | "image/jpeg";

/**
 * Orders of the labeling queue: most uncertain first by `least_confidence`
 * (lowest top-1), `margin` (smallest top-1 minus top-2) or `entropy` (highest);
 * or by time.
 */
export type Strategy = "least_confidence" | "margin" | "entropy" | "newest" | "oldest";

/** The strategies, for validation and selection lists. */
export const STRATEGIES: readonly Strategy[] = [
  "least_confidence",
  "margin",
  "entropy",
  "newest",
  "oldest",
];

/** Which examples to list: unlabeled excludes skipped ones. */
export type ExampleStatus = "all" | "unlabeled" | "labeled" | "skipped";

/** Filters, order and page of {@linkcode ExampleStore.list}. */
export interface ListOptions {
  /** Default "all". */
  status?: ExampleStatus;
  /** Only examples with confidence strictly below this (0..1]. */
  below?: number;
  /** Only this model's examples. */
  model?: string;
  /** Default "newest". */
  strategy?: Strategy;
  /** Page size, 1..500 (default 50). */
  limit?: number;
  /** Examples to skip (default 0). */
  offset?: number;
}

/** A page of examples and how many match in all. */
export interface ListResult {
  items: Example[];
  total: number;
}

/** Labeling progress over the examples that match `below` / `model`. */
export interface Counts {
  total: number;
  labeled: number;
  skipped: number;
  /** Neither labeled nor skipped: what the queue holds. */
  unlabeled: number;
}

/** A labeled example as an export needs it (the shape of lib/data's `ExportExample`). */
export interface LabeledExample {
  sourceId: string;
  label: string;
  labeledAt: string;
  image: Uint8Array;
  prediction: { label: string; confidence: number; model: string; version: string };
}

/**
 * Stored predictions and their human labels: the local store (SQLite + image
 * files) and the Supabase store (table + bucket) behave alike.
 *
 * Writes are all-or-nothing: `add` stores the image first and the row after,
 * and removes the image when the row cannot be written, so no row ever points
 * at a missing image. When a remote store fails it throws a
 * {@linkcode StoreError} with `code: "unavailable"` and has kept nothing; the
 * caller then keeps the example in the local store ({@linkcode addWithFallback})
 * rather than lose it.
 */
export interface ExampleStore {
  /** `"local"` or `"supabase"`. */
  readonly kind: string;
  /** Where it stores (a folder or a project URL), for messages. */
  readonly location: string;
  /**
   * Stores an image and its prediction.
   *
   * @throws {TypeError} when the image is not PNG or JPEG, or a field is missing
   * @throws {RangeError} when the image is too large or a probability is outside 0..1
   * @throws {StoreError} when the store cannot be written
   */
  add(example: NewExample): Promise<Example>;
  /** The example with this id, or undefined. */
  get(id: string): Promise<Example | undefined>;
  /** A page of examples. @throws {RangeError} on a bad filter or page */
  list(options?: ListOptions): Promise<ListResult>;
  /** Sets the human label (clears a skip). @throws {StoreError} code "not_found" */
  setLabel(id: string, label: string): Promise<Example>;
  /** Moves an example out of the queue. @throws {StoreError} code "not_found" */
  skip(id: string): Promise<Example>;
  /** Labeling progress. */
  counts(options?: Pick<ListOptions, "below" | "model">): Promise<Counts>;
  /** The example's image. @throws {StoreError} code "not_found" */
  readImage(id: string): Promise<{ bytes: Uint8Array; type: ImageType }>;
  /** Every labeled example with its image, oldest label first. */
  labeled(options?: Pick<ListOptions, "model">): AsyncIterable<LabeledExample>;
  /** Releases the store. */
  close(): Promise<void>;
}
