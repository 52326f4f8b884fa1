import { define } from "../../../utils.ts";
import { loadQueue, queueParams, storeHttpError } from "../../_lib/label.ts";

// GET ?below=0.9&strategy=margin → {items, counts} of the labeling queue.
export const handler = define.handlers({
  async GET(ctx) {
    const { below, strategy } = queueParams(ctx.url);
    try {
      return Response.json(await loadQueue(ctx.state.services, below, strategy));
    } catch (err) {
      throw storeHttpError(err);
    }
  },
});
