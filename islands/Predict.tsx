import { useRef, useState } from "preact/hooks";
import { DrawPad } from "./_draw_pad.tsx";
import { DropZone } from "./_drop_zone.tsx";
import type { Prediction } from "../lib/app/mod.ts";
import { pct, TopKBars } from "./_bars.tsx";
import { useHydrated } from "./_hydrated.ts";
import { errorText, readEvents } from "./_sse.ts";

interface ModelChoice {
  name: string;
  versions: string[];
  defaultVersion: string;
}

interface Props {
  models: ModelChoice[];
  /** Advice on (`note`: the LLM) or off (`note`: why). */
  advice: { enabled: boolean; note: string };
  storeOn: boolean;
  maxBytes: number;
}

/** The predict form: model choice, upload or drawing, top-k bars and streamed advice. */
export default function Predict(props: Props) {
  const first = props.models[0];
  const [choice, setChoice] = useState(first ? `${first.name}@` : "");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Prediction | null>(null);
  const [error, setError] = useState("");
  const [advice, setAdvice] = useState({ text: "", state: "idle" });
  const aborter = useRef<AbortController | null>(null);
  const hydrated = useHydrated();

  async function ask(p: Prediction) {
    aborter.current?.abort();
    if (!props.advice.enabled) return;
    const ctl = aborter.current = new AbortController();
    setAdvice({ text: "", state: "streaming" });
    let text = "";
    try {
      const res = await fetch("/api/advice", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          label: p.topK[0]!.label,
          confidence: p.topK[0]!.probability,
          topK: p.topK,
          model: `${p.model} v${p.version}`,
        }),
        signal: ctl.signal,
      });
      if (!res.ok) throw new Error(await errorText(res));
      await readEvents(res, (name, data) => {
        if (name === "chunk") setAdvice({ text: text += data, state: "streaming" });
        else if (name === "done") setAdvice({ text, state: "done" });
        else setAdvice({ text: data, state: name === "off" ? "off" : "error" });
      });
    } catch (err) {
      if (!ctl.signal.aborted) setAdvice({ text: (err as Error).message, state: "error" });
    }
  }

  async function predict(image: Blob, name: string) {
    setBusy(true);
    setError("");
    try {
      const form = new FormData();
      form.set("image", image, name);
      const [model, version] = choice.split("@");
      if (model) form.set("model", model);
      if (version) form.set("version", version);
      const res = await fetch("/api/predict", { method: "POST", body: form });
      if (!res.ok) throw new Error(await errorText(res));
      const p = await res.json() as Prediction;
      setResult(p);
      ask(p);
    } catch (err) {
      setResult(null);
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const top = result?.topK[0];
  return (
    <div class="predict" data-hydrated={hydrated ? "yes" : "no"}>
      <label class="field model-field">
        <span>Model</span>
        <select
          id="model"
          value={choice}
          disabled={props.models.length === 0}
          onChange={(e) => setChoice(e.currentTarget.value)}
        >
          {props.models.map((m) => [
            <option key={m.name} value={`${m.name}@`}>
              {`${m.name} (default: v${m.defaultVersion})`}
            </option>,
            ...(m.versions.length > 1
              ? m.versions.map((v) => (
                <option key={`${m.name}@${v}`} value={`${m.name}@${v}`}>{`${m.name} v${v}`}</option>
              ))
              : []),
          ])}
        </select>
      </label>
      <div class="predict-grid">
        <section class="card">
          <h2>Upload an image</h2>
          <DropZone
            busy={busy}
            maxBytes={props.maxBytes}
            onError={setError}
            onPredict={(f) => predict(f, f.name)}
          />
        </section>
        <section class="card">
          <h2>Draw a digit</h2>
          <DrawPad busy={busy} onPredict={(png) => predict(png, "drawing.png")} />
        </section>
        <section class="card result" aria-live="polite" aria-busy={busy}>
          <h2>Prediction</h2>
          {error && <div class="banner banner-error" role="alert">{error}</div>}
          {top
            ? (
              <div id="prediction">
                <p class="verdict">
                  <span id="predict-label" class="big-label">{top.label}</span>
                  <span>{pct(top.probability)} confident</span>
                </p>
                <TopKBars rows={result!.topK} />
                <p class="muted">
                  {`${result!.model} v${result!.version}`}
                  {result!.filename ? ` · ${result!.filename}` : ""}
                </p>
                {result!.example && (
                  <p class="muted" id="stored">
                    Kept for labeling ({result!.example.store} store)
                  </p>
                )}
                {result!.storeError && <div class="banner banner-warn">{result!.storeError}</div>}
              </div>
            )
            : <p class="muted">{busy ? "Predicting…" : "Upload or draw a digit, then predict."}</p>}
          {!props.storeOn && (
            <p class="muted">Predictions are not stored (web.store_predictions).</p>
          )}
          <h3>Advice</h3>
          {props.advice.enabled
            ? (
              <p id="advice" class={`advice advice-${advice.state}`}>
                {advice.text || (advice.state === "streaming"
                  ? "Asking…"
                  : `Advice from ${props.advice.note} appears here after a prediction.`)}
              </p>
            )
            : <p id="advice" class="advice advice-off">{props.advice.note}</p>}
        </section>
      </div>
    </div>
  );
}
