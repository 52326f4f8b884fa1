import assert from "node:assert/strict";
import { formatError } from "../../cli/_main.ts";

Deno.test("formatError() prints one line with a hint", () => {
  Deno.env.delete("LIFECYCLE_FULL_ERROR");
  const text = formatError(new Error('Cannot read "x": no such file\nsecond line'));
  assert.equal(text.split("\n").length, 1);
  assert.match(text, /^Error: Cannot read "x": no such file/);
});
