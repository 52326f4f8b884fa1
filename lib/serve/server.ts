/**
 * Starts the model server in-process: the registry, its three HTTP APIs,
 * logs, token authorization and snapshots, and stops it cleanly.
 *
 * @module
 */
import { join } from "node:path";
import { type ApiContext } from "./_http.ts";
import { TokenAuth } from "./auth.ts";
import { DEFAULT_CONFIG, type ServerConfig } from "./config.ts";
import { inferenceApp } from "./inference_api.ts";
import { openLogs } from "./logs.ts";
import { managementApp } from "./management_api.ts";
import { Metrics } from "./metrics.ts";
import { metricsApp } from "./metrics_api.ts";
import { Registry } from "./registry.ts";
import { registerStartupModels, restoreSnapshot, snapshotWriter } from "./_startup.ts";

/** A running server. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:8080` (the real port when 0 was asked). */
  inferenceUrl: string;
  /** e.g. `http://127.0.0.1:8081`. */
  managementUrl: string;
  /** e.g. `http://127.0.0.1:8081`. */
  metricsUrl: string;
  /** The served models, for in-process use. */
  registry: Registry;
  /** The counters behind the metrics API. */
  metrics: Metrics;
  /** The settings it runs with. */
  config: ServerConfig;
  /** Key file contents when token authorization is on. */
  auth?: TokenAuth;
  /** Stops listening, lets requests in flight finish, writes the snapshot, stops workers. */
  close(): Promise<void>;
}

/** Options of {@linkcode startServer}: any server settings (port 0 picks a free port). */
export type ServeOptions = Partial<ServerConfig>;

/**
 * Starts the server: restores the snapshot, registers start-up models, then listens.
 *
 * @param options settings over {@linkcode DEFAULT_CONFIG}
 * @returns URLs, the registry and `close()`
 * @throws {TypeError} for an invalid address, {Error} when a start-up model fails to register
 */
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const config: ServerConfig = { ...DEFAULT_CONFIG, ...options };
  const addresses = {
    inference: parseAddress(config.inferenceAddress, "inference_address"),
    management: parseAddress(config.managementAddress, "management_address"),
    metrics: parseAddress(config.metricsAddress, "metrics_address"),
  };
  const auth = config.disableTokenAuthorization ? undefined : await TokenAuth.load(
    config.keyFile ?? join(config.logLocation ?? ".", "key_file.json"),
    config.tokenExpirationMin,
  );
  if (!isLoopback(addresses.management.hostname) && !auth) {
    throw new TypeError(
      `Refusing management_address "${config.managementAddress}": a management API off ` +
        `loopback needs token authorization (set disable_token_authorization: false)`,
    );
  }
  const logs = await openLogs(config.logLocation);
  const metrics = new Metrics();
  let restoring = true;
  const saveSnapshot = snapshotWriter(config.snapshotFile, () => registry, logs);
  const registry: Registry = new Registry({
    source: {
      modelStore: config.modelStore,
      allowedUrls: config.allowedUrls,
      allowPrivateUrls: config.allowPrivateUrls,
    },
    defaults: {
      batchSize: config.batchSize,
      maxBatchDelay: config.maxBatchDelay,
      minWorkers: config.defaultWorkersPerModel,
      maxWorkers: config.defaultWorkersPerModel,
      responseTimeout: config.defaultResponseTimeout,
      startupTimeout: config.defaultStartupTimeout,
      jobQueueSize: config.jobQueueSize,
      maxIdleTime: config.maxIdleTime,
      threadsPerWorker: config.threadsPerWorker,
    },
    log: (event, detail) => logs.model.write({ event, ...detail }),
    onChange: () => restoring || saveSnapshot(),
  });
  const servers: Deno.HttpServer[] = [];
  try {
    await restoreSnapshot(registry, config, logs);
    await registerStartupModels(registry, config);
    restoring = false;
    saveSnapshot();
    const ctx: ApiContext = {
      registry,
      metrics,
      logs,
      auth,
      maxRequestSize: config.maxRequestSize,
    };
    const apps = {
      inference: inferenceApp(ctx),
      management: managementApp(ctx),
      metrics: metricsApp(ctx),
    };
    const urls: Record<string, string> = {};
    for (const [name, app] of Object.entries(apps)) {
      const addr = addresses[name as keyof typeof addresses];
      const server = listen(addr, app.fetch, config);
      servers.push(server);
      const { port } = server.addr as Deno.NetAddr;
      urls[name] = `${addr.protocol}//${addr.urlHost}:${port}`;
    }
    logs.server.write({ event: "server_started", ...urls, pid: Deno.pid });
    let closing: Promise<void> | undefined;
    return {
      inferenceUrl: urls.inference!,
      managementUrl: urls.management!,
      metricsUrl: urls.metrics!,
      registry,
      metrics,
      config,
      auth,
      close: () =>
        closing ??= (async () => {
          await Promise.all(servers.map((s) => s.shutdown()));
          await saveSnapshot.flush();
          await registry.close();
          logs.server.write({ event: "server_stopped" });
          for (const log of Object.values(logs)) log.close();
        })(),
    };
  } catch (err) {
    await Promise.all(servers.map((s) => s.shutdown()));
    await registry.close();
    for (const log of Object.values(logs)) log.close();
    throw err;
  }
}

interface Address {
  protocol: string;
  hostname: string;
  urlHost: string;
  port: number;
}

function parseAddress(value: string, key: string): Address {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`Invalid ${key} "${value}": expected e.g. http://127.0.0.1:8080`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`Invalid ${key} "${value}": expected an http:// or https:// address`);
  }
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  return { protocol: url.protocol, hostname, urlHost: url.hostname, port };
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

function listen(
  addr: Address,
  fetch: (req: Request, env: { remote: string }) => Response | Promise<Response>,
  config: ServerConfig,
): Deno.HttpServer {
  const tls = addr.protocol === "https:";
  if (tls && !(config.certificateFile && config.privateKeyFile)) {
    throw new TypeError(
      `An https address needs certificate_file and private_key_file (PEM) in the server settings`,
    );
  }
  return Deno.serve({
    hostname: addr.hostname,
    port: addr.port,
    onListen: () => {},
    ...(tls
      ? {
        cert: Deno.readTextFileSync(config.certificateFile!),
        key: Deno.readTextFileSync(config.privateKeyFile!),
      }
      : {}),
  }, (req, info) => fetch(req, { remote: (info.remoteAddr as Deno.NetAddr).hostname }));
}
