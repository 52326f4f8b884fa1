/**
 * The command that retrains from labelled feedback: the training run behind
 * the model versions that made the predictions (named in their archives'
 * metrics), fine-tuned on its own data plus the exported examples:
 * `deno task train <the run's overrides> data=examples data.path=<export>
 * trainer.init_from=<run dir>`. The run's overrides come first so the new
 * model has the same architecture and the same test split as its parent.
 *
 * @module
 */
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { listArchives } from "./archives.ts";
import { exists } from "./_run_files.ts";

/** Keys of the image_folder data set that conf/data/examples.yaml (mnist's keys) lacks. */
const FOLDER_ONLY = ["root", "extensions", "resize", "max_bad_fraction"];

/**
 * The training run of the newest archive of the given model versions (else of the
 * models) that names a run still on disk.
 *
 * @param modelStore the model store folder
 * @param versions model name → versions the examples were predicted with
 * @returns the run directory, or null
 */
export async function parentRun(
  modelStore: string,
  versions: ReadonlyMap<string, ReadonlySet<string>>,
): Promise<string | null> {
  const archives = (await listArchives(modelStore))
    .filter((a) => versions.has(a.modelName ?? "") && typeof a.metrics?.run === "string")
    .sort((a, b) =>
      Number.parseFloat(b.modelVersion ?? "0") - Number.parseFloat(a.modelVersion ?? "0")
    );
  const used = archives.filter((a) => versions.get(a.modelName!)!.has(a.modelVersion ?? ""));
  for (const a of [...used, ...archives]) {
    const run = a.metrics!.run as string;
    if (await exists(join(run, "config.yaml"))) return run;
  }
  return null;
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_.,=+\-/:@\[\]]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** A run's command-line overrides, rewritten to train on examples over the same data. */
async function parentOverrides(runDir: string): Promise<string[]> {
  let given: unknown;
  try {
    given = parseYaml(await Deno.readTextFile(join(runDir, ".hydra", "overrides.yaml")));
  } catch {
    return [];
  }
  if (!Array.isArray(given)) return [];
  const out: string[] = [];
  let folder = false;
  for (const o of given.map(String)) {
    const key = o.replace(/^[+~]+/, "").split("=")[0]!;
    if (["trainer.init_from", "trainer.resume", "data.path", "data.ratio"].includes(key)) continue;
    if (key === "data") {
      const name = o.slice(o.indexOf("=") + 1);
      if (name === "image_folder") {
        folder = true;
        out.push("data.base=image_folder");
      }
      continue;
    }
    const field = key.startsWith("data.") ? key.slice(5).split(".")[0]! : "";
    out.push(FOLDER_ONLY.includes(field) ? `+${o.replace(/^[+~]+/, "")}` : o);
  }
  if (folder && !given.some((o) => String(o).startsWith("data.normalize"))) {
    // image_folder normalizes with mean/std 0.5 unless told otherwise; examples.yaml with MNIST's.
    out.push("data.normalize.mean=[0.5]", "data.normalize.std=[0.5]");
  }
  return out;
}

/**
 * The fine-tuning command for an export.
 *
 * @param exportDir the exported examples
 * @param runDir the parent run (null: train on the examples without a parent)
 * @returns the shell command
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { retrainCommand } from "./mod.ts";
 * const run = await Deno.makeTempDir();
 * await Deno.mkdir(`${run}/.hydra`);
 * await Deno.writeTextFile(`${run}/.hydra/overrides.yaml`, "- model=mlp\n- data.num_samples=1000\n");
 * assert.equal(
 *   await retrainCommand("data/exports/r1", run),
 *   `deno task train model=mlp data.num_samples=1000 data=examples data.path=data/exports/r1 trainer.init_from=${run}`,
 * );
 * await Deno.remove(run, { recursive: true });
 * ```
 */
export async function retrainCommand(exportDir: string, runDir: string | null): Promise<string> {
  const args = runDir ? await parentOverrides(runDir) : [];
  args.push("data=examples", `data.path=${exportDir}`);
  if (runDir) args.push(`trainer.init_from=${runDir}`);
  return `deno task train ${args.map(quote).join(" ")}`;
}
