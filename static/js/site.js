// mlnotes-site default theme: theme toggle, phone menu, ToC, scroll boxes, copying. No network, no dependencies.
(function () {
  "use strict";
  var root = document.documentElement;
  var body = document.body;
  var copiedLabel = body.dataset.copied || "Copied";
  var darkQuery = window.matchMedia("(prefers-color-scheme: dark)");

  // Theme: a toggle button whose pressed state says "dark theme on".
  var toggle = document.querySelector(".theme-toggle");
  function isDark() { return root.dataset.theme ? root.dataset.theme === "dark" : darkQuery.matches; }
  function showTheme() { if (toggle) toggle.setAttribute("aria-pressed", String(isDark())); }
  if (toggle) {
    showTheme();
    darkQuery.addEventListener("change", showTheme);
    toggle.addEventListener("click", function () {
      root.dataset.theme = isDark() ? "light" : "dark";
      try { localStorage.setItem("mlnotes-theme", root.dataset.theme); } catch (e) { /* private mode */ }
      showTheme();
    });
  }

  // Phone menu: the site navigation folds behind a button in the one-row header.
  var menu = document.querySelector(".menu-toggle");
  var nav = document.getElementById("site-nav");
  if (menu && nav) {
    menu.addEventListener("click", function () {
      var open = menu.getAttribute("aria-expanded") !== "true";
      menu.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("open")) { menu.click(); menu.focus(); }
    });
  }

  // The header's real height, for anchored targets to stop below it.
  var header = document.querySelector(".site-header");
  function headerHeight() {
    if (header) root.style.setProperty("--header-h", header.getBoundingClientRect().height + "px");
  }
  headerHeight();
  window.addEventListener("resize", headerHeight);

  // ToC: open beside the text on wide screens (collapsed above it on narrow ones), with the section
  // being read marked.
  var toc = document.querySelector(".toc details");
  var wide = window.matchMedia("(min-width: 68rem)");
  if (toc) {
    var links = Array.prototype.slice.call(toc.querySelectorAll("a[href^='#']"));
    var targets = links.map(function (a) { return document.getElementById(decodeURIComponent(a.hash.slice(1))); });
    var placeToc = function () { toc.open = wide.matches; };
    placeToc();
    wide.addEventListener("change", placeToc);
    var current = null;
    var mark = function () {
      var line = (header ? header.getBoundingClientRect().bottom : 0) + 24;
      var found = null;
      for (var i = 0; i < targets.length; i++) {
        if (targets[i] && targets[i].getBoundingClientRect().top <= line) found = links[i];
      }
      if (found === current) return;
      if (current) current.removeAttribute("aria-current");
      if (found) found.setAttribute("aria-current", "location");
      current = found;
    };
    var pending = false;
    window.addEventListener("scroll", function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () { pending = false; mark(); });
    }, { passive: true });
    mark();
  }

  // Scroll boxes: keyboard users reach (and scroll) every box that scrolls; formulas are always
  // reachable, as Enter copies their TeX.
  function label(box, text) {
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", text);
  }
  function labelBoxes() {
    document.querySelectorAll(".katex-display, .math-display").forEach(function (box) {
      if (!box.closest(".excerpt")) label(box, body.dataset.formulaBox || "Formula");
    });
    document.querySelectorAll(".code-block pre, .table-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        label(box, box.matches("pre") ? body.dataset.codeBox || "Code" : body.dataset.tableBox || "Table");
      } else if (box.hasAttribute("tabindex")) {
        box.removeAttribute("tabindex"); box.removeAttribute("role"); box.removeAttribute("aria-label");
      }
    });
  }
  labelBoxes();
  window.addEventListener("resize", labelBoxes);

  function copied(element, text, done) {
    if (!navigator.clipboard || !navigator.clipboard.writeText) return;
    navigator.clipboard.writeText(text).then(done, function () {});
  }
  function copyFormula(formula) {
    var source = formula.querySelector('annotation[encoding="application/x-tex"]');
    if (!source) return;
    copied(formula, source.textContent, function () {
      formula.classList.add("tex-copied");
      formula.setAttribute("data-copied", copiedLabel);
      setTimeout(function () { formula.classList.remove("tex-copied"); }, 1200);
    });
  }
  document.querySelectorAll(".copy-code").forEach(function (button) {
    button.addEventListener("click", function () {
      var code = button.closest(".code-block").querySelector("pre code");
      copied(button, code ? code.innerText : "", function () {
        var text = button.textContent;
        button.textContent = copiedLabel;
        setTimeout(function () { button.textContent = text; }, 1500);
      });
    });
  });
  // A click on a formula copies its TeX source (KaTeX keeps it in the MathML annotation);
  // Enter on a focused display formula does the same.
  document.addEventListener("click", function (event) {
    var formula = event.target.closest && event.target.closest(".katex, .math-fallback");
    if (!formula || (window.getSelection && String(window.getSelection()))) return;
    copyFormula(formula);
  });
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || !box.matches || !box.matches(".katex-display, .math-display")) return;
    var formula = box.querySelector(".katex") || box;
    if (formula) { event.preventDefault(); copyFormula(formula); }
  });
})();
