/**
 * The README's configuration reference, generated from the files themselves:
 * every group and key of conf/ (defaults and the comment written beside each
 * key) and of app_config.yaml (the comment above each key or group of keys).
 * `deno run -A docs/config_reference.ts --write` rewrites the README section
 * between its markers; a test checks that the README is up to date.
 *
 * @module
 */
import { join, relative } from "node:path";
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap } from "yaml";

/** The README markers around the generated section. */
export const MARKERS = ["<!-- config-reference:start -->", "<!-- config-reference:end -->"];

interface Row {
  key: string;
  value: string;
  note: string;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replace(/\s+/g, " ").trim();
}

function clean(comment: string | null | undefined): string {
  return (comment ?? "").split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
}

function valueText(node: unknown): string {
  if (isMap(node)) return "";
  if (isScalar(node)) {
    const v = node.value;
    return v === null ? "null" : typeof v === "string" ? v : String(node.source ?? v);
  }
  if (isSeq(node)) return flow(node.toJSON());
  return String(node ?? "");
}

/** A value in YAML's flow style: `[1, 28, 28]`, `[{name: rotation, degrees: 10}]`. */
function flow(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(flow).join(", ")}]`;
  if (v && typeof v === "object") {
    return `{${Object.entries(v).map(([k, x]) => `${k}: ${flow(x)}`).join(", ")}}`;
  }
  return v === null ? "null" : String(v);
}

/** Rows of a map whose keys carry their comment on the same line (conf/ style). */
function inlineRows(map: YAMLMap, prefix: string, out: Row[]): void {
  for (const pair of map.items) {
    const key = `${prefix}${String((pair.key as { value: unknown }).value)}`;
    const v = pair.value as { comment?: string; commentBefore?: string } | null;
    // `key: # note` puts the note first in the comment before the value; lines after it
    // stand above the first nested key.
    const [first = "", ...rest] = (v?.commentBefore ?? "").split("\n");
    const note = clean(v?.comment) || (isMap(v) || isSeq(v) ? clean(first) : "");
    out.push({ key, value: valueText(v), note });
    if (isMap(v)) {
      const at = out.length;
      inlineRows(v, `${key}.`, out);
      if (out[at] && !out[at]!.note) out[at]!.note = clean(rest.join("\n"));
    }
  }
}

/** Rows of a map whose comments stand above the keys they describe (app_config.yaml style). */
function precedingRows(map: YAMLMap, prefix: string, out: Row[], first = ""): void {
  map.items.forEach((pair, i) => {
    const k = pair.key as { value: unknown; commentBefore?: string };
    const key = `${prefix}${String(k.value)}`;
    const v = pair.value as { comment?: string; commentBefore?: string } | null;
    // A file's header comment, a blank line before the first key's own, is not the key's.
    const own = (k.commentBefore ?? "").split(/\n\s*\n/).at(-1);
    const above = clean(own) || (i === 0 ? first : "");
    if (isMap(v)) {
      out.push({ key, value: "", note: above });
      precedingRows(v, `${key}.`, out, clean(v.commentBefore));
    } else out.push({ key, value: valueText(v), note: clean(v?.comment) || above });
  });
}

function table(rows: Row[]): string[] {
  return [
    "| key | default | meaning |",
    "| --- | --- | --- |",
    ...rows.map((r) =>
      `| \`${r.key}\` | ${r.value ? `\`${cell(r.value)}\`` : ""} | ${cell(r.note)} |`
    ),
  ];
}

function fileSection(root: string, path: string, style: "inline" | "preceding"): string[] {
  const doc = parseDocument(Deno.readTextFileSync(path));
  const rows: Row[] = [];
  const contents = doc.contents;
  if (isMap(contents)) {
    if (style === "inline") inlineRows(contents, "", rows);
    else precedingRows(contents, "", rows);
  }
  const header = clean(doc.commentBefore ?? (contents as { commentBefore?: string })?.commentBefore)
    .replace(/^@package _global_ /, "");
  const defaults = rows.filter((r) => r.key !== "defaults" || r.value);
  return [
    `#### \`${relative(root, path)}\``,
    "",
    ...(header && style === "inline" ? [header, ""] : []),
    ...table(defaults),
    "",
  ];
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  const stem = (n: string) => n.replace(/\.yaml$/, "");
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => stem(a.name) < stem(b.name) ? -1 : 1)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...yamlFiles(p));
    else if (e.name.endsWith(".yaml")) out.push(p);
  }
  return out;
}

/**
 * The reference as Markdown.
 *
 * @param root the project folder
 * @returns the section between the README markers
 */
export function configReference(root: string): string {
  const conf = join(root, "conf");
  const lines = [
    "Generated from the files by `deno run -A docs/config_reference.ts --write`.",
    "",
    "### Experiments: `conf/`",
    "",
    "`conf/config.yaml` is the primary config; each folder is a group chosen in its `defaults:`",
    "list or on the command line (`model=vit`), and every key can be overridden (`trainer.batch_size=32`,",
    "`+new.key=1` adds one, `~key` removes one). `specs/` holds experiments applied last",
    "(`specs=cnn/exp_1`, `# @package _global_`).",
    "",
    ...fileSection(root, join(conf, "config.yaml"), "inline"),
  ];
  for (const group of ["model", "data", "optimizer", "scheduler", "specs"]) {
    lines.push(`#### group \`${group}\``, "");
    for (const file of yamlFiles(join(conf, group))) {
      lines.push(...fileSection(root, file, "inline").map((l) => l.replace(/^#### /, "##### ")));
    }
  }
  lines.push(
    "### Serving and the web app: `app_config.yaml`",
    "",
    "Read by `deno task serve`, `deno task app` and `deno task demo`; secrets go to `.env`",
    "(see `.env.template`).",
    "",
    ...fileSection(root, join(root, "app_config.yaml"), "preceding").slice(2),
  );
  return lines.join("\n").trimEnd();
}

/**
 * Table rows with cell padding and separator widths taken out and paragraphs on one line, to
 * compare a generated section with its formatted (rewrapped, padded) copy in the README.
 *
 * @param text Markdown
 * @returns headings, table rows and paragraphs, one per entry
 */
export function normalizeMarkdown(text: string): string[] {
  const out: string[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) out.push(paragraph.join(" "));
    paragraph = [];
  };
  for (const line of text.split("\n").map((l) => l.trim())) {
    if (!line) flush();
    else if (line.startsWith("|")) {
      flush();
      const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
      out.push(cells.map((c) => /^-+$/.test(c) ? "---" : c).join("|"));
    } else if (line.startsWith("#")) {
      flush();
      out.push(line);
    } else paragraph.push(line);
  }
  flush();
  return out;
}

/** The README with its reference section replaced. */
export function withReference(readme: string, reference: string): string {
  const [start, end] = MARKERS as [string, string];
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md lacks the markers ${start} … ${end}`);
  return `${readme.slice(0, a + start.length)}\n\n${reference}\n\n${readme.slice(b)}`;
}

if (import.meta.main) {
  const root = new URL("..", import.meta.url).pathname;
  const reference = configReference(root);
  if (Deno.args.includes("--write")) {
    const path = join(root, "README.md");
    Deno.writeTextFileSync(path, withReference(Deno.readTextFileSync(path), reference));
    // deno fmt pads the tables; the test compares cells, not padding.
    await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", path] }).output();
    console.log(`README.md: config reference updated`);
  } else {
    console.log(reference);
  }
}
