/**
 * A client of the model server's TorchServe APIs (inference, management,
 * metrics), as the web app drives it: every failure is a
 * {@linkcode ModelServerError} with one clear message.
 *
 * @module
 */
import type { TopKEntry } from "../store/mod.ts";
import { ModelServerError } from "./errors.ts";
import { type MetricsSnapshot, modelFigures } from "./metrics_figures.ts";

/** Where the three APIs listen. */
export interface ServerUrls {
  inference: string;
  management: string;
  metrics: string;
}

/** One version of a served model, from the describe API. */
export interface VersionInfo {
  version: string;
  isDefault: boolean;
  /** The archive it was registered from (file name in the model store, or URL). */
  url: string;
  minWorkers: number;
  maxWorkers: number;
  batchSize: number;
  maxBatchDelay: number;
  responseTimeout: number;
  loadedAtStartup: boolean;
  /** Worker ids and states. */
  workers: { id: string; status: string }[];
  /** Figures the archive carries (accuracy…), from TorchServe's `customizedMetadata`. */
  metrics: Record<string, unknown>;
  /** The whole describe entry. */
  details: Record<string, unknown>;
}

/** A served model and its versions. */
export interface ModelInfo {
  name: string;
  defaultVersion: string;
  versions: VersionInfo[];
}

/** A registration, as the management API takes it. */
export interface RegisterParams {
  /** Archive file name in the model store, or an allowed URL. */
  url: string;
  modelName?: string;
  batchSize?: number;
  /** Milliseconds. */
  maxBatchDelay?: number;
  initialWorkers?: number;
  /** Seconds. */
  responseTimeout?: number;
}

type Json = Record<string, unknown>;

function num(v: unknown, fallback = 0): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function parseMetadata(v: unknown): Record<string, unknown> {
  try {
    const parsed = typeof v === "string" ? JSON.parse(v) : v;
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function versionOf(d: Json): VersionInfo {
  const workers = Array.isArray(d.workers) ? d.workers as Json[] : [];
  return {
    version: String(d.modelVersion ?? ""),
    isDefault: d.isDefault === true,
    url: String(d.modelUrl ?? ""),
    minWorkers: num(d.minWorkers),
    maxWorkers: num(d.maxWorkers),
    batchSize: num(d.batchSize, 1),
    maxBatchDelay: num(d.maxBatchDelay),
    responseTimeout: num(d.responseTimeout),
    loadedAtStartup: d.loadedAtStartup === true,
    workers: workers.map((w) => ({ id: String(w.id ?? ""), status: String(w.status ?? "") })),
    metrics: parseMetadata(d.customizedMetadata),
    details: d,
  };
}

function kindOf(status: number): "not_found" | "bad_request" | "busy" | "server" {
  if (status === 404) return "not_found";
  if (status === 503) return "busy";
  return status >= 400 && status < 500 ? "bad_request" : "server";
}

/** Talks to one model server. */
export class ModelServerClient {
  /** Where its APIs listen. */
  readonly urls: ServerUrls;
  #timeoutMs: number;

  /**
   * @param urls the three API addresses
   * @param options request timeout in ms (default 150 000: registrations load models)
   */
  constructor(urls: ServerUrls, options: { timeoutMs?: number } = {}) {
    this.urls = urls;
    this.#timeoutMs = options.timeoutMs ?? 150_000;
  }

  async #call(url: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (err) {
      const origin = new URL(url).origin;
      let cause: unknown = err;
      while ((cause as Error)?.cause instanceof Error) cause = (cause as Error).cause;
      const why = (cause as Error)?.name === "TimeoutError"
        ? `no answer within ${this.#timeoutMs} ms`
        : (cause as Error)?.message ?? String(cause);
      throw new ModelServerError("down", `The model server is not answering at ${origin}: ${why}`, {
        cause: err,
      });
    }
  }

  async #json(url: string, init: RequestInit = {}): Promise<unknown> {
    const res = await this.#call(url, init);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch { /* not JSON: keep the text */ }
    if (!res.ok) {
      const message = typeof body === "object" && body !== null
        ? String((body as Json).message ?? (body as Json).error ?? text)
        : text || res.statusText;
      throw new ModelServerError(kindOf(res.status), message, { status: res.status });
    }
    return body;
  }

  async #status(url: string, method: string): Promise<string> {
    const body = await this.#json(url, { method }) as Json;
    return String(body?.status ?? "done");
  }

  /** Whether the inference API answers `/ping` as healthy. */
  async ping(): Promise<boolean> {
    try {
      const res = await fetch(`${this.urls.inference}/ping`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  /**
   * Every served model with all its versions (list, then describe each).
   *
   * @throws {ModelServerError} when the server is down or answers an error
   */
  async models(): Promise<ModelInfo[]> {
    const out: ModelInfo[] = [];
    let token: string | undefined;
    do {
      const q = token ? `&next_page_token=${encodeURIComponent(token)}` : "";
      const page = await this.#json(`${this.urls.management}/models?limit=100${q}`) as Json;
      for (const m of (page.models ?? []) as Json[]) {
        try {
          out.push(await this.describe(String(m.modelName)));
        } catch (err) {
          // Unregistered between list and describe: leave it out.
          if (!(err instanceof ModelServerError && err.kind === "not_found")) throw err;
        }
      }
      token = page.nextPageToken as string | undefined;
    } while (token);
    return out;
  }

  /**
   * One model's versions.
   *
   * @throws {ModelServerError} `not_found` for an unknown model
   */
  async describe(name: string): Promise<ModelInfo> {
    const list = await this.#json(
      `${this.urls.management}/models/${encodeURIComponent(name)}/all?customized=true`,
    ) as Json[];
    const versions = list.map(versionOf);
    const def = versions.find((v) => v.isDefault)?.version ?? versions[0]?.version ?? "";
    return { name, defaultVersion: def, versions };
  }

  /**
   * Registers an archive and waits until its workers are up.
   *
   * @returns the server's status message
   * @throws {ModelServerError} with the server's message (404 archive not in the store, 409 …)
   */
  register(p: RegisterParams): Promise<string> {
    const q = new URLSearchParams({ url: p.url, synchronous: "true" });
    if (p.modelName) q.set("model_name", p.modelName);
    if (p.batchSize !== undefined) q.set("batch_size", String(p.batchSize));
    if (p.maxBatchDelay !== undefined) q.set("max_batch_delay", String(p.maxBatchDelay));
    q.set("initial_workers", String(p.initialWorkers ?? 1));
    if (p.responseTimeout !== undefined) q.set("response_timeout", String(p.responseTimeout));
    return this.#status(`${this.urls.management}/models?${q}`, "POST");
  }

  /** Unregisters one version. @throws {ModelServerError} */
  unregister(name: string, version: string): Promise<string> {
    return this.#status(this.#modelUrl(name, version), "DELETE");
  }

  /** Sets a version's worker bounds and waits for them. @throws {ModelServerError} */
  scale(name: string, version: string, min: number, max: number): Promise<string> {
    const q = `min_worker=${min}&max_worker=${max}&synchronous=true`;
    return this.#status(`${this.#modelUrl(name, version)}?${q}`, "PUT");
  }

  /** Makes a version the default. @throws {ModelServerError} */
  setDefault(name: string, version: string): Promise<string> {
    return this.#status(`${this.#modelUrl(name, version)}/set-default`, "PUT");
  }

  #modelUrl(name: string, version: string): string {
    return `${this.urls.management}/models/${encodeURIComponent(name)}/${
      encodeURIComponent(version)
    }`;
  }

  /**
   * Classifies an image: the top classes by decreasing probability.
   *
   * @param name model name
   * @param version version, or undefined for the default
   * @param image image bytes
   * @returns label and probability pairs
   * @throws {ModelServerError} down, not_found (model or version), bad_request (not an image)
   */
  async predict(name: string, version: string | undefined, image: Uint8Array) {
    const path = [name, version].filter((s) => s).map((s) => encodeURIComponent(s!)).join("/");
    const body = await this.#json(`${this.urls.inference}/predictions/${path}`, {
      method: "POST",
      body: image as BodyInit,
      headers: { "content-type": "application/octet-stream" },
    });
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new ModelServerError(
        "server",
        `Model "${name}" answered ${JSON.stringify(body).slice(0, 80)}: not label → probability`,
      );
    }
    const out: TopKEntry[] = Object.entries(body).map(([label, p]) => ({
      label,
      probability: num(p),
    }));
    return out.sort((a, b) => b.probability - a.probability);
  }

  /**
   * Request and latency figures per model version from the metrics API.
   *
   * @throws {ModelServerError} when the metrics API does not answer
   */
  async metrics(): Promise<MetricsSnapshot> {
    const res = await this.#call(`${this.urls.metrics}/metrics`);
    if (!res.ok) {
      await res.body?.cancel();
      throw new ModelServerError("server", `The metrics API answered ${res.status}`);
    }
    return { time: Date.now(), models: modelFigures(await res.text()) };
  }
}
