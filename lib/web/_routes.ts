// Turns the manifest's route files into a sorted route table: URL patterns in
// Hono's syntax plus, per route, the layouts and middleware of its folders.
import type { ComponentType } from "preact";
import type {
  HandlerByMethod,
  LayoutProps,
  Manifest,
  Middleware,
  PageProps,
  RouteConfig,
  RouteModule,
} from "./types.ts";

/** File stems with a meaning of their own under routes/. */
export const SPECIAL = ["_app", "_layout", "_middleware", "_404", "_500"] as const;

/** One page or endpoint. */
export interface RouteEntry {
  /** Manifest key, `./routes/models/[name].tsx`. */
  file: string;
  /** Hono path, `/models/:name`. */
  pattern: string;
  /** Handlers keyed by method; undefined for a page without handlers. */
  handlers: HandlerByMethod<unknown, unknown> | undefined;
  /** The page component, if any. */
  component: ComponentType<PageProps<unknown, unknown>> | undefined;
  /** Layouts from outermost to innermost (none with `config.skipInheritedLayouts`). */
  layouts: ComponentType<LayoutProps<unknown, unknown>>[];
  /** Middleware from the root folder down to the route's folder. */
  middleware: Middleware<unknown>[];
  /** Settings exported as `config`. */
  config: RouteConfig;
  /** Sort key: one rank per segment (0 static, 1 parameter, 2 rest). */
  rank: number[];
}

/** The route table built from a manifest. */
export interface RouteTable {
  routes: RouteEntry[];
  app: ComponentType<LayoutProps<unknown, unknown>> | undefined;
  notFound: ComponentType<PageProps<unknown, unknown>> | undefined;
  error: ComponentType<PageProps<unknown, unknown>> | undefined;
  /** Layout of the root folder (error pages use it too). */
  rootLayout: ComponentType<LayoutProps<unknown, unknown>> | undefined;
  /** Middleware of the root folder (they also run for not-found pages). */
  rootMiddleware: Middleware<unknown>[];
}

interface Folder {
  layout?: ComponentType<LayoutProps<unknown, unknown>>;
  middleware: Middleware<unknown>[];
}

function fail(file: string, detail: string): never {
  throw new TypeError(`Cannot load route "${file}": ${detail}`);
}

function splitKey(key: string): { dirs: string[]; stem: string } {
  if (!key.startsWith("./routes/")) fail(key, 'keys must start with "./routes/"');
  const parts = key.slice("./routes/".length).split("/");
  const stem = parts.pop()!.replace(/\.[jt]sx?$/, "");
  return { dirs: parts, stem };
}

function isGroup(segment: string): boolean {
  return /^\(.+\)$/.test(segment);
}

/** The Hono pattern and rank of one URL segment. */
function segmentPattern(file: string, segment: string): { text: string; rank: number } {
  const rest = /^\[\.\.\.([A-Za-z_$][\w$]*)\]$/.exec(segment);
  if (rest) return { text: `:${rest[1]}{.+}`, rank: 2 };
  const param = /^\[([A-Za-z_$][\w$]*)\]$/.exec(segment);
  if (param) return { text: `:${param[1]}`, rank: 1 };
  if (/[[\]:*{}()]/.test(segment)) {
    fail(file, `segment "${segment}" is neither plain text, [name] nor [...name]`);
  }
  return { text: encodeURIComponent(segment), rank: 0 };
}

function middlewareOf(file: string, mod: RouteModule): Middleware<unknown>[] {
  const value = mod.handler ?? mod.default;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((fn) => typeof fn !== "function")) {
    fail(file, "a _middleware file exports a function (or an array of them) as handler");
  }
  return list as Middleware<unknown>[];
}

function componentOf<P>(file: string, mod: RouteModule): ComponentType<P> | undefined {
  if (mod.default === undefined) return undefined;
  if (typeof mod.default !== "function") fail(file, "its default export is not a component");
  return mod.default as ComponentType<P>;
}

function handlersOf(file: string, mod: RouteModule): HandlerByMethod<unknown, unknown> | undefined {
  const h = mod.handler;
  if (h === undefined) return undefined;
  if (typeof h !== "object" || h === null || Array.isArray(h)) {
    fail(file, "handler must be an object keyed by method (define.handlers({ GET, POST }))");
  }
  for (const [method, fn] of Object.entries(h)) {
    if (!/^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/.test(method) || typeof fn !== "function") {
      fail(file, `handler.${method} is not a handler (valid keys: GET, HEAD, POST, PUT, ...)`);
    }
  }
  return h as HandlerByMethod<unknown, unknown>;
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return b.length - a.length;
}

/**
 * Builds the route table of a manifest.
 *
 * @throws {TypeError} on a malformed file name or export, or two files for one URL
 */
export function buildRouteTable(manifest: Manifest): RouteTable {
  const folders = new Map<string, Folder>();
  const folder = (dir: string) => {
    let f = folders.get(dir);
    if (!f) folders.set(dir, f = { middleware: [] });
    return f;
  };
  const table: RouteTable = {
    routes: [],
    app: undefined,
    notFound: undefined,
    error: undefined,
    rootLayout: undefined,
    rootMiddleware: [],
  };
  const pages: { file: string; dirs: string[]; stem: string; mod: RouteModule }[] = [];
  for (const [file, mod] of Object.entries(manifest.routes).sort(([a], [b]) => a < b ? -1 : 1)) {
    const { dirs, stem } = splitKey(file);
    const dir = dirs.join("/");
    const root = dirs.length === 0;
    if (stem === "_middleware") folder(dir).middleware.push(...middlewareOf(file, mod));
    else if (stem === "_layout") folder(dir).layout = componentOf(file, mod);
    else if (stem === "_app" || stem === "_404" || stem === "_500") {
      if (!root) fail(file, `${stem} is only read from the routes/ folder itself`);
      const c = componentOf(file, mod);
      if (!c) fail(file, `${stem} must default-export a component`);
      if (stem === "_app") table.app = c as ComponentType<LayoutProps<unknown, unknown>>;
      else if (stem === "_404") table.notFound = c as ComponentType<PageProps<unknown, unknown>>;
      else table.error = c as ComponentType<PageProps<unknown, unknown>>;
    } else if (stem.startsWith("_")) continue;
    else pages.push({ file, dirs, stem, mod });
  }
  table.rootMiddleware = folder("").middleware;
  table.rootLayout = folder("").layout;
  const seen = new Map<string, string>();
  for (const { file, dirs, stem, mod } of pages) {
    const segments = [...dirs, stem].filter((s, i, all) =>
      !isGroup(s) && !(i === all.length - 1 && s === "index")
    );
    const parts = segments.map((s) => segmentPattern(file, s));
    const pattern = "/" + parts.map((p) => p.text).join("/");
    const key = pattern.replace(/:[^/{]+(\{\.\+\})?/g, (_, rest) => rest ? "*" : ":");
    const other = seen.get(key);
    if (other) fail(file, `its URL "${pattern}" is also served by "${other}"`);
    seen.set(key, file);
    const chain = dirs.map((_, i) => dirs.slice(0, i + 1).join("/"));
    const inherited = [folder(""), ...chain.map(folder)];
    const config = mod.config ?? {};
    const handlers = handlersOf(file, mod);
    const component = componentOf<PageProps<unknown, unknown>>(file, mod);
    if (!handlers && !component) fail(file, "it exports neither handler nor a default page");
    table.routes.push({
      file,
      pattern,
      handlers,
      component,
      layouts: config.skipInheritedLayouts
        ? []
        : inherited.flatMap((f) => f.layout ? [f.layout] : []),
      middleware: inherited.flatMap((f) => f.middleware),
      config,
      rank: parts.map((p) => p.rank),
    });
  }
  table.routes.sort((a, b) => compareRank(a.rank, b.rank));
  return table;
}
