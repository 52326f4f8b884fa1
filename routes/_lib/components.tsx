// Server-rendered pieces shared by the pages (no client code).
import type { ComponentChildren } from "preact";

/** The hidden field that carries the CSRF token in a form. */
export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}

/** A message box: `warn` (something is missing), `error`, `ok` or `info`. */
export function Banner(
  props: { kind: "warn" | "error" | "ok" | "info"; children: ComponentChildren },
) {
  const role = props.kind === "error" || props.kind === "warn" ? "alert" : "status";
  return <div class={`banner banner-${props.kind}`} role={role}>{props.children}</div>;
}

/** The message a POST left for this page. */
export function Flash(props: { flash?: { ok: boolean; text: string } }) {
  if (!props.flash) return null;
  return (
    <Banner kind={props.flash.ok ? "ok" : "error"}>
      <span class="flash-text">{props.flash.text}</span>
    </Banner>
  );
}

/** Bytes as KB / MB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A metric value: 4 significant digits, or as is when not a number. */
export function formatValue(v: unknown): string {
  if (typeof v !== "number") return String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toFixed(0) : String(Number(v.toPrecision(4)));
}

/** A run's parameters as `key=value` tags. */
export function ParamTags({ params }: { params: Record<string, unknown> }) {
  return (
    <>
      {Object.entries(params).map(([k, v]) => (
        <span class="tag" key={k}>{`${k}=${formatValue(v)}`}</span>
      ))}
    </>
  );
}

/** A run's best metrics as `[prefix]key value` tags. */
export function MetricTags(
  { best, prefix = "" }: { best: Record<string, unknown>; prefix?: string },
) {
  return (
    <>
      {Object.entries(best).map(([k, v]) => (
        <span class="tag tag-metric" key={k}>{`${prefix}${k} ${formatValue(v)}`}</span>
      ))}
    </>
  );
}
