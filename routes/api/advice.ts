import { adviceResponse } from "../../lib/app/mod.ts";
import { define, HttpError } from "../../utils.ts";

interface AdviceBody {
  label: string;
  confidence: number;
  topK: { label: string; probability: number }[];
  model?: string;
}

function checkBody(body: unknown): AdviceBody {
  const b = body as Partial<AdviceBody> | null;
  const probability = (p: unknown) => typeof p === "number" && p >= 0 && p <= 1;
  const ok = typeof b === "object" && b !== null && typeof b.label === "string" &&
    b.label.length <= 200 && probability(b.confidence) && Array.isArray(b.topK) &&
    b.topK.length <= 100 &&
    b.topK.every((e) => typeof e?.label === "string" && probability(e.probability)) &&
    (b.model === undefined || (typeof b.model === "string" && b.model.length <= 200));
  if (!ok) {
    throw new HttpError(
      400,
      "Cannot give advice: expected JSON {label, confidence 0..1, topK: [{label, probability}], model?}",
    );
  }
  return b as AdviceBody;
}

// POST a prediction → advice as server-sent events (chunk…, done | off | error).
export const handler = define.handlers({
  async POST(ctx) {
    let body: unknown;
    try {
      body = await ctx.req.json();
    } catch (err) {
      throw new HttpError(400, "Cannot give advice: the body is not JSON", { cause: err });
    }
    const { label, confidence, topK, model } = checkBody(body);
    return adviceResponse(
      ctx.state.services.advisor,
      { label, confidence, topK, model },
      ctx.req.signal,
    );
  },
});
