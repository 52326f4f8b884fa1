/**
 * The model server as the app sees it: a running one found at the configured
 * addresses (or through the serve command's pid file), or one the app starts
 * itself, in this process or in the background, and stops again.
 *
 * @module
 */
import {
  isAlive,
  readPidFile,
  type RunningServer,
  type ServerConfig,
  startDaemon,
  startServer,
  stopDaemon,
} from "../serve/mod.ts";
import { ModelServerClient, type ServerUrls } from "./model_server_client.ts";

/** How the server runs, as far as the app knows. */
export type ServerMode = "in-process" | "background" | "external" | "stopped";

/** What the serving page shows about the server. */
export interface ServerStatus {
  /** Whether `/ping` answers. */
  up: boolean;
  mode: ServerMode;
  urls: ServerUrls;
  /** The background server's pid, when there is one. */
  pid?: number;
}

/** Options of {@linkcode ModelServer}. */
export interface ModelServerOptions {
  /** The serve command's script (`cli/serve.ts`), to start it in the background. */
  serveEntry?: string;
  /** app_config.yaml, handed to a background server. */
  configFile?: string;
  /** Request timeout of the client, ms. */
  timeoutMs?: number;
}

function urlsOf(
  c: Pick<ServerConfig, "inferenceAddress" | "managementAddress" | "metricsAddress">,
) {
  return {
    inference: c.inferenceAddress,
    management: c.managementAddress,
    metrics: c.metricsAddress,
  };
}

/** The connection to the model server, and its start and stop. */
export class ModelServer {
  #config: ServerConfig;
  #options: ModelServerOptions;
  #client: ModelServerClient;
  #running: RunningServer | undefined;
  #busy: Promise<unknown> = Promise.resolve();

  /**
   * @param config the server settings (addresses, model store, pid file)
   * @param options background start, timeouts
   */
  constructor(config: ServerConfig, options: ModelServerOptions = {}) {
    this.#config = config;
    this.#options = options;
    this.#client = new ModelServerClient(urlsOf(config), { timeoutMs: options.timeoutMs });
  }

  /** The client of the server's current addresses. */
  get client(): ModelServerClient {
    return this.#client;
  }

  /** The server settings. */
  get config(): ServerConfig {
    return this.#config;
  }

  #use(urls: ServerUrls): void {
    this.#client = new ModelServerClient(urls, { timeoutMs: this.#options.timeoutMs });
  }

  /** Whether the server answers, and how it runs. */
  async status(): Promise<ServerStatus> {
    const up = await this.#client.ping();
    const urls = this.#client.urls;
    if (this.#running) return { up, mode: "in-process", urls };
    const pid = await this.#daemon();
    if (pid !== undefined && up) return { up, mode: "background", urls, pid };
    return { up, mode: up ? "external" : "stopped", urls };
  }

  async #daemon(): Promise<number | undefined> {
    const info = this.#config.pidFile ? await readPidFile(this.#config.pidFile) : undefined;
    if (!info || !isAlive(info.pid)) return undefined;
    if (info.inferenceUrl && info.inferenceUrl !== this.#client.urls.inference) {
      this.#use({
        inference: info.inferenceUrl,
        management: info.managementUrl,
        metrics: info.metricsUrl,
      });
    }
    return info.pid;
  }

  /** Runs one start or stop at a time. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#busy.then(fn, fn);
    this.#busy = next.catch(() => {});
    return next;
  }

  /**
   * Starts the server with the configured settings, in this process or as the
   * serve command in the background (it then outlives the app).
   *
   * @param mode "in-process" or "background"
   * @returns what happened, for the page
   * @throws {Error} when a server already answers, or it cannot start
   */
  start(mode: "in-process" | "background"): Promise<string> {
    return this.#serial(async () => {
      if (await this.#client.ping()) {
        throw new Error(`A model server already answers at ${this.#client.urls.inference}`);
      }
      if (mode === "in-process") {
        this.#running = await startServer(this.#config);
        const r = this.#running;
        this.#use({
          inference: r.inferenceUrl,
          management: r.managementUrl,
          metrics: r.metricsUrl,
        });
        return `Model server started in the app's process at ${r.inferenceUrl}`;
      }
      if (!this.#options.serveEntry) {
        throw new Error(
          "Cannot start a background server: the app was not given the serve command",
        );
      }
      const c = this.#config;
      const args = [
        "--start",
        "--foreground",
        ...(this.#options.configFile ? ["--config", this.#options.configFile] : []),
        "--model-store",
        c.modelStore,
        "--inference-address",
        c.inferenceAddress,
        "--management-address",
        c.managementAddress,
        "--metrics-address",
        c.metricsAddress,
        ...(c.logLocation ? ["--log-location", c.logLocation] : []),
      ];
      const info = await startDaemon(this.#options.serveEntry, args, { pidFile: c.pidFile! });
      this.#use({
        inference: info.inferenceUrl,
        management: info.managementUrl,
        metrics: info.metricsUrl,
      });
      return `Model server started in the background (pid ${info.pid}) at ${info.inferenceUrl}`;
    });
  }

  /**
   * Stops the server the app started, or the background server of the pid file.
   *
   * @returns what happened, for the page
   * @throws {Error} when the server is neither (an external one is stopped where it was started)
   */
  stop(): Promise<string> {
    return this.#serial(async () => {
      if (this.#running) {
        const r = this.#running;
        this.#running = undefined;
        await r.close();
        return "Model server stopped";
      }
      if (await this.#daemon() !== undefined) {
        const pid = await stopDaemon(this.#config.pidFile!);
        return `Background model server stopped (pid ${pid})`;
      }
      throw new Error(
        `No model server started by the app or found in "${this.#config.pidFile}": ` +
          `one at ${this.#client.urls.inference} is stopped where it was started`,
      );
    });
  }

  /** Stops an in-process server (a background one keeps running). */
  async close(): Promise<void> {
    const r = this.#running;
    this.#running = undefined;
    await r?.close();
  }
}
