/**
 * Command-line overrides as the defaults list sees them: group choices
 * (`db=pg`, `db@backup=pg`), appended groups (`+server=x`), deletions (`~db`),
 * and the value overrides left for after composition; plus the bookkeeping that
 * reports unused or conflicting choices the way Hydra does.
 *
 * @module
 */
import { ConfigCompositionError } from "./errors.ts";
import { GroupDefault, type InputDefault } from "./defaults_element.ts";
import { isSweep, keyElement, type Override, overrideValue } from "./override_types.ts";
import type { ConfigRepository } from "./repository.ts";
import { type ConfigValue, isMap } from "./values.ts";

interface OverrideMeta {
  external: boolean;
  containingConfigPath?: string;
  used: boolean;
}

/** Command-line overrides sorted into group choices, appends, deletions and value overrides. */
export class DefaultsOverrides {
  readonly choices = new Map<string, string | string[] | null>();
  readonly meta = new Map<string, OverrideMeta>();
  readonly appends: GroupDefault[] = [];
  readonly configOverrides: Override[] = [];
  readonly knownChoices = new Map<string, string | null>();
  readonly knownChoicesPerGroup = new Map<string, Set<string>>();
  readonly deletions = new Map<string, { name: string | null; used: boolean }>();

  /** Sorts `overrides` using `repo` to tell groups from keys. */
  constructor(repo: ConfigRepository, overrides: Override[]) {
    for (const o of overrides) {
      if (isSweep(o)) continue;
      const value = overrideValue(o);
      if (isMap(value) || !repo.groupExists(o.keyOrGroup)) {
        this.configOverrides.push(o);
      } else if (o.type === "force_add") {
        throw new ConfigCompositionError(
          `force-add of config groups is not supported: "${o.inputLine}"`,
        );
      } else if (o.type === "delete") {
        if (value !== undefined && value !== null && typeof value !== "string") {
          throw new ConfigCompositionError(
            `Cannot delete "${o.inputLine}": a group deletion value must be a string`,
          );
        }
        this.deletions.set(keyElement(o).slice(1), { name: value ?? null, used: false });
      } else {
        const choice = groupValue(o, value);
        if (o.type === "add") {
          this.appends.push(
            new GroupDefault({
              group: o.keyOrGroup,
              package: o.package,
              value: choice,
              externalAppend: true,
            }),
          );
        } else {
          this.choices.set(keyElement(o), choice);
          this.meta.set(keyElement(o), { external: true, used: false });
        }
      }
    }
  }

  addOverride(parentConfigPath: string, d: GroupDefault): void {
    const key = d.overrideKey();
    if (!this.choices.has(key)) {
      this.choices.set(key, d.value);
      this.meta.set(key, { external: false, containingConfigPath: parentConfigPath, used: false });
    }
  }

  isOverridden(d: InputDefault): boolean {
    return d instanceof GroupDefault && this.choices.has(d.overrideKey());
  }

  overrideDefaultOption(d: GroupDefault): void {
    const key = d.overrideKey();
    if (this.choices.has(key)) {
      d.value = this.choices.get(key)!;
      this.meta.get(key)!.used = true;
    }
  }

  setKnownChoice(d: InputDefault): void {
    if (!(d instanceof GroupDefault)) return;
    const key = d.overrideKey();
    if (!this.knownChoices.has(key)) this.knownChoices.set(key, d.name());
    else if (this.knownChoices.get(key) !== d.name()) {
      const prev = this.knownChoices.get(key);
      throw new ConfigCompositionError(
        `Multiple values for "${key}": to override a value use "override ${key}: ${prev}"`,
      );
    }
    const group = d.groupPath();
    if (!this.knownChoicesPerGroup.has(group)) this.knownChoicesPerGroup.set(group, new Set());
    this.knownChoicesPerGroup.get(group)!.add(key);
  }

  isDeleted(d: InputDefault): boolean {
    if (!(d instanceof GroupDefault)) return false;
    const deletion = this.deletions.get(d.overrideKey());
    return deletion !== undefined && (deletion.name === null || deletion.name === d.name());
  }

  delete(d: GroupDefault): void {
    d.deleted = true;
    this.deletions.get(d.overrideKey())!.used = true;
  }

  ensureUsed(): void {
    for (const [key, meta] of this.meta) {
      if (meta.used) continue;
      const choices = [...(this.knownChoicesPerGroup.get(key.split("@")[0]) ?? [])].sort();
      let msg = choices.length > 1
        ? `Could not override "${key}": did you mean to override one of ${choices.join(", ")}?`
        : choices.length === 1
        ? `Could not override "${key}": did you mean to override ${choices[0]}?`
        : `Could not override "${key}": no match in the defaults list`;
      if (meta.containingConfigPath !== undefined) {
        msg = `In "${meta.containingConfigPath}": ${msg}`;
      }
      if (meta.external) {
        const v = this.choices.get(key);
        msg += `; to append to the defaults list use +${key}=${
          Array.isArray(v) ? `[${v.join(",")}]` : v
        }`;
      }
      throw new ConfigCompositionError(msg);
    }
    for (const [key, d] of this.deletions) {
      if (!d.used) {
        const desc = d.name === null ? key : `${key}=${d.name}`;
        throw new ConfigCompositionError(
          `Could not delete "${desc}": no match in the defaults list`,
        );
      }
    }
  }
}

function groupValue(o: Override, value: ConfigValue | undefined): string | string[] {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  throw new ConfigCompositionError(
    `Cannot use "${o.inputLine}": a config group override must be a string or a list of strings` +
      (value === null ? `; to remove the group use ~${o.keyOrGroup}` : ""),
  );
}
