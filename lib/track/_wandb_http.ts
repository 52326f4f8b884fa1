// HTTP of the W&B sink: JSON posts with W&B's basic auth (`api:<key>`), GraphQL on top,
// and which failures are worth retrying.

/** An error from the W&B server or the network. */
export class WandbError extends Error {
  /** HTTP status, 0 for a network error. */
  readonly status: number;

  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WandbError";
    this.status = status;
  }
}

/** Network errors, 429 and 5xx are retried; other answers are final. */
export function retryable(err: unknown): boolean {
  return !(err instanceof WandbError) || err.status === 0 || err.status === 429 ||
    err.status >= 500;
}

/** What a request needs. */
export type Conn = { baseUrl: string; apiKey: string; fetch: typeof fetch };

/** POSTs JSON to `path`; the parsed answer, or a WandbError naming the status. */
export async function post(o: Conn, path: string, body: unknown): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await o.fetch(`${o.baseUrl}${path}`, {
      method: "POST",
      headers: {
        "Authorization": `Basic ${btoa(`api:${o.apiKey}`)}`,
        "Content-Type": "application/json",
        "User-Agent": "lifecycle-wandb-sink",
      },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new WandbError(`Cannot reach ${o.baseUrl}: ${(err as Error).message}`, 0, { cause: err });
  }
  const text = await res.text();
  if (!res.ok) {
    const hint = res.status === 401 ? " (check WANDB_API_KEY)" : "";
    throw new WandbError(
      `${o.baseUrl}${path} answered ${res.status}${hint}: ${text.slice(0, 120)}`,
      res.status,
    );
  }
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return {};
  }
}

/** A GraphQL request; its `data`, or a WandbError with the first error's message. */
export async function graphql(
  o: Conn,
  query: string,
  variables: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const body = await post(o, "/graphql", { query, variables });
  const errors = body.errors as { message?: string }[] | undefined;
  if (errors?.length) {
    throw new WandbError(`W&B refused the request: ${errors[0]?.message ?? "unknown error"}`, 200);
  }
  return (body.data ?? {}) as Record<string, unknown>;
}
