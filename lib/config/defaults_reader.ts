/**
 * Reading a config's `defaults` list: `name`, `/abs/name`, `name@pkg`,
 * `group: option`, `group@pkg: option`, `optional group: option`,
 * `override group: option`, `group: [a, b]`, `group: null`.
 *
 * @module
 */
import { ConfigCompositionError } from "./errors.ts";
import { ConfigDefault, GroupDefault, type InputDefault } from "./defaults_element.ts";
import { type ConfigValue, isMap } from "./values.ts";

/**
 * Reads a config's raw `defaults` list into entries.
 *
 * @throws {ConfigCompositionError} for malformed entries, naming the file
 */
export function parseDefaultsList(raw: ConfigValue[], file: string): InputDefault[] {
  return raw.map((item) => {
    if (typeof item === "string") {
      const [path, pkg] = splitPackage(item);
      return new ConfigDefault({ path, package: pkg });
    }
    if (!isMap(item) || item.size !== 1) {
      throw new ConfigCompositionError(
        `Invalid defaults list entry in "${file}": expected "name" or "group: option", got ${
          describe(item)
        }`,
      );
    }
    const [key, value] = [...item][0];
    const words = key.split(" ");
    const [group, pkg] = splitPackage(words[words.length - 1]);
    const keywords = words.slice(0, -1);
    for (const w of keywords) {
      if (w !== "optional" && w !== "override") {
        throw new ConfigCompositionError(
          `Invalid defaults list entry "${key}" in "${file}": unknown keyword "${w}"`,
        );
      }
    }
    let choice: string | string[] | null;
    if (value === null || typeof value === "string") choice = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      choice = value as string[];
    } else {
      throw new ConfigCompositionError(
        `Invalid defaults list entry "${key}" in "${file}": the option must be a string or a list of strings`,
      );
    }
    return new GroupDefault({
      group,
      value: choice,
      package: pkg,
      optional: keywords.includes("optional"),
      override: keywords.includes("override"),
    });
  });
}

function describe(item: ConfigValue): string {
  return Array.isArray(item)
    ? "a list"
    : isMap(item)
    ? `a mapping with ${item.size} keys`
    : String(item);
}

function splitPackage(text: string): [string, string | undefined] {
  const at = text.indexOf("@");
  if (at < 0) return [text, undefined];
  const pkg = text.slice(at + 1);
  const colon = pkg.indexOf(":");
  return [text.slice(0, at), colon < 0 ? pkg : pkg.slice(0, colon)];
}
