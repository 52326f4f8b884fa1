import { ISLAND_STYLE } from "./render.ts";

/** Extra sources per CSP directive, added to the defaults (`{ "img-src": ["https:"] }`). */
export type CspSources = Partial<Record<string, string[]>>;

async function sha256Base64(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/**
 * The Content-Security-Policy of the app: scripts only from the app itself (the
 * island props travel in a JSON script element, which is data, not code), no
 * framing, no plugins, forms and connections to the app only. The one inline
 * `<style>` (island wrappers) is allowed by its hash; `style` attributes stay
 * allowed because server-rendered components use them.
 *
 * @param extra sources to add per directive
 * @returns the header value
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentSecurityPolicy } from "./mod.ts";
 * const csp = await contentSecurityPolicy({ "img-src": ["https://example.org"] });
 * assert.match(csp, /script-src 'self';/);
 * assert.match(csp, /img-src 'self' data: blob: https:\/\/example.org/);
 * assert.match(csp, /frame-ancestors 'none'/);
 * ```
 */
export async function contentSecurityPolicy(extra: CspSources = {}): Promise<string> {
  const styleHash = `'sha256-${await sha256Base64(ISLAND_STYLE)}'`;
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", styleHash],
    "style-src-elem": ["'self'", styleHash],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
  };
  for (const [name, sources] of Object.entries(extra)) {
    if (!/^[a-z-]+$/.test(name) || !sources) {
      throw new TypeError(`Cannot build the CSP: directive "${name}" is not a directive name`);
    }
    for (const s of sources) {
      if (/[;,\s]/.test(s)) {
        throw new TypeError(`Cannot build the CSP: source "${s}" of "${name}" has ; , or spaces`);
      }
    }
    directives[name] = [...(directives[name] ?? []), ...sources];
  }
  return Object.entries(directives).map(([k, v]) => `${k} ${v.join(" ")}`).join("; ");
}

/**
 * The security headers set on every response (unless the response set its own).
 *
 * @param csp the Content-Security-Policy value
 * @returns header name → value
 */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
  };
}
