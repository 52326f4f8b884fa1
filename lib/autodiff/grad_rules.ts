/**
 * The table of gradient rules, one per op type of the `ai.onnx` domain.
 * Composite ops (GELU written with Erf, attention written with MatMul and
 * Softmax) need none: their primitives have rules.
 *
 * @module
 */

import type { GradRule } from "./grad_context.ts";
import { CONV_GRADIENTS } from "./_rules_conv.ts";
import { ELEMENTWISE_GRADIENTS } from "./_rules_elementwise.ts";
import { MATH_GRADIENTS } from "./_rules_math.ts";
import { NORM_GRADIENTS } from "./_rules_norm.ts";
import { SELECT_GRADIENTS } from "./_rules_select.ts";
import { SHAPE_GRADIENTS } from "./_rules_shape.ts";
import { NON_DIFFERENTIABLE } from "./_path.ts";

/** Gradient rules by op type. */
export const GRADIENTS: Readonly<Record<string, GradRule>> = Object.freeze({
  ...ELEMENTWISE_GRADIENTS,
  ...MATH_GRADIENTS,
  ...CONV_GRADIENTS,
  ...NORM_GRADIENTS,
  ...SHAPE_GRADIENTS,
  ...SELECT_GRADIENTS,
});

/** Op types with a gradient rule, sorted. */
export const DIFFERENTIABLE_OPS: readonly string[] = Object.freeze(Object.keys(GRADIENTS).sort());

/** Op types that carry no gradient (shapes, comparisons, constants, …), sorted. */
export const NON_DIFFERENTIABLE_OPS: readonly string[] = Object.freeze(
  [...NON_DIFFERENTIABLE].sort(),
);
