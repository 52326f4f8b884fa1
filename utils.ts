/**
 * The web app's typed route helpers: `define` (handlers, pages, layouts,
 * middleware typed with the app's state), `page(data)` and `HttpError`.
 * Routes import them from here, as in Fresh.
 *
 * @module
 */
import type { AppServices, WebSession } from "./lib/app/mod.ts";
import { createDefine } from "./lib/web/mod.ts";

export { HttpError, page } from "./lib/web/mod.ts";

/** What the app's middleware puts on each request's context. */
export interface State {
  /** The app's services, set by `createApp`'s middleware before any route code runs. */
  services: AppServices;
  /** The visitor's session (signed cookie), set by routes/_middleware.ts. */
  session: WebSession;
  /** The signed-in admin, set by the session middleware. */
  user?: string;
  /** The CSRF token that this page's forms and POSTs must send back. */
  csrfToken: string;
}

/** The typed helpers: `define.handlers({ GET })`, `define.page<typeof handler>(...)`. */
export const define = createDefine<State>();
