import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

interface Series {
  name: string;
  x: number[];
  y: number[];
}

interface Props {
  /** Chart id (tests and styling). */
  id: string;
  title: string;
  series: Series[];
  xLabel?: string;
  height?: number;
}

const COLORS = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2"];

/** Series on one x axis (the union of their steps; missing points are gaps). */
function align(series: Series[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const row: (number | null)[] = new Array(xs.length).fill(null);
    s.x.forEach((x, i) => row[index.get(x)!] = s.y[i]!);
    return row;
  });
  return [xs, ...ys] as uPlot.AlignedData;
}

function last(s: Series): string {
  const v = s.y[s.y.length - 1];
  return v === undefined ? "—" : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4);
}

/** Metric curves drawn with uPlot; the server renders the last values, the browser the chart. */
export default function Curves(props: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || props.series.length === 0) return;
    el.replaceChildren();
    const width = () => Math.max(280, el.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: props.height ?? 260,
        scales: { x: { time: false } },
        axes: [{ label: props.xLabel ?? "step" }, {}],
        series: [
          { label: props.xLabel ?? "step" },
          ...props.series.map((s, i) => ({
            label: s.name,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            spanGaps: true,
            points: { show: s.x.length < 40 },
          })),
        ],
      },
      align(props.series),
      el,
    );
    const resize = () => plot.setSize({ width: width(), height: props.height ?? 260 });
    addEventListener("resize", resize);
    el.dataset.drawn = "yes";
    return () => {
      removeEventListener("resize", resize);
      plot.destroy();
    };
  }, [props.series]);
  return (
    <figure class="chart" id={props.id}>
      <figcaption>{props.title}</figcaption>
      <div class="chart-box" ref={box} style={{ minHeight: `${(props.height ?? 260) + 40}px` }}>
        <ul class="chart-fallback">
          {props.series.map((s) => (
            <li key={s.name}>{`${s.name}: ${last(s)} (last of ${s.y.length})`}</li>
          ))}
        </ul>
      </div>
    </figure>
  );
}
