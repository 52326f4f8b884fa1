// Plain loop implementations of the layers, the reference the ONNX graphs are
// checked against. Row-major arrays; slow and obvious on purpose.

/** NCHW convolution with stride, zero padding, dilation and groups. */
export function conv2dNaive(
  x: Float32Array,
  [n, c, h, w]: number[],
  weight: Float32Array,
  [m, cg, kh, kw]: number[],
  bias: Float32Array | undefined,
  o: { stride: number; pad: number; dilation: number; groups: number },
): { data: Float64Array; dims: number[] } {
  const oh = Math.floor((h + 2 * o.pad - o.dilation * (kh - 1) - 1) / o.stride) + 1;
  const ow = Math.floor((w + 2 * o.pad - o.dilation * (kw - 1) - 1) / o.stride) + 1;
  const out = new Float64Array(n * m * oh * ow);
  const mg = m / o.groups;
  for (let b = 0; b < n; b++) {
    for (let f = 0; f < m; f++) {
      const g = Math.floor(f / mg);
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          let s = bias ? bias[f]! : 0;
          for (let ci = 0; ci < cg; ci++) {
            for (let u = 0; u < kh; u++) {
              for (let v = 0; v < kw; v++) {
                const y = i * o.stride - o.pad + u * o.dilation;
                const z = j * o.stride - o.pad + v * o.dilation;
                if (y < 0 || y >= h || z < 0 || z >= w) continue;
                const xi = ((b * c + g * cg + ci) * h + y) * w + z;
                s += x[xi]! * weight[((f * cg + ci) * kh + u) * kw + v]!;
              }
            }
          }
          out[((b * m + f) * oh + i) * ow + j] = s;
        }
      }
    }
  }
  return { data: out, dims: [n, m, oh, ow] };
}

/** 2-D pooling (max, or mean counting padded zeros). */
export function pool2dNaive(
  x: Float32Array,
  [n, c, h, w]: number[],
  o: { kernel: number; stride: number; pad: number; max: boolean },
): Float64Array {
  const oh = Math.floor((h + 2 * o.pad - o.kernel) / o.stride) + 1;
  const ow = Math.floor((w + 2 * o.pad - o.kernel) / o.stride) + 1;
  const out = new Float64Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let s = o.max ? -Infinity : 0;
        for (let u = 0; u < o.kernel; u++) {
          for (let v = 0; v < o.kernel; v++) {
            const y = i * o.stride - o.pad + u;
            const z = j * o.stride - o.pad + v;
            const inside = y >= 0 && y < h && z >= 0 && z < w;
            const val = inside ? x[(p * h + y) * w + z]! : 0;
            if (o.max) s = inside ? Math.max(s, val) : s;
            else s += val;
          }
        }
        out[(p * oh + i) * ow + j] = o.max ? s : s / (o.kernel * o.kernel);
      }
    }
  }
  return out;
}

/** `x Wᵀ + b` on rows of length `inF`. */
export function linearNaive(
  x: ArrayLike<number>,
  rows: number,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  inF: number,
  outF: number,
): Float64Array {
  const out = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = b[o]!;
      for (let i = 0; i < inF; i++) s += x[r * inF + i]! * w[o * inF + i]!;
      out[r * outF + o] = s;
    }
  }
  return out;
}

/** Multi-head self-attention over `[n, s, d]`, PyTorch's packed in-projection. */
export function attentionNaive(
  x: Float32Array,
  [n, s, d]: number[],
  heads: number,
  p: { inW: Float32Array; inB: Float32Array; outW: Float32Array; outB: Float32Array },
): Float64Array {
  const qkv = linearNaive(x, n * s, p.inW, p.inB, d, 3 * d);
  const hd = d / heads;
  const merged = new Float64Array(n * s * d);
  for (let b = 0; b < n; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < s; i++) {
        const scores = new Float64Array(s);
        for (let j = 0; j < s; j++) {
          let dot = 0;
          for (let e = 0; e < hd; e++) {
            dot += qkv[(b * s + i) * 3 * d + h * hd + e]! *
              qkv[(b * s + j) * 3 * d + d + h * hd + e]!;
          }
          scores[j] = dot / Math.sqrt(hd);
        }
        const mx = Math.max(...scores);
        let z = 0;
        for (let j = 0; j < s; j++) z += scores[j] = Math.exp(scores[j]! - mx);
        for (let e = 0; e < hd; e++) {
          let acc = 0;
          for (let j = 0; j < s; j++) {
            acc += scores[j]! * qkv[(b * s + j) * 3 * d + 2 * d + h * hd + e]!;
          }
          merged[(b * s + i) * d + h * hd + e] = acc / z;
        }
      }
    }
  }
  return linearNaive(merged, n * s, p.outW, p.outB, d, d);
}

/** LayerNorm over rows of length `d` (biased variance). */
export function layerNormNaive(
  x: ArrayLike<number>,
  d: number,
  scale: ArrayLike<number>,
  bias: ArrayLike<number>,
  eps: number,
): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / d; r++) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[r * d + i]!;
    mean /= d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x[r * d + i]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + eps);
    for (let i = 0; i < d; i++) {
      out[r * d + i] = (x[r * d + i]! - mean) * inv * scale[i]! + bias[i]!;
    }
  }
  return out;
}

/** erf by its Taylor series (exact to ~1e-14 for |x| <= 3). */
export function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let k = 1; k < 80; k++) {
    term *= (-x * x) / k;
    sum += term / (2 * k + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
