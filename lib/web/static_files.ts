import { extname, join, resolve, sep } from "node:path";

/** Content types by file extension (what static/ and the bundle hold). */
export const CONTENT_TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".webmanifest": "application/manifest+json",
};

/** A file to serve with a validator. */
export interface ServedFile {
  bytes: Uint8Array;
  /** Strong ETag, quoted. */
  etag: string;
  contentType: string;
  cacheControl: string;
}

/**
 * A strong ETag for some bytes (a SHA-256 prefix, quoted).
 *
 * @param bytes the contents
 * @returns the ETag value, quoted
 */
export async function etagOf(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return `"${btoa(String.fromCharCode(...digest.subarray(0, 16))).replace(/=+$/, "")}"`;
}

/** Whether `If-None-Match` matches an ETag (weak comparison, as for GET). */
export function etagMatches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  const bare = etag.replace(/^W\//, "");
  return ifNoneMatch.split(",").some((t) => t.trim().replace(/^W\//, "") === bare);
}

/**
 * The response for a served file: 304 when the request's `If-None-Match` holds
 * its ETag, the bytes otherwise (no body for HEAD).
 *
 * @param req the request
 * @param file the file
 * @returns the response
 */
export function fileResponse(req: Request, file: ServedFile): Response {
  const headers = new Headers({ "etag": file.etag, "cache-control": file.cacheControl });
  if (etagMatches(req.headers.get("if-none-match"), file.etag)) {
    return new Response(null, { status: 304, headers });
  }
  headers.set("content-type", file.contentType);
  headers.set("content-length", String(file.bytes.byteLength));
  const body = req.method === "HEAD" ? null : file.bytes as Uint8Array<ArrayBuffer>;
  return new Response(body, { status: 200, headers });
}

/** Options of {@linkcode staticHandler}. */
export interface StaticOptions {
  /** `Cache-Control` of static files (default `no-cache`: revalidate with the ETag). */
  cacheControl?: string;
}

interface Cached {
  mtime: number;
  size: number;
  file: ServedFile;
}

/**
 * Serves the files of a folder as they are, at the URL path of their path
 * inside it, with ETags and 304s. Only names with an extension are looked up
 * (`/style.css`, `/img/logo.svg`), so page URLs cost no file system call.
 * Paths with `..`, dot files and folders are never served; anything not found
 * yields `undefined` so the app goes on.
 *
 * @param dir the folder (`static/`)
 * @param options cache policy
 * @returns a function from request to response or undefined
 */
export function staticHandler(
  dir: string,
  options: StaticOptions = {},
): (req: Request) => Promise<Response | undefined> {
  const root = resolve(dir);
  const cacheControl = options.cacheControl ?? "no-cache";
  const cache = new Map<string, Cached>();
  return async function serveStatic(req: Request): Promise<Response | undefined> {
    if (req.method !== "GET" && req.method !== "HEAD") return undefined;
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url).pathname);
    } catch {
      return undefined;
    }
    const parts = path.split("/").filter((p) => p !== "");
    if (parts.length === 0 || parts.some((p) => p.startsWith(".") || p.includes("\\"))) {
      return undefined;
    }
    if (!parts.at(-1)!.includes(".")) return undefined; // page URLs cost no file system call
    if (path.includes("\0")) return undefined;
    const full = join(root, ...parts);
    if (!full.startsWith(root + sep)) return undefined;
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.stat(full);
    } catch {
      return undefined;
    }
    if (!stat.isFile) return undefined;
    const mtime = stat.mtime?.getTime() ?? 0;
    let hit = cache.get(full);
    if (!hit || hit.mtime !== mtime || hit.size !== stat.size) {
      const bytes = await Deno.readFile(full);
      const contentType = CONTENT_TYPES[extname(full).toLowerCase()] ??
        "application/octet-stream";
      hit = {
        mtime,
        size: stat.size,
        file: { bytes, etag: await etagOf(bytes), contentType, cacheControl },
      };
      cache.set(full, hit);
    }
    return fileResponse(req, hit.file);
  };
}
