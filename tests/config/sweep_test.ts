import assert from "node:assert/strict";
import { jobLine, sweepJobs } from "../../lib/config/mod.ts";

Deno.test("sweepJobs() varies the first swept key slowest", () => {
  assert.deepEqual(sweepJobs(["a=1,2", "b=x,y", "c=3"]), [
    ["a=1", "b=x", "c=3"],
    ["a=1", "b=y", "c=3"],
    ["a=2", "b=x", "c=3"],
    ["a=2", "b=y", "c=3"],
  ]);
});

Deno.test("sweepJobs() keeps a repeated key's first place and last value", () => {
  assert.deepEqual(sweepJobs(["a=1,2", "b=z", "a=3"]), [["a=3", "b=z"]]);
});

Deno.test("sweepJobs() prints values in Hydra's form", () => {
  assert.deepEqual(sweepJobs(["+t=true,false", "l=[0],[0,1]", "f=1e-5", "~d", "s='a b'"]), [
    ["+t=True", "l=[0]", "f=1e-05", "~d=null", "s='a b'"],
    ["+t=True", "l=[0,1]", "f=1e-05", "~d=null", "s='a b'"],
    ["+t=False", "l=[0]", "f=1e-05", "~d=null", "s='a b'"],
    ["+t=False", "l=[0,1]", "f=1e-05", "~d=null", "s='a b'"],
  ]);
});

Deno.test("sweepJobs() expands range() like Python, floats like Hydra's decimal range", () => {
  assert.deepEqual(sweepJobs(["a=range(3)"]).flat(), ["a=0", "a=1", "a=2"]);
  assert.deepEqual(sweepJobs(["a=range(5,0,-2)"]).flat(), ["a=5", "a=3", "a=1"]);
  // 0.1 + 0.1 + 0.1 is 0.30000000000000004 in binary floats; Hydra's decimal range gives 0.3
  assert.deepEqual(sweepJobs(["a=range(0,0.5,0.1)"]).flat(), [
    "a=0.0",
    "a=0.1",
    "a=0.2",
    "a=0.3",
    "a=0.4",
  ]);
});

Deno.test("sweepJobs() expands choice(), sort() and glob() over group options", () => {
  assert.deepEqual(sweepJobs(["a=choice(x,y)"]).flat(), ["a=x", "a=y"]);
  assert.deepEqual(sweepJobs(["a=sort(3,1,2)"]).flat(), ["a=1", "a=2", "a=3"]);
  assert.deepEqual(sweepJobs(["a=sort(3,1,2,reverse=true)"]).flat(), ["a=3", "a=2", "a=1"]);
  const options = () => ["adam", "adamw", "sgd"];
  assert.deepEqual(sweepJobs(["opt=glob(ada*)"], { groupOptions: options }).flat(), [
    "opt=adam",
    "opt=adamw",
  ]);
  assert.deepEqual(sweepJobs(["opt=glob(*,exclude=sgd)"], { groupOptions: options }).flat(), [
    "opt=adam",
    "opt=adamw",
  ]);
});

Deno.test("sweepJobs() sweeps hydra.sweeper.params before the command line", () => {
  assert.deepEqual(sweepJobs(["b=1"], { params: { a: "x,y" } }), [["a=x", "b=1"], ["a=y", "b=1"]]);
});

Deno.test("sweepJobs() rejects interval(), which the basic sweeper cannot enumerate", () => {
  assert.throws(() => sweepJobs(["a=interval(0,1)"]), /does not support interval sweeps/);
});

Deno.test("sweepJobs() shuffle() keeps the same values", () => {
  const jobs = sweepJobs(["a=shuffle(1,2,3,4)"]).flat().sort();
  assert.deepEqual(jobs, ["a=1", "a=2", "a=3", "a=4"]);
});

Deno.test("jobLine() is Hydra's launcher line without hydra.* overrides", () => {
  assert.equal(jobLine(3, ["a=1", "hydra.run.dir=x", "b=2"]), "#3 : a=1 b=2");
});
