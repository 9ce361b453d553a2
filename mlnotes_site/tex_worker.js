// Long-lived KaTeX worker for mlnotes-site (our own code; KaTeX itself comes from npm, see package.json).
// One JSON request per line on stdin:
//   {"macros": {...}, "items": [[tex, displayMode], ...]}
// one JSON reply per line on stdout, in the same order:
//   [[true, html] | [false, message, position, length], ...]
// argv[2] is the katex package folder, so the build decides which installed copy renders.
"use strict";
const path = require("path");
const readline = require("readline");
const katex = require(path.resolve(process.argv[2]));

// \href is allowed only to in-page anchors: equation references (\eqref) become such links.
const trust = (context) => context.command === "\\href" && typeof context.url === "string" && context.url.startsWith("#");

function renderOne(tex, display, macros) {
  try {
    const html = katex.renderToString(tex, {
      displayMode: display,
      output: "htmlAndMathml",
      throwOnError: true,
      strict: "ignore",
      trust,
      macros: Object.assign({}, macros),
      maxExpand: 1000,
      maxSize: 50,
    });
    return [true, html];
  } catch (error) {
    const message = error && error.rawMessage ? error.rawMessage : String(error && error.message || error);
    const position = error && typeof error.position === "number" ? error.position : -1;
    const length = error && typeof error.length === "number" ? error.length : 0;
    return [false, message, position, length];
  }
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  let reply;
  try {
    const request = JSON.parse(line);
    const macros = request.macros || {};
    reply = request.items.map(([tex, display]) => renderOne(tex, display, macros));
  } catch (error) {
    reply = { fatal: String(error && error.message || error) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
