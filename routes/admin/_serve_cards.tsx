// The serving page's cards: server status, served models (with candidate versions beside the
// default and the Promote button), registration, the model store.
import type {
  ArchiveEntry,
  Candidate,
  ModelInfo,
  ServerStatus,
  VersionFigures,
} from "../../lib/app/mod.ts";
import type { PromotionPolicy, ServerConfig } from "../../lib/serve/mod.ts";
import { Banner, CsrfField, formatBytes, formatValue } from "../_lib/components.tsx";

/** What the serving page shows. */
export interface Data {
  status: ServerStatus;
  models: ModelInfo[];
  modelsError?: string;
  archives: ArchiveEntry[];
  archivesError?: string;
  modelStore: string;
  defaults: ServerConfig;
  /** Non-default versions beside their model's default, per the promotion policy. */
  candidates: Candidate[];
  policy: PromotionPolicy;
  flash?: { ok: boolean; text: string };
}

export function ServerCard({ data, csrf }: { data: Data; csrf: string }) {
  const s = data.status;
  return (
    <section class="card">
      <h2>Model server</h2>
      <p>
        <span id="server-state" class={`pill ${s.up ? "pill-ok" : "pill-off"}`}>
          {s.up ? "Running" : "Stopped"}
        </span>{" "}
        <span class="muted">
          {{
            "in-process": "in the app's process",
            background: `in the background (pid ${s.pid})`,
            external: "started outside the app",
            stopped: "not answering",
          }[s.mode]}
        </span>
      </p>
      <dl class="kv">
        <dt>Inference</dt>
        <dd>
          <code>{s.urls.inference}</code>
        </dd>
        <dt>Management</dt>
        <dd>
          <code>{s.urls.management}</code>
        </dd>
        <dt>Metrics</dt>
        <dd>
          <code>{s.urls.metrics}</code>
        </dd>
      </dl>
      <form method="post" class="row">
        <CsrfField token={csrf} />
        {s.up
          ? (
            <button type="submit" name="action" value="stop" class="danger" id="server-stop">
              Stop
            </button>
          )
          : (
            <>
              <input type="hidden" name="action" value="start" />
              <button type="submit" name="mode" value="in-process" id="server-start">
                Start in the app
              </button>
              <button type="submit" name="mode" value="background" class="secondary">
                Start in the background
              </button>
            </>
          )}
      </form>
    </section>
  );
}

function VersionRow({ m, v, csrf }: { m: ModelInfo; v: ModelInfo["versions"][0]; csrf: string }) {
  const hidden = (
    <>
      <CsrfField token={csrf} />
      <input type="hidden" name="model" value={m.name} />
      <input type="hidden" name="version" value={v.version} />
    </>
  );
  const ready = v.workers.filter((w) => w.status === "READY").length;
  return (
    <tr data-model={m.name} data-version={v.version}>
      <td>
        <strong>{v.version}</strong> {v.isDefault && <span class="pill pill-ok">default</span>}
      </td>
      <td>
        <code>{v.url}</code>
      </td>
      <td class="num">
        {typeof v.metrics.accuracy === "number" ? formatValue(v.metrics.accuracy) : "—"}
      </td>
      <td class="workers">{`${ready} ready · min ${v.minWorkers} · max ${v.maxWorkers}`}</td>
      <td>{`${v.batchSize} / ${v.maxBatchDelay} ms / ${v.responseTimeout} s`}</td>
      <td class="actions">
        <form method="post" class="inline scale-form">
          {hidden}
          <input type="hidden" name="action" value="scale" />
          <label class="mini">
            min
            <input name="min_worker" type="number" min="0" value={v.minWorkers} />
          </label>
          <label class="mini">
            max
            <input name="max_worker" type="number" min="0" value={v.maxWorkers} />
          </label>
          <button type="submit" class="secondary">Scale</button>
        </form>
        <form method="post" class="inline">
          {hidden}
          <button type="submit" name="action" value="unregister" class="danger">Unregister</button>
        </form>
        <details>
          <summary>Details</summary>
          <pre>{JSON.stringify(v.details, null, 2)}</pre>
        </details>
      </td>
    </tr>
  );
}

export function ModelsCard({ data, csrf }: { data: Data; csrf: string }) {
  return (
    <section class="card wide">
      <h2>Served models</h2>
      {data.modelsError && <Banner kind="error">{data.modelsError}</Banner>}
      {!data.status.up && <p class="muted">Start the server to see and change its models.</p>}
      {data.status.up && data.models.length === 0 && !data.modelsError && (
        <p class="muted" id="no-models">No model is registered: register one below.</p>
      )}
      {data.models.map((m) => (
        <div class="model-block" id={`model-${m.name}`}>
          <h3>{m.name}</h3>
          <div class="scroll">
            <table class="table">
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Archive</th>
                  <th>Accuracy</th>
                  <th>Workers</th>
                  <th>Batch / delay / timeout</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                {m.versions.map((v) => <VersionRow key={v.version} m={m} v={v} csrf={csrf} />)}
              </tbody>
            </table>
          </div>
          {data.candidates.filter((c) => c.model === m.name).map((c) => (
            <CandidateCompare key={c.candidate.version} c={c} policy={data.policy} csrf={csrf} />
          ))}
        </div>
      ))}
    </section>
  );
}

export function RegisterCard({ data, csrf }: { data: Data; csrf: string }) {
  const d = data.defaults;
  return (
    <section class="card">
      <h2>Register a model</h2>
      <form method="post" class="form" id="register-form">
        <CsrfField token={csrf} />
        <input type="hidden" name="action" value="register" />
        <label class="field">
          <span>Archive in the model store</span>
          <select name="archive">
            <option value="">—</option>
            {data.archives.filter((a) => !a.error).map((a) => (
              <option value={a.file}>{a.file}</option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>or a path / URL</span>
          <input name="path" placeholder="path/to/model.mar or https://…" />
        </label>
        <label class="field">
          <span>Model name</span>
          <input name="model_name" placeholder="from the archive" />
        </label>
        <div class="grid4">
          <label class="field">
            <span>batch_size</span>
            <input name="batch_size" type="number" min="1" value={d.batchSize} />
          </label>
          <label class="field">
            <span>max_batch_delay (ms)</span>
            <input name="max_batch_delay" type="number" min="0" value={d.maxBatchDelay} />
          </label>
          <label class="field">
            <span>initial_workers</span>
            <input name="initial_workers" type="number" min="0" value={1} />
          </label>
          <label class="field">
            <span>response_timeout (s)</span>
            <input name="response_timeout" type="number" min="1" value={d.defaultResponseTimeout} />
          </label>
        </div>
        <button type="submit" disabled={!data.status.up}>Register</button>
      </form>
    </section>
  );
}

export function StoreCard({ data }: { data: Data }) {
  return (
    <section class="card">
      <h2>Model store</h2>
      <p class="muted">
        <code>{data.modelStore}</code>
      </p>
      {data.archivesError && <Banner kind="error">{data.archivesError}</Banner>}
      {data.archives.length === 0
        ? <p class="muted">No .mar archive yet: make one with deno task archive.</p>
        : (
          <div class="scroll">
            <table class="table" id="archives">
              <thead>
                <tr>
                  <th>File</th>
                  <th>Model</th>
                  <th>Version</th>
                  <th>Accuracy</th>
                  <th>Size</th>
                  <th>Modified</th>
                </tr>
              </thead>
              <tbody>
                {data.archives.map((a) => (
                  <tr>
                    <td>
                      <code>{a.file}</code>
                    </td>
                    <td>{a.error ? <span class="error-text">{a.error}</span> : a.modelName}</td>
                    <td>{a.modelVersion ?? ""}</td>
                    <td>
                      {a.metrics?.accuracy !== undefined ? formatValue(a.metrics.accuracy) : ""}
                    </td>
                    <td>{formatBytes(a.bytes)}</td>
                    <td>{a.modified.slice(0, 19).replace("T", " ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}

const FIGURES: [string, (f: VersionFigures) => string][] = [
  ["Accuracy", (f) => f.accuracy === null ? "—" : `${(f.accuracy * 100).toFixed(2)}%`],
  ["Latency p50", (f) => f.latencyMs === null ? "—" : `${f.latencyMs.toFixed(4)} ms`],
  ["Size", (f) => f.sizeBytes === null ? "—" : `${(f.sizeBytes / 1e6).toFixed(3)} MB`],
  ["Optimization", (f) => f.optimization ?? "—"],
];

function policyText(p: PromotionPolicy): string {
  const op = p.mode === "max" ? "≥" : "≤";
  const sign = p.mode === "max" ? "+" : "−";
  return `${p.metric} ${op} the default's${p.minDelta ? ` ${sign} ${p.minDelta}` : ""}`;
}

/** A candidate version beside the default: figures, the policy's verdict, Promote. */
function CandidateCompare(
  { c, policy, csrf }: { c: Candidate; policy: PromotionPolicy; csrf: string },
) {
  const ok = c.decision.allowed;
  return (
    <div class="candidate" data-candidate={`${c.model}/${c.candidate.version}`}>
      <h4>
        Candidate {c.candidate.version}{" "}
        <span class="muted">beside the default {c.current.version}</span>
      </h4>
      <table class="table compact compare">
        <thead>
          <tr>
            <th></th>
            <th>Default {c.current.version}</th>
            <th>Candidate {c.candidate.version}</th>
          </tr>
        </thead>
        <tbody>
          {FIGURES.map(([name, show]) => (
            <tr>
              <td>{name}</td>
              <td class="num">{show(c.current)}</td>
              <td class="num">{show(c.candidate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class={ok ? "policy-verdict policy-ok" : "policy-verdict policy-no"}>
        {ok ? "Policy allows promotion: " : "Policy keeps it a candidate: "}
        {c.decision.reason}
        <span class="muted">{` (policy: ${policyText(policy)})`}</span>
      </p>
      <form method="post" class="row promote-form">
        <CsrfField token={csrf} />
        <input type="hidden" name="model" value={c.model} />
        <input type="hidden" name="version" value={c.candidate.version} />
        <label class="mini">
          <input type="checkbox" name="force" value="1" /> force (ignore the policy)
        </label>
        <button type="submit" name="action" value="promote" class={ok ? "" : "secondary"}>
          Promote {c.candidate.version}
        </button>
      </form>
    </div>
  );
}
