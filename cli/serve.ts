/**
 * `deno task serve --start|--stop [--foreground] [--model-store DIR]
 * [--models name=file.mar …] [--inference-address URL] [--management-address URL]
 * [--metrics-address URL] [--config app_config.yaml] [--ts-config config.properties]
 * [--ncs] [--enable-token-auth|--disable-token-auth] [--log-location DIR]`
 *
 * Starts the model server (in the background unless `--foreground`) or stops it.
 *
 * `deno task serve --register FILE.mar [--model-name NAME] [--promote [--force]]`
 * registers an archive with the running server (a new version of a model goes
 * beside the default one) and, with `--promote`, makes it the default when
 * app_config.yaml's `server.promotion` policy allows it (test accuracy at least
 * the default's, unless configured otherwise) or `--force` is given;
 * `deno task serve --promote --model NAME --version V [--force]` does the same
 * for a version already registered. Exit code 2: the version stays a candidate.
 *
 * @module
 */
import { resolve } from "node:path";
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
import { readArchive } from "../lib/archive/mod.ts";
import {
  candidatesOf,
  formatCandidate,
  ModelServer,
  promoteVersion,
  stageArchive,
} from "../lib/app/mod.ts";

const USAGE = "Usage: deno task serve --start|--stop [--foreground] [--model-store DIR] " +
  "[--models name=file.mar ...] [--inference-address URL] [--management-address URL] " +
  "[--metrics-address URL] [--config app_config.yaml] [--ts-config FILE] [--ncs] " +
  "[--enable-token-auth|--disable-token-auth] [--log-location DIR]\n" +
  "       deno task serve --register FILE.mar [--model-name NAME] [--promote [--force]]\n" +
  "       deno task serve --promote --model NAME --version V [--force]";

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
      register: { type: "string" },
      "model-name": { type: "string" },
      promote: { type: "boolean" },
      force: { type: "boolean" },
      model: { type: "string" },
      version: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const manage = values.register !== undefined || values.promote;
  if (manage && (values.start || values.stop)) {
    throw new TypeError(`Give --register/--promote without --start or --stop. ${USAGE}`);
  }
  if (!manage && Boolean(values.start) === Boolean(values.stop)) {
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
  if (manage) return await registerAndPromote(config, values);
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

interface ManageFlags {
  register?: string;
  "model-name"?: string;
  promote?: boolean;
  force?: boolean;
  model?: string;
  version?: string;
}

/** `--register` and/or `--promote` against the running server; 2 when kept as a candidate. */
async function registerAndPromote(config: ServerConfig, flags: ManageFlags): Promise<number> {
  const server = new ModelServer(config);
  const status = await server.status();
  if (!status.up) {
    throw new Error(
      `The model server is not answering at ${status.urls.inference}: start it with deno task serve --start`,
    );
  }
  const client = server.client;
  let model = flags.model;
  let version = flags.version;
  if (flags.register !== undefined) {
    // `deno task` runs in the project folder; a relative path is the caller's.
    const file = resolve(Deno.env.get("INIT_CWD") ?? Deno.cwd(), flags.register);
    const archive = await readArchive(file);
    const staged = await stageArchive(config.modelStore, file, Deno.cwd());
    const message = await client.register({ url: staged.url, modelName: flags["model-name"] });
    if (staged.note) console.log(`Note: ${staged.note}`);
    console.log(message);
    model = flags["model-name"] ?? archive.manifest.model.modelName;
    version = archive.manifest.model.modelVersion;
  } else if (!model || !version) {
    throw new TypeError(`--promote needs --model NAME --version V (or --register FILE). ${USAGE}`);
  }
  const info = await client.describe(model!);
  const candidate = candidatesOf(info, config.promotion).find((c) =>
    c.candidate.version === version
  );
  if (candidate) { for (const line of formatCandidate(candidate)) console.log(`  ${line}`); }
  if (!flags.promote) {
    const def = info.defaultVersion;
    console.log(
      def === version
        ? `Model "${model}" version ${version} is the default`
        : `Model "${model}" version ${version} is a candidate beside the default ${def} ` +
          `(promote it with --promote --model ${model} --version ${version})`,
    );
    return 0;
  }
  const r = await promoteVersion(client, model!, version!, {
    policy: config.promotion,
    force: flags.force,
  });
  if (!r.promoted) {
    console.error(r.message);
    return 2;
  }
  console.log(r.message);
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
