/**
 * The labeling page's helpers: the class list labels are chosen from, and the
 * export of labeled examples as a data set the training command reads.
 *
 * @module
 */
import { join } from "node:path";
import { exportLabeled, type ExportSummary } from "../store/mod.ts";
import { listArchives } from "./archives.ts";
import { parentRun, retrainCommand } from "./retrain.ts";
import type { AppServices } from "./services.ts";

/** What {@linkcode exportExamples} wrote, and how to train on it. */
export interface ExportResult extends ExportSummary {
  /**
   * `deno task train <run overrides> data=examples data.path=<dir> trainer.init_from=<run dir>`:
   * fine-tune the run behind the model versions that made the predictions (without
   * `init_from` when no archive names one).
   */
  command: string;
}

const EXPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Sorts labels, numerically when they all are numbers. */
export function sortLabels(labels: Iterable<string>): string[] {
  const all = [...new Set(labels)];
  const numeric = all.every((l) => /^\d+$/.test(l));
  return all.sort((a, b) => numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The classes of models: the labels of their archives in the model store
 * (index_to_name.json), else the labels seen in stored predictions.
 *
 * @param services the app's services
 * @param models model names (all archives when empty)
 * @param seen labels seen in predictions and human labels, as a fallback and addition
 * @returns the class names, sorted
 */
export async function modelClasses(
  services: AppServices,
  models: Iterable<string>,
  seen: Iterable<string> = [],
): Promise<string[]> {
  const wanted = new Set(models);
  const labels = new Set<string>(seen);
  for (const a of await listArchives(services.settings.server.modelStore)) {
    if (a.labels && (wanted.size === 0 || wanted.has(a.modelName ?? ""))) {
      for (const l of a.labels) labels.add(l);
    }
  }
  return sortLabels(labels);
}

/**
 * Exports the labeled examples to `<web.export_dir>/<name>` as an
 * `image_folder` data set (`manifest.json` + one folder per class).
 *
 * @param services the app's services
 * @param name the export's folder name
 * @returns what was written and the command that trains on it
 * @throws {RangeError} on a bad name or label, or when nothing is labeled
 * @throws {Error} when the folder exists already
 */
export async function exportExamples(services: AppServices, name: string): Promise<ExportResult> {
  if (!EXPORT_NAME.test(name)) {
    throw new RangeError(
      `Invalid export name ${JSON.stringify(name)}: use 1 to 64 letters, digits, ".", "_" or "-"`,
    );
  }
  const store = services.stores.primary;
  const models = new Set<string>();
  const versions = new Map<string, Set<string>>();
  const labels = new Set<string>();
  // Pages of rows (no images) give the models and labels; the export reads the images once.
  for (let offset = 0;; offset += 500) {
    const page = await store.list({ status: "labeled", limit: 500, offset });
    for (const ex of page.items) {
      models.add(ex.model);
      if (!versions.has(ex.model)) versions.set(ex.model, new Set());
      versions.get(ex.model)!.add(ex.modelVersion);
      labels.add(ex.humanLabel!);
    }
    if (offset + page.items.length >= page.total || page.items.length === 0) break;
  }
  if (labels.size === 0) throw new RangeError("Nothing to export: no example is labeled yet");
  const dir = join(services.settings.web.export_dir, name);
  const classes = await modelClasses(services, models, labels);
  const summary = await exportLabeled(store, dir, { classes });
  const run = await parentRun(services.settings.server.modelStore, versions);
  return { ...summary, command: await retrainCommand(dir, run) };
}
