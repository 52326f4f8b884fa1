// A loopback stand-in of the Supabase services the store uses, speaking their
// wire formats: GoTrue's password grant, PostgREST's table API (the filters,
// ordering, paging, Prefer and Content-Range that supabase-js sends) and the
// Storage object API. Row level security is played as docs/supabase.sql sets
// it: only a signed-in user may read or write.

/** A running stand-in. */
export interface SupabaseStandIn {
  /** Project URL (`http://127.0.0.1:<port>`). */
  url: string;
  /** The anon key it accepts. */
  anonKey: string;
  /** The one user that can sign in. */
  email: string;
  password: string;
  /** Rows by table name. */
  tables: Map<string, Record<string, unknown>[]>;
  /** Objects by `<bucket>/<path>`. */
  objects: Map<string, { bytes: Uint8Array; type: string }>;
  /** `METHOD /path?query` of each request, in order. */
  log: string[];
  /** When set and returning a response, answers instead of the service. */
  intercept?: (req: Request, url: URL) => Response | undefined;
  close(): Promise<void>;
}

const COLUMNS = [
  "id",
  "created_at",
  "image_key",
  "image_type",
  "model",
  "model_version",
  "predicted_label",
  "confidence",
  "top_k",
  "margin",
  "entropy",
  "human_label",
  "labeled_at",
  "skipped_at",
];
const REQUIRED = COLUMNS.slice(0, 11);
const TIMES = new Set(["created_at", "labeled_at", "skipped_at"]);

function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(body), { status, headers: h });
}

function pgError(status: number, code: string, message: string): Response {
  return json({ code, message, details: null, hint: null }, status);
}

/** Postgres prints timestamptz as `2024-05-01T10:00:00.123+00:00`. */
function pgTime(value: unknown): unknown {
  return typeof value === "string" ? new Date(value).toISOString().replace("Z", "+00:00") : value;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number") return a - Number(b);
  return String(a) < String(b) ? -1 : 1;
}

function matches(row: Record<string, unknown>, column: string, expr: string): boolean {
  const negate = expr.startsWith("not.");
  const [op, ...rest] = (negate ? expr.slice(4) : expr).split(".");
  const arg = rest.join(".");
  const v = row[column] ?? null;
  let ok: boolean;
  if (op === "is") ok = arg === "null" ? v === null : v === (arg === "true");
  else if (op === "eq") ok = v !== null && compare(v, arg) === 0;
  else if (op === "neq") ok = v !== null && compare(v, arg) !== 0;
  else if (op === "lt") ok = v !== null && compare(v, arg) < 0;
  else if (op === "lte") ok = v !== null && compare(v, arg) <= 0;
  else if (op === "gt") ok = v !== null && compare(v, arg) > 0;
  else if (op === "gte") ok = v !== null && compare(v, arg) >= 0;
  else throw new Error(`operator "${op}" is not played by the stand-in`);
  return negate ? !ok : ok;
}

function select(rows: Record<string, unknown>[], url: URL): Record<string, unknown>[] {
  const reserved = new Set(["select", "order", "limit", "offset"]);
  let out = rows.filter((row) =>
    [...url.searchParams].every(([k, v]) => reserved.has(k) || matches(row, k, v))
  );
  const order = url.searchParams.get("order");
  if (order) {
    const keys = order.split(",").map((o) => o.split("."));
    out = [...out].sort((a, b) => {
      for (const [column, dir] of keys) {
        const c = compare(a[column!], b[column!]);
        if (c !== 0) return dir === "desc" ? -c : c;
      }
      return 0;
    });
  }
  return out;
}

function project(row: Record<string, unknown>, url: URL): Record<string, unknown> {
  const cols = (url.searchParams.get("select") ?? "*").split(",");
  const out: Record<string, unknown> = {};
  for (const c of cols[0] === "*" ? COLUMNS : cols) {
    out[c] = TIMES.has(c) ? pgTime(row[c] ?? null) : row[c] ?? null;
  }
  return out;
}

function checkRow(table: Record<string, unknown>[], row: Record<string, unknown>, name: string) {
  for (const k of Object.keys(row)) {
    if (!COLUMNS.includes(k)) {
      return pgError(
        400,
        "PGRST204",
        `Could not find the '${k}' column of '${name}' in the schema cache`,
      );
    }
  }
  for (const k of REQUIRED) {
    if (row[k] === undefined || row[k] === null) {
      return pgError(
        400,
        "23502",
        `null value in column "${k}" of relation "${name}" violates not-null constraint`,
      );
    }
  }
  const c = row.confidence as number;
  if (!(c >= 0 && c <= 1)) {
    return pgError(400, "23514", `new row for relation "${name}" violates check constraint`);
  }
  for (const key of ["id", "image_key"]) {
    if (table.some((r) => r[key] === row[key])) {
      return pgError(
        409,
        "23505",
        `duplicate key value violates unique constraint "${name}_${key}_key"`,
      );
    }
  }
  return undefined;
}

async function rest(
  s: SupabaseStandIn,
  req: Request,
  url: URL,
  name: string,
  signedIn: boolean,
): Promise<Response> {
  const table = s.tables.get(name);
  if (!table) return pgError(404, "42P01", `relation "public.${name}" does not exist`);
  const prefer = req.headers.get("prefer") ?? "";
  const representation = prefer.includes("return=representation");
  if (req.method === "GET" || req.method === "HEAD") {
    // RLS: rows are invisible to the anon role.
    const all = signedIn ? select(table, url) : [];
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const limit = Number(url.searchParams.get("limit") ?? all.length);
    const page = all.slice(offset, offset + limit);
    const range = page.length ? `${offset}-${offset + page.length - 1}` : "*";
    const total = prefer.includes("count=exact") ? String(all.length) : "*";
    const headers = { "content-range": `${range}/${total}` };
    if (req.method === "HEAD") return new Response(null, { status: 200, headers });
    return json(page.map((r) => project(r, url)), 200, headers);
  }
  if (!signedIn) {
    return pgError(401, "42501", `new row violates row-level security policy for table "${name}"`);
  }
  if (req.method === "POST") {
    const body = await req.json();
    const rows = Array.isArray(body) ? body : [body];
    for (const row of rows) {
      const bad = checkRow(table, row, name);
      if (bad) return bad;
    }
    table.push(...rows.map((r) => ({ ...r })));
    return representation
      ? json(rows.map((r) => project(r, url)), 201)
      : new Response(null, { status: 201 });
  }
  if (req.method === "PATCH") {
    const values = await req.json();
    const hit = select(table, url);
    for (const row of hit) Object.assign(row, values);
    return representation
      ? json(hit.map((r) => project(r, url)))
      : new Response(null, { status: 204 });
  }
  return pgError(405, "PGRST117", `Unsupported HTTP method: ${req.method}`);
}

function storageError(status: string, error: string, message: string): Response {
  return json({ statusCode: status, error, message }, 400);
}

async function storage(
  s: SupabaseStandIn,
  req: Request,
  path: string,
  signedIn: boolean,
): Promise<Response> {
  if (!signedIn) {
    return storageError("403", "Unauthorized", "new row violates row-level security policy");
  }
  const [bucket, ...rest] = path.split("/");
  if (bucket !== "images") return storageError("404", "Bucket not found", "Bucket not found");
  const key = `${bucket}/${rest.map(decodeURIComponent).join("/")}`;
  if (req.method === "POST" || req.method === "PUT") {
    if (s.objects.has(key) && req.headers.get("x-upsert") !== "true") {
      return storageError("409", "Duplicate", "The resource already exists");
    }
    const bytes = new Uint8Array(await req.arrayBuffer());
    s.objects.set(key, {
      bytes,
      type: req.headers.get("content-type") ?? "application/octet-stream",
    });
    return json({ Key: key, Id: crypto.randomUUID() });
  }
  if (req.method === "GET") {
    const obj = s.objects.get(key);
    if (!obj) return storageError("404", "not_found", "Object not found");
    return new Response(obj.bytes as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": obj.type },
    });
  }
  if (req.method === "DELETE" && rest.length === 0) {
    const { prefixes } = await req.json() as { prefixes: string[] };
    const removed = prefixes.filter((p) => s.objects.delete(`${bucket}/${p}`));
    return json(removed.map((name) => ({ name, bucket_id: bucket })));
  }
  return storageError("400", "Bad Request", `${req.method} is not played by the stand-in`);
}

/**
 * Starts the stand-in on 127.0.0.1 with one empty table (`predictions`), one
 * bucket (`images`) and one user.
 *
 * @returns the running stand-in; close it when done
 */
export function startSupabaseStandIn(): SupabaseStandIn {
  const tokens = new Set<string>();
  const s: SupabaseStandIn = {
    url: "",
    anonKey: "anon-key-for-tests",
    email: "labeler@example.org",
    password: "correct horse",
    tables: new Map([["predictions", []]]),
    objects: new Map(),
    log: [],
    close: () => server.shutdown(),
  };
  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    s.log.push(`${req.method} ${url.pathname}${url.search}`);
    const intercepted = s.intercept?.(req, url);
    if (intercepted) return intercepted;
    if (req.headers.get("apikey") !== s.anonKey) return json({ message: "Invalid API key" }, 401);
    const bearer = req.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    const signedIn = tokens.has(bearer);
    if (url.pathname === "/auth/v1/token" && url.searchParams.get("grant_type") === "password") {
      const { email, password } = await req.json();
      if (email !== s.email || password !== s.password) {
        return json({
          code: 400,
          error_code: "invalid_credentials",
          msg: "Invalid login credentials",
        }, 400);
      }
      const token = crypto.randomUUID();
      tokens.add(token);
      const user = {
        id: "00000000-0000-4000-8000-000000000001",
        aud: "authenticated",
        role: "authenticated",
        email,
      };
      return json({
        access_token: token,
        token_type: "bearer",
        expires_in: 3600,
        expires_at: Math.floor(Date.now() / 1000) + 3600,
        refresh_token: crypto.randomUUID(),
        user,
      });
    }
    const restMatch = /^\/rest\/v1\/([\w-]+)$/.exec(url.pathname);
    if (restMatch) return await rest(s, req, url, restMatch[1]!, signedIn);
    const storageMatch = /^\/storage\/v1\/object\/(.+)$/.exec(url.pathname);
    if (storageMatch) return await storage(s, req, storageMatch[1]!, signedIn);
    return json({ message: `no route ${url.pathname}` }, 404);
  }
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handle);
  s.url = `http://127.0.0.1:${server.addr.port}`;
  return s;
}
