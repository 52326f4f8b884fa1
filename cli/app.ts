/**
 * `deno task app [--config app_config.yaml] [--address URL] [--with-server | --no-server]
 * [--prebuilt]` serves the web app (default http://127.0.0.1:8000, app_config.yaml's
 * `web.address`) and prints its URLs.
 *
 * The model server: one that already answers at app_config.yaml's `server:`
 * addresses (or through the serve command's pid file) is used as it is; when
 * none answers, one starts in the app's process with the `server:` settings.
 * `--with-server` insists on starting one in-process (and fails when the
 * addresses are taken); `--no-server` starts none (start it later from the
 * serving page).
 *
 * `deno task app --hash-password` reads a password from stdin and prints the
 * `pbkdf2-sha256$…` hash to put in `.env` as ADMIN_PSWD.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { hashPassword } from "../lib/app/mod.ts";
import { createApp } from "../main.ts";
import { runMain } from "./_main.ts";

const USAGE = "Usage: deno task app [--config app_config.yaml] [--address URL] " +
  "[--with-server | --no-server] [--prebuilt] | --hash-password";

async function readPassword(): Promise<string> {
  if (Deno.stdin.isTerminal()) {
    Deno.stdout.writeSync(new TextEncoder().encode("Password (it is shown as you type): "));
  }
  const buf = new Uint8Array(4096);
  const n = await Deno.stdin.read(buf);
  const text = new TextDecoder().decode(buf.subarray(0, n ?? 0)).replace(/\r?\n$/, "");
  if (!text) throw new RangeError("Cannot hash an empty password: give it on stdin");
  return text;
}

function listenOn(address: string): { hostname: string; port: number } {
  const url = new URL(address);
  if (url.protocol !== "http:") {
    throw new TypeError(`Invalid web address "${address}": serve over http:// (put TLS in front)`);
  }
  return { hostname: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 80) };
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string" },
      address: { type: "string" },
      "with-server": { type: "boolean" },
      "no-server": { type: "boolean" },
      prebuilt: { type: "boolean" },
      "hash-password": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values["hash-password"]) {
    console.log(await hashPassword(await readPassword()));
    return 0;
  }
  if (values["with-server"] && values["no-server"]) {
    throw new TypeError(`Give --with-server or --no-server, not both. ${USAGE}`);
  }
  const app = await createApp({
    config: values.config,
    web: values.address ? { address: values.address } : undefined,
    bundle: values.prebuilt ? "prebuilt" : "build",
  });
  const { services } = app;
  const server = services.server;
  let how = "";
  try {
    const found = await server.status();
    if (values["with-server"] || (!found.up && !values["no-server"])) {
      await server.start("in-process");
      how = "started in the app's process";
    } else {how = found.up
        ? `already running (${found.mode})`
        : "not running: start it from the serving page";}
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = services.settings.web.address;
  const httpServer = Deno.serve({ ...listenOn(address), onListen() {} }, app.fetch);
  const urls = server.client.urls;
  const advice = services.advisor.state;
  const lines = [
    ["Web app", address],
    [
      "Model server",
      `${urls.inference} · management ${urls.management} · metrics ${urls.metrics} (${how})`,
    ],
    [
      "Admin pages",
      services.admin.configured
        ? `${address}/admin/serve`
        : "login off: set ADMIN_USER and ADMIN_PSWD in .env",
    ],
    [
      "Store",
      services.storeWarning ??
        `${services.stores.primary.kind} (${services.stores.primary.location})`,
    ],
    ["Advice", advice.enabled ? `${advice.model} at ${advice.baseURL}` : advice.reason],
  ];
  for (const [k, v] of lines) console.log(`${k!.padEnd(13)} ${v}`);
  const stop = async () => {
    await httpServer.shutdown();
    await app.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await httpServer.finished;
  return 0;
}

if (import.meta.main) await runMain(main);
