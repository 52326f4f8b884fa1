/**
 * Typed helpers, one small function per op, that check their attributes and
 * pick the input-or-attribute form the builder's opset needs. Use them as
 * `ops.conv(g, x, w, b, { strides: [2, 2] })`.
 *
 * @module
 */

export * from "./_ops_math.ts";
export * from "./_ops_nn.ts";
export * from "./_ops_shape.ts";
