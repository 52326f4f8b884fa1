import assert from "node:assert/strict";
import {
  globalResolvers,
  InterpolationError,
  MissingValueError,
  parseConfig,
  ResolverRegistry,
} from "../../lib/config/mod.ts";
import { composeFiles } from "./_helpers.ts";

const FIXED = new Date(2024, 0, 15, 9, 5, 3);

Deno.test("Config.get() resolves values and returns plain JavaScript", () => {
  const cfg = parseConfig("a: {b: 1.5, c: [1, '${a.b}']}\nd: '${a}'\n");
  assert.equal(cfg.get("a.b"), 1.5);
  assert.deepEqual(cfg.get("a.c"), [1, 1.5]);
  assert.equal(cfg.get("a.c[1]"), 1.5);
  assert.deepEqual(cfg.get("d"), { b: 1.5, c: [1, 1.5] });
  assert.throws(() => cfg.get("nope"), /Cannot read "nope": no such key/);
});

Deno.test("Config.get() on ??? throws MissingValueError; toObject() can keep ???", () => {
  const cfg = parseConfig("data: {root: ???}\ncopy: ${data.root}\n");
  assert.throws(() => cfg.get("data.root"), MissingValueError);
  assert.throws(() => cfg.toObject(), MissingValueError);
  assert.deepEqual(cfg.toObject({ resolve: false }), {
    data: { root: "???" },
    copy: "${data.root}",
  });
  assert.deepEqual(cfg.resolved().toObject({ throwOnMissing: false }), {
    data: { root: "???" },
    copy: "???",
  });
});

Deno.test("now is formatted with strftime and cached within a config", () => {
  let calls = 0;
  const now = () => (calls++, FIXED);
  const cfg = parseConfig(
    "a: ${now:%Y-%m-%d_%H-%M-%S}\nb: ${now:%Y-%m-%d_%H-%M-%S}\nc: ${now:%b %j}\n",
    { now },
  );
  assert.deepEqual(cfg.toObject(), {
    a: "2024-01-15_09-05-03",
    b: "2024-01-15_09-05-03",
    c: "Jan 015",
  });
  assert.equal(calls, 2);
});

Deno.test("resolvers registered on a registry see plain arguments and the context", () => {
  const resolvers = globalResolvers.clone();
  resolvers.register("add", (args) => (args as number[]).reduce((a, b) => a + b, 0));
  resolvers.register("where", (_args, ctx) => ctx.key);
  const cfg = parseConfig("x: 2\nsum: ${add:1,${x},3.5}\nnested: {at: '${where:}'}\n", {
    resolvers,
  });
  assert.deepEqual(cfg.toObject(), { x: 2, sum: 6.5, nested: { at: "nested.at" } });
  assert.throws(() => parseConfig("a: ${add:1}\n").get("a"), /unknown resolver "add"/);
  assert.throws(() => resolvers.register("add", () => 0), /already registered/);
  assert.throws(
    () => new ResolverRegistry().register("bad name", () => 0),
    /not a valid resolver name/,
  );
});

Deno.test("resolver errors name the interpolation and the key, keeping the cause", () => {
  const resolvers = new ResolverRegistry();
  resolvers.register("boom", () => {
    throw new RangeError("no luck");
  });
  const cfg = parseConfig("a: {b: '${boom:}'}\n", { resolvers });
  assert.throws(() => cfg.get("a.b"), (err: Error) => {
    assert.ok(err instanceof InterpolationError);
    assert.equal(err.message, 'Cannot resolve "${boom:}" in "a.b": no luck');
    assert.ok(err.cause instanceof RangeError);
    return true;
  });
});

Deno.test("oc.dict.keys and oc.dict.values list a dict", () => {
  const cfg = parseConfig(
    "m: {a: 1, b: '${x}'}\nx: 2\nk: ${oc.dict.keys:m}\nv: ${oc.dict.values:m}\n",
  );
  assert.deepEqual(cfg.resolved().toObject(), {
    m: { a: 1, b: 2 },
    x: 2,
    k: ["a", "b"],
    v: [1, 2],
  });
});

Deno.test("keys can be interpolations and brackets index lists", () => {
  const cfg = parseConfig(
    "which: b\nd: {a: 1, b: 2}\nl: [x, y]\nv: ${d.${which}}\nw: ${l[1]}\nu: ${l.0}\n",
  );
  assert.deepEqual(cfg.resolved().toObject(), {
    which: "b",
    d: { a: 1, b: 2 },
    l: ["x", "y"],
    v: 2,
    w: "y",
    u: "x",
  });
});

Deno.test("relative interpolations above the root fail", () => {
  assert.throws(() => parseConfig("a: ${...x}\n").get("a"), /above the root/);
});

Deno.test("malformed interpolations fail with the text", () => {
  assert.throws(
    () => parseConfig("a: ${b\n"),
    /Cannot parse "<text>": bad interpolation "\$\{b" at "a"/,
  );
  assert.throws(() => parseConfig("a: ${b:c:}\n").get("a"), InterpolationError);
});

Deno.test("${hydra:...} reads Hydra's node, also from the job config", () => {
  const cfg = composeFiles({ "config.yaml": "name: ${hydra:job.name}\nrun: ${hydra:run.dir}\n" }, {
    jobName: "train",
    now: () => FIXED,
  });
  assert.deepEqual(cfg.job().resolved().toObject(), {
    name: "train",
    run: "outputs/2024-01-15/09-05-03",
  });
});

Deno.test("composed configs carry Hydra's runtime fields", () => {
  const cfg = composeFiles(
    { "config.yaml": "defaults:\n  - db: a\n", "db/a.yaml": "x: 1\n", "db/b.yaml": "x: 2\n" },
    { overrides: ["db=b", "+y=1", "hydra.job.name=exp"], jobName: "train" },
  );
  const hydra = cfg.toObject({ resolve: false }).hydra as Record<string, Record<string, unknown>>;
  assert.deepEqual(hydra.overrides, { hydra: ["hydra.job.name=exp"], task: ["db=b", "+y=1"] });
  assert.equal((hydra.runtime.choices as Record<string, unknown>).db, "b");
  assert.equal((hydra.runtime.choices as Record<string, unknown>)["hydra/launcher"], "basic");
  assert.equal(hydra.job.name, "exp");
  assert.equal(hydra.job.override_dirname, "+y=1,db=b");
  assert.equal(hydra.job.config_name, "config");
  assert.equal(hydra.mode, "RUN");
});
