import { Head } from "../lib/web/mod.ts";
import { define, HttpError, page } from "../utils.ts";
import { Banner, CsrfField } from "./_lib/components.tsx";
import { checkCsrf, newSession, sessionCookie } from "./_lib/session.ts";

/** Only local paths: a login never sends anyone to another site. */
function safeNext(next: string | null | undefined): string {
  return next && /^\/(?![/\\])/.test(next) ? next : "/admin/serve";
}

interface LoginData {
  next: string;
  error?: string;
  configured: boolean;
  user?: string;
}

export const handler = define.handlers({
  GET(ctx) {
    const data: LoginData = {
      next: safeNext(ctx.url.searchParams.get("next")),
      configured: ctx.state.services.admin.configured,
    };
    return page(data);
  },
  async POST(ctx) {
    await checkCsrf(ctx);
    const { admin, loginLimiter } = ctx.state.services;
    const form = await ctx.req.formData();
    const user = String(form.get("user") ?? "");
    const password = String(form.get("password") ?? "");
    const next = safeNext(String(form.get("next") ?? ""));
    const keys = [`ip:${ctx.remoteAddr ?? "unknown"}`, `user:${user}`];
    const wait = Math.max(...keys.map((k) => loginLimiter.retryAfter(k)));
    if (wait > 0) {
      throw new HttpError(429, `Too many failed logins: try again in ${Math.ceil(wait / 60)} min`, {
        headers: { "retry-after": String(wait) },
      });
    }
    if (!await admin.check(user, password)) {
      for (const k of keys) loginLimiter.fail(k);
      const error = admin.configured
        ? "Wrong user name or password"
        : "Admin login is off: set ADMIN_USER and ADMIN_PSWD in .env";
      return page<LoginData>({ next, error, configured: admin.configured, user }, { status: 401 });
    }
    for (const k of keys) loginLimiter.reset(k);
    // A new session (and CSRF token) at login: a visitor's session id is never promoted.
    const cookie = await sessionCookie(ctx, newSession(ctx, user));
    return new Response(null, { status: 303, headers: { location: next, "set-cookie": cookie } });
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <section class="narrow">
    <Head>
      <title>Log in · lifecycle</title>
    </Head>
    <h1>Admin login</h1>
    {!data.configured && (
      <Banner kind="warn">
        Admin login is off: set <code>ADMIN_USER</code> and <code>ADMIN_PSWD</code> in{" "}
        <code>.env</code> (a hash from <code>deno task app --hash-password</code> works too).
      </Banner>
    )}
    {data.error && <Banner kind="error">{data.error}</Banner>}
    <form method="post" action="/login" class="card form">
      <CsrfField token={state.csrfToken} />
      <input type="hidden" name="next" value={data.next} />
      <label class="field">
        <span>User</span>
        <input name="user" autocomplete="username" required value={data.user ?? ""} />
      </label>
      <label class="field">
        <span>Password</span>
        <input name="password" type="password" autocomplete="current-password" required />
      </label>
      <button type="submit">Log in</button>
    </form>
  </section>
));
