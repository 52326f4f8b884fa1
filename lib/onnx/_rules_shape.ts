// Inference rules of ops that move data around: Reshape, Flatten, Transpose,
// Concat, Split, Slice, Gather, Squeeze/Unsqueeze. Small values are carried
// along so that Shape → Gather → Unsqueeze → Concat → Reshape chains give
// static dims.

import { type Dim, formatDims } from "./value_info.ts";
import { dimAdd, dimDivide, dimProduct, dimsCompatible, normAxis } from "./_dims.ts";
import { MAX_TRACKED, type RuleContext, type ShapeRule, type TypeInfo } from "./_infer.ts";

/** Normalizes axis attribute/input values, failing on out-of-range ones. */
export function axesOf(ctx: RuleContext, axes: number[], rank: number): number[] {
  return axes.map((a) => {
    const n = normAxis(a, rank);
    if (n === undefined) ctx.fail(`axis ${a} is out of range for rank ${rank}`);
    return n;
  });
}

function reshape(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  const target = ctx.in(1);
  const allowZero = ctx.node.getInt("allowzero", 0) === 1;
  const spec = target.value;
  if (!spec) {
    const n = target.dims?.[0];
    return [{
      dtype: x.dtype,
      dims: typeof n === "number" ? new Array<Dim>(n).fill(null) : undefined,
    }];
  }
  const out: Dim[] = spec.map((
    d,
    i,
  ) => (d === 0 && !allowZero ? (x.dims ? x.dims[i] ?? null : null) : d));
  const hole = out.indexOf(-1);
  if (out.filter((d) => d === -1).length > 1) {
    ctx.fail(`shape ${formatDims(spec)} has more than one -1`);
  }
  const total = x.dims ? dimProduct(x.dims) : null;
  if (hole >= 0) {
    const known = dimProduct(out.filter((_, i) => i !== hole));
    out[hole] = total === null || known === null ? null : dimDivide(total, known);
    if (
      typeof total === "number" && typeof known === "number" && (known === 0 || total % known !== 0)
    ) {
      ctx.fail(`cannot reshape ${ctx.describe(0)} to ${formatDims(spec)}: ${total} elements`);
    }
  } else if (typeof total === "number") {
    const want = dimProduct(out);
    if (typeof want === "number" && want !== total) {
      ctx.fail(
        `cannot reshape ${ctx.describe(0)} to ${
          formatDims(spec)
        }: expected ${want} elements, got ${total}`,
      );
    }
  }
  return [{ dtype: x.dtype, dims: out, value: x.value }];
}

function flatten(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  if (!x.dims) return [{ dtype: x.dtype, dims: [null, null] }];
  const axis = ctx.node.getInt("axis", 1);
  const a = axis < 0 ? axis + x.dims.length : axis;
  if (a < 0 || a > x.dims.length) ctx.fail(`axis ${axis} is out of range for ${ctx.describe(0)}`);
  return [{
    dtype: x.dtype,
    dims: [dimProduct(x.dims.slice(0, a)), dimProduct(x.dims.slice(a))],
    value: x.value,
  }];
}

function transpose(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  if (!x.dims) return [{ dtype: x.dtype }];
  const r = x.dims.length;
  const perm = ctx.node.getInts("perm", [...Array(r).keys()].reverse());
  if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    ctx.fail(`perm [${perm.join(", ")}] is not a permutation of the axes of ${ctx.describe(0)}`);
  }
  return [{ dtype: x.dtype, dims: perm.map((p) => x.dims![p]!) }];
}

function concat(ctx: RuleContext): TypeInfo[] {
  const ins = ctx.node.inputs.map((_, i) => ctx.in(i));
  const dtype = ins.find((t) => t.dtype)?.dtype;
  const ranked = ins.find((t) => t.dims);
  if (!ranked) return [{ dtype }];
  const r = ranked.dims!.length;
  const axis = axesOf(ctx, [ctx.node.getInt("axis")], r)[0]!;
  const out: Dim[] = [...ranked.dims!];
  out[axis] = 0;
  for (let i = 0; i < ins.length; i++) {
    const d = ins[i]!.dims;
    if (!d) {
      out[axis] = null;
      continue;
    }
    if (d.length !== r) {
      ctx.fail(`inputs have different ranks: ${ctx.describe(0)} and ${ctx.describe(i)}`);
    }
    for (let k = 0; k < r; k++) {
      if (k === axis) continue;
      if (!dimsCompatible(out[k]!, d[k]!)) {
        ctx.fail(
          `inputs differ outside axis ${axis}: ${formatDims(ranked.dims)} and ${ctx.describe(i)}`,
        );
      }
      if (typeof out[k] !== "number" && d[k] !== null) out[k] = out[k] ?? d[k]!;
    }
    out[axis] = dimAdd(out[axis]!, d[axis]!);
  }
  const values = r === 1 && ins.every((t) => t.value) ? ins.flatMap((t) => t.value!) : undefined;
  return [{ dtype, dims: out, value: values && values.length <= MAX_TRACKED ? values : undefined }];
}

function split(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  const n = ctx.node.outputs.length;
  if (!x.dims) return Array.from({ length: n }, () => ({ dtype: x.dtype }));
  const axis = axesOf(ctx, [ctx.node.getInt("axis", 0)], x.dims.length)[0]!;
  const sizes = ctx.opset >= 13 ? ctx.ints(1) : ctx.node.getInts("split", []);
  const total = x.dims[axis]!;
  let parts: Dim[];
  if (sizes && sizes.length > 0) {
    if (sizes.length !== n) ctx.fail(`split has ${sizes.length} sizes for ${n} outputs`);
    const sum = sizes.reduce((a, b) => a + b, 0);
    if (typeof total === "number" && sum !== total) {
      ctx.fail(`split sizes sum to ${sum}, axis ${axis} of ${ctx.describe(0)} is ${total}`);
    }
    parts = sizes;
  } else if (ctx.has(1)) {
    parts = new Array(n).fill(null);
  } else if (typeof total === "number") {
    const each = Math.ceil(total / n);
    parts = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(each, total - i * each)));
  } else {
    parts = new Array(n).fill(dimDivide(total, n));
  }
  return parts.map((p) => ({ dtype: x.dtype, dims: x.dims!.map((d, k) => (k === axis ? p : d)) }));
}

function sliceParams(
  ctx: RuleContext,
): { starts?: number[]; ends?: number[]; axes?: number[]; steps?: number[] } {
  if (ctx.opset < 10) {
    return {
      starts: ctx.node.getInts("starts"),
      ends: ctx.node.getInts("ends"),
      axes: ctx.node.getInts("axes", []),
    };
  }
  return {
    starts: ctx.ints(1),
    ends: ctx.ints(2),
    axes: ctx.has(3) ? ctx.ints(3) : [],
    steps: ctx.has(4) ? ctx.ints(4) : [],
  };
}

function slice(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  if (!x.dims) return [{ dtype: x.dtype }];
  const p = sliceParams(ctx);
  if (!p.starts || !p.ends || !p.axes || !p.steps) {
    const known = ctx.has(3) ? ctx.ints(3) : undefined;
    const hit = known ? new Set(axesOf(ctx, known, x.dims.length)) : undefined;
    return [{ dtype: x.dtype, dims: x.dims.map((d, i) => (hit && !hit.has(i) ? d : null)) }];
  }
  const axes = p.axes.length ? axesOf(ctx, p.axes, x.dims.length) : p.starts.map((_, i) => i);
  const out = [...x.dims];
  const ranges: [number, number, number][] = [];
  axes.forEach((axis, i) => {
    const step = p.steps![i] ?? 1;
    if (step === 0) ctx.fail(`step 0 on axis ${axis}`);
    const d = x.dims![axis]!;
    if (typeof d !== "number") {
      out[axis] = p.starts![i] === 0 && p.ends![i]! >= 2 ** 31 - 1 && step === 1 ? d : null;
      return;
    }
    const [s, e] = sliceBounds(p.starts![i]!, p.ends![i]!, step, d);
    out[axis] = step > 0
      ? Math.max(0, Math.ceil((e - s) / step))
      : Math.max(0, Math.ceil((s - e) / -step));
    ranges[axis] = [s, e, step];
  });
  let value: Dim[] | undefined;
  if (x.value && x.dims.length === 1 && ranges[0]) {
    const [s, e, step] = ranges[0];
    value = [];
    for (let k = s; step > 0 ? k < e : k > e; k += step) value.push(x.value[k]!);
  } else if (x.value && x.dims.length === 1) value = x.value;
  return [{ dtype: x.dtype, dims: out, value }];
}

function sliceBounds(start: number, end: number, step: number, d: number): [number, number] {
  const fix = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v < 0 ? v + d : v));
  return step > 0
    ? [fix(start, 0, d), fix(end, 0, d)]
    : [fix(start, -1, d - 1), fix(end, -1, d - 1)];
}

function gather(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  const idx = ctx.in(1);
  if (!x.dims) return [{ dtype: x.dtype }];
  const axis = axesOf(ctx, [ctx.node.getInt("axis", 0)], x.dims.length)[0]!;
  if (!idx.dims) return [{ dtype: x.dtype }];
  const dims = [...x.dims.slice(0, axis), ...idx.dims, ...x.dims.slice(axis + 1)];
  const size = x.dims[axis]!;
  let value: Dim[] | undefined;
  const picks = ctx.ints(1);
  if (picks && typeof size === "number") {
    for (const p of picks) {
      if (p < -size || p >= size) {
        ctx.fail(`index ${p} is out of range for axis ${axis} of ${ctx.describe(0)}`);
      }
    }
    if (x.value && x.dims.length === 1) value = picks.map((p) => x.value![p < 0 ? p + size : p]!);
  }
  return [{ dtype: x.dtype, dims, value }];
}

function squeeze(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  if (!x.dims) return [{ dtype: x.dtype }];
  const given = ctx.opset >= 13 ? (ctx.has(1) ? ctx.ints(1) : []) : ctx.node.getInts("axes", []);
  if (given === undefined) return [{ dtype: x.dtype }];
  if (given.length === 0) {
    if (x.dims.some((d) => typeof d !== "number")) return [{ dtype: x.dtype }];
    return [{ dtype: x.dtype, dims: x.dims.filter((d) => d !== 1), value: x.value }];
  }
  const axes = new Set(axesOf(ctx, given, x.dims.length));
  for (const a of axes) {
    const d = x.dims[a];
    if (typeof d === "number" && d !== 1) {
      ctx.fail(`cannot squeeze axis ${a} of ${ctx.describe(0)}: size ${d}`);
    }
  }
  return [{ dtype: x.dtype, dims: x.dims.filter((_, i) => !axes.has(i)), value: x.value }];
}

function unsqueeze(ctx: RuleContext): TypeInfo[] {
  const x = ctx.in(0);
  const given = ctx.opset >= 13 ? ctx.ints(1) : ctx.node.getInts("axes");
  if (!x.dims || !given) return [{ dtype: x.dtype }];
  const rank = x.dims.length + given.length;
  const axes = new Set(axesOf(ctx, given, rank));
  const out: Dim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(axes.has(i) ? 1 : x.dims[k++]!);
  return [{ dtype: x.dtype, dims: out, value: x.value }];
}

/** Rules of this family. */
export const SHAPE_RULES: Record<string, ShapeRule> = {
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Concat: concat,
  Split: split,
  Slice: slice,
  Gather: gather,
  GatherElements: (ctx) => [{ dtype: ctx.in(0).dtype, dims: ctx.in(1).dims }],
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
};
