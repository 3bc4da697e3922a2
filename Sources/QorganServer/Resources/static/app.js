// Qorgan's pages work without this script, except data entry, which saves each cell as it
// changes. No framework, no CDN: deployments are offline.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // The browser's own print dialog, which also saves the page as a PDF (the print stylesheet
  // leaves the menu and the choices out).
  document.querySelectorAll("button[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });

  // Choosing a year offers that year's periods at once (the page lists every year's).
  var yearSelect = document.getElementById("entry-year"), periodSelect = document.getElementById("entry-pe");
  if (yearSelect && periodSelect && yearSelect.dataset.periods) {
    var byYear = {};
    try { byYear = JSON.parse(yearSelect.dataset.periods); } catch (e) { byYear = {}; }
    yearSelect.addEventListener("change", function () {
      while (periodSelect.options.length > 1) periodSelect.remove(1);
      (byYear[yearSelect.value] || []).forEach(function (p) { periodSelect.add(new Option(p[1], p[0])); });
      periodSelect.value = "";
    });
  }
  // Data entry works offline: the service worker keeps the pages opened, the page keeps the values.
  if (document.getElementById("entry-choice") && "serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* works online without it */ });
  }
  // The service worker keeps its offline page in this page's language.
  if (navigator.serviceWorker && navigator.serviceWorker.controller) {
    navigator.serviceWorker.controller.postMessage({ offlineLang: document.documentElement.lang });
  }
  // Signing out forgets the kept pages at once (the service worker also drops them when the next
  // page belongs to no session, or to another).
  document.querySelectorAll("form[action='/logout']").forEach(function (f) {
    f.addEventListener("submit", function () {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("forget");
    });
  });
  // Maintenance: an expression is checked as it is typed, its operands named, and the indicator
  // computed for the unit and year chosen beside it; a file chosen for an import fills the box.
  var mform = document.getElementById("maintain-form");
  var exprs = mform ? Array.prototype.slice.call(mform.querySelectorAll("textarea[data-expression]")) : [];
  if (exprs.length) {
    var describe = function (text, extra) {
      return fetch("/api/expressions/description?expression=" + encodeURIComponent(text) + (extra || "") +
        "&lang=" + encodeURIComponent(document.documentElement.lang || "en"),
        { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); });
    };
    var byName = function (n) { return mform.querySelector("[name='" + n + "']"); };
    var showValue = function () {
      var out = document.getElementById("maintain-value-check");
      var num = byName("numerator"), den = byName("denominator"), ou = byName("checkUnit"), pe = byName("checkYear");
      if (!out || !num || !den || !ou || !pe || !num.value.trim() || !den.value.trim() || !pe.value) return;
      var extra = "&ou=" + encodeURIComponent(ou.value) + "&pe=" + encodeURIComponent(pe.value);
      Promise.all([describe(num.value, extra), describe(den.value, extra)]).then(function (both) {
        var n = both[0].value, d = both[1].value, factor = parseFloat((byName("factor") || {}).value || "1");
        if (both[0].status !== "OK" || both[1].status !== "OK") { out.textContent = ""; return; }
        var decimals = Math.min(6, Math.max(0, parseInt((byName("decimals") || {}).value || "1", 10) || 0));
        var value = (n == null || d == null || d === 0) ? "—" : (n / d * (isNaN(factor) ? 1 : factor)).toFixed(decimals);
        out.textContent = mform.dataset.result + " " + both[0].unit + ", " + both[0].period + ": " + value +
          " (" + (n == null ? "—" : n) + " / " + (d == null ? "—" : d) + ")";
      }).catch(function () { out.textContent = ""; });
    };
    var check = function (ta) {
      var out = document.getElementById(ta.id + "-check");
      if (!out) return;
      if (!ta.value.trim()) { out.textContent = ""; return; }
      describe(ta.value).then(function (d) {
        if (d.status === "OK") {
          out.textContent = "✓ " + mform.dataset.valid + ": " + d.description;
          out.className = "expr-check ok";
          ta.removeAttribute("aria-invalid");
        } else {
          // The server's reason is in English: other languages show where, and the text there.
          var at = ta.value.substr(Math.max(0, (d.position || 1) - 1), 30);
          out.textContent = "✗ " + mform.dataset.invalid + " (" + mform.dataset.position + " " + d.position + "): «" + at + "»" +
            (document.documentElement.lang === "en" ? " — " + d.message : "");
          out.className = "expr-check bad";
          ta.setAttribute("aria-invalid", "true");
        }
        showValue();
      }).catch(function () { out.textContent = ""; });
    };
    var timers = {};
    exprs.forEach(function (ta) {
      ta.setAttribute("aria-describedby", ta.id + "-check");
      ta.addEventListener("input", function () {
        clearTimeout(timers[ta.id]);
        timers[ta.id] = setTimeout(function () { check(ta); }, 250);
      });
      check(ta);
    });
    ["checkUnit", "checkYear", "factor", "decimals"].forEach(function (n) {
      var el = byName(n);
      if (el) el.addEventListener("change", showValue);
    });
  }
  var fileInput = document.getElementById("maintain-file");
  if (fileInput) {
    fileInput.addEventListener("change", function () {
      var f = fileInput.files && fileInput.files[0], box = document.getElementById(fileInput.dataset.into);
      if (!f || !box) return;
      var reader = new FileReader();
      reader.onload = function () { box.value = String(reader.result || ""); };
      reader.readAsText(f);
    });
  }
  // A kept page shown offline says whose it is.
  var owner = document.querySelector("meta[name='qorgan-user']");
  if (owner && owner.content && !navigator.onLine) {
    var note = document.createElement("p");
    note.className = "offline-owner";
    note.setAttribute("role", "status");
    note.textContent = (document.documentElement.dataset.offlineOwner || "Offline copy kept for {user}").replace("{user}", owner.content);
    var main = document.getElementById("main");
    if (main) main.insertBefore(note, main.firstChild);
  }
  var problems = document.getElementById("error-summary");
  // A preview of a change takes the focus, as a summary of problems does: it is what to read next.
  var preview = document.getElementById("maintain-preview");
  if (preview && !problems) preview.focus();
  if (problems) {
    problems.focus();
    // A link of the summary moves the focus to its field, not only the view.
    problems.querySelectorAll("a[href^='#']").forEach(function (a) {
      a.addEventListener("click", function (e) {
        var field = document.getElementById(a.getAttribute("href").slice(1));
        if (!field) return;
        e.preventDefault();
        field.scrollIntoView({ block: "center" });
        field.focus();
      });
    });
  }

  // A table wider than the window scrolls in its own box; a box with nothing to focus in it takes
  // the focus itself, so that it scrolls from the keyboard too.
  var focusable = "a[href]:not([tabindex='-1']), button:not([disabled]), input:not([disabled]), " +
    "select:not([disabled]), textarea:not([disabled])";
  function scrollBoxes() {
    document.querySelectorAll(".table-scroll, .report-body").forEach(function (box) {
      var wide = box.scrollWidth > box.clientWidth + 1;
      if (wide && !box.querySelector(focusable)) box.setAttribute("tabindex", "0");
      else box.removeAttribute("tabindex");
    });
  }
  scrollBoxes();
  window.addEventListener("resize", scrollBoxes);

  // A sortable table: each column's heading becomes a button; pressed again, the order reverses.
  // Numbers sort as numbers, names in the page's language, and empty cells always come last.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var body = table.tBodies[0];
    if (!body || !table.tHead) return;
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        function text(row) { var c = row.cells[col]; return c ? c.textContent.trim() : ""; }
        function number(s) { return s === "" ? NaN : Number(s.replace(/[\s\u00a0]/g, "")); }
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = text(a), y = text(b);
          if (x === "" || y === "") return (x === "") - (y === "");
          var nx = number(x), ny = number(y);
          var order = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y, document.documentElement.lang);
          return ascending ? order : -order;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  // A form chosen with the choice form opens with the keyboard at its first cell, not at the top
  // of the page (the choice is remembered for the page that answers it, and only for that one).
  var chosen = false;
  try {
    chosen = sessionStorage.getItem("qorgan-chosen") === "1";
    sessionStorage.removeItem("qorgan-chosen");
  } catch (e) { chosen = false; }
  var choiceForm = document.getElementById("entry-choice");
  if (choiceForm && choiceForm.tagName === "FORM") {
    choiceForm.addEventListener("submit", function () {
      try { sessionStorage.setItem("qorgan-chosen", "1"); } catch (e) { /* no storage: focus stays at the top */ }
    });
  }
  var grid = document.getElementById("grid");
  if (!grid) return;
  var msg = grid.dataset;

  // The same checks the server makes, so that a typo is flagged before it travels, in the page's
  // language.
  function check(type, v) {
    if (v === "" || type === "TEXT") return v.length > 255 ? msg.tooLong : null;
    if (type === "BOOLEAN") return /^(true|false|1|0|yes|no)$/i.test(v) ? null : msg.notBoolean;
    // Plain decimal notation, as the server takes it: no exponent (1e3), no hexadecimal.
    if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(v)) return msg.notNumber;
    var n = Number(v);
    if (type === "INTEGER" || type === "INTEGER_ZERO_OR_POSITIVE") {
      if (!/^[-+]?\d+$/.test(v)) return msg.notWhole;
      // A whole number is at most 9223372036854775807 (19 digits), as the server stores it.
      var digits = v.replace(/^[-+]/, "").replace(/^0+(?=\d)/, "");
      if (digits.length > 19 || (digits.length === 19 && digits > "9223372036854775807")) return msg.tooLarge;
    }
    if ((type === "INTEGER_ZERO_OR_POSITIVE" || type === "PERCENTAGE") && n < 0) return msg.negative;
    if (type === "PERCENTAGE" && n > 100) return msg.over100;
    return null;
  }

  function show(input, state, text) {
    var status = input.parentNode.querySelector(".status");
    input.classList.remove("saving", "saved", "error");
    input.classList.add(state);
    input.setAttribute("aria-invalid", state === "error" ? "true" : "false");
    status.textContent = text;
    status.className = "status " + state;
  }

  function request(method, url, body) {
    var opts = { method: method, headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }, credentials: "same-origin" };
    if (body) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(url, opts).catch(function () {
      // No answer at all: the connection is down (an answer with an error status is not this).
      var err = new Error(msg.offline);
      err.offline = true;
      throw err;
    }).then(function (r) {
      return r.text().then(function (t) {
        var data = null;
        try { data = t ? JSON.parse(t) : null; } catch (e) { data = { message: t }; }
        if (!r.ok) {
          // The server's reason in the page's language where it has a code the page knows.
          var code = data && data.code;
          var known = code && msg[("code_" + code).replace(/_([a-z])/g, function (m, c) { return c.toUpperCase(); })];
          var err = new Error(known || (data && data.message) || ("HTTP " + r.status));
          err.detail = data && data.message;
          throw err;
        }
        return data;
      });
    });
  }

  // A value far from the unit's own history asks for confirmation and a comment first.
  var dialog = document.getElementById("outlier-dialog");
  function confirmOutlier(input, v) {
    var numeric = input.dataset.type !== "TEXT" && input.dataset.type !== "BOOLEAN" && v !== "";
    if (!dialog || !numeric || typeof dialog.showModal !== "function") return Promise.resolve({ save: true });
    var q = "?de=" + encodeURIComponent(input.dataset.de) + "&co=" + encodeURIComponent(input.dataset.co) +
            "&pe=" + encodeURIComponent(grid.dataset.pe) + "&ou=" + encodeURIComponent(grid.dataset.ou) +
            "&value=" + encodeURIComponent(v);
    return request("GET", "/api/outlierDetection/check" + q).then(function (r) {
      if (!r || !r.outlier) return { save: true };
      document.getElementById("outlier-value").textContent = v;
      var low = r.lowerBound !== null ? r.lowerBound : r.usualLow, high = r.upperBound !== null ? r.upperBound : r.usualHigh;
      document.getElementById("outlier-usual").textContent = low + "–" + high;
      document.getElementById("outlier-median").textContent = r.median === null ? "–" : r.median;
      var comment = document.getElementById("outlier-comment");
      comment.value = "";
      dialog.showModal();
      comment.focus();
      return new Promise(function (resolve) {
        function finish(result) {
          document.getElementById("outlier-save").onclick = null;
          document.getElementById("outlier-cancel").onclick = null;
          dialog.onclose = null;
          if (dialog.open) dialog.close();
          resolve(result);
        }
        document.getElementById("outlier-save").onclick = function () { finish({ save: true, comment: comment.value.trim() }); };
        document.getElementById("outlier-cancel").onclick = function () { finish({ save: false }); };
        dialog.onclose = function () { finish({ save: false }); };
      });
    }, function () { return { save: true }; });
  }

  function save(input) {
    var v = input.value.trim();
    if (v === input.dataset.last) return;
    var problem = check(input.dataset.type, v);
    if (problem) { show(input, "error", msg.error + ": " + problem); return; }
    // Enter and the change that follows it ask once.
    if (input.dataset.pending === v) return;
    input.dataset.pending = v;
    // The cell no longer says "saved" from its last save while the value is being checked (the
    // outlier question may open over it).
    show(input, "saving", msg.checking);
    confirmOutlier(input, v).then(function (answer) {
      delete input.dataset.pending;
      if (!answer.save) {
        input.value = input.dataset.last;
        show(input, "error", msg.error);
        input.focus();
        return;
      }
      send(input, v, answer.comment);
    });
  }

  function send(input, v, comment) {
    show(input, "saving", msg.saving);
    var done;
    if (v === "") {
      var q = "?de=" + encodeURIComponent(input.dataset.de) + "&pe=" + encodeURIComponent(grid.dataset.pe) +
              "&ou=" + encodeURIComponent(grid.dataset.ou) + "&co=" + encodeURIComponent(input.dataset.co);
      done = request("DELETE", "/api/dataValues" + q).then(function () { return msg.cleared; });
    } else {
      var body = {
        dataElement: input.dataset.de, categoryOptionCombo: input.dataset.co,
        period: grid.dataset.pe, orgUnit: grid.dataset.ou, value: v
      };
      if (comment) body.comment = comment;
      done = request("POST", "/api/dataValues", body).then(function () { return msg.saved; });
    }
    done.then(function (text) {
      input.dataset.last = v;
      show(input, "saved", "✓ " + text);
      refreshViolations(input);
    }).catch(function (e) {
      if (e.offline) { keep(input, v, comment); return; }
      show(input, "error", msg.error + ": " + e.message);
      if (e.detail) input.parentNode.querySelector(".status").title = e.detail;
    });
  }

  // Offline: a value that could not be sent is kept on this device (localStorage, per user) with
  // the value the server had when it was typed over. When the connection returns, each is sent
  // unless the server's value changed meanwhile: that is a conflict, shown, and decided by the
  // person — never overwritten in silence.
  var queueKey = "qorgan-offline:" + (grid.dataset.user || "");
  function queue() { try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; } }
  function store(items) { localStorage.setItem(queueKey, JSON.stringify(items)); showQueue(); }
  function cellKey(item) { return [item.ou, item.pe, item.de, item.co].join("|"); }
  function keep(input, v, comment) {
    var item = { ds: grid.dataset.ds, ou: grid.dataset.ou, pe: grid.dataset.pe, de: input.dataset.de, co: input.dataset.co,
                 value: v, base: input.dataset.last, comment: comment || null,
                 label: input.getAttribute("aria-label").trim() + " — " + grid.querySelector("h2").textContent.trim() };
    var items = queue().filter(function (i) {
      if (cellKey(i) !== cellKey(item)) return true;
      item.base = i.base;  // typed over twice offline: the server's value is still the first one's base
      return false;
    });
    items.push(item);
    store(items);
    show(input, "queued", msg.queued);
  }
  function cellOf(item) {
    if (item.ou !== grid.dataset.ou || item.pe !== grid.dataset.pe) return null;
    return cells.filter(function (c) { return c.dataset.de === item.de && c.dataset.co === item.co; })[0] || null;
  }
  var banner = document.getElementById("offline-status");
  var conflictBox = document.getElementById("offline-conflicts");
  function showQueue() {
    var items = queue();
    var waiting = items.filter(function (i) { return !i.conflict; }).length;
    if (banner) {
      banner.hidden = waiting === 0;
      banner.textContent = msg.offlineBanner.replace("{count}", waiting);
    }
    if (!conflictBox) return;
    var list = conflictBox.querySelector("ul");
    while (list.firstChild) list.removeChild(list.firstChild);
    items.filter(function (i) { return i.conflict; }).forEach(function (i) {
      var li = element("li", "conflict");
      li.appendChild(element("p", null, msg.conflictItem.replace("{cell}", i.label).replace("{mine}", i.value === "" ? "–" : i.value)
        .replace("{theirs}", i.theirs === "" ? "–" : i.theirs).replace("{by}", i.theirsBy || "?")));
      var mine = element("button", null, msg.keepMine), theirs = element("button", "secondary", msg.keepTheirs);
      mine.type = theirs.type = "button";
      mine.addEventListener("click", function () { i.conflict = false; i.base = i.theirs; store(queue().map(function (q) { return cellKey(q) === cellKey(i) ? i : q; })); flush(); });
      theirs.addEventListener("click", function () {
        store(queue().filter(function (q) { return cellKey(q) !== cellKey(i); }));
        var c = cellOf(i);
        if (c) { c.value = i.theirs; c.dataset.last = i.theirs; show(c, "saved", "✓ " + msg.saved); }
      });
      li.appendChild(mine);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(theirs);
      list.appendChild(li);
    });
    conflictBox.hidden = !list.firstChild;
  }
  var flushing = false;
  function flush() {
    var items = queue().filter(function (i) { return !i.conflict; });
    if (flushing || items.length === 0) return;
    flushing = true;
    var item = items[0];
    var q = "?de=" + encodeURIComponent(item.de) + "&pe=" + encodeURIComponent(item.pe) + "&ou=" + encodeURIComponent(item.ou) +
            "&co=" + encodeURIComponent(item.co);
    function done() { flushing = false; flush(); }
    request("GET", "/api/dataValues" + q).then(function (v) { return v; }, function (e) {
      if (e.offline) throw e;
      return null;  // nothing stored (404): the server's value is empty
    }).then(function (current) {
      var theirs = current && !current.deleted ? String(current.value) : "";
      // The server already has this very value: an earlier send arrived though its answer was
      // lost on a flaky connection. That is this person's save, not someone else's change.
      if (theirs === item.value) {
        store(queue().filter(function (x) { return cellKey(x) !== cellKey(item); }));
        var mine = cellOf(item);
        if (mine) { mine.dataset.last = item.value; show(mine, "saved", "✓ " + msg.saved); }
        return done();
      }
      if (theirs !== item.base) {
        item.conflict = true;
        item.theirs = theirs;
        item.theirsBy = current ? current.storedBy : "";
        store(queue().map(function (x) { return cellKey(x) === cellKey(item) ? item : x; }));
        var c = cellOf(item);
        if (c) show(c, "error", msg.conflict);
        return done();
      }
      var sent = item.value === ""
        ? request("DELETE", "/api/dataValues" + q)
        : request("POST", "/api/dataValues", { dataElement: item.de, categoryOptionCombo: item.co, period: item.pe,
                                               orgUnit: item.ou, value: item.value, comment: item.comment || undefined });
      return sent.then(function () {
        store(queue().filter(function (x) { return cellKey(x) !== cellKey(item); }));
        var c = cellOf(item);
        if (c) { c.dataset.last = item.value; show(c, "saved", "✓ " + msg.saved); }
        refreshViolations();
        done();
      }, function (e) {
        if (e.offline) throw e;
        // Refused by the server (a locked form, a value out of range): shown on the cell, dropped from the queue.
        store(queue().filter(function (x) { return cellKey(x) !== cellKey(item); }));
        var c = cellOf(item);
        if (c) show(c, "error", msg.error + ": " + e.message);
        done();
      });
    }).catch(function () { flushing = false; });
  }
  // (After the rest of the page's script has found its cells.)
  setTimeout(function () {
    window.addEventListener("online", flush);
    setInterval(flush, 5000);
    showQueue();
    queue().forEach(function (i) {
      var c = cellOf(i);
      if (c && !i.conflict) { c.value = i.value; show(c, "queued", msg.queued); }
    });
    flush();
  }, 0);

  // A value's comment and follow-up mark: the cell's ✎ button, or Alt+C in the cell, opens a dialog.
  var noteDialog = document.getElementById("value-dialog");
  function showMarks(input) {
    var td = input.closest("td");
    var comment = td.querySelector(".mark.comment"), follow = td.querySelector(".mark.followup");
    if (comment) { comment.hidden = !input.dataset.comment; comment.title = input.dataset.comment || ""; }
    if (follow) follow.hidden = input.dataset.followup !== "true";
  }
  function openNote(input) {
    if (!noteDialog || typeof noteDialog.showModal !== "function" || input.disabled) return;
    var stored = input.dataset.last !== "";
    var comment = document.getElementById("value-comment"), follow = document.getElementById("value-followup");
    var saveButton = document.getElementById("value-save"), cancel = document.getElementById("value-cancel");
    var status = document.getElementById("value-dialog-status");
    document.getElementById("value-dialog-cell").textContent =
      input.getAttribute("aria-label").trim() + (stored ? ": " + input.dataset.last : "");
    document.getElementById("value-dialog-empty").hidden = stored;
    comment.value = input.dataset.comment || "";
    follow.checked = input.dataset.followup === "true";
    comment.disabled = follow.disabled = saveButton.disabled = !stored;
    status.textContent = "";
    noteDialog.showModal();
    (stored ? comment : cancel).focus();
    function close() { if (noteDialog.open) noteDialog.close(); input.focus(); }
    cancel.onclick = close;
    saveButton.onclick = function () {
      var text = comment.value.trim(), flagged = follow.checked;
      var key = { dataElement: input.dataset.de, categoryOptionCombo: input.dataset.co,
                  period: grid.dataset.pe, orgUnit: grid.dataset.ou };
      var steps = Promise.resolve();
      if (text !== (input.dataset.comment || "")) {
        steps = steps.then(function () {
          return request("POST", "/api/dataValues", Object.assign({ value: input.dataset.last, comment: text }, key));
        });
      }
      if (flagged !== (input.dataset.followup === "true")) {
        steps = steps.then(function () {
          return request("PUT", "/api/dataValues/followup", Object.assign({ followup: flagged }, key));
        });
      }
      status.textContent = msg.saving;
      steps.then(function () {
        input.dataset.comment = text;
        input.dataset.followup = String(flagged);
        showMarks(input);
        close();
        show(input, "saved", "✓ " + msg.saved);
      }).catch(function (e) { status.textContent = msg.error + ": " + e.message; });
    };
  }
  grid.querySelectorAll("button.note").forEach(function (b) {
    b.addEventListener("click", function () { openNote(b.closest("td").querySelector("input.cell")); });
  });

  // A filled spreadsheet of the form, uploaded whole: saved at once and the page reloaded, or
  // refused with every cell named, and nothing changed.
  var sheet = document.getElementById("sheet-upload");
  if (sheet) {
    var result = document.getElementById("sheet-result");
    var saved = sessionStorage.getItem("qorgan-sheet");
    if (saved) {
      sessionStorage.removeItem("qorgan-sheet");
      result.appendChild(element("p", "notice saved", saved));
    }
    sheet.addEventListener("submit", function (e) {
      e.preventDefault();
      while (result.firstChild) result.removeChild(result.firstChild);
      var file = document.getElementById("sheet-file").files[0];
      if (!file) { result.appendChild(element("p", "error", sheet.dataset.choose)); return; }
      fetch("/api/dataEntry/form.xlsx", {
        method: "POST", body: file, credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Accept": "application/json",
                   "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" }
      }).then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, data: data }; });
      }).then(function (answer) {
        var d = answer.data || {};
        if (answer.ok) {
          sessionStorage.setItem("qorgan-sheet", sheet.dataset.done.replace("{imported}", d.imported)
            .replace("{updated}", d.updated).replace("{unchanged}", d.unchanged));
          window.location.reload();
          return;
        }
        var box = element("div", "error-summary");
        box.setAttribute("role", "alert");
        box.setAttribute("tabindex", "-1");
        box.id = "sheet-problems";
        box.appendChild(element("p", null, sheet.dataset.refused));
        var list = element("ul");
        // Each problem in the page's language by its code; the server's words only for a kind
        // the page does not know.
        var said = { noCode: sheet.dataset.noCode, notInForm: sheet.dataset.notInForm, closed: sheet.dataset.closed,
                     approved: sheet.dataset.approved, duplicate: sheet.dataset.duplicate,
                     outOfScope: sheet.dataset.outOfScope, notNumber: msg.notNumber, notWhole: msg.notWhole,
                     tooLarge: msg.tooLarge, negative: msg.negative, over100: msg.over100,
                     notBoolean: msg.notBoolean, tooLong: msg.tooLong };
        (d.problems && d.problems.length ? d.problems : [{ reason: d.message }]).forEach(function (p) {
          var where = p.object || p.field || "";
          var cell = /^cell ([A-Z]+[0-9]+)$/.exec(where);
          if (cell) where = sheet.dataset.cell + " " + cell[1];
          var what = p.value ? " «" + p.value + "»" : "";
          list.appendChild(element("li", null, (where ? where + what + ": " : "") + (said[p.code] || p.reason)));
        });
        box.appendChild(list);
        result.appendChild(box);
        box.focus();
      }).catch(function (err) { result.appendChild(element("p", "error", msg.error + ": " + err.message)); });
    });
  }

  // The form's validation rules, checked again on the server after every saved cell.
  var violations = document.getElementById("violations-list");
  function element(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function refreshViolations(changed) {
    if (!violations) return;
    var q = "?pe=" + encodeURIComponent(grid.dataset.pe) + "&ou=" + encodeURIComponent(grid.dataset.ou);
    request("GET", "/api/validation/dataSet/" + encodeURIComponent(grid.dataset.ds) + q).then(function (r) {
      var list = r.validationRuleViolations || [];
      markCells(list, changed);
      while (violations.firstChild) violations.removeChild(violations.firstChild);
      if (list.length === 0) {
        violations.appendChild(element("p", "ok", document.getElementById("violations").dataset.none));
        return;
      }
      list.forEach(function (v) {
        var box = element("div", "violation " + v.importance);
        var head = element("p");
        head.appendChild(element("strong", "importance", v.displayImportanceName));
        head.appendChild(document.createTextNode(" " + v.validationRuleName));
        box.appendChild(head);
        box.appendChild(element("p", "sides", v.displaySentence));
        if (v.instruction) box.appendChild(element("p", "instruction", v.instruction));
        violations.appendChild(box);
      });
    }).catch(function () { /* the list stays as it was; completion checks again */ });
  }

  // A broken rule is said beside the cells it reads, not only in the list below the form: the cell
  // just changed (else the rule's first) carries its sentence, every cell of it is marked.
  function markCells(list, changed) {
    Array.prototype.forEach.call(grid.querySelectorAll(".cell-rule"), function (n) { n.parentNode.removeChild(n); });
    cells.forEach(function (c) { c.classList.remove("ruled"); c.removeAttribute("aria-describedby"); });
    list.forEach(function (v, n) {
      var mine = cells.filter(function (c) { return (v.dataElements || []).indexOf(c.dataset.de) >= 0; });
      if (mine.length === 0) return;
      var note = element("p", "cell-rule " + v.importance, msg.ruleBroken + " " + v.displaySentence);
      note.id = "cell-rule-" + n;
      note.setAttribute("role", "status");
      (mine.indexOf(changed) >= 0 ? changed : mine[0]).parentNode.appendChild(note);
      mine.forEach(function (c) {
        c.classList.add("ruled");
        c.setAttribute("aria-describedby", note.id);
      });
    });
  }

  // The keyboard: Tab and Enter go to the next cell (Enter saves first), the arrows up and down to
  // the cell above or below, Alt+H opens the cell's history.
  var cells = Array.prototype.slice.call(grid.querySelectorAll("input.cell"));
  if (chosen && !document.getElementById("error-summary")) {
    var firstOpen = cells.filter(function (c) { return !c.disabled; })[0];
    if (firstOpen) firstOpen.focus();
  }
  // Rules broken when the page was drawn are said beside their cells too.
  if (violations && violations.querySelector(".violation")) refreshViolations();
  function cellBelow(input, step) {
    var td = input.closest("td"), tr = td.parentNode, column = Array.prototype.indexOf.call(tr.children, td);
    var row = step > 0 ? tr.nextElementSibling : tr.previousElementSibling;
    while (row) {
      var target = row.children[column] && row.children[column].querySelector("input.cell");
      if (target && !target.disabled) return target;
      row = step > 0 ? row.nextElementSibling : row.previousElementSibling;
    }
    return null;
  }
  function focusCell(target) { if (target) { target.focus(); target.select(); } }
  cells.forEach(function (input, i) {
    input.addEventListener("change", function () { save(input); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        save(input);
        var next = cells.slice(i + 1).filter(function (c) { return !c.disabled; })[0];
        if (!dialog || !dialog.open) focusCell(next);
      } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        focusCell(cellBelow(input, e.key === "ArrowDown" ? 1 : -1));
      } else if (e.altKey && (e.key === "c" || e.key === "C")) {
        e.preventDefault();
        openNote(input);
      } else if (e.altKey && (e.key === "h" || e.key === "H")) {
        e.preventDefault();
        var link = input.parentNode.querySelector("a.hist");
        if (link) window.location.href = link.href;
      }
    });
  });

  // A completed form is read-only until it is marked incomplete again.
  function lockCells(locked) {
    if (grid.dataset.readOnly === "true") return;
    cells.forEach(function (c) { c.disabled = locked; });
    var notice = document.getElementById("completed-lock");
    if (notice) notice.hidden = !locked;
  }
  function displayTime(iso) {
    var m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso || "");
    return m ? m[1] + " " + m[2] + " UTC" : "";
  }
  var complete = document.getElementById("complete");
  if (complete) {
    complete.addEventListener("click", function () {
      var completed = complete.dataset.completed === "true";
      var state = document.getElementById("completion-state");
      // A cell still being saved, or refused, must be settled first.
      var unsettled = cells.filter(function (c) { return c.classList.contains("error") || c.classList.contains("saving"); });
      if (!completed && unsettled.length > 0) {
        state.textContent = msg.error + ": " + msg.unsettled;
        unsettled[0].focus();
        return;
      }
      var comment = document.getElementById("completion-comment");
      request("POST", "/api/completions", {
        dataSet: grid.dataset.ds, period: grid.dataset.pe, orgUnit: grid.dataset.ou, completed: !completed,
        comment: comment ? comment.value : null
      }).then(function (f) {
        complete.dataset.completed = String(f.completed);
        complete.textContent = f.completed ? complete.dataset.labelIncomplete : complete.dataset.labelComplete;
        state.textContent = f.completed
          ? complete.dataset.done + " " + f.completedBy + " (" + displayTime(f.completedAt) + ")"
          : complete.dataset.notDone;
        lockCells(f.completed);
      }).catch(function (e) {
        state.textContent = msg.error + ": " + e.message;
      });
    });
  }
})();
