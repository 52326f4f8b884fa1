// `deno task app`: the password hash helper, and serving the app with an
// in-process model server started because none answered.
import assert from "node:assert/strict";
import { join } from "node:path";
import { verifyPassword } from "../../lib/app/mod.ts";
import { ROOT_DIR } from "../_shared.ts";
import { closedPorts, makeAppDir } from "../web/_pages.ts";

const CLI = join(ROOT_DIR, "cli", "app.ts");

Deno.test("deno task app --hash-password prints a hash that verifies", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "--hash-password"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode("s3cret pass\n"));
  await w.close();
  const { code, stdout, stderr } = await child.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const hash = new TextDecoder().decode(stdout).trim();
  assert.match(hash, /^pbkdf2-sha256\$600000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.equal(await verifyPassword("s3cret pass", hash), true);
});

Deno.test("deno task app starts a model server in-process when none answers, and prints the URLs", async () => {
  const dir = await makeAppDir();
  const ports = closedPorts();
  const config = join(dir, "app_config.yaml");
  const text = (await Deno.readTextFile(config))
    .replace("http://127.0.0.1:0", ports.inferenceAddress)
    .replace("http://127.0.0.1:0", ports.managementAddress)
    .replace("http://127.0.0.1:0", ports.metricsAddress)
    .replace("  models: []", "  models: [digits.mar]");
  await Deno.writeTextFile(config, text);
  const web = closedPorts().inferenceAddress;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "--config", config, "--address", web],
    cwd: dir,
    env: { ADMIN_USER: "ada", ADMIN_PSWD: "pw", SESSION_SECRET: "k".repeat(40) },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    while (!out.includes("Advice")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    reader.releaseLock();
    assert.match(out, new RegExp(`^Web app\\s+${web}$`, "m"));
    assert.match(
      out,
      new RegExp(
        `^Model server\\s+${ports.inferenceAddress} · management ${ports.managementAddress} · metrics ${ports.metricsAddress} \\(started in the app's process\\)$`,
        "m",
      ),
    );
    assert.match(out, new RegExp(`^Admin pages\\s+${web}/admin/serve$`, "m"));
    assert.match(out, /^Store\s+local \(/m);
    assert.match(out, /^Advice\s+Advice is off: openai\.use is false/m);
    const html = await (await fetch(`${web}/`)).text();
    assert.match(html, /<option selected value="digits@">digits \(default: v1\.0\)<\/option>/);
    assert.match(html, /<script type="module" src="\/_web\/js\/_boot-\w+\.js"><\/script>/);
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    await child.stdout.cancel().catch(() => {});
    const err = await new Response(child.stderr).text();
    assert.equal(status.code, 0, err);
    await Deno.remove(dir, { recursive: true });
  }
});
