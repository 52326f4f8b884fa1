/**
 * What the predict endpoint does: pick the model version, classify the image
 * through the inference API, and keep the example (image + prediction) when
 * `web.store_predictions` is on — locally when the configured store fails.
 *
 * @module
 */
import sharp from "sharp";
import { addWithFallback, type TopKEntry } from "../store/mod.ts";
import { HttpError } from "../web/mod.ts";
import { ModelServerError } from "./errors.ts";
import type { AppServices } from "./services.ts";
import type { ImageUpload } from "./upload.ts";

/** A prediction as the page shows it. */
export interface Prediction {
  model: string;
  version: string;
  /** Classes by decreasing probability. */
  topK: TopKEntry[];
  filename?: string;
  /** Where the example was kept, when it was. */
  example?: { id: string; store: string };
  /** Why the example was not kept where configured (or at all). */
  storeError?: string;
}

/** The hint that ends messages about a missing server or model. */
export const SERVE_HINT =
  "open the serving page (/admin/serve) to start the server or register a model";

/**
 * A model server failure as the HTTP error users see.
 *
 * @param err what was thrown
 * @returns an `HttpError` (other errors are returned unchanged)
 */
export function toHttpError(err: unknown): unknown {
  if (!(err instanceof ModelServerError)) return err;
  const hint = err.kind === "down" || err.kind === "not_found" ? `: ${SERVE_HINT}` : "";
  return new HttpError(err.status, err.message + hint, { cause: err });
}

async function chooseVersion(services: AppServices, model?: string, version?: string) {
  const client = services.server.client;
  if (!model) {
    const models = await client.models();
    const first = models[0];
    if (!first) throw new HttpError(503, `No model is served: ${SERVE_HINT}`);
    return { model: first.name, version: version ?? first.defaultVersion };
  }
  if (version) return { model, version };
  try {
    return { model, version: (await client.describe(model)).defaultVersion };
  } catch (err) {
    if (err instanceof ModelServerError && err.kind === "not_found") {
      throw new HttpError(404, `Model "${model}" is not served: ${SERVE_HINT}`, { cause: err });
    }
    throw err;
  }
}

async function storable(upload: ImageUpload): Promise<Uint8Array> {
  if (upload.type === "png" || upload.type === "jpeg") return upload.image;
  return new Uint8Array(await sharp(upload.image).png().toBuffer());
}

async function keep(services: AppServices, upload: ImageUpload, p: Prediction): Promise<void> {
  const { primary, local } = services.stores;
  try {
    const r = await addWithFallback(primary, local, {
      image: await storable(upload),
      model: p.model,
      modelVersion: p.version,
      topK: p.topK,
    });
    p.example = { id: r.example.id, store: r.store.kind };
    if (r.error) p.storeError = `${r.error.message} (kept in the local store instead)`;
  } catch (err) {
    p.storeError = `The example was not stored: ${(err as Error).message}`;
  }
}

/**
 * Classifies an upload and stores the example when enabled.
 *
 * @param services the app's services
 * @param upload the checked upload
 * @returns the prediction and where the example went
 * @throws {HttpError} 503 server down or no model, 404 unknown model or version,
 *   400 an image the server cannot decode
 */
export async function predictUpload(
  services: AppServices,
  upload: ImageUpload,
): Promise<Prediction> {
  try {
    const { model, version } = await chooseVersion(services, upload.model, upload.version);
    const all = await services.server.client.predict(model, version, upload.image);
    const p: Prediction = {
      model,
      version,
      topK: all.slice(0, services.settings.web.top_k),
      filename: upload.filename,
    };
    if (services.settings.web.store_predictions && p.topK.length > 0) {
      await keep(services, upload, p);
    }
    return p;
  } catch (err) {
    throw toHttpError(err);
  }
}
