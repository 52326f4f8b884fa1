/**
 * Runs every benchmark in this folder in turn (`deno task bench`), or the ones
 * named on the command line (`deno task bench config onnx`).
 *
 * @module
 */

const ALL: string[] = [
  "onnx",
  "data",
  "config",
  "autodiff",
  "train_step",
  "web",
  "serve",
  "optimize",
  "train",
];

if (import.meta.main) {
  const names = Deno.args.length > 0 ? Deno.args : ALL;
  for (const name of names) {
    const url = new URL(`./${name}.ts`, import.meta.url);
    console.log(`\n== bench/${name}.ts`);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", url.pathname],
      stdout: "inherit",
      stderr: "inherit",
    });
    const { code } = await child.output();
    if (code !== 0) Deno.exit(code);
  }
}
