/**
 * Prometheus metrics with TorchServe's names and labels: per-model counters
 * `ts_inference_requests_total`, `ts_inference_latency_microseconds`,
 * `ts_queue_latency_microseconds` (labels `model_name`, `model_version` —
 * "default" when the request named none, as TorchServe — and `hostname`),
 * `Requests2XX/4XX/5XX`, and gauges for workers, queues, host CPU and memory.
 *
 * @module
 */
import { cpus, freemem, hostname, totalmem } from "node:os";
import type { Registry } from "./registry.ts";

interface Counter {
  labels: string;
  requests: number;
  latencyUs: number;
  queueUs: number;
}

const HELP: Record<string, [string, string]> = {
  ts_inference_requests_total: ["counter", "Count"],
  ts_inference_latency_microseconds: ["counter", "Microseconds"],
  ts_queue_latency_microseconds: ["counter", "Microseconds"],
  Requests2XX: ["counter", "Count"],
  Requests4XX: ["counter", "Count"],
  Requests5XX: ["counter", "Count"],
  ts_model_workers: ["gauge", "Count"],
  ts_model_queue_pending: ["gauge", "Count"],
  CPUUtilization: ["gauge", "Percent"],
  MemoryUsed: ["gauge", "Megabytes"],
  MemoryAvailable: ["gauge", "Megabytes"],
  MemoryUtilization: ["gauge", "Percent"],
  process_resident_memory_bytes: ["gauge", "Bytes"],
};

/** Counters of one server. */
export class Metrics {
  /** The `hostname` label. */
  readonly hostname: string = hostname();
  #counters = new Map<string, Counter>();
  #status = { "2XX": 0, "4XX": 0, "5XX": 0 };
  #cpu = cpuTimes();

  /**
   * Counts one successful inference.
   *
   * @param model model name
   * @param version the version the request named, or undefined ("default")
   * @param latencyUs whole request time, microseconds
   * @param queueUs time spent queued, microseconds
   */
  recordInference(model: string, version: string | undefined, latencyUs: number, queueUs: number) {
    const key = `${model}\u0000${version ?? ""}`;
    let c = this.#counters.get(key);
    if (!c) {
      c = {
        labels: this.#labels(model, version ?? "default"),
        requests: 0,
        latencyUs: 0,
        queueUs: 0,
      };
      this.#counters.set(key, c);
    }
    c.requests++;
    c.latencyUs += latencyUs;
    c.queueUs += queueUs;
  }

  /** Counts a response by status class. */
  recordStatus(status: number): void {
    if (status >= 500) this.#status["5XX"]++;
    else if (status >= 400) this.#status["4XX"]++;
    else this.#status["2XX"]++;
  }

  /**
   * The Prometheus text exposition.
   *
   * @param registry for worker and queue gauges
   * @param names only these metric names (TorchServe's `name[]` filter); all when empty
   * @returns the text
   */
  render(registry: Registry, names: string[] = []): string {
    const rows: Record<string, string[]> = {};
    const add = (name: string, labels: string, value: number) =>
      (rows[name] ??= []).push(`${name}{${labels}} ${fmt(value)}`);
    for (const c of this.#counters.values()) {
      add("ts_inference_requests_total", c.labels, c.requests);
      add("ts_inference_latency_microseconds", c.labels, c.latencyUs);
      add("ts_queue_latency_microseconds", c.labels, c.queueUs);
    }
    const host = `Level="Host",Hostname="${esc(this.hostname)}"`;
    for (const [k, v] of Object.entries(this.#status)) add(`Requests${k}`, host, v);
    for (const m of registry.all()) {
      const labels = this.#labels(m.name, m.version);
      add("ts_model_workers", `${labels},status="READY"`, m.pool.readyCount);
      add("ts_model_queue_pending", labels, m.batcher.pending);
    }
    const now = cpuTimes();
    const busy = now.busy - this.#cpu.busy;
    const total = now.total - this.#cpu.total;
    this.#cpu = now;
    add("CPUUtilization", host, total > 0 ? (100 * busy) / total : 0);
    const mb = 1024 * 1024;
    add("MemoryUsed", host, (totalmem() - freemem()) / mb);
    add("MemoryAvailable", host, freemem() / mb);
    add("MemoryUtilization", host, (100 * (totalmem() - freemem())) / totalmem());
    add("process_resident_memory_bytes", host, Deno.memoryUsage().rss);
    let text = "";
    for (const [name, [type, unit]] of Object.entries(HELP)) {
      if (names.length > 0 && !names.includes(name)) continue;
      text += `# HELP ${name} Torchserve prometheus ${type} metric with unit: ${unit}\n`;
      text += `# TYPE ${name} ${type}\n`;
      for (const row of rows[name] ?? []) text += row + "\n";
    }
    return text;
  }

  #labels(model: string, version: string): string {
    return `model_name="${esc(model)}",model_version="${esc(version)}",hostname="${
      esc(this.hostname)
    }"`;
  }
}

function esc(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function fmt(v: number): string {
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total };
}
