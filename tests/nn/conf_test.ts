// Every model the project's conf/ composes (each conf/model option and each
// experiment spec) builds and runs.

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { composeConfig, createRepository } from "../../lib/config/mod.ts";
import { buildModel, modelInputDims, type ModelSpec } from "../../lib/nn/mod.ts";
import { numel, tensor } from "../../lib/onnx/mod.ts";
import { ROOT_DIR } from "../_shared.ts";
import { lcg, runModel } from "./_util.ts";

const CONF = join(ROOT_DIR, "conf");

function specsOf(overrides: string[]): ModelSpec {
  const repository = createRepository(CONF);
  const cfg = composeConfig({ repository, overrides });
  return cfg.job().toObject().model as unknown as ModelSpec;
}

function experiments(): string[] {
  const out: string[] = [];
  for (const model of readdirSync(join(CONF, "specs"), { withFileTypes: true })) {
    if (!model.isDirectory()) continue;
    for (const f of readdirSync(join(CONF, "specs", model.name))) {
      if (f.endsWith(".yaml")) out.push(`specs=${model.name}/${f.slice(0, -5)}`);
    }
  }
  return out.sort();
}

Deno.test("buildModel() builds and runs every model conf/ composes", async () => {
  const runs = [
    ...createRepository(CONF).groupOptions("model").map((m) => `model=${m}`),
    ...experiments(),
  ];
  assert.ok(runs.length >= 5, `found ${runs}`);
  for (const override of runs) {
    const spec = specsOf([override]);
    for (const training of [true, false]) {
      const model = buildModel(spec, { seed: 42, training });
      const dims = [2, ...modelInputDims(spec)];
      const { logits } = await runModel(model, {
        input: tensor("float32", dims, lcg(numel(dims))),
      });
      assert.deepEqual(logits!.dims, [2, 10], override);
    }
  }
});
