/**
 * `deno task serve --start|--stop [--foreground] [--model-store DIR]
 * [--models name=file.mar …] [--inference-address URL] [--management-address URL]
 * [--metrics-address URL] [--config app_config.yaml] [--ts-config config.properties]
 * [--ncs] [--enable-token-auth|--disable-token-auth] [--log-location DIR]`
 *
 * Starts the model server (in the background unless `--foreground`) or stops it.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runMain } from "./_main.ts";
import {
  loadServerConfig,
  type ServerConfig,
  startDaemon,
  startServer,
  stopDaemon,
  writePidFile,
} from "../lib/serve/mod.ts";

const USAGE = "Usage: deno task serve --start|--stop [--foreground] [--model-store DIR] " +
  "[--models name=file.mar ...] [--inference-address URL] [--management-address URL] " +
  "[--metrics-address URL] [--config app_config.yaml] [--ts-config FILE] [--ncs] " +
  "[--enable-token-auth|--disable-token-auth] [--log-location DIR]";

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      start: { type: "boolean" },
      stop: { type: "boolean" },
      foreground: { type: "boolean" },
      "model-store": { type: "string" },
      models: { type: "string", multiple: true },
      "inference-address": { type: "string" },
      "management-address": { type: "string" },
      "metrics-address": { type: "string" },
      config: { type: "string" },
      "ts-config": { type: "string" },
      ncs: { type: "boolean" },
      "no-config-snapshots": { type: "boolean" },
      "enable-token-auth": { type: "boolean" },
      "disable-token-auth": { type: "boolean" },
      "log-location": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (Boolean(values.start) === Boolean(values.stop)) {
    throw new TypeError(`Give --start or --stop. ${USAGE}`);
  }
  // TorchServe style: `--models a=a.mar b=b.mar` (the extra names arrive as positionals).
  const models = [...(values.models ?? []), ...positionals];
  const overrides: Partial<ServerConfig> = {};
  if (values["model-store"]) overrides.modelStore = values["model-store"];
  if (models.length > 0) overrides.models = models;
  if (values["inference-address"]) overrides.inferenceAddress = values["inference-address"];
  if (values["management-address"]) overrides.managementAddress = values["management-address"];
  if (values["metrics-address"]) overrides.metricsAddress = values["metrics-address"];
  if (values["log-location"]) overrides.logLocation = values["log-location"];
  if (values["enable-token-auth"]) overrides.disableTokenAuthorization = false;
  if (values["disable-token-auth"]) overrides.disableTokenAuthorization = true;
  const config = await loadServerConfig({
    config: values.config,
    tsConfig: values["ts-config"],
    overrides,
    snapshots: !(values.ncs || values["no-config-snapshots"]),
  });
  if (values.stop) {
    const pid = await stopDaemon(config.pidFile!);
    console.log(`Model server stopped (pid ${pid})`);
    return 0;
  }
  if (!values.foreground) {
    const info = await startDaemon(new URL(import.meta.url).pathname, [...args, "--foreground"], {
      pidFile: config.pidFile!,
    });
    printUrls(info.pid, info);
    return 0;
  }
  return await foreground(config);
}

async function foreground(config: ServerConfig): Promise<number> {
  let server;
  try {
    server = await startServer(config);
  } catch (err) {
    const errorFile = Deno.env.get("LIFECYCLE_SERVE_ERROR_FILE");
    if (errorFile) await Deno.writeTextFile(errorFile, (err as Error).message);
    throw err;
  }
  await writePidFile(config.pidFile!, {
    pid: Deno.pid,
    inferenceUrl: server.inferenceUrl,
    managementUrl: server.managementUrl,
    metricsUrl: server.metricsUrl,
    startedAt: new Date().toISOString(),
  });
  printUrls(Deno.pid, server);
  const stop = Promise.withResolvers<void>();
  Deno.addSignalListener("SIGTERM", () => stop.resolve());
  Deno.addSignalListener("SIGINT", () => stop.resolve());
  await stop.promise;
  await server.close();
  await Deno.remove(config.pidFile!).catch(() => {});
  return 0;
}

function printUrls(
  pid: number,
  urls: { inferenceUrl: string; managementUrl: string; metricsUrl: string },
): void {
  console.log(`Model server running (pid ${pid})`);
  console.log(`  inference:  ${urls.inferenceUrl}`);
  console.log(`  management: ${urls.managementUrl}`);
  console.log(`  metrics:    ${urls.metricsUrl}`);
}

if (import.meta.main) await runMain(main);
