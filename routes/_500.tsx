import { Head } from "../lib/web/mod.ts";
import { define } from "../utils.ts";

export default define.page(({ error, status }) => (
  <section class="error-page">
    <Head>
      <title>{`Error ${status ?? 500} · lifecycle`}</title>
    </Head>
    <h1>
      {status === 403 ? "Not allowed" : status === 429 ? "Too many tries" : "Something failed"}
    </h1>
    <p class="error-message">{error instanceof Error ? error.message : "Internal Server Error"}</p>
    <p>
      <a href="/">Back to predictions</a>
    </p>
  </section>
));
