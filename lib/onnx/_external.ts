// Reading and writing tensor bytes in external data files, in bounded chunks so
// tensors over 2 GiB never need a second copy.

import * as fs from "node:fs";
import * as path from "node:path";

const CHUNK = 64 * 1024 * 1024;

/** Checks that an external data location stays inside the model's folder. */
export function safeLocation(location: string): string | undefined {
  if (location === "" || path.isAbsolute(location) || location.includes("\0")) return undefined;
  const norm = path.normalize(location);
  if (norm.startsWith("..") || path.isAbsolute(norm)) return undefined;
  return norm;
}

/** Reads byte ranges of files under one folder, keeping each file open until `close()`. */
export class ExternalReader {
  readonly baseDir: string;
  #files = new Map<string, { fd: number; size: number }>();

  constructor(baseDir: string) {
    this.baseDir = baseDir;
  }

  /** Size of a file in bytes (opens it). */
  size(location: string): number {
    return this.#open(location).size;
  }

  /** Reads `out.byteLength` bytes at `offset` into `out`. */
  readInto(location: string, offset: number, out: Uint8Array): void {
    const { fd } = this.#open(location);
    let done = 0;
    while (done < out.byteLength) {
      const n = Math.min(CHUNK, out.byteLength - done);
      const got = fs.readSync(fd, out, done, n, offset + done);
      if (got <= 0) {
        throw new RangeError(`unexpected end of "${location}" at byte ${offset + done}`);
      }
      done += got;
    }
  }

  close(): void {
    for (const { fd } of this.#files.values()) fs.closeSync(fd);
    this.#files.clear();
  }

  #open(location: string): { fd: number; size: number } {
    let f = this.#files.get(location);
    if (!f) {
      const fd = fs.openSync(path.join(this.baseDir, location), "r");
      f = { fd, size: fs.fstatSync(fd).size };
      this.#files.set(location, f);
    }
    return f;
  }
}

/** Appends tensor bytes to one external data file, aligned for memory mapping. */
export class ExternalWriter {
  readonly location: string;
  readonly threshold: number;
  #fd: number;
  #offset = 0;

  constructor(file: string, location: string, threshold: number) {
    this.location = location;
    this.threshold = threshold;
    this.#fd = fs.openSync(file, "w");
  }

  /** Writes bytes and returns their offset. */
  write(bytes: Uint8Array): number {
    const align = bytes.byteLength >= 1 << 20 ? 4096 : 64;
    const pad = (align - (this.#offset % align)) % align;
    if (pad > 0) this.#writeAll(new Uint8Array(pad));
    const at = this.#offset;
    this.#writeAll(bytes);
    return at;
  }

  close(): void {
    fs.closeSync(this.#fd);
  }

  #writeAll(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.byteLength) {
      const n = Math.min(CHUNK, bytes.byteLength - done);
      done += fs.writeSync(this.#fd, bytes, done, n);
    }
    this.#offset += bytes.byteLength;
  }
}
