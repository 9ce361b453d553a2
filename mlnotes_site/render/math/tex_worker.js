// Long-lived KaTeX worker for mlnotes-site (our own code; KaTeX itself comes from npm, see package.json).
// One JSON request per line on stdin:
//   {"macros": {...}, "items": [[tex, displayMode], ...]}
// one reply per request, in the same order: a JSON line of outcomes
//   [[true, byteLength] | [false, message, position, length], ...]
// then the UTF-8 HTML of the successful items, back to back, byteLength bytes each. Raw bytes, not
// JSON strings: KaTeX HTML is full of quotes, and escaping then unescaping it cost more than
// a third of the worker's time.
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

function reply(request) {
  const macros = request.macros || {};
  const outcomes = [];
  const bodies = [];
  for (const [tex, display] of request.items) {
    const outcome = renderOne(tex, display, macros);
    if (outcome[0]) {
      const body = Buffer.from(outcome[1], "utf8");
      bodies.push(body);
      outcomes.push([true, body.length]);
    } else {
      outcomes.push(outcome);
    }
  }
  return Buffer.concat([Buffer.from(JSON.stringify(outcomes) + "\n", "utf8"), ...bodies]);
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  let out;
  try {
    out = reply(JSON.parse(line));
  } catch (error) {
    out = Buffer.from(JSON.stringify({ fatal: String(error && error.message || error) }) + "\n", "utf8");
  }
  process.stdout.write(out);
});
