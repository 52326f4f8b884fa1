import { isAbsolute, join } from "node:path";
import OpenAI from "openai";
import { AssistError } from "./errors.ts";
import { type AdviceInput, checkPrompt, renderPrompt } from "./prompt.ts";

/** The `openai:` block of app_config.yaml. */
export interface AssistConfig {
  /** Ask for advice at all (default false). */
  use?: boolean;
  /** Chat model (default "gpt-4o-mini"). */
  model?: string;
  /** OpenAI-compatible server; empty: api.openai.com. */
  base_url?: string;
  /** Sampling temperature, 0..2 (default 0.2). */
  temperature?: number;
  /** The system message. */
  system_message?: string;
  /** Prompt template (see {@linkcode renderPrompt}), relative to `baseDir`. */
  prompt_file?: string;
}

/** Options of {@linkcode Advisor.create}. */
export interface AdvisorOptions {
  /** API key (default: OPENAI_API_KEY from the environment). */
  apiKey?: string;
  /** Folder `prompt_file` is relative to (default: the working directory). */
  baseDir?: string;
  /** Retries of failed requests, backing off (default 2). */
  maxRetries?: number;
  /** Request timeout in ms (default 30000). */
  timeoutMs?: number;
}

/** Whether advice is on, and where it comes from or why it is off. */
export type AdviceState =
  | { enabled: true; model: string; baseURL: string }
  | { enabled: false; reason: string };

const DEFAULT_BASE_URL = "https://api.openai.com/v1";
const DEFAULT_SYSTEM = "You explain image classification results to users, briefly and plainly.";
const DEFAULT_PROMPT = "The model predicted {label} with confidence {confidence}.\nTop classes:\n" +
  "{top_k}\nIs this prediction trustworthy?";

function describe(err: unknown, baseURL: string, model: string, timeoutMs: number): AssistError {
  const detail = (err as Error)?.message ?? String(err);
  if (err instanceof OpenAI.AuthenticationError || err instanceof OpenAI.PermissionDeniedError) {
    return new AssistError(
      "auth",
      `Advice failed: ${baseURL} rejected the API key (${err.status}): ${detail}`,
      { cause: err },
    );
  }
  if (err instanceof OpenAI.RateLimitError) {
    return new AssistError(
      "rate_limit",
      `Advice failed: rate limit or quota reached at ${baseURL} (429): ${detail}`,
      { cause: err },
    );
  }
  if (err instanceof OpenAI.NotFoundError) {
    return new AssistError("not_found", `Advice failed: ${baseURL} has no model "${model}" (404)`, {
      cause: err,
    });
  }
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return new AssistError(
      "network",
      `Advice failed: ${baseURL} did not answer within ${timeoutMs} ms`,
      { cause: err },
    );
  }
  if (err instanceof OpenAI.APIConnectionError) {
    let cause: unknown = err;
    while ((cause as Error)?.cause instanceof Error) cause = (cause as Error).cause;
    const reason = cause === err ? detail : (cause as Error).message;
    return new AssistError("network", `Advice failed: cannot reach ${baseURL}: ${reason}`, {
      cause: err,
    });
  }
  if (err instanceof OpenAI.APIError && err.status !== undefined) {
    return new AssistError(
      "server",
      `Advice failed: ${baseURL} answered ${err.status}: ${detail}`,
      {
        cause: err,
      },
    );
  }
  return new AssistError("server", `Advice failed: ${detail}`, { cause: err });
}

interface Settings {
  model: string;
  temperature: number;
  system: string;
  template: string;
  baseURL: string;
  timeoutMs: number;
}

async function readPrompt(config: AssistConfig, baseDir: string): Promise<string> {
  if (!config.prompt_file) return DEFAULT_PROMPT;
  const file = isAbsolute(config.prompt_file)
    ? config.prompt_file
    : join(baseDir, config.prompt_file);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    throw new Error(
      `Cannot read prompt "${file}": ${
        (err as Error).message
      } (set openai.prompt_file in app_config.yaml)`,
      { cause: err },
    );
  }
  return checkPrompt(text, file);
}

function checkConfig(config: AssistConfig): void {
  const t = config.temperature;
  if (t !== undefined && !(typeof t === "number" && t >= 0 && t <= 2)) {
    throw new RangeError(`Cannot configure advice: openai.temperature ${t} is not in 0..2`);
  }
  if (config.model !== undefined && (typeof config.model !== "string" || !config.model)) {
    throw new TypeError("Cannot configure advice: openai.model must be a non-empty string");
  }
}

/**
 * LLM advice on predictions through the OpenAI chat completions API or any
 * server speaking it (`base_url`), streamed as text chunks. Without an API key
 * (or with `use: false`) it is off and says so; it never makes an answer up.
 */
export class Advisor {
  /** Whether advice is on, and from where, or why not. */
  readonly state: AdviceState;
  #client: OpenAI | undefined;
  #settings: Settings;

  private constructor(state: AdviceState, client: OpenAI | undefined, settings: Settings) {
    this.state = state;
    this.#client = client;
    this.#settings = settings;
  }

  /**
   * Makes the advisor of an `openai:` config block; reads and checks the
   * prompt file when advice is on.
   *
   * @param config the `openai:` block
   * @param options API key, base folder, retries, timeout
   * @returns the advisor, on or off
   * @throws {RangeError|TypeError} on a bad temperature or model
   * @throws {SyntaxError} on an unknown placeholder in the prompt file
   * @throws {Error} when the prompt file cannot be read
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Advisor } from "./mod.ts";
   * const off = await Advisor.create({ use: true }, { apiKey: "" });
   * assert.deepEqual(off.state, { enabled: false, reason: "Advice is off: set OPENAI_API_KEY in .env" });
   * ```
   */
  static async create(config: AssistConfig, options: AdvisorOptions = {}): Promise<Advisor> {
    checkConfig(config);
    const baseURL = config.base_url || DEFAULT_BASE_URL;
    const settings: Settings = {
      model: config.model ?? "gpt-4o-mini",
      temperature: config.temperature ?? 0.2,
      system: config.system_message ?? DEFAULT_SYSTEM,
      template: DEFAULT_PROMPT,
      baseURL,
      timeoutMs: options.timeoutMs ?? 30_000,
    };
    if (!config.use) {
      const reason = "Advice is off: openai.use is false in app_config.yaml";
      return new Advisor({ enabled: false, reason }, undefined, settings);
    }
    settings.template = await readPrompt(config, options.baseDir ?? Deno.cwd());
    const apiKey = options.apiKey ?? Deno.env.get("OPENAI_API_KEY") ?? "";
    if (!apiKey) {
      const reason = "Advice is off: set OPENAI_API_KEY in .env";
      return new Advisor({ enabled: false, reason }, undefined, settings);
    }
    const client = new OpenAI({
      apiKey,
      baseURL,
      maxRetries: options.maxRetries ?? 2,
      timeout: settings.timeoutMs,
    });
    return new Advisor({ enabled: true, model: settings.model, baseURL }, client, settings);
  }

  /**
   * The user prompt for a prediction.
   *
   * @param input the prediction
   * @returns the prompt text
   */
  prompt(input: AdviceInput): string {
    return renderPrompt(this.#settings.template, input);
  }

  /**
   * Streams advice on a prediction, chunk by chunk as the server sends it.
   *
   * @param input the prediction
   * @param options an abort signal
   * @returns the text chunks
   * @throws {AssistError} when advice is off ("off") or the request fails (one
   *   clear message per cause: "auth", "rate_limit", "not_found", "network", "server")
   */
  async *advise(input: AdviceInput, options: { signal?: AbortSignal } = {}): AsyncIterable<string> {
    const s = this.#settings;
    if (!this.#client || !this.state.enabled) {
      throw new AssistError("off", (this.state as { reason: string }).reason);
    }
    const fail = (err: unknown) => {
      if (options.signal?.aborted) return err;
      return describe(err, s.baseURL, s.model, s.timeoutMs);
    };
    let stream;
    try {
      stream = await this.#client.chat.completions.create({
        model: s.model,
        temperature: s.temperature,
        stream: true,
        messages: [
          { role: "system", content: s.system },
          { role: "user", content: this.prompt(input) },
        ],
      }, { signal: options.signal });
    } catch (err) {
      throw fail(err);
    }
    try {
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content;
        if (text) yield text;
      }
    } catch (err) {
      if (options.signal?.aborted || err instanceof OpenAI.APIError) throw fail(err);
      throw new AssistError(
        "network",
        `Advice failed: the answer from ${s.baseURL} broke off: ${(err as Error)?.message ?? err}`,
        { cause: err },
      );
    }
  }
}
