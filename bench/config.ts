/**
 * Config composition speed: composing the default tree (conf/) once the module
 * is loaded (target < 30 ms for the first compose), and the cold start of
 * `deno task train --cfg job` as a subprocess (target < 1.5 s), each beside a
 * baseline measured in the same run: reading and parsing the tree's YAML files
 * alone, and the cold start of an empty Deno program.
 *
 * @module
 */
import { composeConfig, parseYaml } from "../lib/config/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const CONF = `${ROOT}conf`;
const REPS = 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isDirectory) out.push(...yamlFiles(`${dir}/${e.name}`));
    else if (e.name.endsWith(".yaml")) out.push(`${dir}/${e.name}`);
  }
  return out;
}

function timeMs(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

async function spawnMs(args: string[]): Promise<number> {
  const t = performance.now();
  const out = await new Deno.Command(args[0], {
    args: args.slice(1),
    cwd: ROOT,
    stdout: "null",
    stderr: "null",
  })
    .output();
  if (out.code !== 0) throw new Error(`Cannot time "${args.join(" ")}": exit code ${out.code}`);
  return performance.now() - t;
}

const compose = () => composeConfig({ configDir: CONF, jobName: "train" }).job().toYaml();
const first = timeMs(compose);
const warm = median(Array.from({ length: REPS }, () => timeMs(compose)));
const files = yamlFiles(CONF);
const parseOnly = median(Array.from({ length: REPS }, () =>
  timeMs(() => {
    for (const f of files) parseYaml(Deno.readTextFileSync(f), f);
  })));

const deno = Deno.execPath();
const empty = `${await Deno.makeTempDir()}/empty.ts`;
await Deno.writeTextFile(empty, "export {};\n");
await spawnMs([deno, "run", "-A", empty]);
await spawnMs([deno, "task", "train", "--cfg", "job"]);
const baselineStart: number[] = [], trainStart: number[] = [];
for (let i = 0; i < REPS; i++) {
  baselineStart.push(await spawnMs([deno, "run", "-A", empty]));
  trainStart.push(await spawnMs([deno, "task", "train", "--cfg", "job"]));
}

const f = (ms: number) => `${ms.toFixed(1)} ms`;
console.log(`compose default tree, first after module load: ${f(first)} (target < 30 ms)`);
console.log(`compose default tree, warm median of ${REPS}:     ${f(warm)}`);
console.log(
  `baseline: read + parse its ${files.length} YAML files:  ${f(parseOnly)} (compose = ${
    (warm / parseOnly).toFixed(1)
  }x)`,
);
const start = median(trainStart), base = median(baselineStart);
console.log(
  `cold start of deno task train --cfg job, median of ${REPS}: ${f(start)} (target < 1500 ms)`,
);
console.log(
  `baseline: cold start of an empty deno program:   ${f(base)} (train = ${
    (start / base).toFixed(1)
  }x)`,
);
