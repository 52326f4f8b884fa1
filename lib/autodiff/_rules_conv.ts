// Gradient rules of convolution and pooling.

import {
  type ConvWindow,
  convWindow,
  poolDivisors,
  type Tensor,
  tensor,
  type Value,
} from "../onnx/mod.ts";
import { type GradContext, type GradRule, range } from "./grad_context.ts";

function windowOf(c: GradContext, x: Value, kernel: number[]): ConvWindow {
  const dims = c.staticDims(x)?.slice(2) ??
    x.dims?.slice(2).map((d) => (typeof d === "number" ? d : NaN));
  if (!dims || dims.some((d) => Number.isNaN(d))) {
    c.fail(`the spatial dims of "${x.name}" must be static, got [${x.dims?.join(", ") ?? "?"}]`);
  }
  return convWindow(c.node, dims, kernel);
}

function product(xs: readonly number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}

/**
 * Conv: `dX = ConvTranspose(dY, W)` with the same window (see
 * `convInputGrad`); `dW` for 2-D convs with enough channels by one Conv over
 * the batch with the input laid out channels-last along the width (see
 * `convKernelGradWide`), else from the unfolded input (a grouped Conv with
 * one-hot kernels turns X into its patches, `[N, C·k, …out]`) times dY in one
 * batched MatMul, summed over the batch; `dB = Σ dY`.
 *
 * NOTE: the patches route runs 2 to 5 times faster in onnxruntime than a Conv
 * whose kernel is dY over the NCHW input (its GEMM has only kh·kw columns);
 * one group per channel keeps ORT from re-laying the unfold out in NCHWc
 * blocks.
 */
function conv(c: GradContext): (Value | undefined)[] {
  const x = c.x(0);
  const w = c.x(1);
  const dy = c.dy0;
  const wd = c.staticDims(w);
  if (!wd) c.fail(`the dims of the kernel "${w.name}" must be static`);
  const win = windowOf(c, x, wd.slice(2));
  const group = c.node.getInt("group", 1);
  const r = win.spatial.length;
  let dx: Value | undefined;
  if (c.needs(0)) dx = convInputGrad(c, dy, w, wd, win, group);
  let dw: Value | undefined;
  if (c.needs(1)) dw = convKernelGrad(c, x, dy, wd, win, group);
  const db = c.needs(2) ? c.reduce("ReduceSum", dy, [0, ...range(r, 2)], false) : undefined;
  return [dx, dw, db];
}

/**
 * dX. Unit strides (when the full padding covers the conv's pads): a Conv of
 * dY with the kernel flipped and its channel axes swapped per group, which
 * onnxruntime runs about 10-25% faster than ConvTranspose. Otherwise
 * ConvTranspose with an output_padding that restores X's spatial dims.
 */
function convInputGrad(
  c: GradContext,
  dy: Value,
  w: Value,
  wd: number[],
  win: ConvWindow,
  group: number,
): Value {
  const r = win.spatial.length;
  const reach = win.kernel.map((k, i) => win.dilations[i]! * (k - 1));
  const pads = win.pads.map((p, i) => reach[i % r]! - p);
  const common = { dilations: win.dilations, kernel_shape: win.kernel };
  if (win.strides.every((s) => s === 1) && pads.every((p) => p >= 0)) {
    const [o, cg, ...k] = wd;
    const og = o! / group;
    const perGroup = c.op("Reshape", [w, c.ints([group, og, cg!, ...k])]);
    const swapped = c.op("Transpose", [perGroup], { perm: [0, 2, 1, ...range(r, 3)] });
    const flipped = c.op("Slice", [
      c.op("Reshape", [swapped, c.ints([group * cg!, og, ...k])]),
      c.ints(new Array(r).fill(-1)),
      c.ints(new Array(r).fill(-Number.MAX_SAFE_INTEGER)),
      c.ints(range(r, 2)),
      c.ints(new Array(r).fill(-1)),
    ]);
    return c.op("Conv", [dy, flipped], { ...common, pads, group: group === 1 ? undefined : group });
  }
  const outputPadding = win.spatial.map((s, i) =>
    s - ((win.out[i]! - 1) * win.strides[i]! - win.pads[i]! - win.pads[i + r]! + reach[i]! + 1)
  );
  return c.op("ConvTranspose", [dy, w], {
    ...common,
    strides: win.strides,
    pads: win.pads,
    group: group === 1 ? undefined : group,
    output_padding: outputPadding.some((p) => p !== 0) ? outputPadding : undefined,
  });
}

function convKernelGrad(
  c: GradContext,
  x: Value,
  dy: Value,
  wd: number[],
  win: ConvWindow,
  group: number,
): Value {
  const kk = product(win.kernel);
  // the wide route's GEMM has one column per tap and channel: too few columns
  // (one or two input channels per group) leave its vector lanes idle
  if (win.spatial.length === 2 && win.dilations[1] === 1 && wd[1]! * kk >= WIDE_MIN_COLUMNS) {
    return convKernelGradWide(c, x, dy, wd, win, group);
  }
  const channels = wd[1]! * group;
  // one-hot kernels, one group per input channel: output channel c·kk + k holds
  // tap k of channel c
  const eye = new Float64Array(channels * kk * kk);
  for (let ch = 0; ch < channels; ch++) {
    for (let k = 0; k < kk; k++) eye[(ch * kk + k) * kk + k] = 1;
  }
  const kernel = c.g.constant(tensor(c.dtype, [channels * kk, 1, ...win.kernel], eye) as Tensor);
  const patches = c.op("Conv", [x, kernel], {
    strides: win.strides,
    dilations: win.dilations,
    pads: win.pads,
    kernel_shape: win.kernel,
    group: channels === 1 ? undefined : channels,
  });
  const l = product(win.out);
  const og = wd[0]! / group;
  const lead = group === 1 ? [-1] : [-1, group];
  const p = c.op("Reshape", [patches, c.ints([...lead, (channels / group) * kk, l])]);
  const d = c.op("Reshape", [dy, c.ints([...lead, og, l])]);
  const perm = group === 1 ? [0, 2, 1] : [0, 1, 3, 2];
  const m = c.op("MatMul", [d, c.op("Transpose", [p], { perm })]);
  return c.op("Reshape", [c.reduce("ReduceSum", m, [0], false), c.ints(wd)]);
}

/** Fewest taps × channels per group for which the wide dW route pays off. */
const WIDE_MIN_COLUMNS = 32;

/**
 * dW of a 2-D Conv (width dilation 1) as ONE Conv over the whole batch: X laid
 * out `[1, G·N, H, W·Cg]` (channels innermost along the width), convolved
 * with dY as the kernel (`[O, N, Ho, Wo]`, group G) with the forward's
 * dilations as strides, its strides as dilations (the width's times Cg) and
 * its pads (the width's times Cg), gives `[1, O, kh, kw·Cg]`: dW laid out
 * `[O, kh, kw, Cg]`. Output column `b·Cg + c` meets input column
 * `(j·sw + b)·Cg + c` at kernel column j: channel c at tap b, as the forward.
 *
 * NOTE: one GEMM with the batch and output pixels as its depth and taps ×
 * channels as its columns; about twice as fast in onnxruntime as the patches
 * route (which writes the unfolded input, 9× the input for 3×3, then reads it
 * back in per-example GEMMs and sums them).
 */
function convKernelGradWide(
  c: GradContext,
  x: Value,
  dy: Value,
  wd: number[],
  win: ConvWindow,
  group: number,
): Value {
  const [o, cg, kh, kw] = wd as [number, number, number, number];
  const [h, w] = win.spatial as [number, number];
  const [ho, wo] = win.out as [number, number];
  const [sh, sw] = win.strides as [number, number];
  const dh = win.dilations[0]!;
  const [pt, pl, pb, pr] = win.pads as [number, number, number, number];
  const channelsLast = group === 1
    ? c.op("Transpose", [x], { perm: [0, 2, 3, 1] })
    : c.op("Transpose", [c.op("Reshape", [x, c.ints([-1, group, cg, h, w])])], {
      perm: [1, 0, 3, 4, 2],
    });
  const wide = c.op("Reshape", [channelsLast, c.ints([1, -1, h, w * cg])]);
  const kernel = c.op("Transpose", [dy], { perm: [1, 0, 2, 3] });
  let out = c.op("Conv", [wide, kernel], {
    kernel_shape: [ho, wo],
    strides: [dh, 1],
    dilations: [sh, sw * cg],
    pads: [pt, pl * cg, pb, pr * cg],
    group: group === 1 ? undefined : group,
  });
  // taps past the kernel when the pads reach beyond the last window
  const rows = Math.floor((h + pt + pb - (ho - 1) * sh - 1) / dh) + 1;
  const cols = cg * (w + pl + pr - (wo - 1) * sw);
  if (rows !== kh || cols !== kw * cg) {
    out = c.op("Slice", [out, c.ints([0, 0]), c.ints([kh, kw * cg]), c.ints([2, 3])]);
  }
  return c.op("Transpose", [c.op("Reshape", [out, c.ints([o, kh, kw, cg])])], {
    perm: [0, 3, 1, 2],
  });
}

/**
 * MaxPool. Non-overlapping windows (strides = kernel, no pads or dilations):
 * the input is compared with the output upsampled (Resize, nearest), and dY,
 * upsampled too, goes to the maxima (split evenly on ties, a valid
 * subgradient; PyTorch routes a tie to the first maximum). Otherwise the
 * forward node also outputs its argmax indices and dY is scatter-added there
 * (onnxruntime's MaxPool with indices is several times slower, so only then).
 */
function maxPool(c: GradContext): (Value | undefined)[] {
  if (!c.needs(0)) return [];
  const x = c.x();
  const kernel = c.node.getInts("kernel_shape");
  const win = windowOf(c, x, kernel);
  const simple = c.opset >= 11 && win.pads.every((p) => p === 0) &&
    win.dilations.every((d) => d === 1) &&
    win.strides.every((s, i) => s === kernel[i]) &&
    (c.node.getInt("ceil_mode", 0) === 0 || win.spatial.every((s, i) => s % kernel[i]! === 0));
  const relu = reluOf(c, x);
  // y > 0 exactly where the Relu passes its maximum: masking the small dY here
  // spares the Relu's rule its pass over the large input
  const dy = relu ? c.op("Mul", [c.dy0, c.cast(c.op("Greater", [c.y(), c.scalar(0)]))]) : c.dy0;
  const dx = simple ? maxPoolBlocks(c, x, win, dy) : maxPoolScatter(c, x, dy);
  if (relu) c.markReluMasked(dx);
  return [dx];
}

/** Whether `x` is the output of a Relu whose gradient is only this MaxPool's. */
function reluOf(c: GradContext, x: Value): boolean {
  const graph = c.g.graph;
  return graph.producer(x.name)?.opType === "Relu" && graph.consumers(x.name).length === 1 &&
    !graph.isOutput(x.name);
}

function maxPoolBlocks(c: GradContext, x: Value, win: ConvWindow, dy: Value): Value {
  const r = win.spatial.length;
  const covered = win.out.map((o, i) => o * win.kernel[i]!);
  const crop = covered.some((s, i) => s !== win.spatial[i]);
  const xc = crop
    ? c.op("Slice", [x, c.ints(new Array(r).fill(0)), c.ints(covered), c.ints(range(r, 2))])
    : x;
  // NOTE: same-shape elementwise ops on upsampled values; comparing x viewed as
  // [N, C, out, k, …] with y broadcast over the k axes is many times slower in
  // onnxruntime (broadcasts over short inner axes run element by element).
  const scales = c.g.constant(tensor("float32", [r + 2], [1, 1, ...win.kernel]));
  const up = (v: Value) =>
    c.op("Resize", [v, "", scales], {
      mode: "nearest",
      coordinate_transformation_mode: "asymmetric",
      nearest_mode: "floor",
    });
  const hit = c.cast(c.op("Equal", [xc, up(c.y())]));
  // ties share dY evenly: the share of a window is dY / (its number of maxima)
  const kk = win.kernel.reduce((a, b) => a * b, 1);
  const count = c.op("AveragePool", [hit], { kernel_shape: win.kernel, strides: win.kernel });
  const share = c.op("Div", [dy, c.op("Mul", [count, c.scalar(kk)])]);
  const dx = c.op("Mul", [up(share), hit]);
  if (!crop) return dx;
  const ends = win.spatial.map((s, i) => s - covered[i]!);
  return c.op("Pad", [dx, c.ints([...new Array(r + 2).fill(0), 0, 0, ...ends])]);
}

function maxPoolScatter(c: GradContext, x: Value, dy: Value): Value {
  if (c.opset < 16) c.fail(`overlapping or padded windows need opset 16 or newer, got ${c.opset}`);
  if (c.node.getInt("storage_order", 0) !== 0) c.fail("storage_order 1 is not supported");
  const indices = c.requestOutput(1, { dtype: "int64", dims: c.y().dims });
  const n = c.staticDims(x);
  const size = n ? c.ints([product(n)]) : c.op("Reshape", [c.op("Size", [x]), c.ints([1])]);
  const zeros = c.op("ConstantOfShape", [size], { value: tensor(c.dtype, [1], [0]) as Tensor });
  const flat = c.op("ScatterElements", [
    zeros,
    c.op("Reshape", [indices, c.ints([-1])]),
    c.op("Reshape", [dy, c.ints([-1])]),
  ], { axis: 0, reduction: "add" });
  return c.reshapeTo(flat, x);
}

/**
 * AveragePool: dY divided by each window's divisor (onnxruntime's: the window
 * clipped to the padded input with count_include_pad, to the input without),
 * spread back over the window by a ConvTranspose with a ones kernel, then cut
 * to the unpadded input.
 */
function averagePool(c: GradContext): (Value | undefined)[] {
  if (!c.needs(0)) return [];
  const x = c.x();
  const kernel = c.node.getInts("kernel_shape");
  if (c.node.getInts("dilations", []).some((d) => d !== 1)) c.fail("dilations are not supported");
  const win = windowOf(c, x, kernel);
  const r = kernel.length;
  const divisors = poolDivisors(win, c.node.getInt("count_include_pad", 0) === 1);
  const uniform = divisors.every((d) => d === divisors[0]);
  const scale = uniform
    ? c.scalar(1 / divisors[0]!)
    : c.g.constant(tensor(c.dtype, [1, 1, ...win.out], divisors.map((d) => 1 / d)) as Tensor);
  const scaled = c.op("Mul", [c.dy0, scale]);
  const flat = c.op("Reshape", [scaled, c.ints([-1, 1, ...win.out])]);
  const ones = c.g.constant(
    tensor(c.dtype, [1, 1, ...kernel], new Array(product(kernel)).fill(1)) as Tensor,
  );
  let spread = c.op("ConvTranspose", [flat, ones], { strides: win.strides, kernel_shape: kernel });
  const full = win.out.map((o, i) => (o - 1) * win.strides[i]! + kernel[i]!);
  const short = full.map((f, i) => Math.max(win.pads[i]! + win.spatial[i]! - f, 0));
  if (short.some((s) => s > 0)) {
    spread = c.op("Pad", [spread, c.ints([...new Array(r + 2).fill(0), 0, 0, ...short])]);
  }
  const begins = range(r).map((i) => win.pads[i]!);
  const cut = c.op("Slice", [
    spread,
    c.ints(begins),
    c.ints(begins.map((b, i) => b + win.spatial[i]!)),
    c.ints(range(r, 2)),
  ]);
  return [c.reshapeTo(cut, x)];
}

/** GlobalAveragePool: `dX = expand(dY / (H·W…))`. */
function globalAveragePool(c: GradContext): (Value | undefined)[] {
  if (!c.needs(0)) return [];
  const x = c.x();
  const tail = x.dims?.slice(2);
  const spatial = tail?.every((d) => typeof d === "number") ? (tail as number[]) : undefined;
  const count = spatial
    ? c.scalar(product(spatial))
    : c.cast(c.op("Div", [c.op("Size", [x]), c.op("Size", [c.y()])]));
  return [c.op("Expand", [c.op("Div", [c.dy0, count]), c.shapeOf(x)])];
}

export const CONV_GRADIENTS: Record<string, GradRule> = {
  Conv: conv,
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalAveragePool,
};
