/** Pixels already decoded into memory: `pixels` holds items of `dims` [C, H, W], values 0..1. */
export interface TensorSource {
  /** Discriminant. */
  readonly kind: "tensor";
  /** Named in messages: `mnist#123`. */
  readonly name: string;
  /** Items one after another, each `dims` in CHW order. */
  readonly pixels: Float32Array;
  /** [C, H, W] of every item. */
  readonly dims: readonly [number, number, number];
}

/** Image files decoded on demand with sharp. */
export interface ImageFileSource {
  /** Discriminant. */
  readonly kind: "files";
  /** Named in messages (the folder). */
  readonly name: string;
  /** Image files, one per item. */
  readonly paths: readonly string[];
  /** "RGB" (3 channels, as torchvision's ImageFolder) or "L" (one luma channel). */
  readonly mode: "RGB" | "L";
}

/** Where samples come from. */
export type SampleSource = TensorSource | ImageFileSource;

/**
 * A labelled data set: per sample, the source it lives in, its item in that source and
 * its class index. Subsets, mixes and remaps only rewrite these index arrays.
 */
export interface Dataset {
  /** Named in messages. */
  readonly name: string;
  /** Class names; a label is an index into this list. */
  readonly classes: readonly string[];
  /** Where the samples live. */
  readonly sources: readonly SampleSource[];
  /** Per sample: index into `sources`. */
  readonly source: Uint8Array;
  /** Per sample: item index within its source. */
  readonly item: Int32Array;
  /** Per sample: class index into `classes`. */
  readonly labels: Int32Array;
  /** Number of samples. */
  readonly length: number;
}

/** Content problems of a data set (missing folder, empty class, unreadable images, sizes). */
export class DataError extends Error {
  /** The file or folder the problem is about, when there is one. */
  readonly path?: string;

  /**
   * Makes the error.
   *
   * @param message the one-line message
   * @param options the path concerned and the underlying error
   */
  constructor(message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "DataError";
    this.path = options.path;
  }
}

/** Number of items a source holds. */
export function sourceSize(source: SampleSource): number {
  if (source.kind === "files") return source.paths.length;
  const [c, h, w] = source.dims;
  return source.pixels.length / (c * h * w);
}

/**
 * Builds a data set from its parts, checking that every index is in range.
 *
 * @param parts name, classes, sources and per-sample index arrays
 * @returns the data set
 * @throws {RangeError} when arrays disagree in length or an index is out of range
 */
export function makeDataset(parts: Omit<Dataset, "length">): Dataset {
  const { name, classes, sources, source, item, labels } = parts;
  const n = labels.length;
  if (source.length !== n || item.length !== n) {
    throw new RangeError(
      `Cannot build data set "${name}": ${n} labels, ${source.length} sources, ${item.length} items`,
    );
  }
  if (sources.length > 255) {
    throw new RangeError(`Cannot build data set "${name}": at most 255 sources`);
  }
  const sizes = sources.map(sourceSize);
  for (let i = 0; i < n; i++) {
    const s = source[i]!;
    if (s >= sources.length || item[i]! < 0 || item[i]! >= sizes[s]!) {
      throw new RangeError(
        `Cannot build data set "${name}": sample ${i} points outside its source`,
      );
    }
    if (labels[i]! < 0 || labels[i]! >= classes.length) {
      throw new RangeError(
        `Cannot build data set "${name}": sample ${i} has label ${labels[i]}, ` +
          `classes are 0..${classes.length - 1}`,
      );
    }
  }
  return { name, classes: [...classes], sources, source, item, labels, length: n };
}

/** What to call sample `index` in a message: its file path or `name#item`. */
export function describeSample(
  ds: Pick<Dataset, "sources" | "source" | "item">,
  index: number,
): string {
  const src = ds.sources[ds.source[index]!]!;
  const item = ds.item[index]!;
  return src.kind === "files" ? src.paths[item]! : `${src.name}#${item}`;
}

/**
 * The samples at `indices`, in that order (repeats allowed).
 *
 * @param ds the data set
 * @param indices sample indices into `ds`
 * @param name name of the subset (default: the data set's)
 * @returns a data set sharing `ds`'s sources
 * @throws {RangeError} when an index is out of range
 */
export function subsetDataset(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  const n = indices.length;
  const source = new Uint8Array(n);
  const item = new Int32Array(n);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k]!;
    if (!(i >= 0 && i < ds.length)) {
      throw new RangeError(`Cannot take sample ${i} of "${ds.name}": it has ${ds.length}`);
    }
    source[k] = ds.source[i]!;
    item[k] = ds.item[i]!;
    labels[k] = ds.labels[i]!;
  }
  return { name, classes: ds.classes, sources: ds.sources, source, item, labels, length: n };
}

/** Samples per class, in class order. */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.classes.length).fill(0);
  for (let i = 0; i < ds.length; i++) counts[ds.labels[i]!]!++;
  return counts;
}
