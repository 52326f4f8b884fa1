/**
 * Image uploads of the predict endpoint: a multipart form (field `image`,
 * plus `model` and `version`) or raw image bytes (model and version in the
 * query), size-capped while reading, and recognised by their first bytes.
 *
 * @module
 */
import { readBody } from "../serve/mod.ts";
import { HttpError } from "../web/mod.ts";

/** An upload, read and checked. */
export interface ImageUpload {
  image: Uint8Array;
  /** Its type, from its first bytes. */
  type: UploadType;
  /** The file name the browser sent, if any. */
  filename?: string;
  model?: string;
  version?: string;
}

/** Image types the predict endpoint takes. */
export type UploadType = "png" | "jpeg" | "gif" | "webp" | "tiff" | "avif";

const ACCEPTED = "PNG, JPEG, GIF, WebP, TIFF or AVIF";
const MULTIPART_OVERHEAD = 64 * 1024;

/**
 * The image type of bytes, from their signature.
 *
 * @param b the bytes
 * @returns the type, or undefined for anything else
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { imageKind } from "./mod.ts";
 * assert.equal(imageKind(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), "jpeg");
 * assert.equal(imageKind(new TextEncoder().encode("<svg>")), undefined);
 * ```
 */
export function imageKind(b: Uint8Array): UploadType | undefined {
  const ascii = (at: number, s: string) => [...s].every((c, i) => b[at + i] === c.charCodeAt(0));
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, "PNG\r\n\x1a\n")) return "png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (ascii(0, "GIF87a") || ascii(0, "GIF89a")) return "gif";
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return "webp";
  if (ascii(0, "II*\0") || ascii(0, "MM\0*")) return "tiff";
  if (ascii(4, "ftypavif") || ascii(4, "ftypavis")) return "avif";
  return undefined;
}

function field(form: FormData, name: string): string | undefined {
  const v = form.get(name);
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * Reads an image upload.
 *
 * @param req the request
 * @param maxBytes the largest image accepted
 * @returns the image, its type, file name, model and version
 * @throws {HttpError} 413 too large, 400 empty or malformed form, 415 not an image
 */
export async function readImageUpload(req: Request, maxBytes: number): Promise<ImageUpload> {
  const contentType = req.headers.get("content-type") ?? "";
  const multipart = contentType.startsWith("multipart/form-data");
  const cap = maxBytes + (multipart ? MULTIPART_OVERHEAD : 0);
  const body = await readBody(
    req,
    cap,
    () => new HttpError(413, `Cannot accept the upload: it is larger than ${cap} bytes`),
  );
  const query = new URL(req.url).searchParams;
  let upload: Omit<ImageUpload, "type">;
  if (multipart) {
    let form: FormData;
    try {
      form = await new Response(body as BodyInit, { headers: { "content-type": contentType } })
        .formData();
    } catch (err) {
      throw new HttpError(400, "Cannot read the upload: it is not a valid multipart form", {
        cause: err,
      });
    }
    const file = form.get("image");
    if (!(file instanceof File)) {
      throw new HttpError(400, 'Cannot read the upload: the form has no file field "image"');
    }
    if (file.size > maxBytes) {
      throw new HttpError(413, `Cannot accept "${file.name}": it is larger than ${maxBytes} bytes`);
    }
    upload = {
      image: new Uint8Array(await file.arrayBuffer()),
      filename: file.name || undefined,
      model: field(form, "model"),
      version: field(form, "version"),
    };
  } else {
    upload = {
      image: body,
      model: query.get("model") || undefined,
      version: query.get("version") || undefined,
    };
  }
  const name = upload.filename ? `"${upload.filename}"` : "the upload";
  if (upload.image.length === 0) throw new HttpError(400, `Cannot predict ${name}: it is empty`);
  const type = imageKind(upload.image);
  if (!type) {
    throw new HttpError(415, `Cannot predict ${name}: it is not an image (send ${ACCEPTED})`);
  }
  return { ...upload, type };
}
