import { useEffect, useRef, useState } from "preact/hooks";
import { pct, TopKBars } from "./_bars.tsx";
import type { Counts } from "../lib/store/mod.ts";
import type { QueueItem as Item } from "../routes/_lib/label.ts";
import { useHydrated } from "./_hydrated.ts";
import { errorText } from "./_sse.ts";

interface Props {
  items: Item[];
  counts: Counts;
  classes: string[];
  below: number;
  strategy: string;
  strategies: string[];
  recent: Item[];
  csrf: string;
}

const NAMES: Record<string, string> = {
  least_confidence: "Least confidence",
  margin: "Smallest margin",
  entropy: "Highest entropy",
  newest: "Newest first",
};

/** The key that labels a class: its name when it is one character, else its index. */
function keyOf(classes: string[], i: number): string {
  const c = classes[i]!;
  return c.length === 1 ? c : i < 10 ? String(i) : "";
}

/** The labeling queue: image, prediction, class buttons and keyboard shortcuts. */
export default function LabelQueue(props: Props) {
  const [items, setItems] = useState(props.items);
  const [counts, setCounts] = useState(props.counts);
  const [recent, setRecent] = useState(props.recent);
  const [at, setAt] = useState(0);
  const [below, setBelow] = useState(props.below);
  const [strategy, setStrategy] = useState(props.strategy);
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  // Read by handlers that may run before the next render: a key pressed right after an
  // answer arrived must see the new item, and a second key during a request must wait.
  const busyNow = useRef(false);
  const hydrated = useHydrated();
  const item = items[Math.min(at, items.length - 1)];

  async function reload(b = below, s = strategy) {
    busyNow.current = true;
    setBusy(true);
    try {
      const q = `below=${b}&strategy=${encodeURIComponent(s)}`;
      const res = await fetch(`/api/admin/queue?${q}`, { headers: { accept: "application/json" } });
      if (!res.ok) throw new Error(await errorText(res));
      const body = await res.json() as { items: Item[]; counts: Counts };
      setItems(body.items);
      setCounts(body.counts);
      setAt(0);
      history.replaceState(null, "", `?${q}`);
    } catch (err) {
      setMessage((err as Error).message);
    } finally {
      busyNow.current = false;
      setBusy(false);
    }
  }

  async function send(kind: "label" | "skip", label?: string) {
    if (!item || busyNow.current) return;
    busyNow.current = true;
    setBusy(true);
    try {
      const res = await fetch(`/api/admin/examples/${encodeURIComponent(item.id)}/${kind}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": props.csrf },
        body: JSON.stringify(kind === "label" ? { label } : {}),
      });
      if (!res.ok) throw new Error(await errorText(res));
      const done = await res.json() as Item;
      const rest = items.filter((i) => i.id !== item.id);
      setItems(rest);
      setAt(Math.min(at, Math.max(0, rest.length - 1)));
      setCounts({
        ...counts,
        unlabeled: counts.unlabeled - 1,
        labeled: counts.labeled + (kind === "label" ? 1 : 0),
        skipped: counts.skipped + (kind === "skip" ? 1 : 0),
      });
      if (kind === "label") setRecent([done, ...recent].slice(0, 8));
      setMessage(kind === "label" ? `Labeled as ${label}` : "Skipped");
      busyNow.current = false;
      if (rest.length === 0 && counts.unlabeled > 1) await reload();
    } catch (err) {
      setMessage((err as Error).message);
    } finally {
      busyNow.current = false;
      setBusy(false);
    }
  }

  // The handler of this render, swapped in as the render happens (an effect would run only
  // after paint, leaving the previous item's handler in place for a fast key press).
  const onKey = useRef<(e: KeyboardEvent) => void>(() => {});
  onKey.current = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement | null;
    if (e.ctrlKey || e.metaKey || e.altKey || target?.closest("input, select, textarea")) return;
    const i = props.classes.findIndex((_, k) => keyOf(props.classes, k) === e.key);
    if (i >= 0) send("label", props.classes[i]);
    else if (e.key === "s") send("skip");
    else if (e.key === "ArrowRight") setAt(Math.min(at + 1, items.length - 1));
    else if (e.key === "ArrowLeft") setAt(Math.max(at - 1, 0));
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    const listener = (e: KeyboardEvent) => onKey.current(e);
    addEventListener("keydown", listener);
    return () => removeEventListener("keydown", listener);
  }, []);

  const done = counts.labeled + counts.skipped;
  return (
    <div class="label-queue" data-hydrated={hydrated ? "yes" : "no"}>
      <section class="card controls">
        <label class="field grow">
          <span>
            Confidence below <strong id="below-value">{pct(below)}</strong>
          </span>
          <input
            id="below"
            type="range"
            min="0.05"
            max="1"
            step="0.01"
            value={below}
            onInput={(e) => setBelow(Number(e.currentTarget.value))}
            onChange={(e) => reload(Number(e.currentTarget.value))}
          />
        </label>
        <label class="field">
          <span>Order</span>
          <select
            id="strategy"
            value={strategy}
            onChange={(e) => {
              setStrategy(e.currentTarget.value);
              reload(below, e.currentTarget.value);
            }}
          >
            {props.strategies.map((s) => <option key={s} value={s}>{NAMES[s] ?? s}</option>)}
          </select>
        </label>
        <div class="progress-block">
          <span id="progress">
            {`${done} of ${counts.total} done · ${counts.labeled} labeled · ${counts.skipped} skipped`}
          </span>
          <span class="progress">
            <span
              class="progress-fill"
              style={{ width: counts.total ? `${(100 * done) / counts.total}%` : "0%" }}
            />
          </span>
        </div>
      </section>
      {item
        ? (
          <section class="card current" id="current" data-id={item.id}>
            <div class="current-image">
              <img
                src={`/api/admin/examples/${encodeURIComponent(item.id)}/image`}
                alt="Example to label"
              />
            </div>
            <div class="current-info">
              <p class="verdict">
                <span class="muted">Predicted</span>{" "}
                <span class="big-label" id="predicted">{item.predicted}</span>{" "}
                <span id="confidence">{pct(item.confidence)}</span>
              </p>
              <p class="muted small">
                {`${item.model} v${item.version} · ${
                  item.createdAt.slice(0, 19).replace("T", " ")
                } · ${at + 1} of ${items.length} loaded`}
              </p>
              <TopKBars rows={item.topK.slice(0, 3)} small />
              <div class="class-buttons" role="group" aria-label="Label as">
                {props.classes.map((c, i) => (
                  <button
                    key={c}
                    type="button"
                    class="class-button"
                    disabled={busy}
                    onClick={() => send("label", c)}
                  >
                    {c}
                    {keyOf(props.classes, i) !== c && keyOf(props.classes, i) && (
                      <kbd>{keyOf(props.classes, i)}</kbd>
                    )}
                  </button>
                ))}
              </div>
              <div class="row">
                <button
                  type="button"
                  class="secondary"
                  disabled={at === 0}
                  onClick={() => setAt(at - 1)}
                >
                  ← Previous
                </button>
                <button
                  type="button"
                  class="secondary"
                  id="skip"
                  disabled={busy}
                  onClick={() => send("skip")}
                >
                  Skip (s)
                </button>
                <button
                  type="button"
                  class="secondary"
                  disabled={at >= items.length - 1}
                  onClick={() => setAt(at + 1)}
                >
                  Next →
                </button>
              </div>
            </div>
          </section>
        )
        : (
          <section class="card" id="queue-empty">
            <p>Nothing to label below {pct(below)}: raise the threshold or predict more images.</p>
          </section>
        )}
      {message && <p class="muted" id="label-message" role="status">{message}</p>}
      {recent.length > 0 && (
        <section class="card">
          <h2>Recently labeled</h2>
          <ul class="recent" id="recent">
            {recent.map((r) => (
              <li key={r.id}>
                <img src={`/api/admin/examples/${encodeURIComponent(r.id)}/image`} alt="" />
                <span class="recent-label">{r.humanLabel}</span>
                <span class="muted small">{`predicted ${r.predicted}`}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
