// Renders pages and error responses for the app: the route's page inside its
// layouts and _app, handlers' results, and HttpError (or any error) as JSON or a page.
import { type ComponentType, h, type VNode } from "preact";
import { wantsJson } from "./_context.ts";
import type { RouteEntry, RouteTable } from "./_routes.ts";
import { STATUS_TEXT } from "./_status.ts";
import { isPageResponse } from "./define.ts";
import { HttpError } from "./http_error.ts";
import { type ClientAssets, type IslandRenderer, renderDocument } from "./render.ts";
import type { Context, LayoutProps, Method, PageProps } from "./types.ts";

// deno-lint-ignore no-explicit-any
type AnyVNode = VNode<any>;

function DefaultApp({ Component }: LayoutProps<unknown, unknown>): AnyVNode {
  return h(
    "html",
    { lang: "en" },
    h(
      "head",
      null,
      h("meta", { charset: "utf-8" }),
      h("meta", { name: "viewport", content: "width=device-width, initial-scale=1" }),
    ),
    h("body", null, h(Component, {})),
  );
}

function constant(node: AnyVNode): ComponentType<Record<string, never>> {
  return function Inner() {
    return node;
  };
}

function compose(
  page: ComponentType<PageProps<unknown, unknown>>,
  layouts: ComponentType<LayoutProps<unknown, unknown>>[],
  app: ComponentType<LayoutProps<unknown, unknown>> | undefined,
  props: PageProps<unknown, unknown>,
): AnyVNode {
  let node: AnyVNode = h(page, props);
  for (const layout of [...layouts].reverse()) {
    node = h(layout, { ...props, Component: constant(node) });
  }
  return app ? h(app, { ...props, Component: constant(node) }) : node;
}

function htmlResponse(html: string, status: number, headers?: HeadersInit): Response {
  const out = new Headers(headers);
  out.set("content-type", "text/html; charset=utf-8");
  return new Response(html, { status, headers: out });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page and error rendering of one app. */
export class Runtime {
  constructor(
    readonly table: RouteTable,
    readonly renderer: IslandRenderer,
    readonly assets: ClientAssets | undefined,
    readonly onError: (err: unknown, req: Request) => void,
  ) {}

  page(
    ctx: Context,
    page: ComponentType<PageProps<unknown, unknown>>,
    layouts: RouteEntry["layouts"],
    app: boolean,
    extra: Partial<PageProps<unknown, unknown>>,
  ): string {
    const props: PageProps<unknown, unknown> = {
      data: undefined,
      url: ctx.url,
      params: ctx.params,
      state: ctx.state,
      route: ctx.route,
      ...extra,
    };
    const appComponent = app ? this.table.app ?? DefaultApp : undefined;
    return renderDocument(compose(page, layouts, appComponent, props), this.renderer, this.assets);
  }

  render(route: RouteEntry, ctx: Context, data: unknown, init: ResponseInit): Response {
    if (!route.component) {
      throw new TypeError(`Cannot render "${route.file}": it has no default page component`);
    }
    const html = this.page(ctx, route.component, route.layouts, !route.config.skipAppWrapper, {
      data,
    });
    return htmlResponse(html, init.status ?? 200, init.headers);
  }

  async handle(route: RouteEntry, ctx: Context): Promise<Response> {
    const method = ctx.req.method as Method;
    const handlers = route.handlers;
    if (!handlers && (method === "GET" || method === "HEAD")) {
      return this.render(route, ctx, undefined, {});
    }
    const fn = handlers?.[method] ?? (method === "HEAD" ? handlers?.GET : undefined);
    if (!fn) {
      const allow = handlers ? Object.keys(handlers) : ["GET"];
      if (allow.includes("GET") && !allow.includes("HEAD")) allow.push("HEAD");
      throw new HttpError(405, `Method ${method} is not allowed on "${ctx.url.pathname}"`, {
        headers: { allow: allow.join(", ") },
      });
    }
    const result = await fn(ctx);
    if (result instanceof Response) return result;
    if (isPageResponse(result)) return this.render(route, ctx, result.data, result);
    throw new TypeError(
      `Cannot answer ${method} "${route.file}": its handler returned ${typeof result}, ` +
        "not a Response or page(data)",
    );
  }

  error(err: unknown, req: Request, ctx: Context | undefined): Response {
    const status = err instanceof HttpError ? err.status : 500;
    const message = err instanceof HttpError ? err.message : STATUS_TEXT[500]!;
    if (status >= 500) this.onError(err, req);
    const headers = new Headers(err instanceof HttpError ? err.headers : undefined);
    if (wantsJson(req)) {
      headers.set("content-type", "application/json; charset=utf-8");
      return new Response(JSON.stringify({ error: message, status }), { status, headers });
    }
    const page = status === 404 ? this.table.notFound : this.table.error;
    if (page && ctx) {
      try {
        // Unexpected errors reach the page wrapped, so their message stays private.
        const error = err instanceof HttpError
          ? err
          : new HttpError(500, undefined, { cause: err });
        const html = this.page(ctx, page, this.rootLayouts(), true, { error, status });
        return htmlResponse(html, status, headers);
      } catch (renderErr) {
        this.onError(renderErr, req);
      }
    }
    const text = escapeHtml(`${status} ${message}`);
    return htmlResponse(`<!DOCTYPE html><title>${text}</title><h1>${text}</h1>`, status, headers);
  }

  rootLayouts(): RouteEntry["layouts"] {
    return this.table.rootLayout ? [this.table.rootLayout] : [];
  }
}
