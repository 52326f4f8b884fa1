import assert from "node:assert/strict";
import {
  classCounts,
  type Dataset,
  makeDataset,
  mixDatasets,
  remapClasses,
} from "../../lib/data/mod.ts";

function toy(name: string, classes: string[], labels: number[]): Dataset {
  const n = labels.length;
  return makeDataset({
    name,
    classes,
    labels: Int32Array.from(labels),
    source: new Uint8Array(n),
    item: Int32Array.from({ length: n }, (_, i) => i),
    sources: [{
      kind: "tensor",
      name,
      pixels: Float32Array.from({ length: n }, (_, i) => i),
      dims: [1, 1, 1],
    }],
  });
}

Deno.test("remapClasses() relabels by name, with aliases, and names an unknown class", () => {
  const ds = toy("ex", ["3", "8", "eight"], [0, 1, 2, 1]);
  const r = remapClasses(ds, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], {
    aliases: { eight: "8" },
  });
  assert.deepEqual([...r.labels], [3, 8, 8, 8]);
  assert.equal(r.classes.length, 10);
  assert.throws(() => remapClasses(ds, ["3", "8"]), {
    name: "RangeError",
    message:
      'Cannot remap the classes of "ex": "eight" is not in the class list (valid: 3, 8; add an alias)',
  });
});

Deno.test("mixDatasets() takes the asked share from the second set, cycling through it", () => {
  const a = toy("orig", ["x", "y"], new Array(90).fill(0));
  const b = toy("new", ["x", "y"], [1, 1, 1, 1]);
  const m = mixDatasets(a, b, { ratio: 0.1 });
  assert.equal(m.length, 100);
  assert.deepEqual(classCounts(m), [90, 10]);
  assert.equal(m.sources.length, 2);
  assert.deepEqual([...m.source.slice(90)], new Array(10).fill(1));
  assert.deepEqual([...m.item.slice(90)], [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
  assert.equal(mixDatasets(a, b).length, 94, "no ratio: concatenation");
  assert.equal(mixDatasets(a, b, { ratio: 0 }).length, 90);
});

Deno.test("mixDatasets() refuses different class lists and ratios outside [0, 1)", () => {
  const a = toy("a", ["x", "y"], [0]);
  assert.throws(
    () => mixDatasets(a, toy("b", ["y", "x"], [0])),
    /Cannot mix "a" and "b": their classes differ .*remapClasses/,
  );
  assert.throws(
    () => mixDatasets(a, a, { ratio: 1 }),
    /Invalid mix ratio 1: expected a number in \[0, 1\)/,
  );
  assert.throws(
    () => mixDatasets(a, toy("e", ["x", "y"], []), { ratio: 0.5 }),
    /Cannot mix in "e": it has no samples/,
  );
});

Deno.test("makeDataset() rejects labels outside the classes", () => {
  assert.throws(
    () => toy("t", ["x"], [0, 1]),
    /Cannot build data set "t": sample 1 has label 1, classes are 0..0/,
  );
});
