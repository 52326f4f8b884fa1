import { toHttpError } from "../../../lib/app/mod.ts";
import { define } from "../../../utils.ts";

// GET request and latency figures per model version (503 when the server is down).
export const handler = define.handlers({
  async GET(ctx) {
    try {
      return Response.json(await ctx.state.services.server.client.metrics());
    } catch (err) {
      throw toHttpError(err);
    }
  },
});
