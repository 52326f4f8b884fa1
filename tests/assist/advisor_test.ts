import assert from "node:assert/strict";
import { join } from "node:path";
import { type AdviceInput, Advisor, type AssistConfig, AssistError } from "../../lib/assist/mod.ts";
import { type OpenAIStandIn, startOpenAIStandIn } from "./_openai_standin.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const INPUT: AdviceInput = {
  label: "7",
  confidence: 0.62,
  topK: [{ label: "7", probability: 0.62 }, { label: "1", probability: 0.3 }],
  model: "mnist 1.0",
};

async function collect(chunks: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

async function withStandIn(fn: (s: OpenAIStandIn) => Promise<void>) {
  const s = startOpenAIStandIn();
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

function config(s: OpenAIStandIn, extra: AssistConfig = {}): AssistConfig {
  return {
    use: true,
    model: "digits-explainer",
    base_url: s.baseURL,
    temperature: 0.3,
    system_message: "Be brief.",
    prompt_file: "conf/prompts/advice.txt",
    ...extra,
  };
}

Deno.test("Advisor streams the server's chunks in order", async () => {
  await withStandIn(async (s) => {
    const advisor = await Advisor.create(config(s), {
      apiKey: s.apiKey,
      baseDir: ROOT,
      maxRetries: 0,
    });
    assert.deepEqual(advisor.state, {
      enabled: true,
      model: "digits-explainer",
      baseURL: s.baseURL,
    });
    assert.deepEqual(await collect(advisor.advise(INPUT)), ["Looks ", "like ", "a 7."]);
    const body = s.requests[0] as {
      model: string;
      temperature: number;
      stream: boolean;
      messages: { role: string; content: string }[];
    };
    assert.deepEqual([body.model, body.temperature, body.stream], ["digits-explainer", 0.3, true]);
    assert.deepEqual(body.messages[0], { role: "system", content: "Be brief." });
    assert.equal(body.messages[1]!.role, "user");
    assert.match(
      body.messages[1]!.content,
      /\(mnist 1\.0\) looked at a handwritten digit and predicted "7" with a confidence of 62\.0%/,
    );
    assert.match(body.messages[1]!.content, /- 7: 62\.0%\n- 1: 30\.0%/);
  });
});

Deno.test("Advisor is off without an API key or with use: false, and says so", async () => {
  await withStandIn(async (s) => {
    const noKey = await Advisor.create(config(s), { apiKey: "", baseDir: ROOT });
    assert.deepEqual(noKey.state, {
      enabled: false,
      reason: "Advice is off: set OPENAI_API_KEY in .env",
    });
    await assert.rejects(
      collect(noKey.advise(INPUT)),
      (e) =>
        e instanceof AssistError && e.kind === "off" &&
        e.message === "Advice is off: set OPENAI_API_KEY in .env",
    );
    const unused = await Advisor.create(config(s, { use: false }), {
      apiKey: s.apiKey,
      baseDir: ROOT,
    });
    assert.equal(
      (unused.state as { reason: string }).reason,
      "Advice is off: openai.use is false in app_config.yaml",
    );
    assert.equal(s.requests.length, 0, "nothing was asked");
  });
});

Deno.test("Advisor turns 401, 429 and 404 into one clear message each", async () => {
  await withStandIn(async (s) => {
    const wrongKey = await Advisor.create(config(s), {
      apiKey: "sk-wrong",
      baseDir: ROOT,
      maxRetries: 0,
    });
    await assert.rejects(
      collect(wrongKey.advise(INPUT)),
      (e) =>
        e instanceof AssistError && e.kind === "auth" &&
        e.message ===
          `Advice failed: ${s.baseURL} rejected the API key (401): 401 Incorrect API key provided`,
    );
    const advisor = await Advisor.create(config(s), {
      apiKey: s.apiKey,
      baseDir: ROOT,
      maxRetries: 0,
    });
    s.mode = {
      kind: "error",
      status: 429,
      code: "insufficient_quota",
      message: "You exceeded your current quota",
    };
    await assert.rejects(
      collect(advisor.advise(INPUT)),
      (e) =>
        e instanceof AssistError && e.kind === "rate_limit" &&
        /^Advice failed: rate limit or quota reached at .* \(429\): 429 You exceeded your current quota$/
          .test(e.message),
    );
    s.mode = {
      kind: "error",
      status: 404,
      code: "model_not_found",
      message: "The model does not exist",
    };
    await assert.rejects(
      collect(advisor.advise(INPUT)),
      /^AssistError: Advice failed: .* has no model "digits-explainer" \(404\)$/,
    );
    s.mode = {
      kind: "error",
      status: 500,
      code: "server_error",
      message: "The server had an error",
    };
    await assert.rejects(
      collect(advisor.advise(INPUT)),
      (e) => (e as AssistError).kind === "server",
    );
  });
});

Deno.test("Advisor reports an unreachable server and a cut stream", async () => {
  const s = startOpenAIStandIn();
  const advisor = await Advisor.create(config(s), {
    apiKey: s.apiKey,
    baseDir: ROOT,
    maxRetries: 0,
  });
  s.mode = { kind: "cut", chunks: ["Looks "] };
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const c of advisor.advise(INPUT)) seen.push(c);
    })(),
    (e) =>
      e instanceof AssistError && e.kind === "network" &&
      e.message.startsWith(`Advice failed: the answer from ${s.baseURL} broke off: `),
  );
  assert.deepEqual(seen, ["Looks "], "what arrived before the cut was given out");
  await s.close();
  await assert.rejects(
    collect(advisor.advise(INPUT)),
    (e) =>
      e instanceof AssistError && e.kind === "network" &&
      e.message.startsWith(`Advice failed: cannot reach ${s.baseURL}: `),
  );
});

Deno.test("Advisor.create() rejects a bad prompt file and temperature", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "p.txt"), "Predicted {label} ({score})");
    await assert.rejects(
      Advisor.create({ use: true, prompt_file: "p.txt" }, { apiKey: "k", baseDir: dir }),
      /^SyntaxError: Cannot read prompt ".*p\.txt": unknown placeholder "\{score\}" \(valid: \{label\}, \{confidence\}, \{top_k\}, \{model\}/,
    );
    await assert.rejects(
      Advisor.create({ use: true, prompt_file: "missing.txt" }, { apiKey: "k", baseDir: dir }),
      /^Error: Cannot read prompt ".*missing\.txt": .*\(set openai\.prompt_file in app_config\.yaml\)/,
    );
    await assert.rejects(
      Advisor.create({ use: true, temperature: 3 }),
      /^RangeError: .*openai\.temperature 3 is not in 0\.\.2/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
