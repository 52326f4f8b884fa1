import { define, HttpError } from "../../../../../utils.ts";
import { queueItem, storeHttpError } from "../../../../_lib/label.ts";

// POST {"label": "7"} → the labeled example.
export const handler = define.handlers({
  async POST(ctx) {
    let body: { label?: unknown };
    try {
      body = await ctx.req.json();
    } catch (err) {
      throw new HttpError(400, 'Cannot label: expected a JSON body {"label": "…"}', { cause: err });
    }
    if (typeof body?.label !== "string") {
      throw new HttpError(400, 'Cannot label: expected a JSON body {"label": "…"}');
    }
    try {
      const ex = await ctx.state.services.stores.primary.setLabel(ctx.params.id!, body.label);
      return Response.json(queueItem(ex));
    } catch (err) {
      throw storeHttpError(err);
    }
  },
});
