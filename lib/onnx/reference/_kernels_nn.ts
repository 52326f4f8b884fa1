// Kernels of convolutions, pooling and dropout, with onnxruntime's window
// semantics (ceil mode drops a last window that starts in the end padding;
// average pooling divides by the window clipped to the padded input, or to the
// input without count_include_pad).

import { type ConvWindow, convWindow, poolDivisors } from "../conv_window.ts";
import { numel } from "../tensor.ts";
import { attrFloat, type Kernel, nd, storeAs } from "./_array.ts";

/** For each output position and kernel position, the input's flat spatial offset or -1. */
function taps(g: ConvWindow): Int32Array {
  const kk = numel(g.kernel);
  const l = numel(g.out);
  const r = g.spatial.length;
  const table = new Int32Array(l * kk);
  const o = new Array<number>(r).fill(0);
  for (let p = 0; p < l; p++) {
    const k = new Array<number>(r).fill(0);
    for (let q = 0; q < kk; q++) {
      let off = 0;
      for (let i = 0; i < r; i++) {
        const at = o[i]! * g.strides[i]! - g.pads[i]! + k[i]! * g.dilations[i]!;
        if (at < 0 || at >= g.spatial[i]! || off < 0) off = -1;
        else off = off * g.spatial[i]! + at;
      }
      table[p * kk + q] = off;
      for (let i = r - 1; i >= 0; i--) {
        if (++k[i]! < g.kernel[i]!) break;
        k[i] = 0;
      }
    }
    for (let i = r - 1; i >= 0; i--) {
      if (++o[i]! < g.out[i]!) break;
      o[i] = 0;
    }
  }
  return table;
}

const conv: Kernel = (node, [x, w, b]) => {
  const [n, c] = x!.dims as [number, number];
  const o = w!.dims[0]!;
  const group = node.getInt("group", 1);
  const cg = c / group;
  const og = o / group;
  const g = convWindow(node, x!.dims.slice(2), w!.dims.slice(2));
  const t = taps(g);
  const kk = numel(g.kernel);
  const ss = numel(g.spatial);
  const l = numel(g.out);
  const out = new Float64Array(n * o * l);
  for (let ni = 0; ni < n; ni++) {
    for (let oc = 0; oc < o; oc++) {
      const base = Math.floor(oc / og) * cg;
      for (let p = 0; p < l; p++) {
        let s = b ? b.data[oc]! : 0;
        for (let ci = 0; ci < cg; ci++) {
          const xo = (ni * c + base + ci) * ss;
          const wo = (oc * cg + ci) * kk;
          for (let q = 0; q < kk; q++) {
            const off = t[p * kk + q]!;
            if (off >= 0) s += x!.data[xo + off]! * w!.data[wo + q]!;
          }
        }
        out[(ni * o + oc) * l + p] = s;
      }
    }
  }
  return [nd(x!.dtype, [n, o, ...g.out], storeAs(x!.dtype, out))];
};

const convTranspose: Kernel = (node, [x, w, b]) => {
  if (node.hasAttr("output_shape") || node.getString("auto_pad", "NOTSET") !== "NOTSET") {
    throw new RangeError(`Node ${node.label}: output_shape and auto_pad are not supported`);
  }
  const [n, cin] = x!.dims as [number, number];
  const group = node.getInt("group", 1);
  const coutg = w!.dims[1]!;
  const cout = coutg * group;
  const cing = cin / group;
  const kernel = w!.dims.slice(2);
  const r = kernel.length;
  const spatial = x!.dims.slice(2);
  const strides = node.getInts("strides", new Array(r).fill(1));
  const dilations = node.getInts("dilations", new Array(r).fill(1));
  const pads = node.getInts("pads", new Array(2 * r).fill(0));
  const extra = node.getInts("output_padding", new Array(r).fill(0));
  const outDims = spatial.map((s, i) =>
    strides[i]! * (s - 1) + extra[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - pads[i]! -
    pads[i + r]!
  );
  // The scatter positions are the gather taps of a conv from the output to the input.
  const t = taps({ spatial: outDims, kernel, strides, dilations, pads, out: spatial });
  const kk = numel(kernel);
  const ls = numel(spatial);
  const lo = numel(outDims);
  const out = new Float64Array(n * cout * lo);
  for (let ni = 0; ni < n; ni++) {
    for (let ic = 0; ic < cin; ic++) {
      const gi = Math.floor(ic / cing);
      for (let oc = 0; oc < coutg; oc++) {
        const yo = (ni * cout + gi * coutg + oc) * lo;
        const wo = (ic * coutg + oc) * kk;
        for (let p = 0; p < ls; p++) {
          const v = x!.data[(ni * cin + ic) * ls + p]!;
          for (let q = 0; q < kk; q++) {
            const off = t[p * kk + q]!;
            if (off >= 0) out[yo + off] += v * w!.data[wo + q]!;
          }
        }
      }
    }
  }
  if (b) { for (let i = 0; i < out.length; i++) out[i] += b.data[Math.floor(i / lo) % cout]!; }
  return [nd(x!.dtype, [n, cout, ...outDims], storeAs(x!.dtype, out))];
};

function pool(kind: "max" | "average"): Kernel {
  return (node, [x]) => {
    const [n, c] = x!.dims as [number, number];
    const g = convWindow(node, x!.dims.slice(2), node.getInts("kernel_shape"));
    const t = taps(g);
    const kk = numel(g.kernel);
    const ss = numel(g.spatial);
    const l = numel(g.out);
    const divisors = kind === "average"
      ? poolDivisors(g, node.getInt("count_include_pad", 0) === 1)
      : [];
    const out = new Float64Array(n * c * l);
    const idx = new Float64Array(n * c * l);
    for (let nc = 0; nc < n * c; nc++) {
      for (let p = 0; p < l; p++) {
        let best = -Infinity;
        let at = -1;
        let sum = 0;
        for (let q = 0; q < kk; q++) {
          const off = t[p * kk + q]!;
          if (off < 0) continue;
          const v = x!.data[nc * ss + off]!;
          sum += v;
          if (v > best) {
            best = v;
            at = nc * ss + off;
          }
        }
        out[nc * l + p] = kind === "max" ? best : sum / divisors[p]!;
        idx[nc * l + p] = at;
      }
    }
    const dims = [n, c, ...g.out];
    const y = nd(x!.dtype, dims, storeAs(x!.dtype, out));
    return kind === "max" ? [y, nd("int64", dims, idx)] : [y];
  };
}

function globalPool(kind: "max" | "average"): Kernel {
  return (_node, [x]) => {
    const [n, c] = x!.dims as [number, number];
    const ss = numel(x!.dims.slice(2));
    const out = new Float64Array(n * c);
    for (let i = 0; i < n * c; i++) {
      const part = x!.data.subarray(i * ss, (i + 1) * ss);
      out[i] = kind === "max" ? Math.max(...part) : part.reduce((a, v) => a + v, 0) / ss;
    }
    return [nd(x!.dtype, [n, c, ...x!.dims.slice(2).map(() => 1)], storeAs(x!.dtype, out))];
  };
}

/**
 * Dropout with a mask drawn from a generator seeded by the node's `seed`
 * attribute (0 when absent), so repeated evaluations drop the same elements.
 */
const dropout: Kernel = (node, [x, ratioIn, trainingIn]) => {
  const ratio = ratioIn ? ratioIn.data[0]! : attrFloat(node, "ratio", 0.5);
  const training = trainingIn ? trainingIn.data[0] !== 0 : false;
  const mask = new Float64Array(x!.data.length).fill(1);
  if (!training || ratio === 0) return [x, nd("bool", x!.dims, mask)];
  let state = (node.getInt("seed", 0) ^ 0x9e3779b9) >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float64Array(x!.data.length);
  for (let i = 0; i < out.length; i++) {
    mask[i] = next() >= ratio ? 1 : 0;
    out[i] = (x!.data[i]! * mask[i]!) / (1 - ratio);
  }
  return [nd(x!.dtype, x!.dims, storeAs(x!.dtype, out)), nd("bool", x!.dims, mask)];
};

export const NN_KERNELS: Record<string, Kernel> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: pool("max"),
  AveragePool: pool("average"),
  GlobalAveragePool: globalPool("average"),
  GlobalMaxPool: globalPool("max"),
  Dropout: dropout,
};
