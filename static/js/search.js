// mlnotes-site search box: Pagefind, loaded from the site's own pagefind/ folder on first use.
// Keys: "/" or Ctrl-K / Cmd-K focus the box; arrows move, Enter opens, Esc closes.
// A query may name filters: "tag:diffusion" or "topic:扩散模型" (quote a value with spaces).
(function () {
  "use strict";
  var box = document.querySelector(".search");
  if (!box) return;
  var input = box.querySelector(".search-input");
  var list = box.querySelector(".search-results");
  var data = box.dataset;
  var loading = null; // the Pagefind module, once asked for
  var active = -1;
  var asked = 0; // the latest query's number: older answers are dropped
  var timer = null;
  var MAX = 8;

  function load() {
    if (!loading) {
      loading = import(data.script).then(function (pagefind) {
        return Promise.resolve(pagefind.options({ baseUrl: data.base, excerptLength: 24 }))
          .then(function () { return pagefind.init ? pagefind.init() : null; })
          .then(function () { return pagefind; });
      });
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  function parse(query) {
    var filters = {};
    var rest = query.replace(/(^|\s)(tag|topic):(?:"([^"]*)"|(\S+))/g, function (_, space, key, quoted, bare) {
      var value = quoted !== undefined ? quoted : bare;
      (filters[key] = filters[key] || []).push(value);
      return space;
    });
    Object.keys(filters).forEach(function (key) { filters[key] = { all: filters[key] }; });
    return { text: rest.trim(), filters: filters };
  }

  // Pagefind's excerpt is HTML with <mark> around hits: keep the marks, take everything else as text.
  function excerpt(html) {
    var out = document.createElement("span");
    out.className = "search-excerpt";
    var template = document.createElement("template");
    template.innerHTML = html || "";
    template.content.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        out.appendChild(mark);
      } else {
        out.appendChild(document.createTextNode(node.textContent));
      }
    });
    return out;
  }

  function open() {
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function message(text) {
    list.textContent = "";
    var li = document.createElement("li");
    li.className = "search-message";
    li.setAttribute("role", "presentation");
    li.textContent = text;
    list.appendChild(li);
    open();
  }

  function best(result) {
    // the section with most hits: a result opens at its heading
    var subs = result.sub_results || [];
    var chosen = null;
    subs.forEach(function (sub) {
      if (!chosen || (sub.locations || []).length > (chosen.locations || []).length) chosen = sub;
    });
    return chosen || result;
  }

  function show(results) {
    list.textContent = "";
    if (!results.length) { message(data.none); return; }
    results.forEach(function (result, i) {
      var section = best(result);
      var li = document.createElement("li");
      li.id = "mlnotes-search-" + i;
      li.setAttribute("role", "option");
      var a = document.createElement("a");
      a.href = section.url || result.url;
      a.tabIndex = -1;
      var title = document.createElement("span");
      title.className = "search-title";
      title.textContent = (result.meta && result.meta.title) || result.url;
      if (section !== result && section.title && section.title !== title.textContent) {
        var part = document.createElement("span");
        part.className = "search-section";
        part.textContent = " › " + section.title;
        title.appendChild(part);
      }
      a.appendChild(title);
      var info = [result.meta && result.meta.topic, result.meta && result.meta.date].filter(Boolean).join(" · ");
      if (info) {
        var meta = document.createElement("span");
        meta.className = "search-meta";
        meta.textContent = info;
        a.appendChild(meta);
      }
      a.appendChild(excerpt(section.excerpt || result.excerpt));
      li.appendChild(a);
      li.addEventListener("mousemove", function () { select(i); });
      list.appendChild(li);
    });
    open();
    select(0);
  }

  function select(i) {
    var items = list.querySelectorAll("[role=option]");
    if (!items.length) return;
    active = (i + items.length) % items.length;
    items.forEach(function (item, k) { item.setAttribute("aria-selected", k === active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  function run() {
    var query = parse(input.value);
    var mine = ++asked;
    if (!query.text && !Object.keys(query.filters).length) { close(); return; }
    if (!list.children.length || list.hidden) message(data.loading);
    load().then(function (pagefind) {
      return pagefind.search(query.text || null, { filters: query.filters });
    }).then(function (found) {
      if (mine !== asked) return null;
      return Promise.all(found.results.slice(0, MAX).map(function (r) { return r.data(); }));
    }).then(function (results) {
      if (results && mine === asked) { show(results); list.dataset.answered = input.value; }
    }).catch(function () {
      if (mine === asked) { message(data.error); list.dataset.answered = input.value; }
    });
  }

  input.addEventListener("focus", function () {
    load();
    if (input.value.trim() && list.children.length) open();
  }, { passive: true });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 80);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden) return;
      event.preventDefault();
      select(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      var items = list.querySelectorAll("[role=option] a");
      if (!list.hidden && items.length) {
        event.preventDefault();
        window.location.href = items[Math.max(active, 0)].href;
      }
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (!list.hidden) close();
      else { input.value = ""; input.blur(); }
    }
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if ((event.key === "k" || event.key === "K") && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      input.focus();
      input.select();
    } else if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      input.focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (!box.contains(event.target)) close();
  });
})();
