import assert from "node:assert/strict";
import { ConfigSyntaxError, Float, parseOverride } from "../../lib/config/mod.ts";
import {
  elementText,
  keyElement,
  overrideValue,
  QuotedString,
} from "../../lib/config/override_types.ts";

const value = (line: string) => overrideValue(parseOverride(line));

Deno.test("parseOverride() reads the four kinds and the key forms", () => {
  const cases: [string, string, string, string | undefined][] = [
    ["a.b=1", "change", "a.b", undefined],
    ["+a=1", "add", "a", undefined],
    ["++a=1", "force_add", "a", undefined],
    ["~a.b", "delete", "a.b", undefined],
    ["db@backup=mysql", "change", "db", "backup"],
    ["model/encoder=large", "change", "model/encoder", undefined],
    ["+db@src.x=pg", "add", "db", "src.x"],
    ["trainer.devices.1=7", "change", "trainer.devices.1", undefined],
  ];
  for (const [line, type, key, pkg] of cases) {
    const o = parseOverride(line);
    assert.equal(o.type, type, line);
    assert.equal(o.keyOrGroup, key, line);
    assert.equal(o.package, pkg, line);
  }
  assert.equal(keyElement(parseOverride("++db@b=x")), "++db@b");
});

Deno.test("parseOverride() types values as Hydra's grammar does (not YAML)", () => {
  assert.equal(value("a=yes"), "yes");
  assert.equal(value("a=off"), "off");
  assert.equal(value("a=TRUE"), true);
  assert.equal(value("a=Null"), null);
  assert.equal(value("a=42"), 42);
  assert.equal(value("a=-7"), -7);
  assert.equal(value("a=1_000"), 1000);
  assert.deepEqual(value("a=1e-4"), new Float(0.0001));
  assert.deepEqual(value("a=.5"), new Float(0.5));
  assert.deepEqual(value("a=-inf"), new Float(-Infinity));
  assert.equal(value("a=0x10"), "0x10");
  assert.equal(value("a=017"), "017");
  assert.equal(value("a="), "");
  assert.equal(value("a=a b"), "a b");
  assert.equal(value("a=${x.y}"), "${x.y}");
  assert.equal(value("a=pre_${x}_post"), "pre_${x}_post");
});

Deno.test("parseOverride() reads quoted strings and escapes", () => {
  assert.equal(value("a='x,y'"), "x,y");
  assert.equal(value(`a="it's"`), "it's");
  assert.equal(value(`a='it\\'s'`), "it's");
  assert.equal(value(`a='ends with \\\\'`), "ends with \\");
  assert.equal(value("a=a\\,b\\ c\\(d\\)"), "a,b c(d)");
  assert.equal(value("a=C:\\\\dir"), "C:\\dir");
});

Deno.test("parseOverride() reads lists, dicts and nesting", () => {
  const v = value("a=[1,'b',[c],{d:1, e:[null]}]") as unknown[];
  assert.equal(v[0], 1);
  assert.equal(v[1], "b");
  assert.deepEqual(v[2], ["c"]);
  assert.deepEqual(v[3], new Map<string, unknown>([["d", 1], ["e", [null]]]));
  assert.deepEqual(value("a={}"), new Map());
  assert.deepEqual(value("a=[]"), []);
});

Deno.test("parseOverride() reads sweeps and functions", () => {
  const simple = parseOverride("a=1,2,x").value as {
    kind: string;
    simpleForm: boolean;
    list: unknown[];
  };
  assert.equal(simple.kind, "choice");
  assert.equal(simple.simpleForm, true);
  assert.deepEqual(simple.list, [1, 2, "x"]);
  const choice = parseOverride("a=choice(1,2)").value as { simpleForm: boolean };
  assert.equal(choice.simpleForm, false);
  const range = parseOverride("a=range(1, 5, step=2)").value as {
    kind: string;
    start: number;
    step: number;
  };
  assert.deepEqual([range.kind, range.start, range.step], ["range", 1, 2]);
  assert.equal(value("a=int(3.7)"), 3);
  assert.equal(value("a=str(true)"), "true");
  assert.deepEqual(value("a=float(2)"), new Float(2));
  assert.equal(value("a=bool('False')"), false);
  assert.deepEqual(value("a=sort([3,1,2])"), [1, 2, 3]);
});

Deno.test("parseOverride() rejects malformed overrides naming the override and column", () => {
  for (
    const line of ["a=b=c", "a", "=", "a=[1,2", "a=foo(1)", "a=(", "~", "a b=1", "a=int(1,b=2)"]
  ) {
    assert.throws(() => parseOverride(line), (err: Error) => {
      assert.ok(err instanceof ConfigSyntaxError, line);
      assert.match(
        err.message,
        new RegExp(`^Cannot parse override "${line.replace(/[()[\]+=]/g, "\\$&")}"`),
      );
      return true;
    });
  }
  assert.throws(
    () => parseOverride("a=foo(1)"),
    /Unknown function "foo": available are bool, choice/,
  );
});

Deno.test("elementText() prints values as Hydra's sweeper writes them", () => {
  assert.equal(elementText(true), "True");
  assert.equal(elementText(new Float(1e-5)), "1e-05");
  assert.equal(elementText(new Float(3)), "3.0");
  assert.equal(elementText(null), "null");
  assert.equal(elementText(["a b", 1]), "[a\\ b,1]");
  assert.equal(elementText(new Map([["k", "v"]])), "{k:v}");
  assert.equal(elementText(new QuotedString("it's", "'")), "'it\\'s'");
});
