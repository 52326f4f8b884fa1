/**
 * `deno task demo [--fresh] [--profile] [--config app_config.yaml] [overrides…]`:
 * the whole lifecycle from one command. Trains the default experiment (a CNN
 * on the embedded MNIST digits; Hydra-style overrides change it), quantizes it
 * (static int8, the fastest CNN variant; `--profile` compares all variants and
 * archives the fastest within one accuracy point), archives it into the model
 * store, starts the model server and the web app, and prints each stage's
 * figures (accuracy, latency, size) and the URLs. A second run reuses the
 * finished run under results/ and its archive in model_store/; `--fresh`
 * trains and archives anew (a new version of the served model, promoted when
 * it is not worse). Ctrl-C stops it.
 *
 * Admin pages need `ADMIN_USER`/`ADMIN_PSWD` (.env); without them the demo
 * makes a password for this session and prints it.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import {
  archiveOrReuse,
  type DemoArchive,
  type DemoRun,
  loadAppSettings,
  loadEnvFile,
  serveArchive,
  type ServedArchive,
  trainOrReuse,
  type WebSettings,
} from "../lib/app/mod.ts";
import { mnistSplit } from "../lib/data/mod.ts";
import { formatProfileTable } from "../lib/optimize/mod.ts";
import type { ServerConfig } from "../lib/serve/mod.ts";
import type { ProgressStream } from "../lib/track/mod.ts";
import { watchInterrupts } from "../lib/train/mod.ts";
import { type App, createApp } from "../main.ts";
import { runMain } from "./_main.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const USAGE =
  "Usage: deno task demo [--fresh] [--profile] [--config app_config.yaml] [overrides...]";

/** Options of {@linkcode startDemo}. */
export interface DemoOptions {
  /** The project folder: app_config.yaml, results/, model_store/, data/ (default: cwd). */
  baseDir?: string;
  /** app_config.yaml (default `<baseDir>/app_config.yaml` when it exists). */
  config?: string;
  /** Training overrides (default: none, the default experiment). */
  overrides?: string[];
  /** Train and archive anew. */
  fresh?: boolean;
  /** Profile all variants and archive the recommended one instead of static int8. */
  profile?: boolean;
  /** Overrides of app_config.yaml's `web:` and `server:` (tests use port 0). */
  web?: Partial<WebSettings>;
  server?: Partial<ServerConfig>;
  /** The environment (default: .env under the process environment). */
  env?: Record<string, string | undefined>;
  /** Island bundle (default: built now). */
  bundle?: "build" | "prebuilt" | "none";
  buildDir?: string;
  /** Lines of the stage summaries (default stdout). */
  print?: (line: string) => void;
  /** Training progress (default stderr). */
  stream?: ProgressStream;
  /** Ctrl-C while training. */
  signal?: AbortSignal;
}

/** The running demo. */
export interface RunningDemo {
  run: DemoRun;
  archive: DemoArchive;
  served: ServedArchive;
  urls: { web: string; inference: string; management: string; metrics: string };
  admin: { user: string; password?: string };
  app: App;
  /** Stops the web app and the model server it started. */
  close(): Promise<void>;
}

const pct = (x: unknown) => (typeof x === "number" ? `${(x * 100).toFixed(2)}%` : "?");
const ms = (x: unknown) => (typeof x === "number" ? `${x.toFixed(4)} ms` : "?");
const mb = (x: unknown) => (typeof x === "number" ? `${(x / 1e6).toFixed(3)} MB` : "?");

function trainLines(r: DemoRun): string[] {
  const final = (r.results.final ?? {}) as Record<string, unknown>;
  const data = (r.results.data ?? {}) as Record<string, unknown>;
  const figures = `test accuracy ${pct(final.test_accuracy)} on ${data.test_samples} digits, ` +
    `${r.results.parameters} parameters`;
  return r.reused
    ? [`  reused ${r.runDir}: ${figures} (--fresh trains anew)`]
    : [`  trained ${r.runDir} in ${r.seconds.toFixed(0)} s: ${figures}`];
}

function archiveLines(a: DemoArchive): string[] {
  const m = a.metrics;
  const o = (m.original ?? {}) as Record<string, unknown>;
  const lat = (x: unknown) => (x as Record<string, unknown> | undefined)?.p50;
  const out = a.variants ? formatProfileTable(a.variants).split("\n").map((l) => `  ${l}`) : [
    `  ${"".padEnd(12)}accuracy  latency p50  size`,
    `  ${"original".padEnd(12)}${pct(o.accuracy).padEnd(10)}${ms(lat(o.latency_ms)).padEnd(13)}${
      mb(o.size_bytes)
    }`,
    `  ${String(m.optimization).padEnd(12)}${pct(m.accuracy).padEnd(10)}${
      ms(lat(m.latency_ms)).padEnd(13)
    }${mb(m.size_bytes)}`,
  ];
  const how = a.reused ? "reused" : "wrote";
  out.push(`  ${how} ${a.path} (model "${a.modelName}" version ${a.modelVersion})`);
  return out;
}

/** A test digit of the embedded MNIST split as PNG bytes, and its label. */
async function testDigit(): Promise<{ png: Uint8Array; label: string }> {
  const { test } = await mnistSplit({ seed: 1234, testSize: 0.2 });
  const src = test.sources[test.source[0]!]!;
  if (src.kind !== "tensor") throw new Error("Expected the MNIST digits in memory");
  const i = Math.floor(test.length / 2) + 3;
  const at = test.item[i]! * 784;
  const px = Uint8Array.from(src.pixels.subarray(at, at + 784), (v) => Math.round(v * 255));
  const png = await sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
  return { png: new Uint8Array(png), label: test.classes[test.labels[i]!]! };
}

function listenOn(address: string): { hostname: string; port: number } {
  const url = new URL(address);
  return { hostname: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 80) };
}

async function adminEnv(options: DemoOptions, baseDir: string) {
  const env = options.env ?? await loadEnvFile(join(baseDir, ".env"));
  if (env.ADMIN_USER && env.ADMIN_PSWD) return { env, admin: { user: env.ADMIN_USER } };
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  const password = btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "x");
  return {
    env: { ...env, ADMIN_USER: "admin", ADMIN_PSWD: password },
    admin: { user: "admin", password },
  };
}

/**
 * Runs the lifecycle up to a serving web app (see the module comment).
 *
 * @param options folders, overrides, fresh/profile, addresses, output
 * @returns the running demo; call `close()` to stop it
 * @throws {Error} when a stage fails (bad override, busy port, …); what was started is stopped
 */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const t0 = performance.now();
  const print = options.print ?? ((line: string) => console.log(line));
  const baseDir = options.baseDir ?? Deno.cwd();
  const settings = await loadAppSettings({
    config: options.config,
    baseDir,
    web: options.web,
    server: options.server,
  });
  const store = settings.server.modelStore;

  print("1/4 Train");
  const run = await trainOrReuse(options.overrides ?? [], {
    cwd: baseDir,
    confDir: join(ROOT, "conf"),
    fresh: options.fresh,
    stream: options.stream,
    signal: options.signal,
  });
  for (const line of trainLines(run)) print(line);

  print(
    options.profile
      ? "2/4 Optimize (--profile) and archive"
      : "2/4 Quantize (static int8) and archive",
  );
  const archive = await archiveOrReuse(run.runDir, {
    store,
    profile: options.profile,
    fresh: options.fresh,
  });
  for (const line of archiveLines(archive)) print(line);

  print("3/4 Serve");
  const { env, admin } = await adminEnv(options, baseDir);
  const app = await createApp({
    config: options.config,
    baseDir,
    env,
    web: options.web,
    server: options.server,
    bundle: options.bundle,
    buildDir: options.buildDir,
  });
  let http: Deno.HttpServer<Deno.NetAddr> | undefined;
  try {
    const server = app.services.server;
    const found = await server.status();
    print(
      found.up
        ? `  using the model server already running at ${found.urls.inference}`
        : `  ${await server.start("in-process")}`,
    );
    const client = server.client;
    const served = await serveArchive(client, archive, settings.server.promotion);
    print(
      `  ${served.registered ? "registered" : "already serving"} "${served.model}" version ` +
        `${served.version}; default version ${served.defaultVersion}`,
    );
    if (served.promotion) print(`  ${served.promotion.message}`);
    const digit = await testDigit();
    const t = performance.now();
    const top = await client.predict(served.model, undefined, digit.png);
    print(
      `  check: a test digit ${digit.label} -> "${top[0]?.label}" (p ${
        top[0]?.probability.toFixed(3)
      }) in ${
        (performance.now() - t).toFixed(1)
      } ms through ${client.urls.inference}/predictions/${served.model}`,
    );

    print("4/4 Web app");
    const address = app.services.settings.web.address;
    try {
      http = Deno.serve({ ...listenOn(address), onListen() {} }, app.fetch);
    } catch (err) {
      if (!(err instanceof Deno.errors.AddrInUse)) throw err;
      throw new Error(
        `Cannot start the web app at ${address}: the address is in use (another demo or app?); ` +
          `stop it or set web.address in app_config.yaml`,
        { cause: err },
      );
    }
    const web = `http://${http.addr.hostname}:${http.addr.port}`;
    const urls = { web, ...client.urls };
    const login = admin.password
      ? `user ${admin.user}, password ${admin.password} (this session; set ADMIN_USER/ADMIN_PSWD in .env to keep one)`
      : `user ${admin.user} from .env`;
    print(`Ready in ${((performance.now() - t0) / 1000).toFixed(0)} s:`);
    for (
      const [k, v] of [
        ["Predict", `${web}/`],
        ["Serving", `${web}/admin/serve   (${login})`],
        ["Labeling", `${web}/admin/label`],
        ["Experiments", `${web}/admin/experiments`],
        ["Inference", `${urls.inference}/predictions/${served.model}  (TorchServe API)`],
        ["Management", urls.management],
        ["Metrics", `${urls.metrics}/metrics`],
      ]
    ) print(`  ${k!.padEnd(12)} ${v}`);
    const running = http;
    return {
      run,
      archive,
      served,
      urls,
      admin,
      app,
      async close() {
        await running.shutdown();
        await app.close();
      },
    };
  } catch (err) {
    await http?.shutdown();
    await app.close();
    throw err;
  }
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      fresh: { type: "boolean" },
      profile: { type: "boolean" },
      config: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const watch = watchInterrupts();
  let demo: RunningDemo;
  try {
    demo = await startDemo({
      config: values.config,
      overrides: positionals,
      fresh: values.fresh,
      profile: values.profile,
      signal: watch.signal,
    });
  } finally {
    watch[Symbol.dispose]();
  }
  console.log("Press Ctrl-C to stop; run it again to reuse this run and archive (--fresh: anew).");
  const stop = Promise.withResolvers<void>();
  Deno.addSignalListener("SIGINT", () => stop.resolve());
  Deno.addSignalListener("SIGTERM", () => stop.resolve());
  await stop.promise;
  await demo.close();
  return 0;
}

if (import.meta.main) await runMain(main);
