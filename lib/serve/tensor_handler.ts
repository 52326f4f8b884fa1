/**
 * The `tensor` handler: JSON tensors in, JSON tensors out, checked against
 * the model's graph inputs. Request body: a nested list for the (single)
 * input, or an object keyed by input name whose values are nested lists or
 * `{"dims": [...], "data": [...flat]}`. A tensor without the batch dimension
 * gets one of size 1. Response: `{"<output>": {"dtype", "dims", "data"}}`.
 *
 * @module
 */
import { ServeError } from "./errors.ts";
import type { ValueInfo } from "./_runtime.ts";
import { isDType, type Tensor, tensorFromJson, tensorToJson } from "./tensor.ts";

/**
 * Parses a `tensor` handler request body into feeds.
 *
 * @param body the parsed JSON body
 * @param inputs the model's graph inputs
 * @returns tensors by input name, each with its batch dimension
 * @throws {ServeError} 400 naming the input and what is expected
 */
export function parseTensorRequest(body: unknown, inputs: readonly ValueInfo[]): Record<
  string,
  Tensor
> {
  const byName: Record<string, unknown> = Array.isArray(body) && inputs.length === 1
    ? { [inputs[0]!.name]: body }
    : (typeof body === "object" && body !== null && !Array.isArray(body))
    ? body as Record<string, unknown>
    : {};
  const feeds: Record<string, Tensor> = {};
  for (const info of inputs) {
    const value = byName[info.name];
    if (value === undefined) {
      const names = inputs.map((i) => `"${i.name}"`).join(", ");
      throw ServeError.badRequest(
        `Missing input "${info.name}": send a JSON object keyed by ${names} or a nested list`,
      );
    }
    const spec = value as { dims?: unknown; data?: unknown };
    const hasDims = typeof value === "object" && value !== null && !Array.isArray(value);
    const dims = hasDims ? spec.dims : undefined;
    if (dims !== undefined && !Array.isArray(dims)) {
      throw ServeError.badRequest(`Invalid "dims" of "${info.name}": expected a list of sizes`);
    }
    feeds[info.name] = checkFeed(
      tensorFromJson(
        dtypeOf(info),
        dims as number[] | undefined,
        hasDims ? spec.data : value,
        info.name,
      ),
      info,
    );
  }
  const extra = Object.keys(byName).filter((k) => !inputs.some((i) => i.name === k));
  if (extra.length > 0 && !Array.isArray(body)) {
    throw ServeError.badRequest(
      `Unknown input "${extra[0]}": the model's inputs are ${
        inputs.map((i) => `"${i.name}"`).join(", ")
      }`,
    );
  }
  return feeds;
}

/** The dtype of a graph input, or a 400 when the server cannot feed it. */
export function dtypeOf(info: ValueInfo) {
  if (!isDType(info.dtype)) {
    throw ServeError.badRequest(
      `Input "${info.name}" has type ${info.dtype}, which JSON cannot feed`,
    );
  }
  return info.dtype;
}

/**
 * Checks a tensor against a graph input: rank and every fixed dimension.
 * A tensor one rank short gets a leading batch dimension of 1.
 *
 * @param t the tensor
 * @param info the graph input
 * @returns the tensor, with its batch dimension
 * @throws {ServeError} 400 when the shape does not fit
 */
export function checkFeed(t: Tensor, info: ValueInfo): Tensor {
  let dims = t.dims;
  if (dims.length === info.dims.length - 1) dims = [1, ...dims];
  const want = `[${info.dims.map((d) => typeof d === "number" && d >= 0 ? d : "N").join(",")}]`;
  const fail = () =>
    ServeError.badRequest(
      `Invalid shape of "${info.name}": expected ${want}, got [${t.dims.join(",")}]`,
    );
  if (dims.length !== info.dims.length) throw fail();
  for (let i = 0; i < dims.length; i++) {
    const d = info.dims[i];
    if (typeof d === "number" && d >= 0 && d !== dims[i]) throw fail();
  }
  if (dims[0] === 0) throw fail();
  return { ...t, dims };
}

/**
 * The `tensor` handler response for one request.
 *
 * @param outputs this request's rows of each output
 * @returns JSON-ready `{name: {dtype, dims, data}}`
 */
export function tensorResponse(outputs: Record<string, Tensor>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(outputs)) {
    out[name] = { dtype: t.dtype, dims: t.dims, data: tensorToJson(t) };
  }
  return out;
}
