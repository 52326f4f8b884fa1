import assert from "node:assert/strict";
import { compileTransforms, evalTransforms, type Image, Rng } from "../../lib/data/mod.ts";

const R = Rng.derive(0);

function img(channels: number, height: number, width: number, values?: number[]): Image {
  const n = channels * height * width;
  const data = Float32Array.from(values ?? Array.from({ length: n }, (_, i) => i));
  return { data, channels, height, width };
}

function run(specs: unknown[], src: Image, rng = R): { dims: number[]; values: number[] } {
  const out = compileTransforms(specs).apply(src, rng);
  const n = out.channels * out.height * out.width;
  return { dims: [out.channels, out.height, out.width], values: [...out.data.subarray(0, n)] };
}

function close(actual: number[], expected: number[], tol = 1e-6) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

Deno.test("resize shrinks with the antialiased triangle filter (hand-computed weights)", () => {
  // 4 -> 2: taps (0.75, 0.75, 0.25) / 1.75 over x = 0..2 and (0.25, 0.75, 0.75) / 1.75 over 1..3.
  const { dims, values } = run([{ name: "resize", size: [1, 2] }], img(1, 1, 4, [0, 1, 2, 3]));
  assert.deepEqual(dims, [1, 1, 2]);
  close(values, [1.25 / 1.75, 4 / 1.75]);
});

Deno.test("resize enlarges as bilinear with half-pixel centres (align_corners=False)", () => {
  const { values } = run([{ name: "resize", size: [1, 4] }], img(1, 1, 2, [0, 1]));
  close(values, [0, 0.25, 0.75, 1]);
  const flat = run([{ name: "resize", size: [5, 7] }], img(3, 3, 3, new Array(27).fill(0.4)));
  close(flat.values, new Array(3 * 5 * 7).fill(0.4));
});

Deno.test("resize with one size matches the shorter edge and keeps the aspect ratio", () => {
  assert.deepEqual(compileTransforms([{ name: "resize", size: 2 }]).outputDims([1, 4, 8]), [
    1,
    2,
    4,
  ]);
  assert.deepEqual(compileTransforms([{ name: "resize", size: 4 }]).outputDims([3, 10, 5]), [
    3,
    8,
    4,
  ]);
  const same = img(1, 3, 3);
  assert.deepEqual(run([{ name: "resize", size: 3 }], same).values, [...same.data]);
});

Deno.test("resize nearest picks the source pixel under each output centre", () => {
  const { values } = run(
    [{ name: "resize", size: [1, 2], interpolation: "nearest" }],
    img(1, 1, 4, [0, 1, 2, 3]),
  );
  assert.deepEqual(values, [1, 3]);
});

Deno.test("center_crop takes the middle window, rounding half to even, and pads with zeros", () => {
  assert.deepEqual(run([{ name: "center_crop", size: 3 }], img(1, 5, 5)).values, [
    6,
    7,
    8,
    11,
    12,
    13,
    16,
    17,
    18,
  ]);
  // (4 - 3) / 2 = 0.5 rounds to 0, as Python's round.
  assert.deepEqual(run([{ name: "center_crop", size: 3 }], img(1, 4, 4)).values, [
    0,
    1,
    2,
    4,
    5,
    6,
    8,
    9,
    10,
  ]);
  const padded = run([{ name: "center_crop", size: 4 }], img(1, 2, 2, [1, 2, 3, 4]));
  assert.deepEqual(padded.values, [0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0]);
});

Deno.test("flips mirror with p = 1 and leave the image with p = 0", () => {
  const src = img(1, 2, 3);
  assert.deepEqual(run([{ name: "horizontal_flip", p: 1 }], src).values, [2, 1, 0, 5, 4, 3]);
  assert.deepEqual(run([{ name: "vertical_flip", p: 1 }], src).values, [3, 4, 5, 0, 1, 2]);
  assert.deepEqual(run([{ name: "RandomHorizontalFlip", p: 0 }], src).values, [0, 1, 2, 3, 4, 5]);
});

Deno.test("rotation by 90 degrees turns the image counter-clockwise", () => {
  for (const n of [3, 4]) {
    const src = img(1, n, n);
    const { values } = run([{ name: "rotation", degrees: [90, 90] }], src);
    const expected = Array.from({ length: n * n }, (_, i) => {
      const r = Math.floor(i / n), c = i % n;
      return src.data[c * n + (n - 1 - r)]!; // out[r][c] = in[c][n-1-r]
    });
    assert.deepEqual(values, expected, `size ${n}`);
  }
  const still = run([{ name: "rotation", degrees: 0, interpolation: "bilinear" }], img(1, 3, 3));
  close(still.values, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
});

Deno.test("rotation fills the corners it uncovers", () => {
  const { values } = run(
    [{ name: "rotation", degrees: [45, 45], fill: -1 }],
    img(1, 5, 5, new Array(25).fill(1)),
  );
  assert.deepEqual([values[0], values[4], values[20], values[24], values[12]], [-1, -1, -1, -1, 1]);
});

Deno.test("color_jitter scales brightness and blends contrast with the mean grey", () => {
  const src = img(1, 1, 4, [0.1, 0.2, 0.3, 0.6]);
  close(run([{ name: "color_jitter", brightness: [2, 2] }], src).values, [0.2, 0.4, 0.6, 1]);
  close(run([{ name: "color_jitter", contrast: [0, 0] }], src).values, [0.3, 0.3, 0.3, 0.3]);
  // contrast 0.5 around the mean 0.3: 0.5 x + 0.15
  close(run([{ name: "color_jitter", contrast: [0.5, 0.5] }], src).values, [0.2, 0.25, 0.3, 0.45]);
  const rgb = img(3, 1, 1, [1, 0, 0]);
  close(run([{ name: "color_jitter", contrast: [0, 0] }], rgb).values, [0.299, 0.299, 0.299]);
});

Deno.test("grayscale weighs channels by ITU-R 601-2 luma", () => {
  const src = img(3, 1, 2, [1, 0, 0, 1, 0, 1]);
  // CHW planes: pixel 0 is (1, 0, 0), pixel 1 is (0, 1, 1).
  close(run([{ name: "grayscale" }], src).values, [0.299, 0.587 + 0.114]);
  const three = run([{ name: "grayscale", num_output_channels: 3 }], src);
  assert.deepEqual(three.dims, [3, 1, 2]);
});

Deno.test("normalize subtracts the mean and divides by the std per channel", () => {
  const src = img(2, 1, 2, [1, 2, 3, 4]);
  close(run([{ name: "normalize", mean: [1, 2], std: [2, 4] }], src).values, [0, 0.5, 0.25, 0.5]);
  close(run([{ name: "normalize", mean: [0.1307], std: [0.3081] }], img(1, 1, 1, [1])).values, [
    (1 - 0.1307) / 0.3081,
  ]);
  assert.throws(
    () =>
      compileTransforms([{ name: "normalize", mean: [0.5, 0.5, 0.5], std: [0.5] }]).outputDims([
        1,
        28,
        28,
      ]),
    /Cannot apply transform "normalize": 3 mean values for 1 channel\(s\)/,
  );
});

Deno.test("random_resized_crop with scale 1 and ratio 1 equals a resize, smaller scales cut windows", () => {
  const src = img(1, 4, 4);
  const whole = run([{ name: "random_resized_crop", size: 2, scale: [1, 1], ratio: [1, 1] }], src);
  assert.deepEqual(whole.values, run([{ name: "resize", size: 2 }], src).values);
  const windows = new Set<string>();
  for (let seed = 0; seed < 50; seed++) {
    const w = run(
      [{ name: "random_resized_crop", size: 2, scale: [0.25, 0.25], ratio: [1, 1] }],
      src,
      Rng.derive(seed),
    );
    const top = Math.floor(w.values[0]! / 4), left = w.values[0]! % 4;
    const d = src.data;
    assert.deepEqual(w.values, [
      d[top * 4 + left],
      d[top * 4 + left + 1],
      d[top * 4 + left + 4],
      d[top * 4 + left + 5],
    ]);
    windows.add(`${top},${left}`);
  }
  assert.equal(windows.size, 9, "every 2x2 window position is drawn");
});

Deno.test("a pipeline is deterministic per stream and never writes its source", () => {
  const specs = [
    { name: "random_resized_crop", size: 6, scale: [0.5, 1] },
    { name: "horizontal_flip" },
    { name: "rotation", degrees: 20, interpolation: "bilinear" },
    { name: "color_jitter", brightness: 0.3, contrast: 0.3 },
    { name: "grayscale" },
    { name: "normalize", mean: [0.5], std: [0.25] },
  ];
  const src = img(3, 8, 8, Array.from({ length: 192 }, (_, i) => (i % 17) / 17));
  const before = [...src.data];
  const a = run(specs, src, Rng.derive(5, 1, 0, 3));
  const b = run(specs, src, Rng.derive(5, 1, 0, 3));
  const c = run(specs, src, Rng.derive(5, 1, 0, 4));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.values, c.values);
  assert.deepEqual(a.dims, [1, 6, 6]);
  assert.deepEqual([...src.data], before);
  assert.equal(compileTransforms(specs).random, true);
});

Deno.test("compileTransforms() names the position, transform and field of a bad spec", () => {
  assert.throws(
    () => compileTransforms([{ name: "resize", size: "abc" }], "data.transforms.train"),
    {
      name: "TypeError",
      message:
        'Invalid transform data.transforms.train[0] "resize": "size" must be a positive integer or [height, width], got "abc"',
    },
  );
  assert.throws(
    () => compileTransforms([{ name: "blur" }]),
    /Unknown transform transforms\[0\] "blur": expected one of resize, /,
  );
  assert.throws(
    () => compileTransforms([{ name: "horizontal_flip", q: 1 }]),
    /unknown field "q" \(valid: p\)/,
  );
  assert.throws(
    () => compileTransforms([{ name: "horizontal_flip", p: 2 }]),
    /"p" must be a number in \[0, 1\], got 2/,
  );
  assert.throws(
    () => compileTransforms([{ name: "normalize", mean: [0], std: [0] }]),
    /"std" must be positive numbers/,
  );
  assert.throws(
    () => compileTransforms(["resize"]),
    /expected an object with "name", got "resize"/,
  );
  assert.deepEqual(compileTransforms([{ name: "CenterCrop", size: [2, 3] }]).specs, [{
    name: "center_crop",
    size: [2, 3],
  }]);
});

Deno.test("evalTransforms() drops random transforms and turns random_resized_crop into resize + center_crop", () => {
  const specs = evalTransforms([
    { name: "random_resized_crop", size: 24 },
    { name: "horizontal_flip" },
    { name: "color_jitter", brightness: 0.2 },
    { name: "normalize", mean: [0.5], std: [0.5] },
  ]);
  assert.deepEqual(specs.map((s) => s.name), ["resize", "center_crop", "normalize"]);
  assert.equal(compileTransforms(specs).random, false);
  assert.deepEqual(compileTransforms(specs).outputDims([1, 30, 40]), [1, 24, 24]);
});
