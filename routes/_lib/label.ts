// The labeling queue as the page and its endpoints hand it out.
import {
  type Counts,
  type Example,
  StoreError,
  STRATEGIES,
  type Strategy,
} from "../../lib/store/mod.ts";
import type { AppServices } from "../../lib/app/mod.ts";
import { HttpError } from "../../utils.ts";

/** One queued example, as the island shows it. */
export interface QueueItem {
  id: string;
  predicted: string;
  confidence: number;
  topK: { label: string; probability: number }[];
  model: string;
  version: string;
  createdAt: string;
  humanLabel: string | null;
}

/** Strategies the page offers (time orders are for browsing, not for uncertainty). */
export const QUEUE_STRATEGIES = STRATEGIES.filter((s) => s !== "oldest") as Strategy[];
/** Examples per queue page. */
export const QUEUE_PAGE = 50;

/** The queue's settings from a URL: `below` in (0, 1] (default 0.9) and `strategy`. */
export function queueParams(url: URL): { below: number; strategy: Strategy } {
  const rawBelow = url.searchParams.get("below");
  const below = rawBelow === null || rawBelow === "" ? 0.9 : Number(rawBelow);
  if (!(below > 0 && below <= 1)) {
    throw new HttpError(
      400,
      `Invalid below ${JSON.stringify(rawBelow)}: expected a number in (0, 1]`,
    );
  }
  const strategy = (url.searchParams.get("strategy") || "least_confidence") as Strategy;
  if (!STRATEGIES.includes(strategy)) {
    throw new HttpError(
      400,
      `Invalid strategy ${JSON.stringify(strategy)}: expected one of ${STRATEGIES.join(", ")}`,
    );
  }
  return { below, strategy };
}

/** The island's view of an example. */
export function queueItem(e: Example): QueueItem {
  return {
    id: e.id,
    predicted: e.predictedLabel,
    confidence: e.confidence,
    topK: e.topK,
    model: e.model,
    version: e.modelVersion,
    createdAt: e.createdAt,
    humanLabel: e.humanLabel,
  };
}

/** The unlabeled examples below the threshold, most uncertain first, and the progress. */
export async function loadQueue(
  services: AppServices,
  below: number,
  strategy: Strategy,
): Promise<{ items: QueueItem[]; counts: Counts }> {
  const store = services.stores.primary;
  const [page, counts] = await Promise.all([
    store.list({ status: "unlabeled", below, strategy, limit: QUEUE_PAGE }),
    store.counts({ below }),
  ]);
  return { items: page.items.map(queueItem), counts };
}

/** Store errors as HTTP errors: 404 for a missing example, 400 for bad input, 503 unavailable. */
export function storeHttpError(err: unknown): unknown {
  if (err instanceof StoreError) {
    const status = err.code === "not_found" ? 404 : err.code === "unavailable" ? 503 : 500;
    return new HttpError(status, err.message, { cause: err });
  }
  if (err instanceof RangeError || err instanceof TypeError) {
    return new HttpError(400, err.message, { cause: err });
  }
  return err;
}
