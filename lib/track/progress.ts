/** Where progress goes: `Deno.stderr` or anything shaped like it. */
export interface ProgressStream {
  /** Writes some of `p`, returning how many bytes. */
  writeSync(p: Uint8Array): number;
  /** Whether it is a terminal (redraw with `\r`). */
  isTerminal(): boolean;
}

/** Options of {@linkcode ProgressBar}. */
export interface ProgressOptions {
  /** Units of work in total (samples or iterations). */
  total: number;
  /** Shown before the bar, e.g. `epoch 2/5`. */
  label?: string;
  /** Unit of the rate (default "it"). */
  unit?: string;
  /** Default `Deno.stderr`. */
  stream?: ProgressStream;
  /** Seconds between lines when the stream is not a terminal (default 10). */
  interval?: number;
  /** Bar cells (default 25). */
  width?: number;
  /** Milliseconds between redraws on a terminal (default 100). */
  redraw?: number;
  /** Clock in milliseconds (default `performance.now`). */
  now?: () => number;
}

/** `m:ss`, or `h:mm:ss` from an hour on. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A number in four significant digits, or scientific below 1e-3. */
export function formatValue(v: unknown): string {
  if (typeof v !== "number") return String(v);
  if (Number.isInteger(v)) return String(v);
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2);
  return v.toPrecision(4);
}

function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return "?";
  return rate >= 100 ? Math.round(rate).toLocaleString("en-US") : rate.toFixed(1);
}

/**
 * A progress bar with rate and ETA, as tqdm draws it. On a terminal it redraws one line
 * with `\r`; otherwise (a log file, CI) it prints a full line every `interval` seconds.
 */
export class ProgressBar {
  #o: Required<Omit<ProgressOptions, "stream">>;
  #stream: ProgressStream;
  #tty: boolean;
  #done = 0;
  #start: number;
  #last: number;
  #postfix = "";
  #encoder = new TextEncoder();

  /**
   * Starts the clock.
   *
   * @param options total, label, unit, stream, timing
   */
  constructor(options: ProgressOptions) {
    this.#o = {
      label: "",
      unit: "it",
      interval: 10,
      width: 25,
      redraw: 100,
      now: () => performance.now(),
      ...options,
    };
    this.#stream = options.stream ?? Deno.stderr;
    this.#tty = this.#stream.isTerminal();
    this.#start = this.#o.now();
    this.#last = this.#start;
  }

  /** Units done so far. */
  get done(): number {
    return this.#done;
  }

  /**
   * Advances by `n` units and shows the bar when it is time to.
   *
   * @param n units just done
   * @param postfix figures shown after the bar, e.g. `{loss: 0.23}`
   */
  update(n = 1, postfix?: Readonly<Record<string, unknown>>): void {
    this.#done += n;
    if (postfix) {
      this.#postfix = Object.entries(postfix).map(([k, v]) => ` ${k}=${formatValue(v)}`).join("");
    }
    const t = this.#o.now();
    const wait = this.#tty ? this.#o.redraw : this.#o.interval * 1000;
    if (t - this.#last >= wait) {
      this.#last = t;
      this.#write(false);
    }
  }

  /**
   * The current line:
   * `label  40%|##########...............| 3200/8000 [0:02<0:03, 1,600 samples/s] loss=0.2300`.
   */
  line(): string {
    const { total, width, label, unit } = this.#o;
    const elapsed = (this.#o.now() - this.#start) / 1000;
    const frac = total > 0 ? Math.min(1, this.#done / total) : 0;
    const cells = Math.round(frac * width);
    const rate = elapsed > 0 ? this.#done / elapsed : NaN;
    const eta = rate > 0 ? (total - this.#done) / rate : NaN;
    const pct = String(Math.floor(frac * 100)).padStart(3);
    const head = label ? `${label} ` : "";
    return `${head}${pct}%|${"#".repeat(cells)}${
      ".".repeat(width - cells)
    }| ${this.#done}/${total} ` +
      `[${formatDuration(elapsed)}<${formatDuration(eta)}, ${
        formatRate(rate)
      } ${unit}/s]${this.#postfix}`;
  }

  /** Shows the final line and ends it with a newline. */
  finish(postfix?: Readonly<Record<string, unknown>>): void {
    if (postfix) this.update(0, postfix);
    this.#write(true);
  }

  #write(final: boolean): void {
    const text = this.#tty ? `\r${this.line()}\x1b[K${final ? "\n" : ""}` : `${this.line()}\n`;
    const bytes = this.#encoder.encode(text);
    let off = 0;
    while (off < bytes.length) off += this.#stream.writeSync(bytes.subarray(off));
  }
}

/** What {@linkcode formatIterationSummary} shows. */
export interface IterationSummary {
  /** Iteration just finished (1-based as shown). */
  iteration: number;
  /** Iterations in the run. */
  iterations: number;
  /** Learning rate at the end of the iteration. */
  lr?: number;
  /** Mean training loss over the iteration. */
  trainLoss?: number;
  /** Evaluation figures; only numbers are shown. */
  metrics?: Readonly<Record<string, unknown>>;
  /** Wall time of the iteration. */
  seconds: number;
}

/**
 * One line per training iteration:
 * `iteration 3/10 | lr 1.00e-4 | train_loss 0.2345 | test_accuracy 0.9712 | 0:12`.
 *
 * @param s the iteration's figures
 * @returns the line
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatIterationSummary } from "./mod.ts";
 * const line = formatIterationSummary({ iteration: 1, iterations: 3, lr: 0.01, trainLoss: 0.5, seconds: 61 });
 * assert.equal(line, "iteration 1/3 | lr 0.01000 | train_loss 0.5000 | 1:01");
 * ```
 */
export function formatIterationSummary(s: IterationSummary): string {
  const parts = [`iteration ${s.iteration}/${s.iterations}`];
  if (s.lr !== undefined) parts.push(`lr ${formatValue(s.lr)}`);
  if (s.trainLoss !== undefined) parts.push(`train_loss ${formatValue(s.trainLoss)}`);
  for (const [k, v] of Object.entries(s.metrics ?? {})) {
    if (typeof v === "number") parts.push(`${k} ${formatValue(v)}`);
  }
  parts.push(formatDuration(s.seconds));
  return parts.join(" | ");
}
