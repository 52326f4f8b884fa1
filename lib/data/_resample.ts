// Resampling of CHW float images. Bilinear resizing is the separable triangle filter
// widened by the scale factor when shrinking (PIL's and torchvision's antialiased bilinear),
// so a downscale averages every source pixel instead of skipping rows.

/** A CHW float image; `data` may be longer than channels × height × width. */
export interface Image {
  /** Planar pixels, channel after channel. */
  data: Float32Array;
  /** Number of channels (C). */
  channels: number;
  /** Rows (H). */
  height: number;
  /** Columns (W). */
  width: number;
}

/** Per output index: first source index (from the region's start), tap count, `ksize` weights. */
interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  ksize: number;
}

function triangleTaps(inLen: number, outLen: number): Taps {
  const scale = inLen / outLen;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle filter's support is 1
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outLen);
  const count = new Int32Array(outLen);
  const weights = new Float64Array(outLen * ksize);
  for (let x = 0; x < outLen; x++) {
    const center = (x + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inLen);
    let total = 0;
    for (let k = 0; k < hi - lo; k++) {
      const w = Math.max(0, 1 - Math.abs((k + lo - center + 0.5) / filterScale));
      weights[x * ksize + k] = w;
      total += w;
    }
    for (let k = 0; k < hi - lo; k++) weights[x * ksize + k]! /= total || 1;
    start[x] = lo;
    count[x] = hi - lo;
  }
  return { start, count, weights, ksize };
}

function nearestTaps(inLen: number, outLen: number): Taps {
  const scale = inLen / outLen;
  const start = new Int32Array(outLen);
  for (let x = 0; x < outLen; x++) start[x] = Math.min(Math.floor((x + 0.5) * scale), inLen - 1);
  return {
    start,
    count: new Int32Array(outLen).fill(1),
    weights: new Float64Array(outLen).fill(1),
    ksize: 1,
  };
}

let scratch = new Float32Array(0);
const TAPS = new Map<string, Taps>();

/** Taps depend only on the lengths: cached (random crops of small images repeat them). */
function tapsFor(interpolation: "bilinear" | "nearest", inLen: number, outLen: number): Taps {
  const key = `${interpolation}:${inLen}:${outLen}`;
  let t = TAPS.get(key);
  if (!t) {
    if (TAPS.size >= 1024) TAPS.clear();
    t = interpolation === "nearest" ? nearestTaps(inLen, outLen) : triangleTaps(inLen, outLen);
    TAPS.set(key, t);
  }
  return t;
}

/**
 * Resizes the region [top, top+h) × [left, left+w) of `src` to outH × outW into `dst`.
 * The region must lie inside the image.
 */
export function resampleInto(
  dst: Float32Array,
  src: Image,
  region: { top: number; left: number; height: number; width: number },
  outH: number,
  outW: number,
  interpolation: "bilinear" | "nearest",
): Image {
  const { channels: c, height: sh, width: sw, data } = src;
  const tx = tapsFor(interpolation, region.width, outW);
  const ty = tapsFor(interpolation, region.height, outH);
  const midLen = c * region.height * outW;
  if (scratch.length < midLen) scratch = new Float32Array(midLen);
  const mid = scratch;
  // Pass 1: rows of the region, horizontally resampled: [c, region.height, outW].
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < region.height; y++) {
      const row = (ch * sh + region.top + y) * sw + region.left;
      const o = (ch * region.height + y) * outW;
      for (let x = 0; x < outW; x++) {
        const s = row + tx.start[x]!;
        const kw = x * tx.ksize;
        let acc = 0;
        for (let k = 0; k < tx.count[x]!; k++) acc += data[s + k]! * tx.weights[kw + k]!;
        mid[o + x] = acc;
      }
    }
  }
  // Pass 2: columns, vertically resampled into dst: [c, outH, outW].
  for (let ch = 0; ch < c; ch++) {
    const base = ch * region.height;
    for (let y = 0; y < outH; y++) {
      const s0 = ty.start[y]!;
      const kw = y * ty.ksize;
      const o = (ch * outH + y) * outW;
      for (let x = 0; x < outW; x++) dst[o + x] = 0;
      for (let k = 0; k < ty.count[y]!; k++) {
        const w = ty.weights[kw + k]!;
        const r = (base + s0 + k) * outW;
        for (let x = 0; x < outW; x++) dst[o + x]! += mid[r + x]! * w;
      }
    }
  }
  return { data: dst, channels: c, height: outH, width: outW };
}

/** Copies the window [top, top+h) × [left, left+w) into `dst`, zero outside the image. */
export function cropInto(
  dst: Float32Array,
  src: Image,
  top: number,
  left: number,
  h: number,
  w: number,
): Image {
  const { channels: c, height: sh, width: sw, data } = src;
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      const o = (ch * h + y) * w;
      const sy = top + y;
      if (sy < 0 || sy >= sh) {
        dst.fill(0, o, o + w);
        continue;
      }
      const row = (ch * sh + sy) * sw;
      for (let x = 0; x < w; x++) {
        const sx = left + x;
        dst[o + x] = sx >= 0 && sx < sw ? data[row + sx]! : 0;
      }
    }
  }
  return { data: dst, channels: c, height: h, width: w };
}

/**
 * Rotates counter-clockwise by `degrees` about the image centre, same size, `fill`
 * where the source falls outside the image.
 */
export function rotateInto(
  dst: Float32Array,
  src: Image,
  degrees: number,
  interpolation: "bilinear" | "nearest",
  fill: number,
): Image {
  const t = (degrees * Math.PI) / 180;
  if (interpolation === "nearest") rotateNearest(dst, src, Math.cos(t), Math.sin(t), fill);
  else rotateBilinear(dst, src, Math.cos(t), Math.sin(t), fill);
  return { data: dst, channels: src.channels, height: src.height, width: src.width };
}

// Both walk output rows: the source position of x = 0 is the inverse turn of the pixel
// centre (y grows downwards), then each step right adds (cos, sin).

function rotateNearest(dst: Float32Array, src: Image, cos: number, sin: number, fill: number) {
  const { channels: c, height: h, width: w, data } = src;
  const plane = h * w;
  const cx = w / 2;
  const cy = h / 2;
  for (let y = 0; y < h; y++) {
    const yc = y + 0.5 - cy;
    let sx = cos * (0.5 - cx) - sin * yc + cx - 0.5;
    let sy = sin * (0.5 - cx) + cos * yc + cy - 0.5;
    for (let x = 0, o = y * w; x < w; x++, o++, sx += cos, sy += sin) {
      const ix = Math.floor(sx + 0.5);
      const iy = Math.floor(sy + 0.5);
      if (ix >= 0 && ix < w && iy >= 0 && iy < h) {
        const i = iy * w + ix;
        for (let ch = 0; ch < c; ch++) dst[ch * plane + o] = data[ch * plane + i]!;
      } else {
        for (let ch = 0; ch < c; ch++) dst[ch * plane + o] = fill;
      }
    }
  }
}

function rotateBilinear(dst: Float32Array, src: Image, cos: number, sin: number, fill: number) {
  const { channels: c, height: h, width: w, data } = src;
  const plane = h * w;
  const cx = w / 2;
  const cy = h / 2;
  for (let y = 0; y < h; y++) {
    const yc = y + 0.5 - cy;
    let sx = cos * (0.5 - cx) - sin * yc + cx - 0.5;
    let sy = sin * (0.5 - cx) + cos * yc + cy - 0.5;
    for (let x = 0, o = y * w; x < w; x++, o++, sx += cos, sy += sin) {
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const inX0 = x0 >= 0 && x0 < w;
      const inX1 = x0 + 1 >= 0 && x0 + 1 < w;
      const inY0 = y0 >= 0 && y0 < h;
      const inY1 = y0 + 1 >= 0 && y0 + 1 < h;
      const i00 = y0 * w + x0;
      const i10 = i00 + w;
      for (let ch = 0; ch < c; ch++) {
        const p = ch * plane;
        const v00 = inY0 && inX0 ? data[p + i00]! : fill;
        const v01 = inY0 && inX1 ? data[p + i00 + 1]! : fill;
        const v10 = inY1 && inX0 ? data[p + i10]! : fill;
        const v11 = inY1 && inX1 ? data[p + i10 + 1]! : fill;
        const top = v00 + (v01 - v00) * fx;
        const bottom = v10 + (v11 - v10) * fx;
        dst[p + o] = top + (bottom - top) * fy;
      }
    }
  }
}
