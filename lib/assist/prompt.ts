/** What a prompt template may refer to: `{label}`, `{confidence}`, `{top_k}`, `{model}`. */
export const PLACEHOLDERS = ["label", "confidence", "top_k", "model"] as const;

/** The prediction advice is asked about. */
export interface AdviceInput {
  /** Predicted class. */
  label: string;
  /** Its probability, 0..1. */
  confidence: number;
  /** Classes by decreasing probability. */
  topK: { label: string; probability: number }[];
  /** Model name (and version), when known. */
  model?: string;
}

const TOKEN = /\{\{|\}\}|\{([^{}]*)\}/g;

function percent(p: number): string {
  return `${(p * 100).toFixed(1)}%`;
}

/**
 * Checks a prompt template: every `{name}` must be a known placeholder; `{{`
 * and `}}` stand for literal braces.
 *
 * @param template the template text
 * @param file where it came from, for messages
 * @returns the template
 * @throws {SyntaxError} naming the file and the unknown placeholder
 */
export function checkPrompt(template: string, file: string): string {
  for (const m of template.matchAll(TOKEN)) {
    const name = m[1];
    if (name !== undefined && !(PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new SyntaxError(
        `Cannot read prompt "${file}": unknown placeholder "{${name}}" ` +
          `(valid: ${PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}; write {{ for a brace)`,
      );
    }
  }
  return template;
}

/**
 * Fills a prompt template with a prediction: the confidence as a percentage and
 * the top-k as one `- label: p%` line per class.
 *
 * @param template a template checked by {@linkcode checkPrompt}
 * @param input the prediction
 * @returns the prompt
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderPrompt } from "./mod.ts";
 * const text = renderPrompt("{label} at {confidence} {{sure}}\n{top_k}", {
 *   label: "7", confidence: 0.873, topK: [{ label: "7", probability: 0.873 }, { label: "1", probability: 0.1 }],
 * });
 * assert.equal(text, "7 at 87.3% {sure}\n- 7: 87.3%\n- 1: 10.0%");
 * ```
 */
export function renderPrompt(template: string, input: AdviceInput): string {
  const values: Record<string, string> = {
    label: input.label,
    confidence: percent(input.confidence),
    top_k: input.topK.map((e) => `- ${e.label}: ${percent(e.probability)}`).join("\n"),
    model: input.model ?? "unnamed model",
  };
  return template.replace(
    TOKEN,
    (whole, name) => whole === "{{" ? "{" : whole === "}}" ? "}" : values[name] ?? whole,
  );
}
