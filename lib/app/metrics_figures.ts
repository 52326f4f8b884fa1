/**
 * Request and latency figures per model version, from the metrics API's
 * Prometheus text (TorchServe's metric names and labels).
 *
 * @module
 */
import { parsePrometheus } from "./_prometheus.ts";

/** Request and latency figures of one model version since the server started. */
export interface ModelFigures {
  model: string;
  version: string;
  requests: number;
  /** Mean inference latency, ms (0 without requests). */
  meanLatencyMs: number;
  /** Mean time in the queue, ms. */
  meanQueueMs: number;
  /** Workers ready. */
  workers: number;
  /** Requests waiting. */
  pending: number;
}

/** What the metrics API says now. */
export interface MetricsSnapshot {
  /** Unix ms when it was read. */
  time: number;
  models: ModelFigures[];
}

/**
 * Adds up the per-version counters and gauges of a metrics page.
 *
 * @param text the metrics API's answer
 * @returns one row per model version, by model name
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelFigures } from "./mod.ts";
 * const rows = modelFigures([
 *   'ts_inference_requests_total{model_name="d",model_version="1.0",hostname="h"} 4',
 *   'ts_inference_latency_microseconds{model_name="d",model_version="1.0",hostname="h"} 8000',
 * ].join("\n"));
 * assert.deepEqual([rows[0]?.requests, rows[0]?.meanLatencyMs], [4, 2]);
 * ```
 */
export function modelFigures(text: string): ModelFigures[] {
  const byKey = new Map<string, ModelFigures & { latencyUs: number; queueUs: number }>();
  for (const s of parsePrometheus(text)) {
    const model = s.labels.model_name;
    if (!model) continue;
    const version = s.labels.model_version ?? "";
    const key = `${model}\u0000${version}`;
    let f = byKey.get(key);
    if (!f) {
      f = {
        model,
        version,
        requests: 0,
        meanLatencyMs: 0,
        meanQueueMs: 0,
        workers: 0,
        pending: 0,
        latencyUs: 0,
        queueUs: 0,
      };
      byKey.set(key, f);
    }
    if (s.name === "ts_inference_requests_total") f.requests += s.value;
    else if (s.name === "ts_inference_latency_microseconds") f.latencyUs += s.value;
    else if (s.name === "ts_queue_latency_microseconds") f.queueUs += s.value;
    else if (s.name === "ts_model_workers") f.workers += s.value;
    else if (s.name === "ts_model_queue_pending") f.pending += s.value;
  }
  const models: ModelFigures[] = [...byKey.values()].map(({ latencyUs, queueUs, ...f }) => ({
    ...f,
    meanLatencyMs: f.requests ? latencyUs / f.requests / 1000 : 0,
    meanQueueMs: f.requests ? queueUs / f.requests / 1000 : 0,
  }));
  models.sort((a, b) => a.model < b.model ? -1 : a.model > b.model ? 1 : 0);
  return models;
}
