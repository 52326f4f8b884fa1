/**
 * Where configs come from: an ordered list of sources (Hydra's search path),
 * each a folder of YAML files or an in-memory set; the first source holding a
 * config wins, group options are the union of all sources. Loaded files are
 * cached per repository.
 *
 * @module
 */
import { MissingConfigError } from "./errors.ts";
import { checkInterpolations } from "./interpolation.ts";
import { parseHeader, parseYaml } from "./yaml_io.ts";
import { type ConfigMap, type ConfigValue, deepCopy, isMap } from "./values.ts";

/** A config as read from a source, before composition. */
export interface LoadedConfig {
  /** Config path without extension (`db/mysql`). */
  path: string;
  /** File (or in-memory name) for messages. */
  file: string;
  /** The content, without its `defaults` list. */
  config: ConfigMap;
  /** Header values (`# @package x` gives `{ package: "x" }`). */
  header: Record<string, string>;
  /** The raw `defaults` list, if the config has one. */
  defaults?: ConfigValue;
}

/** One entry of the search path. */
export interface ConfigSource {
  /** Who added it: `hydra`, `main`, `command-line`, ... */
  readonly provider: string;
  /** `file:///abs/dir` or `pkg://...`, for messages. */
  readonly url: string;
  /** True when `path` is a folder (a config group) here. */
  isGroup(path: string): boolean;
  /** True when `path` (without `.yaml`) is a config file here. */
  isConfig(path: string): boolean;
  /** Names of configs (without extension) or groups directly under `path`. */
  list(path: string, kind: "config" | "group"): string[];
  /** The text of config `path` and the file name to report. */
  read(path: string): { text: string; file: string };
}

function normalize(path: string): string {
  return path.endsWith(".yaml") ? path : `${path}.yaml`;
}

function join(dir: string, path: string): string {
  return path === "" ? dir : `${dir.replace(/\/+$/, "")}/${path}`;
}

function statKind(path: string): "file" | "dir" | undefined {
  try {
    const info = Deno.statSync(path);
    return info.isDirectory ? "dir" : info.isFile ? "file" : undefined;
  } catch {
    return undefined;
  }
}

/** A folder of YAML config files. */
export class FileSource implements ConfigSource {
  readonly provider: string;
  readonly url: string;
  /** Absolute folder path. */
  readonly dir: string;
  /** Creates a source over `dir` (absolute). */
  constructor(dir: string, provider = "main") {
    this.dir = dir;
    this.provider = provider;
    this.url = `file://${dir}`;
  }
  isGroup(path: string): boolean {
    return statKind(join(this.dir, path)) === "dir";
  }
  isConfig(path: string): boolean {
    return statKind(join(this.dir, normalize(path))) === "file";
  }
  list(path: string, kind: "config" | "group"): string[] {
    const out = new Set<string>();
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(join(this.dir, path))];
    } catch {
      return [];
    }
    for (const e of entries) {
      const full = join(this.dir, join(path, e.name));
      const isDir = e.isDirectory || (e.isSymlink && statKind(full) === "dir");
      if (kind === "group" && isDir && e.name !== "__pycache__") out.add(e.name);
      if (kind === "config" && e.name.endsWith(".yaml") && !isDir) out.add(e.name.slice(0, -5));
    }
    return [...out].sort();
  }
  read(path: string): { text: string; file: string } {
    const file = join(this.dir, normalize(path));
    return { text: Deno.readTextFileSync(file), file };
  }
}

/** Configs held in memory, keyed by path with extension (`hydra/config.yaml`). */
export class MemorySource implements ConfigSource {
  readonly provider: string;
  readonly url: string;
  #files: Map<string, string>;
  /** Creates a source from `{ "group/name.yaml": "yaml text" }`. */
  constructor(files: Record<string, string>, provider = "memory", url = "memory://") {
    this.#files = new Map(Object.entries(files).map(([k, v]) => [normalize(k), v]));
    this.provider = provider;
    this.url = url;
  }
  isGroup(path: string): boolean {
    if (path === "") return true;
    for (const k of this.#files.keys()) if (k.startsWith(`${path}/`)) return true;
    return false;
  }
  isConfig(path: string): boolean {
    return this.#files.has(normalize(path));
  }
  list(path: string, kind: "config" | "group"): string[] {
    const prefix = path === "" ? "" : `${path}/`;
    const out = new Set<string>();
    for (const k of this.#files.keys()) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const slash = rest.indexOf("/");
      if (kind === "group" && slash > 0) out.add(rest.slice(0, slash));
      if (kind === "config" && slash < 0) out.add(rest.slice(0, -5));
    }
    return [...out].sort();
  }
  read(path: string): { text: string; file: string } {
    return { text: this.#files.get(normalize(path))!, file: `${this.url}${normalize(path)}` };
  }
}

/** The search path: sources in order, with a cache of parsed configs. */
export class ConfigRepository {
  /** The sources, first wins. */
  readonly sources: ConfigSource[];
  #cache = new Map<string, LoadedConfig | undefined>();

  /** Creates a repository over `sources`. */
  constructor(sources: ConfigSource[]) {
    this.sources = sources;
  }

  /**
   * Loads config `path` (a fresh copy each time), or undefined when no source has it.
   *
   * @throws {ConfigSyntaxError} for malformed YAML
   * @throws {TypeError} when the file is not a mapping or its `defaults` is not a list
   */
  load(path: string): LoadedConfig | undefined {
    if (!this.#cache.has(path)) this.#cache.set(path, this.#read(path));
    const hit = this.#cache.get(path);
    return hit && {
      ...hit,
      config: deepCopy(hit.config),
      defaults: hit.defaults === undefined ? undefined : deepCopy(hit.defaults),
    };
  }

  #read(path: string): LoadedConfig | undefined {
    const source = this.sources.find((s) => s.isConfig(path));
    if (!source) return undefined;
    const { text, file } = source.read(path);
    const header = parseHeader(text, file);
    const value = parseYaml(text, file);
    if (!isMap(value)) {
      throw new TypeError(
        `Cannot load "${file}": the top level must be a mapping, got a list or a scalar`,
      );
    }
    const defaults = value.get("defaults");
    value.delete("defaults");
    checkInterpolations(value, file);
    if (defaults !== undefined && !Array.isArray(defaults)) {
      throw new TypeError(`Invalid defaults list in "${file}": defaults must be a list`);
    }
    return { path, file, config: value, header, defaults };
  }

  /** True when some source has config `path`. */
  configExists(path: string): boolean {
    return this.sources.some((s) => s.isConfig(path));
  }

  /** True when some source has group `path`. */
  groupExists(path: string): boolean {
    return this.sources.some((s) => s.isGroup(path));
  }

  /** Options (config names) or subgroups of group `path` over all sources, sorted. */
  groupOptions(path: string, kind: "config" | "group" = "config"): string[] {
    const out = new Set<string>();
    for (const s of this.sources) {
      if (s.isGroup(path)) { for (const n of s.list(path, kind)) out.add(n); }
    }
    return [...out].sort();
  }

  /** All groups holding options, recursively (`model`, `specs`, `specs/vit`, `hydra/launcher`). */
  allGroups(parent = ""): string[] {
    const out: string[] = [];
    for (const g of this.groupOptions(parent, "group")) {
      const name = parent === "" ? g : `${parent}/${g}`;
      if (this.groupOptions(name, "config").length > 0) out.push(name);
      out.push(...this.allGroups(name));
    }
    return out;
  }

  /** The search path as Hydra prints it, one source per line. */
  describe(): string {
    return this.sources.map((s) => `\tprovider=${s.provider}, path=${s.url}`).join("\n");
  }

  /** Error for a config that no source has. */
  missing(message: string, options: string[] = []): MissingConfigError {
    return new MissingConfigError(`${message}\nConfig search path:\n${this.describe()}`, options);
  }
}
