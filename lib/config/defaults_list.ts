/**
 * Building the defaults list as Hydra 1.3 does: a tree is grown from the
 * primary config (after Hydra's own config), each config's `defaults` read in
 * reverse so that `override` entries of later configs (an experiment's
 * `override /db: pg`) apply to earlier entries; command-line group choices,
 * `+group=opt` appends and `~group` deletions are applied on the way; `_self_`
 * is appended when a config lists defaults without it; the tree is then
 * flattened depth-first into the ordered list of configs to merge.
 *
 * @module
 */
import { ConfigCompositionError, MissingConfigError } from "./errors.ts";
import { ConfigDefault, GroupDefault, type InputDefault, VirtualRoot } from "./defaults_element.ts";
import { DefaultsOverrides } from "./defaults_overrides.ts";
import { parseDefaultsList } from "./defaults_reader.ts";
import { Interpolator } from "./interpolation.ts";
import type { Override } from "./override_types.ts";
import type { ConfigRepository } from "./repository.ts";
import type { ConfigMap, ConfigValue } from "./values.ts";

/** One config to merge, in order. */
export interface ResultDefault {
  configPath: string;
  package: string;
  parent?: string;
  isSelf: boolean;
  primary: boolean;
  overrideKey?: string;
}

interface TreeNode {
  node: InputDefault;
  children?: (InputDefault | TreeNode)[];
  parent?: TreeNode;
}

/** The composed defaults: configs to merge and what was chosen. */
export interface DefaultsList {
  defaults: ResultDefault[];
  overrides: DefaultsOverrides;
}

/** Options of {@link createDefaultsList}. */
export interface DefaultsListOptions {
  /** Put Hydra's own `hydra/config` first. Default true. */
  prependHydra?: boolean;
  /** Skip `???` group choices instead of failing (the multirun master config). Default false. */
  skipMissing?: boolean;
}

/**
 * Builds the ordered list of configs for `configName` with `overrides`.
 *
 * @throws {MissingConfigError} for a missing primary config or group option
 * @throws {ConfigCompositionError} for conflicting or unused group overrides
 */
export function createDefaultsList(
  repo: ConfigRepository,
  configName: string | null,
  overrides: Override[],
  options: DefaultsListOptions = {},
): DefaultsList {
  const { prependHydra = true, skipMissing = false } = options;
  const ovr = new DefaultsOverrides(repo, overrides);
  const primary = new ConfigDefault({ path: configName ?? "_dummy_empty_config_", primary: true });
  const root: TreeNode = prependHydra
    ? { node: new VirtualRoot(), children: [new ConfigDefault({ path: "hydra/config" }), primary] }
    : { node: primary };
  const builder = new TreeBuilder(repo, ovr, skipMissing);
  builder.build(root, true, false);
  const defaults = flatten(root);
  const keys = new Set<string>();
  for (const d of defaults) {
    if (d.isSelf || d.overrideKey === undefined) continue;
    if (keys.has(d.overrideKey)) {
      throw new ConfigCompositionError(
        `"${d.overrideKey}" appears more than once in the final defaults list`,
      );
    }
    keys.add(d.overrideKey);
  }
  ovr.ensureUsed();
  return { defaults, overrides: ovr };
}

class TreeBuilder {
  #repo: ConfigRepository;
  #ovr: DefaultsOverrides;
  #skipMissing: boolean;
  constructor(repo: ConfigRepository, ovr: DefaultsOverrides, skipMissing: boolean) {
    this.#repo = repo;
    this.#ovr = ovr;
    this.#skipMissing = skipMissing;
  }

  build(root: TreeNode, isRootConfig: boolean, interpolated: boolean): TreeNode {
    const parent = root.node;
    if (parent.isVirtual()) {
      if (isRootConfig) this.#expandVirtualRoot(root);
      return root;
    }
    if (isRootConfig) {
      parent.updateParent("", "");
      if (!this.#repo.configExists(parent.configPath())) this.#notFound(root);
    }
    if (!parent.isMissing()) {
      parent.setPackageHeader(this.#repo.load(parent.configPath())?.header.package);
    }
    if (this.#ovr.isDeleted(parent)) {
      this.#ovr.delete(parent as GroupDefault);
      return root;
    }
    this.#ovr.setKnownChoice(parent);
    if (parent.name() === null) return root;
    if (this.#checkMissing(parent)) return root;
    const loaded = this.#repo.load(parent.configPath());
    if (!loaded) {
      if (parent.isOptional()) {
        parent.deleted = true;
        return root;
      }
      this.#notFound(root);
    }
    const list = parseDefaultsList((loaded!.defaults ?? []) as ConfigValue[], loaded!.file);
    let selfAdded = false;
    if (list.length > 0 || (isRootConfig && this.#ovr.appends.length > 0)) {
      selfAdded = validateSelf(parent, list);
    }
    if (isRootConfig) list.push(...this.#ovr.appends);
    this.#updateOverrides(list, parent, interpolated);

    const children: (InputDefault | TreeNode)[] = [];
    const addChild = (node: TreeNode) => {
      const sub = this.build(node, false, interpolated);
      children.push(sub.children === undefined ? node.node : sub);
    };
    for (const d of [...list].reverse()) {
      if (d.isSelf()) {
        d.updateParent(parent.parentBaseDir, parent.getPackage());
        children.push(d);
        continue;
      }
      if (d.isOverride()) continue;
      d.updateParent(parent.groupPath(), parent.finalPackage());
      if (this.#ovr.isOverridden(d)) this.#ovr.overrideDefaultOption(d as GroupDefault);
      if (d instanceof GroupDefault && d.isOptions()) {
        for (const item of [...(d.value as string[])].reverse()) {
          if (item.includes("${")) {
            throw new ConfigCompositionError(
              `In "${parent.configPath()}": defaults list interpolation is not supported in options list items`,
            );
          }
          const node = new ConfigDefault({
            path: `${d.group}/${item}`,
            package: d.package,
            optional: d.optional,
          });
          node.updateParent(parent.groupPath(), parent.finalPackage());
          addChild({ node, parent: root });
        }
      } else if (d.isInterpolation()) {
        children.push(d);
      } else {
        addChild({ node: d, parent: root });
      }
    }
    this.#resolveInterpolations(children, list, selfAdded, root, parent);
    if (children.length > 0) root.children = children.reverse();
    return root;
  }

  #resolveInterpolations(
    children: (InputDefault | TreeNode)[],
    list: InputDefault[],
    selfAdded: boolean,
    root: TreeNode,
    parent: InputDefault,
  ): void {
    if (!children.some((c) => !("node" in c) && c.isInterpolation())) return;
    const known: ConfigMap = new Map();
    for (const [k, v] of this.#ovr.knownChoices) known.set(k, v);
    const defaults: ConfigValue[] = [];
    for (const d of list) {
      if (selfAdded && d.isSelf()) continue;
      if (d instanceof ConfigDefault) defaults.push(d.configPath());
      else if (d instanceof GroupDefault) {
        defaults.push(new Map([[d.overrideKey(), d.value as ConfigValue]]));
      }
    }
    known.set("defaults", defaults);
    children.forEach((child, idx) => {
      if ("node" in child || !child.isInterpolation()) return;
      const text = child instanceof GroupDefault ? child.value as string : child.configPath();
      let resolved: ConfigValue;
      try {
        resolved = new Interpolator(known).evaluate(text, ["_dummy_"]).value;
      } catch (err) {
        const keys = [...known.keys()].filter((k) => k !== "defaults");
        throw new ConfigCompositionError(
          `Error resolving interpolation "${text}"${
            keys.length ? `: possible interpolation keys are ${keys.join(", ")}` : ""
          }`,
          { cause: err },
        );
      }
      if (child instanceof GroupDefault) child.value = String(resolved);
      else (child as ConfigDefault).path = String(resolved);
      const node: TreeNode = { node: child, parent: root };
      child.updateParent(parent.groupPath(), parent.finalPackage());
      const sub = this.build(node, false, true);
      if (sub.children !== undefined) children[idx] = sub;
    });
  }

  #expandVirtualRoot(root: TreeNode): void {
    const children: (InputDefault | TreeNode)[] = [];
    for (const d of [...(root.children as InputDefault[])].reverse()) {
      const node: TreeNode = { node: d, parent: root };
      d.updateParent("", "");
      const sub = this.build(node, d.primary, false);
      children.push(sub.children === undefined ? d : sub);
    }
    if (children.length > 0) root.children = children.reverse();
  }

  #updateOverrides(list: InputDefault[], parent: InputDefault, interpolated: boolean): void {
    let last: GroupDefault | undefined;
    for (const d of list) {
      if (d.isSelf()) continue;
      d.updateParent(parent.groupPath(), parent.finalPackage());
      if (last && !(d.isOverride() || d.isExternalAppend())) {
        throw new ConfigCompositionError(
          `In "${parent.configPath()}": override "${last.overrideKey()}: ${last.name()}" is defined before ` +
            `"${d.overrideKey()}: ${d.name()}"; overrides must be at the end of the defaults list`,
        );
      }
      if (d instanceof GroupDefault && d.override) {
        last = d;
        if (interpolated) {
          throw new ConfigCompositionError(
            `${parent.configPath()}: defaults list overrides are not allowed in the subtree of an interpolated ` +
              `config group (override ${d.overrideKey()}=${d.name()})`,
          );
        }
        this.#ovr.addOverride(parent.configPath(), d);
      }
    }
  }

  #checkMissing(d: InputDefault): boolean {
    if (!d.configPath().endsWith("???")) return false;
    if (this.#skipMissing) return true;
    if (d instanceof GroupDefault) {
      const key = d.overrideKey();
      const options = this.#repo.groupOptions(d.groupPath());
      throw new ConfigCompositionError(
        `You must specify "${key}", e.g. ${key}=<OPTION>: available options are ${
          options.join(", ")
        }`,
      );
    }
    throw new ConfigCompositionError(
      `Missing config default is not supported: "${d.configPath()}"`,
    );
  }

  #notFound(tree: TreeNode): never {
    const el = tree.node;
    const path = el.configPath();
    if (el.primary) {
      throw this.#repo.missing(
        `Cannot find primary config "${path}": check that it is in the config search path`,
      );
    }
    let msg: string;
    let options: string[] = [];
    if (el instanceof GroupDefault) {
      const group = el.groupPath();
      options = this.#repo.groupOptions(group);
      msg = `Could not find "${path}"` +
        (options.length > 0 ? `: available options in "${group}" are ${options.join(", ")}` : "");
    } else {
      msg = `Could not load "${path}"`;
    }
    const parent = tree.parent?.node;
    if (parent && !parent.isVirtual()) msg = `In "${parent.configPath()}": ${msg}`;
    const err = this.#repo.missing(msg, options);
    throw new MissingConfigError(err.message, options);
  }
}

function validateSelf(containing: InputDefault, list: InputDefault[]): boolean {
  let hasSelf = false, hasNonOverride = false;
  for (const d of list) {
    if (!d.isOverride()) hasNonOverride = true;
    if (d.isSelf()) {
      if (hasSelf) {
        throw new ConfigCompositionError(
          `Duplicate _self_ defined in "${containing.configPath()}"`,
        );
      }
      hasSelf = true;
    }
  }
  if ((!hasSelf && hasNonOverride) || list.length === 0) {
    list.push(new ConfigDefault({ path: "_self_" }));
  }
  return !hasSelf;
}

function flatten(tree: TreeNode): ResultDefault[] {
  const out: ResultDefault[] = [];
  const visit = (owner: TreeNode | undefined, node: InputDefault) => {
    if (node.deleted || node.isMissing()) return;
    const rd = resultDefault(owner, node);
    if (rd) out.push(rd);
  };
  const walk = (t: TreeNode) => {
    if (!t.children || t.children.length === 0) return visit(t.parent, t.node);
    for (const c of t.children) "node" in c ? walk(c) : visit(t, c);
  };
  walk(tree);
  return out;
}

function resultDefault(tree: TreeNode | undefined, node: InputDefault): ResultDefault | undefined {
  if (node.isVirtual() || node.name() === null) return undefined;
  let rd: ResultDefault;
  if (node.isSelf()) {
    rd = {
      configPath: tree!.node.configPath(),
      isSelf: true,
      parent: tree!.parent?.node.isVirtual() === false ? tree!.parent.node.configPath() : undefined,
      package: tree!.node.finalPackage(),
      primary: tree!.node.primary,
    };
  } else {
    rd = {
      configPath: node.configPath(),
      parent: tree?.node.configPath(),
      package: node.finalPackage(),
      isSelf: false,
      primary: node.primary,
      overrideKey: node instanceof GroupDefault ? node.overrideKey() : undefined,
    };
  }
  return rd.configPath === "_dummy_empty_config_" ? undefined : rd;
}
