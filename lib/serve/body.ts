/**
 * Reading a request body under a size limit, declared or streamed.
 *
 * @module
 */
import { ServeError } from "./errors.ts";

/**
 * Reads a request body, refusing one over the limit (declared or streamed).
 *
 * @param req the request
 * @param limit most bytes accepted
 * @param tooLarge the error to throw for a body over the limit (default: TorchServe's 413)
 * @returns the bytes
 * @throws {ServeError} 413 when the body is over the limit (or what `tooLarge` makes)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readBody } from "./mod.ts";
 * const req = () => new Request("http://127.0.0.1/", { method: "POST", body: "12345" });
 * assert.equal((await readBody(req(), 5)).length, 5);
 * await assert.rejects(readBody(req(), 4), /larger than max_request_size \(4 bytes\)/);
 * ```
 */
export async function readBody(
  req: Request,
  limit: number,
  tooLarge: () => Error = () =>
    new ServeError(
      413,
      "RequestEntityTooLargeException",
      `Request body is larger than max_request_size (${limit} bytes)`,
    ),
): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > limit) {
    await req.body?.cancel();
    throw tooLarge();
  }
  if (!req.body) return new Uint8Array(0);
  // A declared length within the limit: read it in one go (the server enforces the length).
  if (Number.isFinite(declared)) return await req.bytes();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
