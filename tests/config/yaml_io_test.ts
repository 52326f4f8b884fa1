import assert from "node:assert/strict";
import { ConfigSyntaxError, Float, parseYaml, toPlain, toYaml } from "../../lib/config/mod.ts";
import { parseHeader } from "../../lib/config/yaml_io.ts";
import { diffTrees } from "./_helpers.ts";

Deno.test("parseYaml() reads plain scalars with YAML 1.1 rules", () => {
  const tree = parseYaml(
    "a: yes\nb: 1e-4\nc: 0b101\nd: +5\ne: 190:20:30\nf: .NaN\ng: Null\nh: 1.5e3\n",
    "t.yaml",
  );
  const d = diffTrees(
    new Map<string, unknown>([
      ["a", true],
      ["b", new Float(0.0001)],
      ["c", 5],
      ["d", 5],
      ["e", 685230],
      ["f", new Float(NaN)],
      ["g", null],
      ["h", new Float(1500)],
    ]) as never,
    tree,
  );
  assert.equal(d, undefined, d);
});

Deno.test("parseYaml() honours explicit tags", () => {
  const tree = toPlain(
    parseYaml('a: !!str 5\nb: !!int "7"\nc: !!float 3\nd: !!bool "yes"\ne: !!null ""\n', "t"),
  );
  assert.deepEqual(tree, { a: "5", b: 7, c: 3, d: true, e: null });
});

Deno.test("parseYaml() rejects unknown tags with the position", () => {
  assert.throws(() => parseYaml("a: 1\nb: !foo x\n", "conf/x.yaml"), (err: ConfigSyntaxError) => {
    assert.equal(err.line, 2);
    assert.ok(err.column >= 4);
    assert.match(
      err.message,
      /^Cannot parse "conf\/x\.yaml" at line 2, column \d+: cannot read "x" as !foo/,
    );
    return true;
  });
});

Deno.test("parseYaml() reports malformed YAML with file, line and column on one line", () => {
  assert.throws(() => parseYaml("a: [1, 2\nb: 3\n", "conf/bad.yaml"), (err: ConfigSyntaxError) => {
    assert.ok(err instanceof SyntaxError);
    assert.equal(err.source, "conf/bad.yaml");
    assert.ok(err.line >= 1 && err.column >= 1);
    assert.equal(err.message.split("\n").length, 1);
    return true;
  });
});

Deno.test("parseYaml() lets merge keys be overridden by the mapping's own keys", () => {
  const tree = toPlain(
    parseYaml("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n", "t"),
  );
  assert.deepEqual((tree as Record<string, unknown>).c, { x: 1, y: 1, z: 3 });
});

Deno.test("toYaml() writes what PyYAML would read back as the same values", () => {
  const text = toYaml(parseYaml(
    "a: 'yes'\nb: '1e-4'\nc: 3.0\nd: 1.0e-06\ne: 'x: y'\nf: \"two\\nlines\"\ng: ''\nh: null\ni: '~'\nj: -.inf\nk: '#x'\nl: []\nm: {}\n",
    "t",
  ));
  assert.equal(
    text,
    "a: 'yes'\nb: '1e-4'\nc: 3.0\nd: 1.0e-06\ne: 'x: y'\nf: \"two\\nlines\"\ng: ''\nh: null\ni: '~'\nj: -.inf\nk: '#x'\nl: []\nm: {}\n",
  );
});

Deno.test("toYaml() lays out nested lists and dicts as PyYAML's block style", () => {
  const text = toYaml(parseYaml("a: [1, [2, 3], {b: 4, c: [5]}]\nd: {e: {f: 1e17}}\n", "t"));
  assert.equal(text, "a:\n- 1\n- - 2\n  - 3\n- b: 4\n  c:\n  - 5\nd:\n  e:\n    f: 1.0e+17\n");
});

Deno.test("toYaml() quotes strings that look like timestamps, numbers or booleans", () => {
  const text = toYaml(
    new Map([["a", "2024-01-15"], ["b", "0x10"], ["c", "NO"], ["d", "1_000"], ["e", " x"]]),
  );
  assert.equal(text, "a: '2024-01-15'\nb: '0x10'\nc: 'NO'\nd: '1_000'\ne: ' x'\n");
});

Deno.test("parseHeader() reads # @package and stops at the first other line", () => {
  assert.deepEqual(parseHeader("\n# @package _global_\n# @other x\na: 1\n# @late y\n", "f"), {
    package: "_global_",
    other: "x",
  });
  assert.deepEqual(parseHeader("# a comment\n# @package x\n", "f"), {});
  assert.throws(() => parseHeader("# @package\n", "f.yaml"), /expected header "# @KEY VALUE"/);
});

Deno.test("parseYaml() keeps YAML-typed keys apart from string keys and prints them back", () => {
  const text = "w:\n  0: 1.0\n  '0': x\n  true: y\n  null: n\n";
  assert.equal(toYaml(parseYaml(text, "t")), text);
  assert.deepEqual(toPlain(parseYaml("w: {1: a}\n", "t")), { w: { "1": "a" } });
});
