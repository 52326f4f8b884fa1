/**
 * A small PNG decoder for the common case of uploaded digits and canvas
 * drawings: non-interlaced, 8-bit grayscale / RGB with or without alpha, and
 * 1/2/4/8-bit grayscale or palette. Calling sharp costs a few hundred microseconds of JS-thread
 * time per image under Deno (it passes its options through N-API one by
 * one); inflating a small PNG here costs a few. Anything else returns
 * undefined and goes to sharp.
 *
 * @module
 */
import { inflateSync } from "node:zlib";

/** Decoded pixels, row-major, `channels` bytes per pixel (1 G, 2 GA, 3 RGB, 4 RGBA). */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Decodes a PNG this decoder supports.
 *
 * @param bytes the file
 * @param maxPixels refuse (undefined) above this many pixels
 * @returns pixels, or undefined when not a PNG it handles (let sharp try)
 */
export function decodePng(bytes: Uint8Array, maxPixels: number): RawImage | undefined {
  if (bytes.length < 45 || SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let ihdr:
    | { width: number; height: number; depth: number; type: number; interlace: number }
    | undefined;
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (pos + 12 <= bytes.length) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const body = bytes.subarray(pos + 8, pos + 8 + len);
    if (body.length !== len) return undefined;
    if (type === "IHDR") {
      ihdr = {
        width: view.getUint32(pos + 8),
        height: view.getUint32(pos + 12),
        depth: body[8]!,
        type: body[9]!,
        interlace: body[12]!,
      };
    } else if (type === "PLTE") palette = body;
    else if (type === "tRNS") trns = body;
    else if (type === "IDAT") idat.push(body);
    else if (type === "eXIf") return undefined; // orientation: sharp applies it
    else if (type === "IEND") {
      ended = true;
      break;
    }
    pos += 12 + len;
  }
  if (!ihdr || !ended || idat.length === 0) return undefined;
  const { width, height, depth, type, interlace } = ihdr;
  const channels = CHANNELS[type];
  const lowDepth = (type === 0 || type === 3) && (depth === 1 || depth === 2 || depth === 4);
  if (!channels || !(depth === 8 || lowDepth) || interlace !== 0) return undefined;
  if (width * height > maxPixels || width * height === 0 || (type === 3 && !palette)) {
    return undefined;
  }
  const bpp = depth === 8 ? channels : 1; // bytes per pixel for the filters (at least 1)
  const stride = depth === 8 ? width * channels : Math.ceil((width * depth) / 8);
  let raw: Uint8Array;
  try {
    raw = inflateSync(concat(idat), { maxOutputLength: (stride + 1) * height });
  } catch {
    return undefined;
  }
  if (raw.length < (stride + 1) * height) return undefined;
  const rows = unfilter(raw, stride, height, bpp);
  if (!rows) return undefined;
  const samples = depth === 8 ? rows : unpack(rows, width, height, stride, depth);
  return expand(samples, width, height, type, depth, palette, trns);
}

/** 1/2/4-bit samples → one byte per sample (raw values, not yet scaled). */
function unpack(rows: Uint8Array, width: number, height: number, stride: number, depth: number) {
  const out = new Uint8Array(width * height);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = rows[y * stride + (bit >> 3)]!;
      out[y * width + x] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function unfilter(raw: Uint8Array, stride: number, height: number, bpp: number) {
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const up = row - stride; // the previous row (only read when y > 0)
    if (filter === 0 || (filter === 2 && y === 0)) {
      out.set(raw.subarray(src, src + stride), row);
    } else if (filter === 1) {
      for (let x = 0; x < bpp; x++) out[row + x] = raw[src + x]!;
      for (let x = bpp; x < stride; x++) out[row + x] = (raw[src + x]! + out[row + x - bpp]!) & 255;
    } else if (filter === 2) {
      for (let x = 0; x < stride; x++) out[row + x] = (raw[src + x]! + out[up + x]!) & 255;
    } else if (filter === 3) {
      for (let x = 0; x < stride; x++) {
        const a = x >= bpp ? out[row + x - bpp]! : 0;
        const b = y > 0 ? out[up + x]! : 0;
        out[row + x] = (raw[src + x]! + ((a + b) >> 1)) & 255;
      }
    } else if (filter === 4) {
      for (let x = 0; x < stride; x++) {
        const a = x >= bpp ? out[row + x - bpp]! : 0;
        const b = y > 0 ? out[up + x]! : 0;
        const c = x >= bpp && y > 0 ? out[up + x - bpp]! : 0;
        out[row + x] = (raw[src + x]! + paeth(a, b, c)) & 255;
      }
    } else {
      return undefined;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Palette, low-depth gray and tRNS transparency into plain G/GA/RGB/RGBA pixels. */
function expand(
  px: Uint8Array,
  width: number,
  height: number,
  type: number,
  depth: number,
  palette?: Uint8Array,
  trns?: Uint8Array,
): RawImage {
  const n = width * height;
  if (type === 3) {
    const out = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      const k = px[i]!;
      out[i * 4] = palette![k * 3] ?? 0;
      out[i * 4 + 1] = palette![k * 3 + 1] ?? 0;
      out[i * 4 + 2] = palette![k * 3 + 2] ?? 0;
      out[i * 4 + 3] = trns && k < trns.length ? trns[k]! : 255;
    }
    return { data: out, width, height, channels: 4 };
  }
  const c = CHANNELS[type]!;
  const scale = 255 / ((1 << depth) - 1);
  if (trns && (type === 0 || type === 2)) {
    // One colour marked transparent: add an alpha channel.
    const key = Array.from({ length: c }, (_, i) => (trns[i * 2]! << 8) | trns[i * 2 + 1]!);
    const out = new Uint8Array(n * (c + 1));
    for (let i = 0; i < n; i++) {
      let same = true;
      for (let j = 0; j < c; j++) {
        const v = px[i * c + j]!;
        out[i * (c + 1) + j] = Math.round(v * scale);
        if (v !== key[j]) same = false;
      }
      out[i * (c + 1) + c] = same ? 0 : 255;
    }
    return { data: out, width, height, channels: c + 1 };
  }
  if (depth !== 8) {
    const out = px.map((v) => Math.round(v * scale));
    return { data: out, width, height, channels: 1 };
  }
  return { data: px, width, height, channels: c };
}
