/**
 * Reading config files the way OmegaConf does (YAML 1.1 typing of plain scalars,
 * merge keys `<<`, duplicate keys rejected, no timestamps) on `npm:yaml`, and
 * writing config trees back as YAML.
 *
 * @module
 */
import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node as YamlNode,
  parseDocument,
  type Scalar as YamlScalar,
  type YAMLMap,
} from "yaml";
import { ConfigSyntaxError } from "./errors.ts";
import { constructFloat, constructInt, plainTag, resolvePlain } from "./_yaml11.ts";
import { emitScalar, emitYaml } from "./_yaml_emit.ts";
import { type ConfigMap, type ConfigValue, Float, type Scalar, TYPED_KEY } from "./values.ts";

const TAG = "tag:yaml.org,2002:";
const BOOL_WORDS: Record<string, boolean> = {
  yes: true,
  no: false,
  true: true,
  false: false,
  on: true,
  off: false,
};

/**
 * Parses YAML text with OmegaConf's rules.
 *
 * @param text YAML text (one document)
 * @param source file name used in error messages
 * @returns the config tree (an empty document gives an empty dict)
 * @throws {ConfigSyntaxError} for malformed YAML, duplicate keys or unsupported tags,
 *   naming the file, line and column
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Float, parseYaml, toYaml } from "./mod.ts";
 * const tree = parseYaml("a: 1.0\nb: off\n", "inline.yaml");
 * assert.deepEqual(tree, new Map<string, unknown>([["a", new Float(1)], ["b", false]]));
 * assert.equal(toYaml(tree), "a: 1.0\nb: false\n");
 * ```
 */
export function parseYaml(text: string, source: string): ConfigValue {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    schema: "failsafe",
    lineCounter: lines,
    uniqueKeys: false,
    merge: false,
    prettyErrors: true,
  });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const pos = err.linePos?.[0];
    const detail = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new ConfigSyntaxError(
      `Cannot parse "${source}" at line ${pos?.line ?? 0}, column ${pos?.col ?? 0}: ${detail}`,
      { source, line: pos?.line, column: pos?.col },
      { cause: err },
    );
  }
  const reader = new Reader(doc, lines, source);
  return doc.contents === null ? new Map() : reader.read(doc.contents as YamlNode);
}

/** YAML text of a config tree, as OmegaConf's `to_yaml` prints it. */
export function toYaml(value: ConfigValue): string {
  return emitYaml(value);
}

/**
 * The `# @key value` header lines at the top of a config file (Hydra reads
 * `# @package` from them). Parsing stops at the first other non-empty line.
 *
 * @throws {ConfigSyntaxError} for a header line without exactly a key and a value
 */
export function parseHeader(text: string, source: string): Record<string, string> {
  const header: Record<string, string> = {};
  const lines = text.slice(0, 512).split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    if (!/^#\s*@/.test(line)) break;
    const parts = line.replace(/^#+/, "").trim().split(" ").filter((p) => p.length > 0);
    if (parts.length !== 2) {
      throw new ConfigSyntaxError(
        `Cannot parse "${source}" at line ${
          i + 1
        }, column 1: expected header "# @KEY VALUE", got "${line}"`,
        { source, line: i + 1, column: 1 },
      );
    }
    if (parts[0].startsWith("@")) header[parts[0].slice(1)] = parts[1];
  }
  return header;
}

class Reader {
  #doc: Document;
  #lines: LineCounter;
  #source: string;
  constructor(doc: Document, lines: LineCounter, source: string) {
    this.#doc = doc;
    this.#lines = lines;
    this.#source = source;
  }

  read(node: YamlNode | null | undefined): ConfigValue {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.read((node as Alias).resolve(this.#doc) as YamlNode);
    if (isScalar(node)) return this.#scalar(node);
    if (isMap(node)) {
      this.#checkTag(node.tag, "map", node);
      return this.#map(node as YAMLMap);
    }
    if (isSeq(node)) {
      this.#checkTag(node.tag, "seq", node);
      return node.items.map((item) => this.read(item as YamlNode));
    }
    throw this.#error(node, "unsupported YAML node");
  }

  #scalar(node: YamlScalar): Scalar {
    const text = String(node.value ?? "");
    const tag = node.tag;
    if (!tag) return node.type === "PLAIN" ? resolvePlain(text) : text;
    if (tag === "!" || tag === TAG + "str") return text;
    if (tag === TAG + "null") return null;
    if (tag === TAG + "bool" && text.toLowerCase() in BOOL_WORDS) {
      return BOOL_WORDS[text.toLowerCase()];
    }
    if (tag === TAG + "int" && plainTag(text) === "int") return constructInt(text);
    if (tag === TAG + "float" && ["int", "float"].includes(plainTag(text))) {
      return new Float(constructFloat(text));
    }
    throw this.#error(node, `cannot read "${text}" as ${tag.replace(TAG, "!!")}`);
  }

  #map(node: YAMLMap): ConfigMap {
    const own: ConfigMap = new Map();
    const merged: ConfigMap[] = [];
    const seen = new Map<string, YamlNode>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as YamlNode | null;
      if (isScalar(keyNode) && !keyNode.tag && keyNode.type === "PLAIN" && keyNode.value === "<<") {
        merged.push(...this.#mergeSources(pair.value as YamlNode));
        continue;
      }
      const key = this.#key(keyNode);
      if (key.isString) {
        const first = seen.get(key.text);
        if (first) {
          const at = this.#pos(first);
          throw this.#error(keyNode!, `duplicate key "${key.text}" (first at line ${at.line})`);
        }
        seen.set(key.text, keyNode!);
      }
      own.set(key.text, this.read(pair.value as YamlNode));
    }
    if (merged.length === 0) return own;
    const out: ConfigMap = new Map();
    for (const source of merged.reverse()) for (const [k, v] of source) out.set(k, v);
    for (const [k, v] of own) out.set(k, v);
    return out;
  }

  #mergeSources(node: YamlNode): ConfigMap[] {
    const target = isAlias(node) ? (node as Alias).resolve(this.#doc) as YamlNode : node;
    if (isMap(target)) return [this.read(target) as ConfigMap];
    if (isSeq(target)) {
      return target.items.map((item) => {
        const value = this.read(item as YamlNode);
        if (!(value instanceof Map)) throw this.#error(node, "merge key needs mappings");
        return value;
      });
    }
    throw this.#error(node, "merge key needs a mapping or a list of mappings");
  }

  #key(node: YamlNode | null): { text: string; isString: boolean } {
    if (node === null || isScalar(node) || isAlias(node)) {
      const value = this.read(node);
      if (typeof value === "string") return { text: value, isString: true };
      if (value instanceof Float) return { text: TYPED_KEY + emitScalar(value), isString: false };
      if (!(value instanceof Map) && !Array.isArray(value)) {
        return { text: TYPED_KEY + emitScalar(value), isString: false };
      }
    }
    throw this.#error(node!, "mapping keys must be scalars");
  }

  #checkTag(tag: string | undefined, kind: string, node: YamlNode): void {
    if (tag && tag !== TAG + kind && tag !== "!") {
      throw this.#error(node, `unsupported tag "${tag.replace(TAG, "!!")}"`);
    }
  }

  #pos(node: YamlNode): { line: number; col: number } {
    return this.#lines.linePos(node.range?.[0] ?? 0);
  }

  #error(node: YamlNode, detail: string): ConfigSyntaxError {
    const { line, col } = this.#pos(node);
    return new ConfigSyntaxError(
      `Cannot parse "${this.#source}" at line ${line}, column ${col}: ${detail}`,
      { source: this.#source, line, column: col },
    );
  }
}
