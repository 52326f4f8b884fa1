import { parseCookies } from "../lib/app/mod.ts";
import { define } from "../utils.ts";
import { mutable, newSession, SESSION_COOKIE, sessionCookie } from "./_lib/session.ts";

// Every request: the session from its signed cookie, or a new visitor session
// (its CSRF token protects the login form) sent back as a cookie.
export const handler = define.middleware(async function session(ctx) {
  const cookie = parseCookies(ctx.req.headers.get("cookie"))[SESSION_COOKIE];
  const found = await ctx.state.services.sessions.verify(cookie);
  const session = found ?? newSession(ctx);
  ctx.state.session = session;
  ctx.state.user = session.user;
  ctx.state.csrfToken = session.csrf;
  const res = await ctx.next();
  if (found || ctx.url.pathname.startsWith("/api/")) return res;
  const out = mutable(res);
  const cookies = out.headers.getSetCookie();
  if (!cookies.some((c) => c.startsWith(`${SESSION_COOKIE}=`))) {
    out.headers.append("set-cookie", await sessionCookie(ctx, session));
  }
  return out;
});
