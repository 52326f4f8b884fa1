// Fixtures of the app's page tests: a temporary app folder (model store with an
// archive of the reference CNN, a training run, app_config.yaml on free loopback
// ports), the app built on it, a logged-in admin, and request helpers.
import assert from "node:assert/strict";
import { join } from "node:path";
import { hashPassword } from "../../lib/app/mod.ts";
import { HttpError } from "../../lib/web/mod.ts";
import { type App, type AppOptions, createApp } from "../../main.ts";
import { digit, makeArchive, png } from "../serve/_fixtures.ts";

/** Admin credentials of the fixture's environment. */
export const ADMIN = { user: "ada", password: "correct horse battery" };
/** The fixture run's id. */
export const RUN_ID = "cnn/baseline/adam_2024-05-01_10-00-00";

/**
 * An app folder: model_store/digits.mar, a run under results/, app_config.yaml
 * (its `store:` and `openai:` blocks replaceable, as YAML lines).
 */
export async function makeAppDir(
  blocks: { store?: string[]; openai?: string[] } = {},
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "app_pages_" });
  await makeArchive(join(dir, "model_store"), "digits.mar", { name: "digits", version: "1.0" });
  await makeRun(join(dir, "results", RUN_ID));
  await Deno.writeTextFile(
    join(dir, "app_config.yaml"),
    [
      "server:",
      "  inference_address: http://127.0.0.1:0",
      "  management_address: http://127.0.0.1:0",
      "  metrics_address: http://127.0.0.1:0",
      "  model_store: model_store",
      "  models: []",
      "  log_location: logs",
      "  batch_size: 1",
      "  max_batch_delay: 5",
      "web:",
      "  store_predictions: true",
      ...(blocks.store ?? ["store:", "  kind: local", "  data_dir: data/store"]),
      ...(blocks.openai ?? []),
      "",
    ].join("\n"),
  );
  return dir;
}

/**
 * A run directory as the trainer writes it: metrics (train records per window;
 * test records with the iteration's train_loss and the confusion matrix),
 * params, results (best values, data.classes), config, a checkpoint.
 */
export async function makeRun(path: string, scale = 1): Promise<void> {
  await Deno.mkdir(join(path, "checkpoints", "checkpoint_000003"), { recursive: true });
  const lines: string[] = [];
  for (let step = 10; step <= 60; step += 10) {
    const epoch = Math.floor(step / 30);
    lines.push(
      JSON.stringify({
        step,
        epoch,
        iteration: epoch,
        split: "train",
        time: step,
        loss: 2 / step * 10 * scale,
      }),
    );
    if (step % 30 === 0) {
      const accuracy = 0.8 + step / 1000;
      const cm = Array.from({ length: 3 }, (_, i) => [0, 1, 2].map((j) => i === j ? 30 : 2));
      lines.push(
        JSON.stringify({
          step,
          epoch,
          iteration: epoch,
          split: "test",
          time: step,
          loss: 1 / step * 10,
          accuracy,
          confusion_matrix: cm,
          train_loss: 1.5 / step * 10,
        }),
      );
    }
  }
  await Deno.writeTextFile(join(path, "metrics.jsonl"), lines.join("\n") + "\n");
  await Deno.writeTextFile(
    join(path, "params.json"),
    JSON.stringify({
      model: { name: "cnn" },
      optimizer: { _target_: "adam", lr: 0.001 },
      data: { batch_size: 64 },
      trainer: { epochs: 2 },
    }),
  );
  await Deno.writeTextFile(
    join(path, "results.json"),
    JSON.stringify({
      best: { test_accuracy: { mode: "max", value: 0.86, iteration: 1, since: 0 } },
      data: { classes: ["a", "b", "<c>"] },
    }),
  );
  await Deno.writeTextFile(
    join(path, "config.yaml"),
    "model:\n  name: cnn\noptimizer:\n  lr: 0.001\n",
  );
  const ck = join(path, "checkpoints", "checkpoint_000003");
  await Deno.writeFile(join(ck, "model.safetensors"), new Uint8Array(64));
  await Deno.writeTextFile(join(ck, "state.json"), JSON.stringify({ step: 60, epoch: 1 }));
}

/** The environment of the fixture: admin login with a (cheap) hash, a fixed session key. */
export async function fixtureEnv(extra: Record<string, string> = {}) {
  return {
    ADMIN_USER: ADMIN.user,
    ADMIN_PSWD: await hashPassword(ADMIN.password, { iterations: 1000 }),
    SESSION_SECRET: "s".repeat(40),
    ...extra,
  };
}

/** The app on a fixture folder, without JavaScript; `start` starts its model server in-process. */
export async function fixtureApp(
  dir: string,
  options: AppOptions & { start?: boolean } = {},
): Promise<App> {
  const app = await createApp({
    baseDir: dir,
    env: await fixtureEnv(),
    bundle: "none",
    onError: (err) => err instanceof HttpError || console.error("app error:", err),
    ...options,
  });
  if (options.start) await app.services.server.start("in-process");
  return app;
}

/** A browser's cookie jar, enough for the app's cookies. */
export class Client {
  cookies = new Map<string, string>();
  constructor(readonly app: App) {}

  /** Sends a request with the jar's cookies and keeps the ones set. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) {
      headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const res = await this.app.fetch(
      new Request(new URL(path, "http://localhost"), { ...init, headers }),
    );
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const [name, value] = [
        pair!.slice(0, pair!.indexOf("=")),
        pair!.slice(pair!.indexOf("=") + 1),
      ];
      if (attrs.some((a) => a.trim() === "Max-Age=0")) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Text of a GET page, asserting its status. */
  async page(path: string, status = 200): Promise<string> {
    const res = await this.fetch(path);
    const html = await res.text();
    assert.equal(res.status, status, `${path}: ${html.slice(0, 300)}`);
    return html;
  }

  /** The CSRF token of the current session (read from a form). */
  async csrf(path = "/login"): Promise<string> {
    const html = await this.page(path);
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    assert.ok(m, `${path} has a CSRF field`);
    return m[1]!;
  }

  /** Posts a form with this session's CSRF token (unless `_csrf` is given). */
  async post(path: string, fields: Record<string, string>, csrf?: string): Promise<Response> {
    const body = new URLSearchParams({ _csrf: csrf ?? await this.csrf(), ...fields });
    return await this.fetch(path, { method: "POST", body });
  }

  /** Logs in as the fixture admin. */
  async login(): Promise<void> {
    const res = await this.post("/login", { user: ADMIN.user, password: ADMIN.password });
    await res.body?.cancel();
    assert.equal(res.status, 303, "login succeeds");
  }
}

/** A PNG of MNIST test digit `i` (28×28 grey) and its label. */
export async function digitPng(i: number): Promise<{ png: Uint8Array; label: string }> {
  const d = await digit(i);
  return { png: await png(d.pixels), label: String(d.label) };
}

/** A multipart body with an image file and fields. */
export function imageForm(bytes: Uint8Array, name: string, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.set("image", new File([bytes as BlobPart], name, { type: "image/png" }));
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return form;
}

/** Server addresses on loopback ports where nothing listens (a server that is down). */
export function closedPorts() {
  const port = () => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const p = (l.addr as Deno.NetAddr).port;
    l.close();
    return `http://127.0.0.1:${p}`;
  };
  return { inferenceAddress: port(), managementAddress: port(), metricsAddress: port() };
}
