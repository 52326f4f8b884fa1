import { toHttpError } from "../../lib/app/mod.ts";
import { define } from "../../utils.ts";

// GET the served models and their versions (503 when the server is down).
export const handler = define.handlers({
  async GET(ctx) {
    try {
      return Response.json({ models: await ctx.state.services.server.client.models() });
    } catch (err) {
      throw toHttpError(err);
    }
  },
});
