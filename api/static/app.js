"use strict";
// citeqa's page: ask or search with quoted sources, and add a document. A file, not inline: the
// service's Content-Security-Policy runs no inline script. Untrusted strings only ever go in as text.
(function () {
  const access = keyAccess();
  questions();
  uploads();

  // The key sent as X-API-Key on every request, kept for this browser tab only (sessionStorage).
  // A read answered 401 shows the key form; the upload control has its own key field when the
  // service's writes need the API key (/readyz says "api-key"). Both keep the same key.
  function keyAccess() {
    const STORAGE = "citeqa-api-key";
    const form = document.getElementById("key-form");
    const input = document.getElementById("key");
    let retry = null;  // what to run again once a key is given

    function key() { return sessionStorage.getItem(STORAGE) || ""; }
    function remember(value) {
      if (value) sessionStorage.setItem(STORAGE, value); else sessionStorage.removeItem(STORAGE);
    }

    function askForKey(again) {
      retry = again || null;
      form.hidden = false;
      input.value = "";
      input.focus();
    }

    // fetch() sending the key; a 401 asks for one, and `again` runs once it is given.
    async function request(url, options, again) {
      const headers = new Headers((options && options.headers) || {});
      if (key() && !headers.has("X-API-Key")) headers.set("X-API-Key", key());
      const response = await fetch(url, Object.assign({}, options, { headers: headers }));
      if (response.status === 401) askForKey(again);
      return response;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      remember(input.value.trim());
      form.hidden = true;
      const run = retry;
      retry = null;
      if (run) run();
    });

    return { key: key, remember: remember, request: request };
  }

  // Ask or search, and show the answer with its quoted sources.
  function questions() {
    const form = document.getElementById("form");
    const input = document.getElementById("q");
    const button = document.getElementById("go");
    const statusEl = document.getElementById("status");
    const results = document.getElementById("results");

    // Build elements from text nodes only: untrusted strings are never parsed as HTML.
    function el(tag, attrs, ...children) {
      const node = document.createElement(tag);
      for (const [key, value] of Object.entries(attrs || {})) {
        if (value === null || value === undefined || value === false) continue;
        if (key === "class") node.className = value; else node.setAttribute(key, String(value));
      }
      for (const child of children) {
        if (child === null || child === undefined || child === false) continue;
        node.append(child instanceof Node ? child : document.createTextNode(String(child)));
      }
      return node;
    }

    function mode() { return form.querySelector('input[name="mode"]:checked').value; }
    function syncButton() { button.textContent = mode() === "ask" ? "Ask" : "Search"; }
    form.querySelectorAll('input[name="mode"]').forEach(r => r.addEventListener("change", syncButton));

    function setStatus(text, isError) {
      statusEl.textContent = text;
      statusEl.className = isError ? "error" : "";
    }

    // A request's JSON body, or an Error with the service's reason. `again` runs if a key is asked for.
    async function api(url, options, again) {
      const response = await access.request(url, options, again);
      let body = null;
      try { body = await response.json(); } catch (e) { body = null; }
      if (!response.ok) {
        let detail = body && body.detail;
        if (Array.isArray(detail)) detail = detail.map(d => d.msg || JSON.stringify(d)).join("; ");
        throw new Error(detail || ("HTTP " + response.status));
      }
      return body;
    }

    function where(parts) {
      const out = [];
      if (parts.doc_id) out.push(parts.doc_id);
      if (parts.section) out.push(parts.section);
      if (parts.table && parts.table !== parts.section) out.push(parts.table);
      if (parts.block) out.push(parts.block);
      if (parts.row) out.push("row “" + parts.row + "”");
      if (parts.column) out.push("column “" + parts.column + "”");
      if (parts.page !== null && parts.page !== undefined) out.push("p. " + parts.page);
      return out.join(" · ");
    }

    function badgeFor(answer) {
      if (answer.conflict) return ["sources disagree", "badge disagree"];
      const reason = String(answer.reason || "").toLowerCase().replace(/[-\s]/g, "_");
      const text = String(answer.answer || "").trim().toLowerCase();
      if (reason.includes("not_reported") || text.startsWith("not reported")) return ["not reported", "badge"];
      if (answer.abstained) {
        if (!reason || reason.includes("corpus") || reason.includes("not_found") || reason.includes("no_evidence")) return ["not in corpus", "badge"];
        return ["no answer", "badge"];
      }
      return null;
    }

    function valueText(v) {
      if (!v) return null;
      const unit = v.unit || "";
      const sep = (unit === "%" || unit === "") ? "" : " ";
      if (v.low !== null && v.low !== undefined && v.high !== null && v.high !== undefined) return v.low + "–" + v.high + sep + unit;
      if (v.number !== null && v.number !== undefined) return v.number + sep + unit;
      return null;
    }

    // The quote highlighted inside its passage context; falls back to the quote alone.
    function highlighted(context, contextStart, quote, start, end, cell) {
      const block = el("blockquote", {});
      let a = start - contextStart, b = end - contextStart;
      if (!(a >= 0 && b <= context.length && context.slice(a, b) === quote)) {
        a = context.indexOf(quote); b = a + quote.length;
      }
      if (a < 0 || !quote) { block.append(el("mark", {}, quote)); return block; }
      block.append((contextStart > 0 ? "…" : "") + context.slice(0, a));
      const mark = el("mark", {});
      // Inside a table-row quote, the cited cell itself is emphasised.
      const ca = cell && cell.start !== undefined ? cell.start - contextStart : -1;
      const cb = cell && cell.end !== undefined ? cell.end - contextStart : -1;
      if (ca >= a && cb <= b && cb > ca) {
        mark.append(context.slice(a, ca), el("strong", { class: "cell" }, context.slice(ca, cb)), context.slice(cb, b));
      } else {
        mark.append(context.slice(a, b));
      }
      block.append(mark);
      block.append(context.slice(b) + "…");
      return block;
    }

    // A cited table cell shown inside its table: caption, header row(s), block rows, body rows and
    // footnotes, the cited cell lit. Every string goes in as text.
    function renderTable(table, cell) {
      const width = Math.max(1, ...table.header_rows.map(r => r.length), ...table.rows.map(r => r.cells.length + 1));
      const node = el("table", { class: "source" });
      node.append(el("caption", {}, table.label + (table.title ? ". " + table.title : "")));
      const head = el("thead", {});
      for (const header of table.header_rows) {
        const tr = el("tr", {});
        header.forEach((c, i) => tr.append(el("th", { scope: i ? "col" : null }, c.value || c.text)));
        head.append(tr);
      }
      node.append(head);
      const body = el("tbody", {});
      let block = null;
      for (const row of table.rows) {
        if (row.block && row.block !== block) {
          body.append(el("tr", { class: "block" }, el("th", { colspan: width, scope: "rowgroup" }, row.block)));
        }
        block = row.block;
        const tr = el("tr", {}, el("th", { scope: "row" }, row.label.text));
        for (const c of row.cells) {
          const lit = cell && c.start === cell.start && c.end === cell.end && c.text !== "";
          tr.append(el("td", { class: lit ? "lit" : null, "aria-current": lit ? "true" : null }, lit ? el("mark", {}, c.text) : c.text));
        }
        body.append(tr);
      }
      node.append(body);
      if (table.footnotes.length) {
        const foot = el("tfoot", {});
        for (const f of table.footnotes) foot.append(el("tr", {}, el("td", { colspan: width }, f.text)));
        node.append(foot);
      }
      return el("div", { class: "table-wrap" }, node);
    }

    async function renderCitation(citation, index) {
      const cell = citation.cell || {};
      const card = el("article", { class: "card citation", "aria-label": "Citation " + (index + 1) });
      card.append(el("h3", {}, "Source " + (index + 1)));
      let quoteBlock = el("blockquote", {}, el("mark", {}, citation.quote));
      try {
        const passage = await api("/v1/passages/" + encodeURIComponent(citation.passage_id) + "?window=400");
        quoteBlock = citation.cell && passage.table_detail
          ? renderTable(passage.table_detail, citation.cell)
          : highlighted(passage.context, passage.context_start, citation.quote, citation.start, citation.end, citation.cell);
      } catch (e) { /* keep the bare quote */ }
      card.append(quoteBlock);
      card.append(el("p", { class: "where" }, where({
        doc_id: citation.doc_id, section: citation.section, table: cell.table, block: cell.block, row: cell.row,
        column: cell.column, page: citation.page,
      }) + " · characters " + citation.start + "–" + citation.end));
      const refs = citation.references || [];
      if (refs.length) {
        card.append(el("h3", {}, refs.length > 1 ? "References" : "Reference"));
        const list = el("ul", { class: "refs" });
        for (const ref of refs) list.append(el("li", {}, el("strong", {}, ref.number + ". "), ref.text));
        card.append(list);
      }
      return card;
    }

    function renderPassage(p, label) {
      const item = el("li", { class: "card passage" });
      const refs = (p.references || []).map(r => (typeof r === "object" ? r.number : r));
      item.append(el("div", { class: "where" },
        el("span", { class: "score" }, label + " · score " + Number(p.score).toFixed(3) + " · "),
        where({ doc_id: p.doc_id, section: p.section, table: p.table, page: p.page }) + " · " + p.kind));
      item.append(el("p", { class: "text" }, p.text));
      if (refs.length) item.append(el("div", { class: "where" }, "cites: " + refs.join(", ")));
      return item;
    }

    async function showAnswer(answer) {
      const main = el("article", { class: "card answer", "aria-label": "Answer" });
      const head = el("p", { class: "answer-text" }, answer.answer || "");
      const badge = badgeFor(answer);
      if (badge) head.append(el("span", { class: badge[1] }, badge[0]));
      main.append(head);
      const decided = answer.verdict || answer.direction;
      if (decided) {
        const label = answer.verdict ? "Verdict" : "Direction";
        const sure = typeof answer.verdict_confidence === "number" ? " (probability " + answer.verdict_confidence.toFixed(2) + ")" : "";
        main.append(el("p", { class: "verdict" }, el("strong", {}, label + ": " + decided.replace("_", " ")), sure));
      }
      const v = valueText(answer.value);
      const meta = [];
      if (v) meta.push("value: " + v);
      if (typeof answer.confidence === "number") meta.push("confidence " + answer.confidence.toFixed(2));
      if (answer.abstained && answer.reason) meta.push("reason: " + answer.reason);
      if (meta.length) main.append(el("p", { class: "value" }, meta.join(" · ")));
      results.append(main);
      const citations = answer.citations || [];
      if (citations.length) {
        results.append(el("h2", {}, citations.length > 1 ? "Quoted sources" : "Quoted source"));
        const cards = await Promise.all(citations.map(renderCitation));
        cards.forEach(c => results.append(c));
      }
      const cited = new Set(citations.map(c => c.passage_id));
      const others = (answer.passages || []).filter(p => !cited.has(p.passage_id));
      if (others.length) {
        results.append(el("h2", {}, "Other retrieved passages"));
        const list = el("ol", { class: "plain" });
        others.forEach((p, i) => list.append(renderPassage(p, "#" + (i + 1))));
        results.append(list);
      }
    }

    function showSearch(data) {
      results.append(el("h2", {}, data.results.length + " passages for “" + data.query + "” (" + data.mode + ")"));
      const list = el("ol", { class: "plain" });
      for (const hit of data.results) {
        const item = renderPassage(hit, "#" + hit.rank);
        const refs = hit.references || [];
        if (refs.length) {
          const ul = el("ul", { class: "refs" });
          for (const ref of refs) ul.append(el("li", {}, el("strong", {}, ref.number + ". "), ref.text));
          item.append(ul);
        }
        list.append(item);
      }
      results.append(list);
    }

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const question = input.value.trim();
      if (!question) { setStatus("Type a question first.", true); input.focus(); return; }
      button.disabled = true;
      results.setAttribute("aria-busy", "true");
      results.replaceChildren();
      setStatus(mode() === "ask" ? "Answering…" : "Searching…", false);
      const started = performance.now();
      const again = () => form.requestSubmit();
      try {
        if (mode() === "ask") {
          const answer = await api("/v1/ask", {
            method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ question: question }),
          }, again);
          await showAnswer(answer);
        } else {
          showSearch(await api("/v1/search?" + new URLSearchParams({ q: question, k: "10" }), {}, again));
        }
        setStatus("Done in " + Math.round(performance.now() - started) + " ms.", false);
      } catch (error) {
        setStatus("Error: " + error.message, true);
      } finally {
        button.disabled = false;
        results.setAttribute("aria-busy", "false");
      }
    });

    const initial = new URLSearchParams(location.search).get("q");
    if (initial) { input.value = initial; form.requestSubmit(); } else { input.focus(); }
  }

  // Upload a document: a job polled at /v1/jobs/{id} until it ends (done, failed or cancelled).
  const FINAL_STATES = ["done", "failed", "cancelled"];

  function uploads() {
    const form = document.getElementById("upload-form");
    const file = document.getElementById("upload-file");
    const keyRow = document.getElementById("upload-key-row");
    const key = document.getElementById("upload-key");
    const button = document.getElementById("upload-go");
    const bar = document.getElementById("upload-progress");
    const status = document.getElementById("upload-status");

    function say(text, kind) { status.textContent = text; status.className = kind || ""; }
    function detail(body, response) {
      let d = body && body.detail;
      if (Array.isArray(d)) d = d.map(e => e.msg || JSON.stringify(e)).join("; ");
      return d || ("HTTP " + response.status);
    }

    fetch("/readyz").then(r => r.json()).then(ready => {
      if (ready.writes === "api-key") {
        keyRow.hidden = false;
        key.required = true;
        key.value = access.key();
      }
    }).catch(() => {});

    function show(job) {
      if (job.state === "embedding" && job.to_embed > 0) {
        bar.max = job.to_embed; bar.value = job.embedded;
      } else if (job.state === "done") {
        bar.max = 1; bar.value = 1;
      } else {
        bar.removeAttribute("value");  // indeterminate
      }
      say(job.filename + ": " + job.message, job.state === "done" ? "ok" : (FINAL_STATES.includes(job.state) ? "error" : ""));
    }

    async function follow(jobUrl) {
      for (;;) {
        const response = await access.request(jobUrl);
        const job = await response.json();
        if (!response.ok) throw new Error(detail(job, response));
        show(job);
        if (FINAL_STATES.includes(job.state)) return job;
        await new Promise(resolve => setTimeout(resolve, 400));
      }
    }

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (!file.files.length) { say("Choose a file first.", "error"); file.focus(); return; }
      const data = new FormData();
      data.append("file", file.files[0]);
      const headers = {};
      if (!keyRow.hidden) {
        headers["X-API-Key"] = key.value;
        access.remember(key.value);
      }
      button.disabled = true;
      bar.hidden = false;
      bar.removeAttribute("value");
      say("Sending " + file.files[0].name + "…");
      try {
        const response = await access.request("/v1/documents", { method: "POST", body: data, headers: headers });
        const body = await response.json().catch(() => null);
        if (!response.ok) throw new Error(detail(body, response));
        show(body);
        await follow(response.headers.get("Location") || ("/v1/jobs/" + body.id));
      } catch (error) {
        say("Upload refused: " + error.message, "error");
        bar.hidden = true;
      } finally {
        button.disabled = false;
      }
    });
  }
})();
