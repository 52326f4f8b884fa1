// Browser boot module: hydrates each island of the page with its serialized
// props. Bundled by bundle.ts; never imported on the server.
import { h, hydrate } from "preact";

interface IslandData {
  urls: Record<string, string>;
  islands: [string, Record<string, unknown>][];
}

function boot(): void {
  const script = document.getElementById("__web_islands");
  if (!script?.textContent) return;
  const data = JSON.parse(script.textContent) as IslandData;
  for (const node of document.querySelectorAll<HTMLElement>("web-island[data-id]")) {
    const entry = data.islands[Number(node.dataset.id)];
    const url = entry && data.urls[entry[0]];
    if (!entry || !url) continue;
    import(url).then(
      (mod) => hydrate(h(mod.default, entry[1]), node),
      (err) => console.error(`Cannot load island "${entry[0]}":`, err),
    );
  }
}

boot();
