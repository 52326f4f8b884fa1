import { define } from "../../../../../utils.ts";
import { queueItem, storeHttpError } from "../../../../_lib/label.ts";

// POST → the example, moved out of the labeling queue.
export const handler = define.handlers({
  async POST(ctx) {
    try {
      return Response.json(queueItem(await ctx.state.services.stores.primary.skip(ctx.params.id!)));
    } catch (err) {
      throw storeHttpError(err);
    }
  },
});
