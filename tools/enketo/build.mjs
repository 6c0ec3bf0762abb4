// Builds the browser's form engine from the locked npm packages (run by `npm run build`,
// which `make install` runs after `npm ci`): nothing here is committed, nothing comes from
// a CDN.
//   node_modules/.bahali/enketo/enketo.js   enketo-core bundled by esbuild (no eval, no
//                                           new Function: the page's CSP forbids them)
//   node_modules/.bahali/enketo/xsl/*.xsl   enketo-transformer's XSL stylesheets, which the
//                                           server applies with lxml (bahali.field.enketo)
//   node_modules/.bahali/enketo/LICENSE-*   both packages' Apache-2.0 licences
import { build } from "esbuild";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "..", "..", "node_modules");
const out = join(modules, ".bahali", "enketo");
const transformer = join(modules, "enketo-transformer", "dist", "enketo-transformer", "xsl");

await mkdir(join(out, "xsl"), { recursive: true });
for (const name of ["openrosa2html5form", "openrosa2xmlmodel"]) {
  const module = await import(pathToFileURL(join(transformer, `${name}.xsl.js`)).href);
  await writeFile(join(out, "xsl", `${name}.xsl`), module.default);
}
await copyFile(join(modules, "enketo-core", "LICENSE"), join(out, "LICENSE-enketo-core"));
await copyFile(join(modules, "enketo-transformer", "LICENSE"), join(out, "LICENSE-enketo-transformer"));

const core = join(modules, "enketo-core");
// Two lines of the bundled packages would make the browser report CSP violations; each is
// replaced here (the build fails if the line is no longer there, so a new version is
// checked by hand):
//  - enketo-core sets onsubmit="return false;" on the form: an inline handler, which the
//    CSP blocks. Dropped; offline.js stops the form's submission itself.
//  - mergexml (which enketo-core uses to open a saved draft) learns the namespace of the
//    browser's XML parse errors by parsing a broken document; Chromium's error element
//    carries an inline style. It now looks for parse errors in any namespace instead.
const PATCHES = [
  {
    file: /enketo-core[\\/]src[\\/]js[\\/]form\.js$/,
    from: "this.view.$.attr('onsubmit', 'return false;');",
    to: "",
  },
  {
    file: /mergexml[\\/]mergexml\.js$/,
    from: "f = psr.parseFromString('<invalid', 'text/xml'); /* force parsing error */\n" +
      "          nsd.psr = f.getElementsByTagName('parsererror')[0].namespaceURI; //browser default namespace",
    to: "nsd.psr = '*';",
  },
];
const withoutInlineCode = {
  name: "without-inline-code",
  setup(builder) {
    for (const patch of PATCHES) {
      builder.onLoad({ filter: patch.file }, async (args) => {
        const source = await readFile(args.path, "utf8");
        if (!source.includes(patch.from)) { throw new Error(`${args.path} changed: check PATCHES`); }
        return { contents: source.replace(patch.from, patch.to), loader: "js" };
      });
    }
  },
};

await build({
  entryPoints: [join(here, "entry.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "eof",
  banner: { js: "/*! enketo-core (Apache-2.0, https://github.com/enketo/enketo), bundled for Bahali */" },
  alias: {
    "enketo/config": join(here, "config.js"),
    "enketo/widgets": join(here, "widgets.js"),
    "enketo/translator": join(here, "translator.js"),
    "enketo/dialog": join(core, "src", "js", "fake-dialog.js"),
    "enketo/file-manager": join(core, "src", "js", "file-manager.js"),
    "enketo/xpath-evaluator-binding": join(core, "src", "js", "xpath-evaluator-binding.js"),
  },
  plugins: [withoutInlineCode],
  outfile: join(out, "enketo.js"),
  logLevel: "warning",
});
