/* zgwatch history site: filter and sort the index, pick two versions to compare.
   No outside loads; every diff is computed by zgwatch when the page is built. */
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }
  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  function decode(text) { try { return decodeURIComponent(text); } catch (e) { return ""; } }

  // -- index.html: the rows are drawn from the JSON index, a page at a time --------------
  function setupIndex() {
    var data = byId("notice-index");
    var form = byId("filters");
    if (!data || !form) { return; }
    var index = JSON.parse(data.textContent);
    var items = index.rows.map(function (r) {
      var it = {};
      index.columns.forEach(function (name, i) { it[name] = r[i]; });
      it.issuerName = index.issuers[it.issuer] || "";
      it.folder = (index.folders || [])[it.source || 0] || "";  // a source's pages (several sources)
      it.text = null;
      return it;
    });
    var body = byId("notices").tBodies[0];
    var c = { text: byId("f-text"), status: byId("f-status"), issuer: byId("f-issuer"),
              period: byId("f-period"), sort: byId("f-sort"),
              source: byId("f-source") || { value: "" } };  // the filter exists with several sources
    var count = byId("f-count"), empty = byId("f-empty"), more = byId("f-more");
    var pageSize = index.page_size || 200;
    var collator = window.Intl ? new Intl.Collator("zh-CN") : null;
    var phaseOrder = { open: 0, upcoming: 1, closed: 2, unknown: 3 };
    var shown = [], limit = pageSize;

    var sorters = {
      published: function (a, b) { return cmp(b.published || "", a.published || "") || Number(b.id) - Number(a.id); },
      deadline: function (a, b) {  // open periods soonest first, then upcoming, then ended (latest first)
        return (phaseOrder[a.phase] - phaseOrder[b.phase]) ||
               (a.phase === "closed" ? cmp(b.end, a.end) : cmp(a.end, b.end)) ||
               Number(b.id) - Number(a.id);
      },
      change: function (a, b) { return (b.change - a.change) || Number(b.id) - Number(a.id); },
      issuer: function (a, b) {
        return (collator ? collator.compare(a.issuerName, b.issuerName) : cmp(a.issuerName, b.issuerName)) ||
               cmp(b.published || "", a.published || "");
      }
    };

    // Rows are built as elements with textContent: text from the site is never parsed as HTML.
    function tag(name, cls, text) {
      var el = document.createElement(name);
      if (cls) { el.className = cls; }
      if (text !== undefined) { el.textContent = text; }
      return el;
    }

    function row(it) {
      var tr = tag("tr", "status-" + it.status);
      tr.setAttribute("data-id", it.id);
      var first = tr.appendChild(tag("td"));
      var link = first.appendChild(tag("a", "", it.title || "（未读到标题）"));
      link.href = it.folder + index.notice_page.replace("{notice_id}", it.id);
      first.appendChild(document.createTextNode(" "));
      first.appendChild(tag("span", "id", "#" + it.id));
      tr.appendChild(tag("td", "", it.issuerName || "—"));
      tr.appendChild(tag("td", "", it.published || "—"));
      tr.appendChild(tag("td", "", it.end ? (it.start || "?") + " 至 " + it.end : "—"));
      tr.appendChild(tag("td", "", it.days_label));
      tr.appendChild(tag("td")).appendChild(tag("span", "status " + it.status, index.labels.status[it.status] || it.status));
      var last = tr.appendChild(tag("td"));
      if (it.kind) {
        last.appendChild(tag("span", "kind " + it.kind, index.labels.kind[it.kind] || it.kind));
        last.appendChild(document.createTextNode(" " + it.change_text));
      } else {
        last.textContent = "—";
      }
      return tr;
    }

    function matches(it, f) {
      if (f.source && String(it.source) !== f.source) { return false; }
      if (f.status && it.status !== f.status) { return false; }
      if (f.issuer && it.issuerName !== f.issuer) { return false; }
      if (f.period === "soon") {
        if (!(it.phase === "open" && it.days <= 7)) { return false; }
      } else if (f.period && it.phase !== f.period) { return false; }
      if (f.text) {
        if (it.text === null) { it.text = ((it.title || "") + " " + it.issuerName + " #" + it.id).toLowerCase(); }
        if (it.text.indexOf(f.text) < 0) { return false; }
      }
      return true;
    }

    function current() {
      return { text: c.text.value.trim().toLowerCase(), status: c.status.value, issuer: c.issuer.value,
               period: c.period.value, sort: c.sort.value || "published", source: c.source.value };
    }

    function remember(f) {
      var parts = [];
      ["source", "status", "issuer", "period", "sort"].forEach(function (k) {
        if (f[k] && !(k === "sort" && f[k] === "published")) { parts.push(k + "=" + encodeURIComponent(f[k])); }
      });
      if (f.text) { parts.push("q=" + encodeURIComponent(f.text)); }
      history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname);
    }

    function restore() {  // a filtered view can be bookmarked or shared: #status=removed&sort=change
      var keys = { q: c.text, status: c.status, issuer: c.issuer, period: c.period, sort: c.sort,
                   source: c.source };
      location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
        var kv = pair.split("=");
        if (keys.hasOwnProperty(kv[0])) { keys[kv[0]].value = decode(kv[1] || ""); }
      });
    }

    function draw() {
      var fragment = document.createDocumentFragment();
      shown.slice(0, limit).forEach(function (it) { fragment.appendChild(row(it)); });
      body.textContent = "";
      body.appendChild(fragment);
      var n = Math.min(limit, shown.length);
      count.textContent = shown.length === items.length
        ? "显示 " + n + " / 共 " + items.length + " 条"
        : "显示 " + n + " / 符合条件 " + shown.length + " 条（共 " + items.length + " 条）";
      more.hidden = shown.length <= limit;
      empty.hidden = shown.length > 0;
    }

    function apply() {
      var f = current();
      shown = items.filter(function (it) { return matches(it, f); });
      shown.sort(sorters[f.sort] || sorters.published);
      limit = pageSize;
      draw();
      remember(f);
    }

    restore();
    form.hidden = false;
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    more.addEventListener("click", function () { limit += pageSize; draw(); });
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

  // -- every page: search the notices' titles and texts with the Pagefind bundle ----------
  // Pagefind's excerpt is page text with <mark> around the words found: shown as text,
  // the marks rebuilt as elements, nothing else of it read as markup.
  function excerptNodes(excerpt) {
    var out = document.createDocumentFragment();
    var parts = String(excerpt || "").split(/<mark>|<\/mark>/);
    parts.forEach(function (part, i) {
      var text = new DOMParser().parseFromString(part, "text/html").body.textContent;
      if (i % 2) {
        var mark = document.createElement("mark");
        mark.textContent = text;
        out.appendChild(mark);
      } else {
        out.appendChild(document.createTextNode(text));
      }
    });
    return out;
  }

  function setupSearch() {
    var box = document.querySelector(".site-search");
    var input = byId("site-search-q"), list = byId("site-search-results");
    if (!box || !input || !list) { return; }
    var base = new URL(box.getAttribute("data-root") || "./", location.href);
    var bundle = new URL(box.getAttribute("data-bundle"), location.href).href;
    var engine = null, asked = 0;

    // The index comes in buckets (search/buckets.json): the first one's pagefind.js
    // searches them all once the others are merged into it.
    function load() {
      if (!engine) {
        engine = fetch(bundle + "buckets.json").then(function (r) {
          if (!r.ok) { throw new Error("no search index"); }
          return r.json();
        }).then(function (listing) {
          var names = Object.keys(listing.buckets || {}).sort(function (a, b) { return a - b; });
          return import(bundle + names[0] + "/pagefind.js").then(function (pf) {
            var opts = { baseUrl: base.pathname };
            return pf.options(opts).then(function () {
              return Promise.all(names.slice(1).map(function (name) {
                return pf.mergeIndex(bundle + name + "/", opts);
              }));
            }).then(function () { return pf; });
          });
        });
      }
      return engine;
    }

    function show(query, results, total, exact) {
      list.textContent = "";
      var head = document.createElement("p");
      head.className = "search-count";
      head.textContent = total ? (exact ? "找到 " : "至少找到 ") + total + " 条通报" +
                                 (total > results.length ? "，显示前 " + results.length + " 条" : "")
                               : "没有找到含「" + query + "」的通报";
      list.appendChild(head);
      var ol = document.createElement("ol");
      results.forEach(function (r) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = r.url;
        a.textContent = (r.meta && r.meta.title) || r.url;
        li.appendChild(a);
        if (r.meta && r.meta.issuer) {
          var who = document.createElement("span");
          who.className = "issuer";
          who.textContent = r.meta.issuer;
          li.appendChild(who);
        }
        var p = document.createElement("p");
        p.appendChild(excerptNodes(r.excerpt));
        li.appendChild(p);
        ol.appendChild(li);
      });
      list.appendChild(ol);
      list.setAttribute("data-query", query);  // which query the list answers
      list.hidden = false;
    }

    // Pagefind finds the pages holding each word of the query as it segments Chinese;
    // of those, the box keeps the ones whose text holds the query as typed, as a plain
    // text match would (spaces aside), checking SHOWN pages' texts, then counting on
    // up to CHECKED candidates (beyond that the count is a lower bound).
    var SHOWN = 10, CHECKED = 200, CHUNK = 20;
    function squeeze(text) { return String(text || "").replace(/\s+/g, ""); }

    function holding(query, candidates) {
      var wanted = squeeze(query), kept = [], checked = 0;
      function next() {
        if (checked >= candidates.length || checked >= CHECKED) {
          return { kept: kept, exact: checked >= candidates.length };
        }
        var chunk = candidates.slice(checked, Math.min(checked + CHUNK, CHECKED));
        checked += chunk.length;
        return Promise.all(chunk.map(function (r) { return r.data(); })).then(function (data) {
          data.forEach(function (d) {
            var title = (d.meta && d.meta.title) || "";
            if (squeeze(title + d.content).indexOf(wanted) >= 0) { kept.push(d); }
          });
          return next();
        });
      }
      return next();
    }

    function run() {
      var query = input.value.trim(), mine = ++asked;
      if (!query) { list.hidden = true; list.textContent = ""; return; }
      load().then(function (pf) { return pf.debouncedSearch(query, {}, 200); })
        .then(function (found) {
          if (!found || mine !== asked) { return null; }  // a newer query is on its way
          return holding(query, found.results).then(function (h) {
            if (mine === asked) { show(query, h.kept.slice(0, SHOWN), h.kept.length, h.exact); }
          });
        })
        .catch(function () {
          list.textContent = "搜索暂不可用：需要通过网址打开本站 (zgwatch serve)，且站内已有通报。";
          list.hidden = false;
        });
    }

    input.hidden = false;
    input.addEventListener("input", run);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { input.value = ""; run(); }
    });
  }

  setupIndex();
  setupCompare();
  setupSearch();
}());
