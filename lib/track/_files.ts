// File primitives of the run directory: atomic JSON (temp + rename) and whole-line appends.

import { basename, dirname, join } from "node:path";

/** Writes `text` to `path` through a temporary sibling renamed into place. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const tmp = join(
    dirname(path),
    `.${basename(path)}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`,
  );
  try {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      await writeAll(file, new TextEncoder().encode(text));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(`Cannot write "${path}": ${(err as Error).message}`, { cause: err });
  }
}

/** JSON with two-space indentation and a final newline, written atomically. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeTextAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}

/**
 * An append-only text file written one whole line per call, so a crash leaves at most
 * one torn line at the end.
 */
export class LineFile {
  #file: Deno.FsFile;
  #path: string;
  #encoder = new TextEncoder();

  private constructor(path: string, file: Deno.FsFile) {
    this.#path = path;
    this.#file = file;
  }

  /** Opens `path` for appending, creating it. */
  static async open(path: string): Promise<LineFile> {
    try {
      return new LineFile(path, await Deno.open(path, { append: true, create: true }));
    } catch (err) {
      throw new Error(`Cannot open "${path}" for appending: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /** Appends `line` (no newline inside) and a newline in one write. */
  append(line: string): void {
    const bytes = this.#encoder.encode(line + "\n");
    let off = 0;
    while (off < bytes.length) off += this.#file.writeSync(bytes.subarray(off));
  }

  /** The file's path. */
  get path(): string {
    return this.#path;
  }

  /** Flushes to disk and closes. */
  close(): void {
    try {
      this.#file.syncSync();
    } finally {
      this.#file.close();
    }
  }
}
