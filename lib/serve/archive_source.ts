/**
 * Where a registration may load an archive from: a file name inside the
 * model store, or an http(s) URL that matches a configured `allowed_urls`
 * pattern and does not point at a private, loopback or link-local address
 * (unless `allow_private_urls` says so). Downloads land in the model store,
 * written atomically, with redirects checked hop by hop and a size limit.
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import { basename, join, resolve, sep } from "node:path";
import { ServeError } from "./errors.ts";
import { isPrivateAddress } from "./_ip.ts";

/** What may be registered, and from where. */
export interface SourcePolicy {
  /** Folder of the archives that may be registered. */
  modelStore: string;
  /** Regular expressions a remote URL must match in full. */
  allowedUrls: string[];
  /** Let downloads reach private, loopback and link-local addresses. */
  allowPrivateUrls?: boolean;
  /** Largest archive download, in bytes. */
  maxArchiveSize?: number;
}

/** A resolved archive: its path in the store and its file name there. */
export interface ArchiveLocation {
  /** Absolute path. */
  path: string;
  /** File name in the model store. */
  marName: string;
}

const MAR_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]*\.mar$/;

/**
 * Resolves a registration `url` to an archive file in the model store, downloading it if remote.
 *
 * @param url file name in the store, or an http(s) URL
 * @param policy model store and allowed URLs
 * @returns the archive's path and file name
 * @throws {ServeError} 400 for a path outside the store, 403 for a refused URL, 404 when missing
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveArchiveSource } from "./archive_source.ts";
 * const policy = { modelStore: "model_store", allowedUrls: [] };
 * await assert.rejects(resolveArchiveSource("../secret.mar", policy), { status: 400 });
 * await assert.rejects(resolveArchiveSource("http://169.254.169.254/x.mar", policy), { status: 403 });
 * ```
 */
export async function resolveArchiveSource(
  url: string,
  policy: SourcePolicy,
): Promise<ArchiveLocation> {
  if (!url) throw ServeError.badRequest(`Parameter "url" is required: an archive file name`);
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) && !/^[a-z]:[\\/]/i.test(url)) {
    if (/^https?:\/\//i.test(url)) return await download(url, policy);
    if (/^file:/i.test(url)) return local(decodeURIComponent(new URL(url).pathname), policy, url);
    throw refused(url, "only http(s) URLs and file names in the model store are accepted");
  }
  return local(url, policy, url);
}

function refused(url: string, why: string): ServeError {
  return new ServeError(403, "ForbiddenException", `Refused archive URL "${url}": ${why}`);
}

async function local(
  path: string,
  policy: SourcePolicy,
  original: string,
): Promise<ArchiveLocation> {
  const store = resolve(policy.modelStore);
  const full = resolve(store, path);
  const inside = full.startsWith(store + sep) && !full.slice(store.length + 1).includes(sep);
  if (!inside || path.split(/[\\/]/).includes("..")) {
    throw ServeError.badRequest(
      `Refused archive path "${original}": give a file name inside the model store`,
    );
  }
  try {
    const stat = await Deno.stat(full);
    if (!stat.isFile) throw new Deno.errors.NotFound();
  } catch {
    throw new ServeError(
      404,
      "ModelNotFoundException",
      `Model archive not found in the model store: "${basename(full)}"`,
    );
  }
  return { path: full, marName: basename(full) };
}

async function checkUrl(url: string, policy: SourcePolicy): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw ServeError.badRequest(`Invalid archive URL "${url}"`);
  }
  if (!policy.allowedUrls.some((re) => new RegExp(`^(?:${re})$`).test(url))) {
    const hint = policy.allowedUrls.length === 0
      ? "no URLs are allowed (set server.allowed_urls)"
      : `it matches none of allowed_urls`;
    throw refused(url, hint);
  }
  if (parsed.username || parsed.password) throw refused(url, "credentials in URLs are refused");
  if (!policy.allowPrivateUrls) {
    const host = parsed.hostname.replace(/^\[|\]$/g, "");
    let addresses: string[];
    try {
      addresses = (await lookup(host, { all: true })).map((a) => a.address);
    } catch (err) {
      throw ServeError.badRequest(`Cannot resolve host of "${url}": ${(err as Error).message}`);
    }
    const bad = addresses.find(isPrivateAddress);
    if (bad) {
      throw refused(
        url,
        `${host} resolves to non-public address ${bad} (allow_private_urls is off)`,
      );
    }
  }
  return parsed;
}

// NOTE: the host is resolved and checked before the download, and every redirect hop again;
// a DNS answer that changes between the check and the connection (rebinding) is not
// caught. Keep allowed_urls to hosts you trust.
async function download(url: string, policy: SourcePolicy): Promise<ArchiveLocation> {
  let current = url;
  for (let hop = 0; hop < 4; hop++) {
    const parsed = await checkUrl(current, policy);
    const res = await fetch(parsed, { redirect: "manual", signal: AbortSignal.timeout(300_000) })
      .catch((err) => {
        throw ServeError.badRequest(`Cannot download "${current}": ${(err as Error).message}`);
      });
    if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
      await res.body?.cancel();
      current = new URL(res.headers.get("location")!, parsed).href;
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw ServeError.badRequest(`Cannot download "${current}": HTTP ${res.status}`);
    }
    return await save(res, url, policy);
  }
  throw ServeError.badRequest(`Cannot download "${url}": too many redirects`);
}

async function save(res: Response, url: string, policy: SourcePolicy): Promise<ArchiveLocation> {
  const marName = decodeURIComponent(basename(new URL(url).pathname));
  if (!MAR_NAME.test(marName)) {
    await res.body?.cancel();
    throw ServeError.badRequest(`Invalid archive URL "${url}": its file name must end in .mar`);
  }
  const path = join(resolve(policy.modelStore), marName);
  if (await Deno.stat(path).then(() => true, () => false)) {
    await res.body?.cancel();
    throw ServeError.conflict(`Archive "${marName}" already exists in the model store`);
  }
  const limit = policy.maxArchiveSize ?? 1 << 30;
  const tmp = `${path}.${Deno.pid}.${Date.now()}.part`;
  let size = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      size += chunk.length;
      if (size > limit) {
        controller.error(
          new ServeError(
            413,
            "RequestEntityTooLargeException",
            `Archive "${url}" is larger than ${limit} bytes`,
          ),
        );
      } else controller.enqueue(chunk);
    },
  });
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true });
    await (res.body ?? new Response().body!).pipeThrough(counter).pipeTo(file.writable);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  return { path, marName };
}
