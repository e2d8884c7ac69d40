/* zgwatch history site: filter and sort the index, pick two versions to compare.
   No outside loads; every diff is computed by zgwatch when the page is built. */
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }
  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  function decode(text) { try { return decodeURIComponent(text); } catch (e) { return ""; } }

  // -- index.html: a JSON index of the table's rows drives filters and order ---------------
  function setupIndex() {
    var data = byId("notice-index");
    var form = byId("filters");
    if (!data || !form) { return; }
    var index = JSON.parse(data.textContent);
    var body = byId("notices").tBodies[0];
    var rows = {};
    Array.prototype.forEach.call(body.rows, function (tr) { rows[tr.getAttribute("data-id")] = tr; });
    var items = index.rows.map(function (r) {
      return { id: r[0], status: r[1], issuer: index.issuers[r[2]] || "", published: r[3] || "",
               end: r[4] || "", days: r[5], phase: r[6], change: r[7] || 0, tr: rows[r[0]], text: null };
    }).filter(function (it) { return it.tr; });
    var c = { text: byId("f-text"), status: byId("f-status"), issuer: byId("f-issuer"),
              period: byId("f-period"), sort: byId("f-sort") };
    var count = byId("f-count"), empty = byId("f-empty");
    var collator = window.Intl ? new Intl.Collator("zh-CN") : null;
    var phaseOrder = { open: 0, upcoming: 1, closed: 2, none: 3 };

    var sorters = {
      published: function (a, b) { return cmp(b.published, a.published) || Number(b.id) - Number(a.id); },
      deadline: function (a, b) {  // open periods soonest first, then upcoming, then ended (latest first)
        return (phaseOrder[a.phase] - phaseOrder[b.phase]) ||
               (a.phase === "closed" ? cmp(b.end, a.end) : cmp(a.end, b.end)) ||
               Number(b.id) - Number(a.id);
      },
      change: function (a, b) { return (b.change - a.change) || Number(b.id) - Number(a.id); },
      issuer: function (a, b) {
        return (collator ? collator.compare(a.issuer, b.issuer) : cmp(a.issuer, b.issuer)) ||
               cmp(b.published, a.published);
      }
    };

    function matches(it, f) {
      if (f.status && it.status !== f.status) { return false; }
      if (f.issuer && it.issuer !== f.issuer) { return false; }
      if (f.period === "soon") {
        if (!(it.phase === "open" && it.days <= 7)) { return false; }
      } else if (f.period && it.phase !== f.period) { return false; }
      if (f.text) {
        if (it.text === null) { it.text = it.tr.textContent.toLowerCase(); }
        if (it.text.indexOf(f.text) < 0) { return false; }
      }
      return true;
    }

    function current() {
      return { text: c.text.value.trim().toLowerCase(), status: c.status.value, issuer: c.issuer.value,
               period: c.period.value, sort: c.sort.value || "published" };
    }

    function remember(f) {
      var parts = [];
      ["status", "issuer", "period", "sort"].forEach(function (k) {
        if (f[k] && !(k === "sort" && f[k] === "published")) { parts.push(k + "=" + encodeURIComponent(f[k])); }
      });
      if (f.text) { parts.push("q=" + encodeURIComponent(f.text)); }
      history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname);
    }

    function restore() {  // a filtered view can be bookmarked or shared: #status=removed&sort=change
      var keys = { q: c.text, status: c.status, issuer: c.issuer, period: c.period, sort: c.sort };
      location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
        var kv = pair.split("=");
        if (keys.hasOwnProperty(kv[0])) { keys[kv[0]].value = decode(kv[1] || ""); }
      });
    }

    var showing = items.slice();  // the rows in the table now, in order (as built)

    function same(a, b) {
      if (a.length !== b.length) { return false; }
      for (var i = 0; i < a.length; i += 1) { if (a[i] !== b[i]) { return false; } }
      return true;
    }

    function apply() {
      var f = current();
      var shown = items.filter(function (it) { return matches(it, f); });
      shown.sort(sorters[f.sort] || sorters.published);
      if (!same(shown, showing)) {  // moving 20,000 rows costs; most loads need none moved
        var fragment = document.createDocumentFragment();
        shown.forEach(function (it) { fragment.appendChild(it.tr); });
        body.textContent = "";
        body.appendChild(fragment);
        showing = shown;
      }
      count.textContent = "显示 " + shown.length + " / " + items.length + " 条";
      empty.hidden = shown.length > 0;
      remember(f);
    }

    restore();
    form.hidden = false;
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    apply();
  }

  // -- notices/<id>.html: every pair of versions is on the page; show the one picked -------
  function setupCompare() {
    var from = byId("diff-from"), to = byId("diff-to"), pick = byId("pick");
    if (!from || !to || !pick) { return; }
    var same = byId("diff-same");
    var pairs = document.querySelectorAll("section.pair");

    function show(a, b, scroll) {
      var lo = Math.min(Number(a), Number(b)), hi = Math.max(Number(a), Number(b));
      var target = null;
      Array.prototype.forEach.call(pairs, function (p) {
        var hit = Number(p.getAttribute("data-from")) === lo && Number(p.getAttribute("data-to")) === hi;
        p.hidden = !hit;
        if (hit) { target = p; }
      });
      same.hidden = lo !== hi;
      if (target) {
        history.replaceState(null, "", "#" + target.id);
        if (scroll) { target.scrollIntoView(); }
      }
    }

    function fromHash(scroll) {
      var m = /^#diff-(\d+)-(\d+)$/.exec(location.hash);
      if (!m) { return false; }
      from.value = m[1];
      to.value = m[2];
      show(m[1], m[2], scroll);
      return true;
    }

    pick.hidden = false;
    pick.addEventListener("submit", function (e) { e.preventDefault(); });
    from.addEventListener("change", function () { show(from.value, to.value, false); });
    to.addEventListener("change", function () { show(from.value, to.value, false); });
    Array.prototype.forEach.call(document.querySelectorAll("a.diff-link"), function (link) {
      link.addEventListener("click", function (e) {
        e.preventDefault();
        from.value = link.getAttribute("data-from");
        to.value = link.getAttribute("data-to");
        show(from.value, to.value, true);
      });
    });
    window.addEventListener("hashchange", function () { fromHash(true); });
    fromHash(true);
  }

  setupIndex();
  setupCompare();
}());
