import { define } from "../utils.ts";
import { CsrfField } from "./_lib/components.tsx";

const NAV = [
  ["/", "Predict"],
  ["/admin/serve", "Serving"],
  ["/admin/label", "Labeling"],
  ["/admin/experiments", "Experiments"],
] as const;

function current(path: string, href: string): boolean {
  return href === "/" ? path === "/" : path.startsWith(href);
}

export default define.layout(({ Component, state, url }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <link rel="stylesheet" href="/app.css" />
      <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    </head>
    <body>
      <header class="topbar">
        <a class="brand" href="/">
          <span class="brand-mark" aria-hidden="true">◆</span> lifecycle
        </a>
        <nav class="nav" aria-label="Pages">
          {NAV.map(([href, label]) => (
            <a href={href} aria-current={current(url.pathname, href) ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <div class="who">
          {state.user
            ? (
              <form method="post" action="/logout" class="inline">
                <CsrfField token={state.csrfToken} />
                <span class="user">{state.user}</span>
                <button type="submit" class="link">Log out</button>
              </form>
            )
            : <a href="/login">Log in</a>}
        </div>
      </header>
      <main class="page">
        <Component />
      </main>
    </body>
  </html>
));
