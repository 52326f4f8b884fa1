// Symbolic evaluation of shape-computation subgraphs: the small integer
// tensors that Shape, Gather, Unsqueeze/Squeeze, Concat, Slice, Cast and
// integer Add/Sub/Mul/Div compute from input dims and constants. An entry is
// a known int, a symbolic dim (a string: the same string is the same size at
// run time), or null when unknown.

import type { Dim, DType, Graph, Node } from "../onnx/mod.ts";
import { constValue, isStandard } from "./_graph.ts";

/** Tensors with more elements than this are not tracked. */
const MAX_ELEMENTS = 64;

/** A tracked integer tensor (rank 0 or more, entries row-major). */
export interface ShapeValue {
  dtype: DType;
  dims: number[];
  entries: Dim[];
}

/** What the evaluator needs to know of the graph's tensors. */
export type DimsOf = (name: string) => Dim[] | undefined;

/** The op types whose outputs this module evaluates. */
export const SHAPE_OPS: ReadonlySet<string> = new Set([
  "Shape",
  "Gather",
  "Unsqueeze",
  "Squeeze",
  "Concat",
  "Slice",
  "Cast",
  "Identity",
  "Add",
  "Sub",
  "Mul",
  "Div",
]);

/** Whether every entry is a known int. */
export function allKnown(v: ShapeValue): boolean {
  return v.entries.every((e) => typeof e === "number");
}

/**
 * Evaluates every shape-computation value of the graph, in topological order.
 *
 * @returns Tracked values by name (constants included).
 */
export function evaluateShapes(
  graph: Graph,
  dimsOf: DimsOf,
  opset: number,
): Map<string, ShapeValue> {
  const values = new Map<string, ShapeValue>();
  const get = (name: string | undefined): ShapeValue | undefined => {
    if (name === undefined || name === "") return undefined;
    const known = values.get(name);
    if (known) return known;
    const t = constValue(graph, name);
    // NOTE: int32/int64 only: narrower ints would wrap in arithmetic.
    if (!t || (t.dtype !== "int64" && t.dtype !== "int32") || t.data.length > MAX_ELEMENTS) {
      return undefined;
    }
    const v = {
      dtype: t.dtype,
      dims: [...t.dims],
      entries: Array.from(t.data as ArrayLike<number | bigint>, Number),
    };
    values.set(name, v);
    return v;
  };
  for (const node of graph.topologicalOrder()) {
    if (!isStandard(node) || !SHAPE_OPS.has(node.opType) || node.outputs.length !== 1) continue;
    const v = evalNode(node, get, dimsOf, opset);
    if (v && v.entries.length <= MAX_ELEMENTS) values.set(node.outputs[0]!, v);
  }
  return values;
}

type Get = (name: string | undefined) => ShapeValue | undefined;

function evalNode(node: Node, get: Get, dimsOf: DimsOf, opset: number): ShapeValue | undefined {
  switch (node.opType) {
    case "Shape":
      return shapeOf(node, dimsOf);
    case "Gather":
      return gather(node, get);
    case "Unsqueeze":
    case "Squeeze":
      return squeezeOrUnsqueeze(node, get, opset);
    case "Concat":
      return concat(node, get);
    case "Slice":
      return slice(node, get, opset);
    case "Cast": {
      const x = get(node.inputs[0]);
      const to = node.getInt("to");
      // NOTE: int32 (6) and int64 (7) only; sizes fit both.
      if (!x || (to !== 6 && to !== 7)) return undefined;
      return { ...x, dtype: to === 6 ? "int32" : "int64" };
    }
    case "Identity":
      return get(node.inputs[0]);
    default:
      return arithmetic(node, get);
  }
}

function shapeOf(node: Node, dimsOf: DimsOf): ShapeValue | undefined {
  const dims = dimsOf(node.inputs[0]!);
  if (!dims) return undefined;
  const r = dims.length;
  const clamp = (v: number) => Math.min(r, Math.max(0, v < 0 ? v + r : v));
  const start = clamp(node.getInt("start", 0));
  const end = clamp(node.getInt("end", r));
  const entries = dims.slice(start, Math.max(start, end));
  return { dtype: "int64", dims: [entries.length], entries };
}

function gather(node: Node, get: Get): ShapeValue | undefined {
  const x = get(node.inputs[0]);
  const idx = get(node.inputs[1]);
  if (!x || !idx || x.dims.length !== 1 || !allKnown(idx)) return undefined;
  if (node.getInt("axis", 0) !== 0 && node.getInt("axis", 0) !== -1) return undefined;
  const n = x.entries.length;
  const entries: Dim[] = [];
  for (const i of idx.entries as number[]) {
    if (i < -n || i >= n) return undefined;
    entries.push(x.entries[i < 0 ? i + n : i]!);
  }
  return { dtype: x.dtype, dims: [...idx.dims], entries };
}

function squeezeOrUnsqueeze(node: Node, get: Get, opset: number): ShapeValue | undefined {
  const x = get(node.inputs[0]);
  if (!x) return undefined;
  let axes: number[] | undefined;
  if (opset >= 13) {
    const a = node.inputs[1] ? get(node.inputs[1]) : undefined;
    axes = a && allKnown(a) ? (a.entries as number[]) : node.inputs[1] ? undefined : [];
  } else axes = node.getInts("axes", []);
  if (!axes) return undefined;
  if (node.opType === "Squeeze") {
    const r = x.dims.length;
    const drop = new Set(axes.map((a) => (a < 0 ? a + r : a)));
    const dims = x.dims.filter((d, i) => (drop.size === 0 ? d !== 1 : !drop.has(i)));
    return { ...x, dims };
  }
  const r = x.dims.length + axes.length;
  const add = new Set(axes.map((a) => (a < 0 ? a + r : a)));
  const dims: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) dims.push(add.has(i) ? 1 : x.dims[k++]!);
  return { ...x, dims };
}

function concat(node: Node, get: Get): ShapeValue | undefined {
  const parts = node.inputs.map((i) => get(i));
  if (parts.length === 0 || parts.some((p) => !p || p.dims.length !== 1)) return undefined;
  const axis = node.getInt("axis", 0);
  if (axis !== 0 && axis !== -1) return undefined;
  const entries = parts.flatMap((p) => p!.entries);
  return { dtype: parts[0]!.dtype, dims: [entries.length], entries };
}

function slice(node: Node, get: Get, opset: number): ShapeValue | undefined {
  const x = get(node.inputs[0]);
  if (!x || x.dims.length !== 1) return undefined;
  const ints = (i: number, attr: string, fallback?: number[]) => {
    if (opset < 10) return node.hasAttr(attr) ? node.getInts(attr) : fallback;
    if (!node.inputs[i]) return fallback;
    const v = get(node.inputs[i]);
    return v && allKnown(v) ? (v.entries as number[]) : undefined;
  };
  const starts = ints(1, "starts");
  const ends = ints(2, "ends");
  const axes = ints(3, "axes", [0]);
  const steps = ints(4, "steps", [1]);
  if (!starts || !ends || !axes || !steps || starts.length !== 1 || ends.length !== 1) {
    return undefined;
  }
  if ((axes[0] !== 0 && axes[0] !== -1) || steps[0] === 0) return undefined;
  const n = x.entries.length;
  const step = steps[0]!;
  const fix = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v < 0 ? v + n : v));
  const [s, e] = step > 0
    ? [fix(starts[0]!, 0, n), fix(ends[0]!, 0, n)]
    : [fix(starts[0]!, -1, n - 1), fix(ends[0]!, -1, n - 1)];
  const entries: Dim[] = [];
  for (let k = s; step > 0 ? k < e : k > e; k += step) entries.push(x.entries[k]!);
  return { dtype: x.dtype, dims: [entries.length], entries };
}

const OPS: Record<string, (a: number, b: number) => number | undefined> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  // Integer Div truncates toward zero.
  Div: (a, b) => (b === 0 ? undefined : Math.trunc(a / b)),
};

/** Integer Add/Sub/Mul/Div of rank <= 1 operands (trivial symbolic cases kept). */
function arithmetic(node: Node, get: Get): ShapeValue | undefined {
  const f = OPS[node.opType];
  const a = get(node.inputs[0]);
  const b = get(node.inputs[1]);
  if (!f || !a || !b || a.dims.length > 1 || b.dims.length > 1) return undefined;
  const na = a.entries.length;
  const nb = b.entries.length;
  if (na !== nb && na !== 1 && nb !== 1) return undefined;
  const dims = a.dims.length >= b.dims.length && na >= nb ? a.dims : b.dims;
  const n = Math.max(na, nb);
  const entries: Dim[] = [];
  for (let k = 0; k < n; k++) {
    const x = a.entries[na === 1 ? 0 : k]!;
    const y = b.entries[nb === 1 ? 0 : k]!;
    if (typeof x === "number" && typeof y === "number") {
      const r = f(x, y);
      if (r === undefined || !Number.isSafeInteger(r)) return undefined;
      if (a.dtype === "int32" && (r < -(2 ** 31) || r >= 2 ** 31)) return undefined;
      entries.push(r);
    } else entries.push(trivial(node.opType, x, y));
  }
  return { dtype: a.dtype, dims: [...dims], entries };
}

/** `s*1`, `s/1`, `s+0`, `s-0`, `1*s`, `0+s` keep the symbol; anything else is unknown. */
function trivial(op: string, x: Dim, y: Dim): Dim {
  if (typeof x === "string" && y === (op === "Mul" || op === "Div" ? 1 : 0)) return x;
  if (typeof y === "string" && x === (op === "Mul" ? 1 : op === "Add" ? 0 : NaN)) return y;
  return null;
}
