// Progressive enhancement only: every page works without JavaScript (plain GET forms and links).
"use strict";

const SUGGEST_DELAY_MS = 150;
const NARROW = "(max-width: 760px)";

// The search box as an ARIA 1.2 combobox: suggestions from /api/suggest, arrow keys move, Enter opens, Escape closes.
function setupSuggestions(box) {
  const list = document.getElementById(box.getAttribute("aria-controls"));
  const status = document.getElementById("q-status");
  const endpoint = box.dataset.suggestUrl;
  if (!list || !endpoint || !window.fetch) { return; }
  let items = [];
  let active = -1;
  let timer = 0;
  let controller = null;
  let lastQuery = null;

  function close() {
    list.hidden = true;
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    active = index;
    list.querySelectorAll("[role=option]").forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    if (index < 0) { box.removeAttribute("aria-activedescendant"); return; }
    const li = document.getElementById(`q-opt-${index}`);
    box.setAttribute("aria-activedescendant", li.id);
    li.scrollIntoView({block: "nearest"});
  }

  function choose(index) {
    const item = items[index];
    if (item) { window.location.assign(item.url); }
  }

  function render(suggestions) {
    items = suggestions;
    list.replaceChildren();
    suggestions.forEach((s, i) => {
      const li = document.createElement("li");
      li.id = `q-opt-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = s.kind === "doc_number" ? "文号" : "标题";
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = s.label;
      li.append(kind, label);
      // mousedown, not click: the box keeps its focus, so its blur does not close the list first.
      li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(i); });
      list.append(li);
    });
    active = -1;
    box.removeAttribute("aria-activedescendant");
    const open = suggestions.length > 0 && document.activeElement === box;
    list.hidden = !open;
    box.setAttribute("aria-expanded", String(open));
    if (status) { status.textContent = suggestions.length ? `${suggestions.length} 条建议，用上下方向键选择` : ""; }
  }

  async function load() {
    const q = box.value.trim();
    if (q === lastQuery) { return; }
    lastQuery = q;
    if (controller) { controller.abort(); }
    if (!q) { render([]); return; }
    controller = new AbortController();
    try {
      const response = await fetch(`${endpoint}?q=${encodeURIComponent(q)}`,
                                   {signal: controller.signal, headers: {Accept: "application/json"}});
      if (!response.ok) { render([]); return; }
      const data = await response.json();
      if (data.q.trim() === box.value.trim()) { render(data.suggestions); }
    } catch (err) {
      if (err.name !== "AbortError") { render([]); }
    }
  }

  box.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(load, SUGGEST_DELAY_MS);
  });
  box.addEventListener("keydown", (e) => {
    const open = !list.hidden && items.length > 0;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (!open) { lastQuery = null; load(); return; }
      highlight(active + 1 >= items.length ? 0 : active + 1);
    } else if (e.key === "ArrowUp") {
      if (!open) { return; }
      e.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (e.key === "Enter") {
      if (open && active >= 0) { e.preventDefault(); choose(active); }
    } else if (e.key === "Escape") {
      if (open) { e.preventDefault(); close(); }
    }
  });
  box.addEventListener("blur", close);
  box.addEventListener("focus", () => { if (items.length && box.value.trim() === lastQuery) { render(items); } });
}

// On a phone the table of contents starts folded, so the text comes first; without JavaScript it stays open.
function foldToc() {
  const toc = document.getElementById("toc");
  if (toc && window.matchMedia(NARROW).matches && !window.location.hash) { toc.open = false; }
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("q");
  if (box) {
    if (box.value) { box.setSelectionRange(box.value.length, box.value.length); }
    setupSuggestions(box);
  }
  foldToc();
});
