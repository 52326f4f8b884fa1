/**
 * Entries of a defaults list, as Hydra 1.3 models them: a config group choice
 * (`db: mysql`, `optional x: y`, `override /db: pg`, `db@backup: mysql`,
 * `callbacks: [a, b]`) or a config (`base_vit`, `/abs/path`, `_self_`), with
 * the rules that give each its config path and its final package.
 *
 * Package rules: an entry's package is its `@pkg`, else the file's `# @package`
 * header (always absolute, `_global_` prefixed), else its group path relative
 * to the containing config; relative packages are appended to the parent's
 * final package, and anything up to the last `_global_` is dropped. `_group_`
 * in an entry's `@pkg` becomes the group path; in a header it stays literal, as
 * in Hydra 1.2+.
 *
 * @module
 */

/** Common part of defaults list entries. */
export abstract class InputDefault {
  /** The explicit `@package` (undefined when absent, "" for `_here_`). */
  package?: string;
  /** Group path of the config holding this entry. */
  parentBaseDir?: string;
  /** Final package of the config holding this entry. */
  parentPackage?: string;
  /** `# @package` of the config file, made absolute. */
  packageHeader?: string;
  /** The primary config. */
  primary = false;
  /** Removed by `~group` or an optional entry without a file. */
  deleted = false;

  abstract isSelf(): boolean;
  abstract isOptional(): boolean;
  abstract groupPath(): string;
  abstract configPath(): string;
  abstract name(): string | null;
  abstract relativeGroupPath(): string;
  abstract isInterpolation(): boolean;
  abstract isMissing(): boolean;
  abstract isOverride(): boolean;
  abstract isExternalAppend(): boolean;

  /** Places the entry under its parent config. */
  updateParent(parentBaseDir: string | undefined, parentPackage: string | undefined): void {
    this.parentBaseDir = parentBaseDir;
    this.parentPackage = parentPackage;
    if (this.package !== undefined && this.package.includes("_group_")) {
      this.package = `_global_.${this.package.replace("_group_", this.defaultPackage())}`;
    }
  }

  /** The group path with dots: the package a group's configs get by default. */
  defaultPackage(): string {
    return this.groupPath().replaceAll("/", ".");
  }

  /** Records the file's `# @package` header (headers are absolute). */
  setPackageHeader(header: string | undefined): void {
    if (header === undefined) return;
    if (header !== "_global_" && !header.startsWith("_global_.")) {
      header = header === "" ? "_global_" : `_global_.${header}`;
    }
    this.packageHeader = header;
  }

  /** The entry's package, falling back to the header. */
  getPackage(defaultToHeader = true): string | undefined {
    return this.package === undefined && defaultToHeader ? this.packageHeader : this.package;
  }

  /** Where the config's content lands in the composed config (`""` is the root). */
  finalPackage(defaultToHeader = true): string {
    let pkg = this.getPackage(defaultToHeader);
    if (pkg === undefined) pkg = this.relativeGroupPath().replaceAll("/", ".");
    const parent = this.parentPackage ?? "";
    const full = parent === "" ? pkg : pkg === "" ? parent : `${parent}.${pkg}`;
    const at = full.lastIndexOf("_global_");
    return at < 0 ? full : full.slice(at + "_global_".length + 1);
  }

  /** The key overrides use to address this entry (`db`, `db@backup`). */
  overrideKey(): string {
    const defaultPkg = this.defaultPackage();
    let finalPkg = this.finalPackage(false);
    let key = this.groupPath();
    if (defaultPkg !== finalPkg) {
      if (finalPkg === "") finalPkg = "_global_";
      key = `${key}@${finalPkg}`;
    }
    return key;
  }

  /** True for the virtual root holding the hydra config and the primary config. */
  isVirtual(): boolean {
    return false;
  }
}

/** A config group choice: `group: option`, `group@pkg: option`, `group: [a, b]`. */
export class GroupDefault extends InputDefault {
  /** Group as written (may start with `/`). */
  group: string;
  /** Chosen option(s); null deselects. */
  value: string | string[] | null;
  /** `optional group: option`. */
  optional: boolean;
  /** `override group: option`. */
  override: boolean;
  /** Added by `+group=option` on the command line. */
  externalAppend: boolean;

  /** Creates the entry. */
  constructor(init: {
    group: string;
    value: string | string[] | null;
    package?: string;
    optional?: boolean;
    override?: boolean;
    externalAppend?: boolean;
  }) {
    super();
    this.group = init.group;
    this.value = init.value;
    this.package = init.package === "_here_" ? "" : init.package;
    this.optional = init.optional ?? false;
    this.override = init.override ?? false;
    this.externalAppend = init.externalAppend ?? false;
  }

  isSelf(): boolean {
    return this.value === "_self_";
  }
  isOptional(): boolean {
    return this.optional;
  }
  isOverride(): boolean {
    return this.override;
  }
  isExternalAppend(): boolean {
    return this.externalAppend;
  }
  groupPath(): string {
    const absolute = this.group.startsWith("/");
    const group = absolute ? this.group.slice(1) : this.group;
    return this.parentBaseDir === "" || absolute ? group : `${this.parentBaseDir}/${group}`;
  }
  configPath(): string {
    return `${this.groupPath()}/${this.name()}`;
  }
  /** True for a multi-select entry (`group: [a, b]`). */
  isOptions(): boolean {
    return Array.isArray(this.value);
  }
  name(): string | null {
    return Array.isArray(this.value) ? null : this.value;
  }
  relativeGroupPath(): string {
    return this.group.startsWith("/") ? this.group.slice(1) : this.group;
  }
  isInterpolation(): boolean {
    return typeof this.value === "string" && this.value.includes("${");
  }
  isMissing(): boolean {
    return this.value === "???";
  }
  /** The override key relative to the containing config (`db`, `db@pkg`). */
  relativeOverrideKey(): string {
    const pkg = this.getPackage();
    return this.defaultPackage() !== pkg && this.package !== undefined
      ? `${this.group}@${this.package}`
      : this.group;
  }
}

/** A config included by path: `base_vit`, `/specs/base_vit`, `_self_`. */
export class ConfigDefault extends InputDefault {
  /** Path as written (may start with `/`). */
  path: string;
  /** Skipped silently when the file is absent. */
  optional: boolean;

  /** Creates the entry. */
  constructor(init: { path: string; package?: string; optional?: boolean; primary?: boolean }) {
    super();
    this.path = init.path;
    this.package = init.package === "_here_" ? "" : init.package;
    this.optional = init.optional ?? false;
    this.primary = init.primary ?? false;
    if (this.isSelf() && this.package !== undefined) {
      throw new TypeError("_self_@PACKAGE is not supported");
    }
  }

  isSelf(): boolean {
    return this.path === "_self_";
  }
  isOptional(): boolean {
    return this.optional;
  }
  isOverride(): boolean {
    return false;
  }
  isExternalAppend(): boolean {
    return false;
  }
  #split(): { absolute: boolean; dir: string; rel: string } {
    const absolute = this.path.startsWith("/");
    const rel = absolute ? this.path.slice(1) : this.path;
    const idx = rel.lastIndexOf("/");
    return { absolute, dir: idx < 0 ? "" : rel.slice(0, idx), rel };
  }
  groupPath(): string {
    const { absolute, dir } = this.#split();
    if (absolute || this.parentBaseDir === "") return dir;
    return dir === "" ? this.parentBaseDir! : `${this.parentBaseDir}/${dir}`;
  }
  configPath(): string {
    const { absolute, rel } = this.#split();
    return absolute || this.parentBaseDir === "" ? rel : `${this.parentBaseDir}/${rel}`;
  }
  name(): string {
    const idx = this.path.lastIndexOf("/");
    return idx < 0 ? this.path : this.path.slice(idx + 1);
  }
  relativeGroupPath(): string {
    return this.#split().dir;
  }
  isInterpolation(): boolean {
    return this.configPath().includes("${");
  }
  isMissing(): boolean {
    return this.name() === "???";
  }
}

/** The root of the defaults tree: the hydra config, then the primary config. */
export class VirtualRoot extends InputDefault {
  override isVirtual(): boolean {
    return true;
  }
  isSelf(): boolean {
    return false;
  }
  isOptional(): boolean {
    return false;
  }
  groupPath(): string {
    return "";
  }
  configPath(): string {
    return "<root>";
  }
  name(): string {
    return "<root>";
  }
  relativeGroupPath(): string {
    return "";
  }
  isInterpolation(): boolean {
    return false;
  }
  isMissing(): boolean {
    return false;
  }
  isOverride(): boolean {
    return false;
  }
  isExternalAppend(): boolean {
    return false;
  }
}
