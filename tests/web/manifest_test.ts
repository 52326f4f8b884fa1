import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createWebApp,
  generateManifest,
  type Manifest,
  MANIFEST_FILE,
  writeManifest,
} from "../../lib/web/mod.ts";
import { FIXTURES } from "./_app.ts";

Deno.test("the committed fixture manifest is what generateManifest() writes", async () => {
  const committed = await Deno.readTextFile(join(FIXTURES, MANIFEST_FILE));
  assert.equal(
    await generateManifest(FIXTURES),
    committed,
    "run: deno run -A cli/build.ts --root tests/web/fixtures",
  );
});

Deno.test("the app's manifest, when the app has routes, is up to date", async () => {
  const root = new URL("../../", import.meta.url).pathname;
  let committed: string;
  try {
    committed = await Deno.readTextFile(join(root, MANIFEST_FILE));
  } catch {
    return; // the app's pages are not there yet
  }
  assert.equal(await generateManifest(root), committed, "run: deno task build");
});

Deno.test("generateManifest() leaves out private files, tests and private folders", async () => {
  const source = await generateManifest(FIXTURES);
  assert.doesNotMatch(source, /_helper/);
  assert.match(source, /"\.\/routes\/_middleware\.ts"/);
  assert.match(source, /"\.\/islands\/chart\/Bars\.tsx": \$\$1/);
});

async function withRoot(files: Record<string, string>, fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir();
  try {
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(join(root, path, ".."), { recursive: true });
      await Deno.writeTextFile(join(root, path), text);
    }
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("writeManifest() writes once and reports no change after", async () => {
  await withRoot({
    "routes/index.tsx": "export default () => null;\n",
    "routes/_skip/x.tsx": "export default () => null;\n",
    "routes/a_test.ts": "",
  }, async (root) => {
    assert.equal((await writeManifest(root)).changed, true);
    assert.equal((await writeManifest(root)).changed, false);
    const text = await Deno.readTextFile(join(root, MANIFEST_FILE));
    assert.match(text, /islands: \{\},/);
    assert.doesNotMatch(text, /_skip|a_test/);
  });
});

Deno.test("generateManifest() fails clearly without routes", async () => {
  await withRoot({}, async (root) => {
    await assert.rejects(
      generateManifest(root),
      /^TypeError: Cannot build the manifest of ".*": no routes\/ folder/,
    );
  });
});

const page = () => null;

function manifestOf(routes: Manifest["routes"], islands: Manifest["islands"] = {}): Manifest {
  return { routes, islands, baseUrl: import.meta.url };
}

Deno.test("createWebApp() rejects two files serving one URL", async () => {
  const m = manifestOf({
    "./routes/(a)/x.tsx": { default: page },
    "./routes/(b)/x.tsx": { default: page },
  });
  await assert.rejects(
    createWebApp(m, { bundle: "none" }),
    /^TypeError: Cannot load route "\.\/routes\/\(b\)\/x\.tsx": its URL "\/x" is also served by "\.\/routes\/\(a\)\/x\.tsx"/,
  );
  const params = manifestOf({
    "./routes/[a].tsx": { default: page },
    "./routes/[b].tsx": { default: page },
  });
  await assert.rejects(createWebApp(params, { bundle: "none" }), /is also served by/);
});

Deno.test("createWebApp() rejects malformed route files and islands", async () => {
  const cases: [Manifest, RegExp][] = [
    [
      manifestOf({ "./routes/post-[id].tsx": { default: page } }),
      /segment "post-\[id\]" is neither/,
    ],
    [manifestOf({ "./routes/x.ts": {} }), /it exports neither handler nor a default page/],
    [
      manifestOf({ "./routes/x.ts": { handler: { FETCH: () => new Response() } as never } }),
      /handler\.FETCH is not a handler/,
    ],
    [
      manifestOf({ "./routes/a/_app.tsx": { default: page } }),
      /_app is only read from the routes\/ folder/,
    ],
    [
      manifestOf({ "./routes/_middleware.ts": { handler: [] } }),
      /exports a function \(or an array/,
    ],
    [
      manifestOf({ "./routes/x.tsx": { default: page } }, { "./islands/X.tsx": {} as never }),
      /^TypeError: Cannot load island "\.\/islands\/X\.tsx"/,
    ],
  ];
  for (const [m, re] of cases) await assert.rejects(createWebApp(m, { bundle: "none" }), re);
});
