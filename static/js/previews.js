// Link previews: hovering or keyboard-focusing a link to another page of the site shows a small card
// (title, topic, date, excerpt) read from that page's preview.json. Links stay plain links: without
// JavaScript, or on touch screens (where a card would get in the way of the tap), nothing changes.
(function () {
  "use strict";
  var script = document.currentScript;
  // KaTeX's stylesheet sits beside the theme's scripts (it is written only when a formula was rendered)
  var katexCss = script && script.src ? new URL("../katex/katex.min.css", script.src).pathname : null;
  var hover = window.matchMedia && window.matchMedia("(hover: hover) and (pointer: fine)").matches;
  var cards = {};  // preview URL -> Promise of the card data (null when the page has none)
  var card = null, owner = null, showTimer = 0, hideTimer = 0, serial = 0;

  function previewUrl(link) {
    var url;
    try { url = new URL(link.getAttribute("href"), location.href); } catch (e) { return null; }
    if (url.origin !== location.origin || url.pathname === location.pathname) return null;
    if (url.pathname.charAt(url.pathname.length - 1) !== "/") return null;  // pages end in "/"
    return url.pathname + "preview.json";
  }

  function load(url) {
    if (!(url in cards)) {
      cards[url] = fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .catch(function () { return null; });
    }
    return cards[url];
  }

  function needKatexCss() {
    if (!katexCss || document.querySelector('link[href="' + katexCss + '"]')) return;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = katexCss;
    document.head.appendChild(css);
  }

  function hide() {
    clearTimeout(showTimer);
    serial++;
    if (card) { card.remove(); card = null; }
    if (owner) { owner.removeAttribute("aria-describedby"); owner = null; }
  }

  function show(link, data) {
    hide();
    if (!data || !document.contains(link)) return;
    if (data.math) needKatexCss();
    card = document.createElement("div");
    card.className = "preview-card";
    card.id = "preview-card";
    card.setAttribute("role", "tooltip");
    card.lang = data.lang || "";
    var title = document.createElement("p");
    title.className = "preview-title";
    title.textContent = data.title;
    card.appendChild(title);
    var meta = document.createElement("p");
    meta.className = "meta";
    [data.topic, data.date, data.count].forEach(function (text) {
      if (!text) return;
      var span = document.createElement("span");
      span.textContent = text;
      meta.appendChild(span);
    });
    card.appendChild(meta);
    if (data.excerpt) {
      var excerpt = document.createElement("p");
      excerpt.className = "excerpt";
      excerpt.innerHTML = data.excerpt;  // made by the build from the note, escaped there
      card.appendChild(excerpt);
    }
    card.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
    card.addEventListener("mouseleave", scheduleHide);
    document.body.appendChild(card);
    var box = link.getBoundingClientRect();
    var width = card.offsetWidth;
    var left = Math.max(8, Math.min(box.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - width - 8));
    var below = box.bottom + card.offsetHeight + 8 <= window.innerHeight || box.top < card.offsetHeight + 8;
    card.style.left = left + "px";
    card.style.top = (below ? box.bottom + window.scrollY + 6 : box.top + window.scrollY - card.offsetHeight - 6) + "px";
    owner = link;
    link.setAttribute("aria-describedby", card.id);
  }

  function schedule(link, delay) {
    var url = previewUrl(link);
    if (!url) return;
    clearTimeout(hideTimer);
    clearTimeout(showTimer);
    var mine = ++serial;
    showTimer = setTimeout(function () {
      load(url).then(function (data) { if (mine === serial) show(link, data); });
    }, delay);
  }

  function scheduleHide() {
    clearTimeout(showTimer);
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 200);
  }

  function candidate(target) {
    var link = target && target.closest ? target.closest("a[href]") : null;
    return link && link.closest(".note-body, .backlinks, .related") ? link : null;
  }

  if (hover) {
    document.addEventListener("mouseover", function (event) {
      var link = candidate(event.target);
      if (link && link !== owner) schedule(link, 300);
    });
    document.addEventListener("mouseout", function (event) {
      var link = candidate(event.target);
      if (link && !(event.relatedTarget && link.contains(event.relatedTarget))) scheduleHide();
    });
  }
  document.addEventListener("focusin", function (event) {
    var link = candidate(event.target);
    // keyboard focus only: a tap also focuses a link, and a card must not cover what was tapped
    if (link && link.matches(":focus-visible")) schedule(link, 0);
  });
  document.addEventListener("focusout", function (event) {
    if (candidate(event.target)) scheduleHide();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && card) hide();
  });
})();
