import { predictUpload, readImageUpload } from "../../lib/app/mod.ts";
import { define } from "../../utils.ts";

// POST an image (multipart field "image", or raw bytes) → the top-k prediction,
// and where the example was kept.
export const handler = define.handlers({
  async POST(ctx) {
    const services = ctx.state.services;
    const upload = await readImageUpload(ctx.req, services.settings.web.max_upload_bytes);
    return Response.json(await predictUpload(services, upload));
  },
});
