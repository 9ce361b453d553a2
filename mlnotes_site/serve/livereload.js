// mlnotes serve only (never in `mlnotes build` output): reload changed pages, show build problems.
(function () {
  "use strict";
  var build = window.__mlnotesBuild;
  var here = decodeURIComponent(location.pathname);
  var key = "mlnotes-scroll:" + here;
  var saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    var restore = function () { window.scrollTo(0, Number(saved)); };
    if (document.readyState === "complete") restore(); else window.addEventListener("load", restore);
  }
  function reload() {
    sessionStorage.setItem(key, String(window.scrollY));
    location.reload();
  }
  function overlay(text) {
    var box = document.getElementById("mlnotes-overlay");
    if (!box) {
      box = document.createElement("div");
      box.id = "mlnotes-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;background:rgba(20,20,24,.92);color:#fff;" +
        "overflow:auto;padding:2rem;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace";
      var title = document.createElement("h2");
      title.textContent = "mlnotes: the last change did not build";
      title.style.cssText = "color:#ff8a80;font:600 18px system-ui,sans-serif;margin:0 0 1rem";
      var pre = document.createElement("pre");
      pre.style.cssText = "white-space:pre-wrap;margin:0";
      box.appendChild(title);
      box.appendChild(pre);
      document.body.appendChild(box);
    }
    box.querySelector("pre").textContent = text;
  }
  function clear() {
    var box = document.getElementById("mlnotes-overlay");
    if (box) box.remove();
  }
  var source = new EventSource("/__mlnotes/events");
  source.addEventListener("hello", function (event) {
    var data = JSON.parse(event.data);
    if (data.build !== build) { reload(); return; }  // rebuilt while we were away, or a new server
    if (data.problems) overlay(data.problems); else clear();
  });
  source.addEventListener("problems", function (event) { overlay(JSON.parse(event.data).text); });
  source.addEventListener("reload", function (event) {
    var data = JSON.parse(event.data);
    clear();
    if (data.all || data.paths.indexOf(here) >= 0) reload(); else build = data.build;
  });
})();
