// mlnotes-site default theme: theme toggle and copy buttons. No network, no dependencies.
(function () {
  "use strict";
  var root = document.documentElement;
  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var dark = root.dataset.theme ? root.dataset.theme === "dark"
        : window.matchMedia("(prefers-color-scheme: dark)").matches;
      root.dataset.theme = dark ? "light" : "dark";
      try { localStorage.setItem("mlnotes-theme", root.dataset.theme); } catch (e) { /* private mode */ }
    });
  }
  var copiedLabel = root.lang && root.lang.indexOf("zh") === 0 ? "已复制" : "Copied";
  document.querySelectorAll(".copy-code").forEach(function (button) {
    button.addEventListener("click", function () {
      var code = button.closest(".code-block").querySelector("pre code");
      var text = code ? code.innerText : "";
      var done = function () {
        var label = button.textContent;
        button.textContent = copiedLabel;
        setTimeout(function () { button.textContent = label; }, 1500);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () {});
      }
    });
  });
  // A click on a formula copies its TeX source (KaTeX keeps it in the MathML annotation).
  document.addEventListener("click", function (event) {
    var formula = event.target.closest && event.target.closest(".katex");
    if (!formula || (window.getSelection && String(window.getSelection()))) return;
    var source = formula.querySelector('annotation[encoding="application/x-tex"]');
    if (!source || !navigator.clipboard || !navigator.clipboard.writeText) return;
    navigator.clipboard.writeText(source.textContent).then(function () {
      formula.classList.add("tex-copied");
      formula.setAttribute("data-copied", copiedLabel);
      setTimeout(function () { formula.classList.remove("tex-copied"); }, 1200);
    }, function () {});
  });
})();
