/**
 * Models × versions with a default version per model: register from the
 * model store or an allowed URL, scale, set the default, describe, list and
 * unregister (letting requests in flight finish).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { archiveFromBytes, verifyArchive } from "../archive/mod.ts";
import { resolveArchiveSource, type SourcePolicy } from "./archive_source.ts";
import { ServeError } from "./errors.ts";
import { type ModelSettings, ServedModel } from "./served_model.ts";

/** Options of {@linkcode Registry}. */
export interface RegistryOptions {
  /** Model store and allowed URLs. */
  source: SourcePolicy;
  /** Settings of a registration that does not give its own. */
  defaults: ModelSettings;
  /** Model-log sink. */
  log?: (event: string, detail: Record<string, unknown>) => void;
  /** Called after every change of models or their scaling (snapshots). */
  onChange?: () => void;
}

/** A registration, as `POST /models` takes it. */
export interface RegisterRequest {
  /** File name in the model store, or an allowed http(s) URL. */
  url: string;
  /** Served name; default: the manifest's modelName. */
  modelName?: string;
  /** Most requests in one run. */
  batchSize?: number;
  /** Milliseconds a batch may wait to fill. */
  maxBatchDelay?: number;
  /** Workers to start (min = max = this unless minWorkers/maxWorkers are given). */
  initialWorkers?: number;
  /** Workers kept running (snapshots restore it). */
  minWorkers?: number;
  /** Upper bound under load (snapshots restore it). */
  maxWorkers?: number;
  /** Seconds per batch before the worker is replaced. */
  responseTimeout?: number;
  /** Seconds a worker may take to load. */
  startupTimeout?: number;
  /** Wait until the workers are loaded. */
  synchronous?: boolean;
  /** Registered at start-up rather than through the API. */
  loadedAtStartup?: boolean;
  /** Make it the default version even when the model has one. */
  setDefault?: boolean;
}

/** The outcome of a management action: HTTP status and TorchServe's status message. */
export interface ActionResult {
  /** 200 when done, 202 when workers are still being adjusted. */
  status: 200 | 202;
  /** TorchServe's `status` text. */
  message: string;
}

interface Entry {
  versions: Map<string, ServedModel>;
  defaultVersion: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The served models. */
export class Registry {
  #models = new Map<string, Entry>();
  #reserved = new Set<string>();
  #opts: RegistryOptions;

  /** An empty registry. */
  constructor(options: RegistryOptions) {
    this.#opts = options;
  }

  /** Default settings of new registrations. */
  get defaults(): ModelSettings {
    return this.#opts.defaults;
  }

  /**
   * Registers an archive as a model version.
   *
   * @param req url, name, batching and worker settings
   * @returns 200 once workers are up (synchronous) or 202 at once, and the version
   * @throws {ServeError} 400 bad archive or parameter, 403 refused URL, 404 missing file,
   *   409 version already registered
   */
  async register(req: RegisterRequest): Promise<ActionResult & { model: ServedModel }> {
    const settings = this.#settings(req);
    const loc = await resolveArchiveSource(req.url, this.#opts.source);
    const bytes = await readFile(loc.path);
    const check = verifyArchive(bytes, loc.marName);
    if (!check.ok) throw ServeError.badRequest(`Invalid model archive: ${check.problems[0]}`);
    const archive = check.archive ?? archiveFromBytes(bytes, loc.marName);
    const name = req.modelName || archive.manifest.model.modelName;
    if (!NAME_RE.test(name)) {
      throw ServeError.badRequest(
        `Invalid model name "${name}": use letters, digits, "_", "." and "-"`,
      );
    }
    const version = archive.manifest.model.modelVersion;
    const key = `${name}\u0000${version}`;
    if (this.#models.get(name)?.versions.has(version) || this.#reserved.has(key)) {
      throw ServeError.conflict(`Model version ${version} is already registered for model ${name}`);
    }
    this.#reserved.add(key);
    let model: ServedModel;
    try {
      model = await ServedModel.create(
        {
          name,
          url: req.url,
          marName: loc.marName,
          archive,
          loadedAtStartup: req.loadedAtStartup ?? false,
        },
        settings,
        this.#opts.log,
      );
    } finally {
      this.#reserved.delete(key);
    }
    const entry = this.#models.get(name) ?? { versions: new Map(), defaultVersion: version };
    entry.versions.set(version, model);
    if (req.setDefault) entry.defaultVersion = version;
    this.#models.set(name, entry);
    this.#log("model_registered", { model: name, version, url: req.url });
    const ready = model.scale(settings.minWorkers, settings.maxWorkers).then(() => {
      if (model.pool.readyCount < settings.minWorkers && model.pool.lastError) {
        throw ServeError.internal(`Workers of "${name}" failed to start: ${model.pool.lastError}`);
      }
    });
    this.#changed();
    if (!req.synchronous) {
      ready.catch(() => {});
      return { status: 202, message: "Processing worker updates...", model };
    }
    try {
      await ready;
    } catch (err) {
      // A synchronous registration whose workers cannot start leaves nothing behind.
      if (entry.versions.get(version) === model) {
        entry.versions.delete(version);
        if (entry.versions.size === 0) this.#models.delete(name);
        else if (entry.defaultVersion === version) {
          entry.defaultVersion = entry.versions.keys().next().value!;
        }
        this.#changed();
      }
      await model.close(0);
      throw err;
    }
    return {
      status: 200,
      message: `Model "${name}" Version: ${version} registered with ${settings.minWorkers} ` +
        `initial workers`,
      model,
    };
  }

  /**
   * Sets the worker bounds of a version (the default one when `version` is undefined).
   *
   * @param name model name
   * @param version version, or undefined for the default
   * @param opts minWorker, maxWorker (default: minWorker), synchronous
   * @returns 200 once scaled (synchronous) or 202 at once
   * @throws {ServeError} 400 for negative or crossed bounds, 404 unknown model/version
   */
  async scale(
    name: string,
    version: string | undefined,
    opts: { minWorker?: number; maxWorker?: number; synchronous?: boolean },
  ): Promise<ActionResult> {
    const model = this.get(name, version);
    const min = opts.minWorker ?? 1;
    const max = opts.maxWorker ?? min;
    checkCount("min_worker", min);
    checkCount("max_worker", max);
    if (max < min) {
      throw ServeError.badRequest(`Invalid worker bounds: max_worker ${max} < min_worker ${min}`);
    }
    const done = model.scale(min, max);
    this.#log("model_scaled", { model: name, version: model.version, min, max });
    this.#changed();
    if (!opts.synchronous) {
      done.catch(() => {});
      return { status: 202, message: "Processing worker updates..." };
    }
    await done;
    const which = version === undefined ? "" : `, version: ${model.version}`;
    return { status: 200, message: `Workers scaled to ${min} for model: ${name}${which}` };
  }

  /**
   * Makes a version the default one of its model.
   *
   * @throws {ServeError} 404 unknown model/version
   */
  setDefault(name: string, version: string): ActionResult {
    const model = this.get(name, version);
    this.#models.get(name)!.defaultVersion = model.version;
    this.#log("default_version_set", { model: name, version });
    this.#changed();
    return {
      status: 200,
      message: `Default version successfully updated for model "${name}" to "${version}"`,
    };
  }

  /**
   * Unregisters a version (the default one when `version` is undefined). New requests get 404
   * at once; queued and running ones finish (up to the response timeout) before its workers stop.
   *
   * @throws {ServeError} 400 when removing the default while other versions remain, 404 unknown
   */
  async unregister(name: string, version?: string): Promise<ActionResult> {
    const model = this.get(name, version);
    const entry = this.#models.get(name)!;
    if (model.version === entry.defaultVersion && entry.versions.size > 1) {
      throw ServeError.badRequest(
        `Cannot remove default version ${model.version} of model "${name}": ` +
          `set another version as default first`,
      );
    }
    entry.versions.delete(model.version);
    if (entry.versions.size === 0) this.#models.delete(name);
    this.#changed();
    await model.close(model.settings.responseTimeout * 1000);
    this.#log("model_unregistered", { model: name, version: model.version });
    return { status: 200, message: `Model "${name}" unregistered` };
  }

  /**
   * A version of a model.
   *
   * @param name model name
   * @param version version, or undefined for the default
   * @throws {ServeError} 404 unknown model or version
   */
  get(name: string, version?: string): ServedModel {
    const entry = this.#models.get(name);
    if (!entry) throw ServeError.modelNotFound(name);
    const v = version ?? entry.defaultVersion;
    const model = entry.versions.get(v);
    if (!model) throw ServeError.versionNotFound(name, v);
    return model;
  }

  /** The default version of a model. */
  defaultVersion(name: string): string {
    const entry = this.#models.get(name);
    if (!entry) throw ServeError.modelNotFound(name);
    return entry.defaultVersion;
  }

  /** Every version of a model, default first. */
  versions(name: string): ServedModel[] {
    const entry = this.#models.get(name);
    if (!entry) throw ServeError.modelNotFound(name);
    const all = [...entry.versions.values()];
    return all.sort((a, b) =>
      Number(b.version === entry.defaultVersion) - Number(a.version === entry.defaultVersion)
    );
  }

  /** Every registered version of every model. */
  all(): ServedModel[] {
    return [...this.#models.keys()].sort().flatMap((n) => this.versions(n));
  }

  /**
   * One page of models (default versions), sorted by name.
   *
   * @param limit page size (default 100)
   * @param nextPageToken where the page starts (from a previous page)
   * @returns `{models: [{modelName, modelUrl}], nextPageToken?}`
   * @throws {ServeError} 400 for a bad limit or token
   */
  list(limit = 100, nextPageToken?: string): {
    nextPageToken?: string;
    models: { modelName: string; modelUrl: string }[];
  } {
    const start = nextPageToken === undefined ? 0 : Number(nextPageToken);
    if (!Number.isInteger(start) || start < 0) {
      throw ServeError.badRequest(`Invalid next_page_token "${nextPageToken}"`);
    }
    if (!Number.isInteger(limit) || limit < 1) {
      throw ServeError.badRequest(`Invalid limit ${limit}: expected a positive integer`);
    }
    const names = [...this.#models.keys()].sort();
    const page = names.slice(start, start + limit).map((n) => ({
      modelName: n,
      modelUrl: this.get(n).url,
    }));
    const next = start + limit < names.length ? { nextPageToken: String(start + limit) } : {};
    return { ...next, models: page };
  }

  /**
   * TorchServe's describe answer: a list with one entry, or all versions for "all".
   *
   * @throws {ServeError} 404 unknown model or version
   */
  describe(name: string, version?: string, customized = false): Record<string, unknown>[] {
    const models = version === "all" ? this.versions(name) : [this.get(name, version)];
    const def = this.defaultVersion(name);
    return models.map((m) => m.describe(m.version === def, customized));
  }

  /** Unregisters everything, letting requests in flight finish. */
  async close(): Promise<void> {
    const all = this.all();
    this.#models.clear();
    await Promise.all(all.map((m) => m.close(m.settings.responseTimeout * 1000)));
  }

  #settings(req: RegisterRequest): ModelSettings {
    const d = this.#opts.defaults;
    const initial = req.initialWorkers ?? d.minWorkers;
    const s: ModelSettings = {
      ...d,
      batchSize: req.batchSize ?? d.batchSize,
      maxBatchDelay: req.maxBatchDelay ?? d.maxBatchDelay,
      minWorkers: req.minWorkers ?? initial,
      maxWorkers: req.maxWorkers ?? Math.max(req.minWorkers ?? initial, initial),
      responseTimeout: req.responseTimeout ?? d.responseTimeout,
      startupTimeout: req.startupTimeout ?? d.startupTimeout,
    };
    checkCount("batch_size", s.batchSize, 1);
    checkCount("max_batch_delay", s.maxBatchDelay);
    checkCount("initial_workers", s.minWorkers);
    checkCount("max_worker", s.maxWorkers);
    if (!(s.responseTimeout > 0)) {
      throw ServeError.badRequest(
        `Invalid response_timeout ${s.responseTimeout}: expected seconds > 0`,
      );
    }
    return s;
  }

  #log(event: string, detail: Record<string, unknown>): void {
    this.#opts.log?.(event, detail);
  }

  #changed(): void {
    this.#opts.onChange?.();
  }
}

function checkCount(name: string, value: number, min = 0): void {
  if (!Number.isInteger(value) || value < min) {
    throw ServeError.badRequest(
      `Invalid ${name} ${value}: expected an integer >= ${min}`,
    );
  }
}
