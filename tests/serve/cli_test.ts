import assert from "node:assert/strict";
import { join } from "node:path";
import { isAlive, readPidFile } from "../../lib/serve/mod.ts";
import { ROOT_DIR, runCli, sharedPath } from "../_shared.ts";
import { digit, makeArchive, png } from "./_fixtures.ts";

const CLI = join(ROOT_DIR, "cli", "serve.ts");

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function serve(args: string[], cwd: string) {
  return runCli("serve.ts", args, { cwd });
}

/** A temp working dir with a model store holding digits.mar, and free-port address flags. */
async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "serve_cli_" });
  const store = join(dir, "store");
  await Deno.mkdir(store);
  await makeArchive(store, "digits.mar");
  const [inf, man, met] = [freePort(), freePort(), freePort()];
  const flags = [
    "--model-store",
    store,
    "--inference-address",
    `http://127.0.0.1:${inf}`,
    "--management-address",
    `http://127.0.0.1:${man}`,
    "--metrics-address",
    `http://127.0.0.1:${met}`,
  ];
  return {
    dir,
    flags,
    inference: `http://127.0.0.1:${inf}`,
    management: `http://127.0.0.1:${man}`,
  };
}

Deno.test("serve --start daemonizes, passes torchserve_client.py, and --stop stops it", async (t) => {
  const { dir, flags, inference, management } = await setup();
  try {
    const start = await serve(["--start", ...flags], dir);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /Model server running \(pid \d+\)/);
    const info = await readPidFile(join(dir, "logs", "model_server.pid"));
    assert.ok(info && isAlive(info.pid));
    assert.equal(info.inferenceUrl, inference);
    const again = await serve(["--start", ...flags], dir);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already running \(pid \d+/);
    const python = await new Deno.Command("python3", { args: ["--version"] }).output()
      .then((o) => o.success, () => false);
    await t.step({
      name: "torchserve_client.py: all PASS",
      ignore: !python,
      fn: async () => {
        const out = await new Deno.Command("python3", {
          args: [
            sharedPath("checks", "torchserve_client.py"),
            "--archive",
            "digits.mar",
            "--inference",
            inference,
            "--management",
            management,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stdout);
        assert.equal(out.code, 0, text + new TextDecoder().decode(out.stderr));
        assert.match(text, /12 passed, 0 failed/);
        assert.doesNotMatch(text, /^FAIL/m);
      },
    });
    if (!python) console.log("python3 not found: skipped the torchserve_client.py check");
    const stop = await serve(["--stop", ...flags], dir);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`stopped \\(pid ${info.pid}\\)`));
    assert.equal(isAlive(info.pid), false);
    assert.equal(await readPidFile(join(dir, "logs", "model_server.pid")), undefined);
    const none = await serve(["--stop", ...flags], dir);
    assert.equal(none.code, 1);
    assert.match(
      none.stderr,
      /^Error: No running model server: no pid file .*model_server.pid; to stop a server started with another --log-location or pid_file, give the same /,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve --start --foreground --models serves start-up models until SIGTERM", async () => {
  const { dir, flags, inference } = await setup();
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "--start", "--foreground", ...flags, "--models", "mnist=digits.mar"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const pidFile = join(dir, "logs", "model_server.pid");
    for (let i = 0; i < 300 && !(await readPidFile(pidFile)); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`${inference}/predictions/mnist`, {
      method: "POST",
      body: await png((await digit(0)).pixels),
    });
    assert.equal(res.status, 200);
    assert.equal(Object.keys(await res.json())[0], "0");
    child.kill("SIGTERM");
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const snap = JSON.parse(await Deno.readTextFile(join(dir, "logs", "config", "snapshot.json")));
    assert.equal(snap.models.mnist["1.0"].marName, "digits.mar");
    assert.equal(await readPidFile(pidFile), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve: bad use and failed start-up give one line on stderr and exit 1", async () => {
  const { dir, flags } = await setup();
  try {
    const neither = await serve([], dir);
    assert.equal(neither.code, 1);
    assert.match(neither.stderr, /^Error: Give --start or --stop/);
    const bad = await serve(["--start", ...flags, "--models", "x=missing.mar", "--ncs"], dir);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /^Error: The model server exited during start-up: Cannot register start-up model "x=missing.mar": Model archive not found/,
    );
    assert.equal(bad.stderr.trim().split("\n").length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve --register adds a version beside the default; --promote follows the policy, --force overrides", async () => {
  const { dir, flags } = await setup();
  const store = join(dir, "store");
  const figures = (accuracy: number) => ({ accuracy, latency_ms: { p50: 0.04 }, size_bytes: 1000 });
  await makeArchive(store, "d1.mar", { name: "d", version: "1.0", metrics: figures(0.95) });
  await makeArchive(dir, "d2.mar", { name: "d", version: "2.0", metrics: figures(0.9) });
  await makeArchive(store, "d3.mar", { name: "d", version: "3.0", metrics: figures(0.97) });
  try {
    assert.equal((await serve(["--start", ...flags], dir)).code, 0);
    let r = await serve(["--register", join(store, "d1.mar"), "--promote", ...flags], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Model "d" version 1\.0 is already the default/);
    // A worse version from outside the store: copied in, registered, kept as a candidate.
    r = await serve(["--register", join(dir, "d2.mar"), "--promote", ...flags], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /Note: copied ".*d2\.mar" into the model store/);
    assert.match(r.stdout, /accuracy {6}95\.00% {7}90\.00%/);
    assert.match(
      r.stderr,
      /version 2\.0 stays a candidate, the default stays 1\.0: accuracy 0\.9 is below the default's 0\.95/,
    );
    r = await serve(["--promote", "--model", "d", "--version", "2.0", "--force", ...flags], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /version 2\.0 is the default now \(was 1\.0\): forced although/);
    // Registered without --promote: a candidate; then promoted by the policy.
    r = await serve(["--register", "store/d3.mar", ...flags], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /version 3\.0 is a candidate beside the default 2\.0/);
    r = await serve(["--promote", "--model", "d", "--version", "3.0", ...flags], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /version 3\.0 is the default now \(was 2\.0\): accuracy 0\.97 >= the default's 0\.9/,
    );
    r = await serve(["--promote", "--model", "d", ...flags], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--promote needs --model NAME --version V/);
  } finally {
    await serve(["--stop", ...flags], dir);
    await Deno.remove(dir, { recursive: true });
  }
});
