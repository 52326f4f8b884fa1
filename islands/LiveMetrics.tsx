import { useEffect, useRef, useState } from "preact/hooks";
import type { MetricsSnapshot, ModelFigures } from "../lib/app/mod.ts";
import { errorText } from "./_sse.ts";

interface Row extends ModelFigures {
  /** Requests per second since the previous poll. */
  rate: number;
}

const EVERY_MS = 2000;

/** Requests, rate and latency per model version, polled from the metrics API. */
export default function LiveMetrics(props: { up: boolean }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [error, setError] = useState("");
  const [at, setAt] = useState("");
  const prev = useRef<{ time: number; counts: Map<string, number> } | null>(null);

  useEffect(() => {
    if (!props.up) return;
    let stop = false;
    async function poll() {
      try {
        const res = await fetch("/api/admin/metrics", { headers: { accept: "application/json" } });
        if (!res.ok) throw new Error(await errorText(res));
        const snap = await res.json() as MetricsSnapshot;
        const before = prev.current;
        const dt = before ? (snap.time - before.time) / 1000 : 0;
        setRows(snap.models.map((m) => {
          const old = before?.counts.get(`${m.model}@${m.version}`);
          return { ...m, rate: dt > 0 && old !== undefined ? (m.requests - old) / dt : 0 };
        }));
        prev.current = {
          time: snap.time,
          counts: new Map(snap.models.map((m) => [`${m.model}@${m.version}`, m.requests])),
        };
        setAt(new Date(snap.time).toLocaleTimeString());
        setError("");
      } catch (err) {
        setError((err as Error).message);
      }
      if (!stop) timer = setTimeout(poll, EVERY_MS);
    }
    let timer = setTimeout(poll, 0);
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [props.up]);

  if (!props.up) return <p class="muted">The server is stopped.</p>;
  return (
    <div id="live-metrics">
      {error && <p class="error-text">{error}</p>}
      {rows.length === 0
        ? <p class="muted">{at ? "No request yet." : "Reading the metrics API…"}</p>
        : (
          <div class="scroll">
            <table class="table compact">
              <thead>
                <tr>
                  <th>Model</th>
                  <th>Requests</th>
                  <th>req/s</th>
                  <th>Latency</th>
                  <th>Queue</th>
                  <th>Workers</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={`${r.model}@${r.version}`}>
                    <td>
                      {`${r.model} ${r.version === "default" ? "(default)" : `v${r.version}`}`}
                    </td>
                    <td class="num">{r.requests}</td>
                    <td class="num">{r.rate.toFixed(1)}</td>
                    <td class="num">{`${r.meanLatencyMs.toFixed(1)} ms`}</td>
                    <td class="num">{`${r.meanQueueMs.toFixed(2)} ms`}</td>
                    <td class="num">
                      {`${r.workers}${r.pending ? ` · ${r.pending} waiting` : ""}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      {at && <p class="muted small">Updated {at}, every {EVERY_MS / 1000} s</p>}
    </div>
  );
}
