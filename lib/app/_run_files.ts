// File helpers of lib/app: existence, JSON objects and folders of the run readers.

/** Whether a path exists (any kind of file). */
export async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** A JSON object file, or undefined when it is missing or not an object. */
export async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const v = JSON.parse(await Deno.readTextFile(path));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Sub-folder names, sorted, hidden ones left out; none for a missing folder. */
export async function dirs(path: string): Promise<string[]> {
  try {
    const out: string[] = [];
    for await (const e of Deno.readDir(path)) {
      if (e.isDirectory && !e.name.startsWith(".")) out.push(e.name);
    }
    return out.sort();
  } catch {
    return [];
  }
}

/**
 * A curve's name: `<split>_<metric>`; a metric already named for a split
 * (the iteration's `train_loss` logged with an evaluation) keeps its name,
 * marked as per evaluation so it stays apart from the per-step curve.
 */
export function curveName(split: string, key: string): string {
  const named = /^(train|val|test)_/.exec(key);
  if (!named) return `${split}_${key}`;
  return named[1] === split ? key : `${key} (per evaluation)`;
}
