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
// enketo-core sets onsubmit="return false;" on the form: an inline handler, which the CSP
// blocks (and reports). Dropped here; offline.js stops the form's submission itself.
const ONSUBMIT = "this.view.$.attr('onsubmit', 'return false;');";
const withoutInlineHandler = {
  name: "without-inline-handler",
  setup(builder) {
    builder.onLoad({ filter: /enketo-core[\\/]src[\\/]js[\\/]form\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      if (!source.includes(ONSUBMIT)) { throw new Error("enketo-core's form.js changed: check ONSUBMIT"); }
      return { contents: source.replace(ONSUBMIT, ""), loader: "js" };
    });
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
  plugins: [withoutInlineHandler],
  outfile: join(out, "enketo.js"),
  logLevel: "warning",
});
