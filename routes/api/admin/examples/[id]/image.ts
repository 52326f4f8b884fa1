import { define } from "../../../../../utils.ts";
import { storeHttpError } from "../../../../_lib/label.ts";

// GET → the example's stored image (PNG or JPEG).
export const handler = define.handlers({
  async GET(ctx) {
    try {
      const { bytes, type } = await ctx.state.services.stores.primary.readImage(ctx.params.id!);
      return new Response(bytes as BodyInit, {
        headers: { "content-type": type, "cache-control": "private, max-age=3600" },
      });
    } catch (err) {
      throw storeHttpError(err);
    }
  },
});
