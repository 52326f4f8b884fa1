// Session and flash cookies of the app, and the checks admin routes run.
import {
  newToken,
  parseCookies,
  safeEqualText,
  serializeCookie,
  type WebSession,
} from "../../lib/app/mod.ts";
import type { Context } from "../../lib/web/mod.ts";
import { HttpError, type State } from "../../utils.ts";

/** Name of the session cookie. */
export const SESSION_COOKIE = "lc_session";
/** Name of the one-shot message cookie of POST-then-redirect pages. */
export const FLASH_COOKIE = "lc_flash";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** A response whose headers may be changed (fetch's are immutable). */
export function mutable(res: Response): Response {
  try {
    res.headers.set("x-mutable", "1");
    res.headers.delete("x-mutable");
    return res;
  } catch {
    return new Response(res.body, res);
  }
}

/** A fresh session, signed in as `user` or not, with a new CSRF token. */
export function newSession(ctx: Context<State>, user?: string): WebSession {
  const hours = ctx.state.services.settings.web.session_hours;
  return {
    ...(user ? { user } : {}),
    csrf: newToken(),
    exp: ctx.state.services.sessions.expiry(hours),
  };
}

/** The Set-Cookie value carrying a session. */
export async function sessionCookie(ctx: Context<State>, session: WebSession): Promise<string> {
  const value = await ctx.state.services.sessions.sign(session);
  const maxAge = session.exp - Math.floor(Date.now() / 1000);
  return serializeCookie(SESSION_COOKIE, value, {
    maxAge,
    secure: ctx.url.protocol === "https:",
  });
}

function wantsJson(ctx: Context<State>): boolean {
  const accept = ctx.req.headers.get("accept") ?? "";
  return ctx.url.pathname.startsWith("/api/") ||
    (accept.includes("application/json") && !accept.includes("text/html"));
}

/**
 * Throws 403 unless the request carries this session's CSRF token, in the
 * `X-CSRF-Token` header or a form's `_csrf` field.
 */
export async function checkCsrf(ctx: Context<State>): Promise<void> {
  let token = ctx.req.headers.get("x-csrf-token");
  const type = ctx.req.headers.get("content-type") ?? "";
  if (!token && /^(application\/x-www-form-urlencoded|multipart\/form-data)/.test(type)) {
    const form = await ctx.req.clone().formData().catch(() => undefined);
    const field = form?.get("_csrf");
    token = typeof field === "string" ? field : null;
  }
  if (!token || !await safeEqualText(token, ctx.state.csrfToken)) {
    throw new HttpError(403, "Invalid or missing CSRF token: reload the page and try again");
  }
}

/**
 * Middleware of the admin pages and endpoints: without an admin session a
 * page redirects to the login (other requests get 401); a POST (or PUT,
 * DELETE…) must carry the CSRF token (else 403). Answers are not cached.
 */
export async function requireAdmin(ctx: Context<State>): Promise<Response> {
  if (!ctx.state.user) {
    if ((ctx.req.method === "GET" || ctx.req.method === "HEAD") && !wantsJson(ctx)) {
      const next = ctx.url.pathname + ctx.url.search;
      return ctx.redirect(`/login?next=${encodeURIComponent(next)}`);
    }
    throw new HttpError(401, "Log in first: this needs an admin session");
  }
  if (!SAFE_METHODS.has(ctx.req.method)) await checkCsrf(ctx);
  const res = mutable(await ctx.next());
  if (!res.headers.has("cache-control")) res.headers.set("cache-control", "no-store");
  return res;
}

/** A one-shot message for the next page, as a Set-Cookie value. */
export function flashCookie(ok: boolean, text: string): string {
  const bytes = new TextEncoder().encode(JSON.stringify({ ok, text: text.slice(0, 2000) }));
  const value = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
  return serializeCookie(FLASH_COOKIE, value, { maxAge: 60 });
}

/** The flash message of a request, if any (its cookie is then cleared by the caller). */
export function readFlash(cookie: string | undefined): { ok: boolean; text: string } | undefined {
  if (!cookie) return undefined;
  try {
    const std = cookie.replaceAll("-", "+").replaceAll("_", "/");
    const bytes = Uint8Array.from(atob(std), (c) => c.charCodeAt(0));
    const v = JSON.parse(new TextDecoder().decode(bytes));
    return typeof v?.text === "string" ? { ok: v.ok === true, text: v.text } : undefined;
  } catch {
    return undefined;
  }
}

/** A 303 back to `location` with a flash message. */
export function redirectWithFlash(location: string, ok: boolean, text: string): Response {
  return new Response(null, {
    status: 303,
    headers: { location, "set-cookie": flashCookie(ok, text) },
  });
}

/** The flash message of this request and the header that clears it. */
export function takeFlash(
  ctx: Context<State>,
): { flash?: { ok: boolean; text: string }; headers: Record<string, string> } {
  const flash = readFlash(parseCookies(ctx.req.headers.get("cookie"))[FLASH_COOKIE]);
  const headers: Record<string, string> = flash
    ? { "set-cookie": serializeCookie(FLASH_COOKIE, "", { maxAge: 0 }) }
    : {};
  return { flash, headers };
}
