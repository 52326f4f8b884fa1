/**
 * Advice on predictions from an LLM: chat completions through `npm:openai`
 * against OpenAI or any OpenAI-compatible server, streamed; off, and saying so,
 * without an API key.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { Advisor, AssistError } from "./mod.ts";
 * const advisor = await Advisor.create({ use: false });
 * assert.equal(advisor.state.enabled, false);
 * const chunks = advisor.advise({ label: "7", confidence: 0.9, topK: [] });
 * await assert.rejects(chunks[Symbol.asyncIterator]().next(), AssistError);
 * ```
 *
 * @module
 */

export { type AdviceState, Advisor, type AdvisorOptions, type AssistConfig } from "./advisor.ts";
export { AssistError, type AssistErrorKind } from "./errors.ts";
export { type AdviceInput, checkPrompt, PLACEHOLDERS, renderPrompt } from "./prompt.ts";
