import assert from "node:assert/strict";
import sharp from "sharp";
import { crc32, deflateSync } from "node:zlib";
import { decodePng } from "../../lib/serve/_png.ts";

/** A hand-made PNG (filter 0 rows) for types sharp does not write: low-depth gray, tRNS keys. */
function handPng(
  ihdr: { width: number; height: number; depth: number; type: number },
  rows: Uint8Array[],
  trns?: number[],
): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const body = new Uint8Array([...new TextEncoder().encode(type), ...data]);
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(body, 4);
    view.setUint32(8 + data.length, crc32(body));
    return out;
  };
  const head = new Uint8Array(13);
  const v = new DataView(head.buffer);
  v.setUint32(0, ihdr.width);
  v.setUint32(4, ihdr.height);
  head.set([ihdr.depth, ihdr.type, 0, 0, 0], 8);
  const raw = rows.flatMap((r) => [0, ...r]);
  return new Uint8Array([
    137,
    80,
    78,
    71,
    13,
    10,
    26,
    10,
    ...chunk("IHDR", head),
    ...(trns ? chunk("tRNS", new Uint8Array(trns)) : []),
    ...chunk("IDAT", new Uint8Array(deflateSync(new Uint8Array(raw)))),
    ...chunk("IEND", new Uint8Array()),
  ]);
}

/** sharp's own decode of the same file as 8-bit RGBA: the reference. */
async function reference(file: Uint8Array) {
  const { data, info } = await sharp(file).toColourspace("srgb").ensureAlpha().raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

function toRgba(d: Uint8Array, channels: number): Uint8Array {
  const n = d.length / channels;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    const rgb = channels < 3 ? [d[o]!, d[o]!, d[o]!] : [d[o]!, d[o + 1]!, d[o + 2]!];
    out.set([...rgb, channels === 2 || channels === 4 ? d[o + channels - 1]! : 255], i * 4);
  }
  return out;
}

Deno.test("decodePng() equals sharp's decode for gray, gray+alpha, RGB, RGBA and palette PNGs", async () => {
  const w = 37, h = 23; // odd sizes exercise every filter's edges
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256;
  for (const channels of [1, 2, 3, 4] as const) {
    // Smooth gradients plus noise, so that the encoder picks different filters per row.
    const px = new Uint8Array(w * h * channels).map((_, i) => ((i * 3) % 200) + (rand() % 40));
    const variants = [
      { compressionLevel: 9, adaptiveFiltering: true },
      { compressionLevel: 1, adaptiveFiltering: false },
      { palette: true, colours: 16 },
      { palette: true, colours: 2 },
    ];
    for (const options of variants) {
      const img = sharp(px, { raw: { width: w, height: h, channels } });
      const file = new Uint8Array(
        await (channels <= 2 ? img.toColourspace("b-w") : img).png(options).toBuffer(),
      );
      const got = decodePng(file, 1e6);
      const what = `${channels} channel(s), ${JSON.stringify(options)}`;
      assert.ok(got, what);
      const want = await reference(file);
      assert.deepEqual([got.width, got.height], [want.width, want.height], what);
      assert.deepEqual(toRgba(got.data, got.channels), want.data, what);
    }
  }
});

Deno.test("decodePng() equals sharp's decode for 1/2/4-bit gray and tRNS colour keys", async () => {
  const cases = [
    handPng({ width: 10, height: 2, depth: 1, type: 0 }, [
      new Uint8Array([0b10110010, 0b01000000]),
      new Uint8Array([0b01111111, 0b11000000]),
    ]),
    handPng({ width: 5, height: 2, depth: 2, type: 0 }, [
      new Uint8Array([0b00011011, 0b11000000]),
      new Uint8Array([0b11100100, 0b01000000]),
    ]),
    handPng({ width: 3, height: 2, depth: 4, type: 0 }, [
      new Uint8Array([0x0f, 0x70]),
      new Uint8Array([0xa5, 0x30]),
    ], [0, 7]),
    handPng({ width: 2, height: 2, depth: 8, type: 2 }, [
      new Uint8Array([1, 2, 3, 9, 9, 9]),
      new Uint8Array([9, 9, 9, 200, 100, 50]),
    ], [0, 9, 0, 9, 0, 9]),
  ];
  for (const [i, file] of cases.entries()) {
    const got = decodePng(file, 1e6);
    assert.ok(got, `case ${i}`);
    assert.deepEqual(toRgba(got.data, got.channels), (await reference(file)).data, `case ${i}`);
  }
});

Deno.test("decodePng() declines what it does not handle, so sharp decides", async () => {
  const px = new Uint8Array(16 * 16 * 3).map((_, i) => i % 251);
  const png = new Uint8Array(
    await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).png().toBuffer(),
  );
  const interlaced = new Uint8Array(
    await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).png({ progressive: true })
      .toBuffer(),
  );
  const deep = new Uint8Array(
    await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).png().toColourspace("rgb16")
      .toBuffer(),
  );
  const jpeg = new Uint8Array(
    await sharp(px, { raw: { width: 16, height: 16, channels: 3 } }).jpeg().toBuffer(),
  );
  assert.ok(decodePng(png, 1e6));
  assert.equal(decodePng(png.subarray(0, png.length - 20), 1e6), undefined, "truncated");
  assert.equal(decodePng(interlaced, 1e6), undefined, "interlaced");
  assert.equal(decodePng(deep, 1e6), undefined, "16-bit");
  assert.equal(decodePng(jpeg, 1e6), undefined, "not a PNG");
  assert.equal(decodePng(png, 100), undefined, "over the pixel limit");
  const corrupt = png.slice();
  corrupt.fill(0xff, 41, 60);
  assert.equal(decodePng(corrupt, 1e6), undefined, "corrupt image data");
});
