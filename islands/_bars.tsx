// Top-k probabilities as horizontal bars, shared by the predict and labeling islands.

/** A probability as a percentage with one decimal. */
export function pct(p: number): string {
  return `${(p * 100).toFixed(1)}%`;
}

/** One bar per class: label, bar, percentage. */
export function TopKBars(
  props: { rows: { label: string; probability: number }[]; small?: boolean },
) {
  return (
    <ol class={props.small ? "bars small" : "bars"}>
      {props.rows.map((e) => (
        <li key={e.label}>
          <span class="bar-label">{e.label}</span>
          <span class="bar-track">
            <span class="bar-fill" style={{ width: pct(e.probability) }} />
          </span>
          <span class="bar-value">{pct(e.probability)}</span>
        </li>
      ))}
    </ol>
  );
}
