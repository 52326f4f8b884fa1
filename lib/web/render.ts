import {
  type ComponentChildren,
  type ComponentType,
  Fragment,
  h,
  options,
  type VNode,
} from "preact";
import { renderToString } from "preact-render-to-string";
import { checkIslandProps, type IslandInfo, jsonForScript } from "./_islands.ts";

/** Where the browser gets the island code of a page. */
export interface ClientAssets {
  /** URL of the boot module that hydrates the islands. */
  bootUrl: string;
  /** URL of an island's module, by island name. */
  islandUrl(name: string): string | undefined;
  /** URLs to preload for these islands (their modules and the chunks they import). */
  preloads(names: string[]): string[];
}

/** The islands of an app, ready for rendering; made once per app by {@linkcode islandRenderer}. */
export interface IslandRenderer {
  readonly islands: ReadonlyMap<unknown, IslandInfo>;
  readonly wrappers: ReadonlyMap<unknown, ComponentType<Record<string, unknown>>>;
}

interface RenderState {
  wrappers: ReadonlyMap<unknown, ComponentType<Record<string, unknown>>>;
  used: [string, Record<string, unknown>][];
  inside: boolean;
  head: ComponentChildren[];
}

/** Style that keeps island wrappers out of the layout. */
export const ISLAND_STYLE = "web-island{display:contents}";
/** Id of the script element that carries the island props. */
export const ISLAND_DATA_ID = "__web_islands";

let current: RenderState | undefined;

// NOTE: the hook swaps island components for wrappers while a page renders, at
// vnode creation, so pages use islands as plain components (as in Fresh).
const previousVnodeHook = options.vnode;
options.vnode = (vnode: VNode) => {
  const state = current;
  if (state && !state.inside && typeof vnode.type === "function") {
    const wrapper = state.wrappers.get(vnode.type);
    if (wrapper) (vnode as { type: unknown }).type = wrapper;
  }
  previousVnodeHook?.(vnode);
};

function wrap(info: IslandInfo): ComponentType<Record<string, unknown>> {
  function IslandWrapper(props: Record<string, unknown>) {
    const state = current!;
    checkIslandProps(info.name, props);
    const id = state.used.push([info.name, props]) - 1;
    // The island renders alone, as it will hydrate: no outer context reaches it,
    // and islands inside it are plain components of its own bundle.
    state.inside = true;
    let html: string;
    try {
      html = renderToString(h(info.component, props));
    } finally {
      state.inside = false;
    }
    return h("web-island", { "data-id": String(id), dangerouslySetInnerHTML: { __html: html } });
  }
  return IslandWrapper;
}

/**
 * Prepares the islands of an app for rendering.
 *
 * @param islands the islands, keyed by component (from the manifest)
 * @returns the renderer state passed to {@linkcode renderDocument}
 */
export function islandRenderer(islands: ReadonlyMap<unknown, IslandInfo>): IslandRenderer {
  const wrappers = new Map<unknown, ComponentType<Record<string, unknown>>>();
  for (const [component, info] of islands) wrappers.set(component, wrap(info));
  return { islands, wrappers };
}

/**
 * Puts its children into the document's `<head>` (a title, a stylesheet); pages
 * and layouts use it, islands do not.
 *
 * @param props the elements to add
 * @returns nothing in place
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h } from "preact";
 * import { Head, islandRenderer, renderDocument } from "./mod.ts";
 * const page = h("html", null, h("head", null), h("body", null, h(Head, null, h("title", null, "Hi"))));
 * const html = renderDocument(page, islandRenderer(new Map()));
 * assert.match(html, /<head><title>Hi<\/title><\/head>/);
 * ```
 */
export function Head(props: { children?: ComponentChildren }): null {
  if (current && !current.inside) current.head.push(props.children);
  return null;
}

function insertBefore(html: string, tag: string, text: string, last: boolean): string {
  const at = last ? html.lastIndexOf(tag) : html.indexOf(tag);
  return at < 0 ? html + text : html.slice(0, at) + text + html.slice(at);
}

/**
 * Renders a page tree to an HTML document: islands wrapped and their props put
 * into a JSON script element, `<Head>` children moved into `<head>`, and the
 * boot module loaded when the page has islands and `assets` are given.
 *
 * @param tree the page tree (app, layouts, page)
 * @param renderer the app's islands
 * @param assets where the island code is served; none: server-rendered only
 * @returns the document, starting with `<!DOCTYPE html>`
 * @throws {TypeError} when island props are not JSON values
 */
export function renderDocument(
  tree: VNode,
  renderer: IslandRenderer,
  assets?: ClientAssets,
): string {
  const state: RenderState = { wrappers: renderer.wrappers, used: [], inside: false, head: [] };
  const previous = current;
  current = state;
  let html: string;
  try {
    html = renderToString(tree);
  } finally {
    current = previous;
  }
  let head = state.head.map((c) => renderToString(h(Fragment, null, c))).join("");
  let tail = "";
  if (state.used.length > 0) {
    head = `<style>${ISLAND_STYLE}</style>` + head;
    if (assets) {
      const names = [...new Set(state.used.map(([name]) => name))];
      const urls = Object.fromEntries(names.map((n) => [n, assets.islandUrl(n)]));
      for (const url of [assets.bootUrl, ...assets.preloads(names)]) {
        head += `<link rel="modulepreload" href="${url}">`;
      }
      const data = jsonForScript({ urls, islands: state.used });
      tail = `<script type="application/json" id="${ISLAND_DATA_ID}">${data}</script>` +
        `<script type="module" src="${assets.bootUrl}"></script>`;
    }
  }
  if (head) html = insertBefore(html, "</head>", head, false);
  if (tail) html = insertBefore(html, "</body>", tail, true);
  return "<!DOCTYPE html>" + html;
}
