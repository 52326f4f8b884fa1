import assert from "node:assert/strict";
import {
  instantiate,
  InstantiationError,
  parseConfig,
  TargetRegistry,
  validateTargets,
} from "../../lib/config/mod.ts";

class Linear {
  constructor(readonly inFeatures: number, readonly outFeatures: number, readonly bias: boolean) {}
}
class Sequential {
  constructor(readonly layers: unknown[]) {}
}

function registry(): TargetRegistry {
  return new TargetRegistry()
    .register(
      "nn.Linear",
      ({ in_features, out_features, bias = true }) => new Linear(in_features, out_features, bias),
    )
    .register("nn.Sequential", (_kw, ...layers) => new Sequential(layers))
    .register("math.scale", ({ factor }, x) => x * factor)
    .register("echo", (kwargs, ...args) => ({ kwargs, args }))
    .register("fail", () => {
      throw new RangeError("bad width");
    });
}

Deno.test("instantiate() builds nested targets depth-first, _args_ as positional arguments", () => {
  const cfg = parseConfig(`
width: 8
net:
  _target_: nn.Sequential
  _args_:
    - {_target_: nn.Linear, in_features: 4, out_features: "\${width}"}
    - {_target_: nn.Linear, in_features: "\${width}", out_features: 2, bias: false}
`);
  const out = instantiate(cfg, { registry: registry() }) as { width: number; net: Sequential };
  assert.equal(out.width, 8);
  assert.ok(out.net instanceof Sequential);
  assert.deepEqual(out.net.layers, [new Linear(4, 8, true), new Linear(8, 2, false)]);
});

Deno.test("instantiate() resolves interpolations before calling factories", () => {
  const cfg = parseConfig(
    "width: 8\nlayer: {_target_: nn.Linear, in_features: 4, out_features: '${width}'}\n",
  );
  const out = instantiate(cfg, { registry: registry() }) as { layer: Linear };
  assert.equal(out.layer.outFeatures, 8);
});

Deno.test("instantiate() with _partial_ returns a function taking more arguments", () => {
  const cfg = parseConfig("_target_: math.scale\n_partial_: true\nfactor: 3\n");
  const scale = instantiate(cfg, { registry: registry() }) as (kw: object, x: number) => number;
  assert.equal(scale({}, 5), 15);
  assert.equal(scale({ factor: 10 }, 5), 50);
});

Deno.test("instantiate() with _recursive_: false passes nested configs as plain objects", () => {
  const cfg = parseConfig(
    "_target_: echo\n_recursive_: false\ninner: {_target_: nn.Linear, in_features: 1}\n",
  );
  const out = instantiate(cfg, { registry: registry() }) as { kwargs: { inner: unknown } };
  assert.deepEqual(out.kwargs.inner, { _target_: "nn.Linear", in_features: 1 });
});

Deno.test("instantiate() merges call-time kwargs and args over the config", () => {
  const cfg = parseConfig("_target_: echo\n_args_: [1]\na: 1\n_convert_: all\n");
  const out = instantiate(cfg, { registry: registry(), kwargs: { b: 2 }, args: [7, 8] }) as {
    kwargs: object;
    args: unknown[];
  };
  assert.deepEqual(out, { kwargs: { a: 1, b: 2 }, args: [7, 8] });
});

Deno.test("instantiate() names an unknown _target_ and lists the registered ones", () => {
  const cfg = parseConfig("model: {_target_: nn.Conv2d}\n");
  assert.throws(() => instantiate(cfg, { registry: registry() }), (err: Error) => {
    assert.ok(err instanceof InstantiationError);
    assert.match(
      err.message,
      /^Cannot instantiate "model": unknown _target_ "nn\.Conv2d": registered targets are echo, fail/,
    );
    return true;
  });
});

Deno.test("instantiate() wraps a factory's error, keeping it as the cause", () => {
  assert.throws(
    () => instantiate(parseConfig("_target_: fail\n"), { registry: registry() }),
    (err: Error) => {
      assert.match(err.message, /Error in call to target "fail": bad width/);
      assert.ok(err.cause instanceof RangeError);
      return true;
    },
  );
});

Deno.test("validateTargets() checks every _target_ without calling factories", () => {
  const ok = parseConfig("a: {_target_: fail}\nb: [{_target_: echo}]\n");
  validateTargets(ok, registry());
  const bad = parseConfig("a: {b: [{_target_: nope}]}\n");
  assert.throws(
    () => validateTargets(bad, registry()),
    /Cannot instantiate "a\.b\[0\]": unknown _target_ "nope"/,
  );
});

Deno.test("TargetRegistry.register() refuses a name twice", () => {
  assert.throws(() => registry().register("echo", () => 1), /already registered/);
});
