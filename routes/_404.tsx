import { Head } from "../lib/web/mod.ts";
import { define } from "../utils.ts";

export default define.page(({ url, error }) => (
  <section class="error-page">
    <Head>
      <title>Not found · lifecycle</title>
    </Head>
    <h1>Nothing here</h1>
    <p>
      There is no page at <code>{url.pathname}</code>
      {error instanceof Error && error.message !== "Not Found" ? `: ${error.message}` : ""}.
    </p>
    <p>
      <a href="/">Back to predictions</a>
    </p>
  </section>
));
