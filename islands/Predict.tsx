import { useEffect, useRef, useState } from "preact/hooks";
import { errorText, readEvents } from "./_sse.ts";

interface ModelChoice {
  name: string;
  versions: string[];
  defaultVersion: string;
}

interface Prediction {
  model: string;
  version: string;
  topK: { label: string; probability: number }[];
  filename?: string;
  example?: { id: string; store: string };
  storeError?: string;
}

interface Props {
  models: ModelChoice[];
  /** Advice on (`note`: the LLM) or off (`note`: why). */
  advice: { enabled: boolean; note: string };
  storeOn: boolean;
  maxBytes: number;
}

const SIZE = 280;

function pct(p: number): string {
  return `${(p * 100).toFixed(1)}%`;
}

function resetPad(canvas: HTMLCanvasElement | null): void {
  const g = canvas?.getContext("2d");
  if (!g) return;
  g.fillStyle = "#000";
  g.fillRect(0, 0, SIZE, SIZE);
}

/** The predict form: model choice, upload or drawing, top-k bars and streamed advice. */
export default function Predict(props: Props) {
  const first = props.models[0];
  const [choice, setChoice] = useState(first ? `${first.name}@` : "");
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState("");
  const [ink, setInk] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Prediction | null>(null);
  const [error, setError] = useState("");
  const [advice, setAdvice] = useState({ text: "", state: "idle" });
  const [over, setOver] = useState(false);
  const pad = useRef<HTMLCanvasElement>(null);
  const last = useRef<[number, number] | null>(null);
  const aborter = useRef<AbortController | null>(null);

  useEffect(() => resetPad(pad.current), []);
  useEffect(() => () => preview && URL.revokeObjectURL(preview), [preview]);

  function pick(f: File | undefined | null) {
    if (!f) return;
    if (f.size > props.maxBytes) {
      setError(`"${f.name}" is larger than ${props.maxBytes} bytes`);
      return;
    }
    setError("");
    setFile(f);
    setPreview(URL.createObjectURL(f));
  }

  function point(e: PointerEvent): [number, number] {
    const r = pad.current!.getBoundingClientRect();
    return [(e.clientX - r.left) * SIZE / r.width, (e.clientY - r.top) * SIZE / r.height];
  }

  function stroke(e: PointerEvent) {
    const g = pad.current?.getContext("2d");
    if (!g || !last.current) return;
    const [x, y] = point(e);
    g.strokeStyle = "#fff";
    g.lineWidth = 22;
    g.lineCap = "round";
    g.beginPath();
    g.moveTo(...last.current);
    g.lineTo(x, y);
    g.stroke();
    last.current = [x, y];
    setInk(true);
  }

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

  function predictDrawing() {
    pad.current?.toBlob((blob) => blob && predict(blob, "drawing.png"), "image/png");
  }

  const top = result?.topK[0];
  return (
    <div class="predict">
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
          <label
            class={`dropzone${over ? " over" : ""}`}
            onDragOver={(e) => {
              e.preventDefault();
              setOver(true);
            }}
            onDragLeave={() => setOver(false)}
            onDrop={(e) => {
              e.preventDefault();
              setOver(false);
              pick(e.dataTransfer?.files[0]);
            }}
          >
            <input
              id="upload"
              type="file"
              accept="image/*"
              onChange={(e) => pick(e.currentTarget.files?.[0])}
            />
            {preview
              ? <img class="preview" src={preview} alt="The chosen image" />
              : <span>Drop an image here, or click to choose one</span>}
            {file && <span class="file-name">{file.name}</span>}
          </label>
          <button
            id="predict-upload"
            type="button"
            disabled={!file || busy}
            onClick={() => file && predict(file, file.name)}
          >
            Predict upload
          </button>
        </section>
        <section class="card">
          <h2>Draw a digit</h2>
          <canvas
            id="pad"
            ref={pad}
            class="pad"
            width={SIZE}
            height={SIZE}
            onPointerDown={(e) => {
              e.currentTarget.setPointerCapture(e.pointerId);
              last.current = point(e);
              stroke(e);
            }}
            onPointerMove={stroke}
            onPointerUp={() => last.current = null}
          />
          <div class="row">
            <button
              type="button"
              class="secondary"
              onClick={() => {
                resetPad(pad.current);
                setInk(false);
              }}
            >
              Clear
            </button>
            <button
              id="predict-drawing"
              type="button"
              disabled={!ink || busy}
              onClick={predictDrawing}
            >
              Predict drawing
            </button>
          </div>
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
                <ol class="bars">
                  {result!.topK.map((e) => (
                    <li key={e.label}>
                      <span class="bar-label">{e.label}</span>
                      <span class="bar-track">
                        <span class="bar-fill" style={{ width: pct(e.probability) }} />
                      </span>
                      <span class="bar-value">{pct(e.probability)}</span>
                    </li>
                  ))}
                </ol>
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
