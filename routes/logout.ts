import { define } from "../utils.ts";
import { checkCsrf, newSession, sessionCookie } from "./_lib/session.ts";

// POST (with the CSRF token) → back to a visitor session.
export const handler = define.handlers({
  async POST(ctx) {
    await checkCsrf(ctx);
    const cookie = await sessionCookie(ctx, newSession(ctx));
    return new Response(null, { status: 303, headers: { location: "/", "set-cookie": cookie } });
  },
});
