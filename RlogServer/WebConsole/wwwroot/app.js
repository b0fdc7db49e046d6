// The rlog console: search, one line's context, the fleet, one agent. One page draws the view
// its path names. Everything from agents and logs is put into the page as text (textContent,
// text nodes), never as markup; charts are uPlot's, fed numbers only.
"use strict";

const RANGES = [["15m", "Last 15 minutes"], ["1h", "Last hour"], ["6h", "Last 6 hours"], ["24h", "Last 24 hours"], ["7d", "Last 7 days"]];
const LEVELS = [["", "Any level"], ["trace", "trace+"], ["debug", "debug+"], ["info", "info+"], ["warn", "warn+"], ["error", "error+"], ["fatal", "fatal"]];
const MAX_LIVE_ROWS = 1000;

// ---- small helpers ---------------------------------------------------------------------------

// el("td", {class: "x"}, "text", child): an element; strings become text nodes.
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) throw new Error("no inline handlers");
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function localTime() { return document.getElementById("local-time").checked; }

// 2026-12-06 07:00:00.123Z in UTC, or the local equivalent without the Z.
function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  if (!localTime()) return iso.replace("T", " ");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function formatNumber(value) {
  return value === null || value === undefined ? "" : Number(value).toLocaleString("en-US");
}

function formatPercent(value) {
  return value === null || value === undefined ? "" : `${Number(value).toFixed(1)} %`;
}

function ago(iso) {
  const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

class ApiError extends Error {}

async function api(path) {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) { window.location.reload(); throw new ApiError("signed out"); }
  let body = null;
  try { body = await response.json(); } catch (e) { /* no JSON */ }
  if (!response.ok) throw new ApiError(body && body.error ? body.error : `HTTP ${response.status}`);
  return body;
}

function showError(container, error) {
  container.replaceChildren(el("p", { class: "error", role: "alert" }, error.message || String(error)));
}

// ---- search --------------------------------------------------------------------------------

// The URL's query is the view: q, range, label, host, level, live, icase.
function searchState() {
  const params = new URLSearchParams(window.location.search);
  return {
    q: params.get("q") || "",
    range: params.get("range") || "1h",
    label: params.get("label") || "",
    host: params.get("host") || "",
    level: params.get("level") || "",
    live: params.get("live") === "1",
    icase: params.get("icase") === "1",
  };
}

function stateUrl(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.range !== "1h") params.set("range", state.range);
  for (const name of ["label", "host", "level"]) if (state[name]) params.set(name, state[name]);
  if (state.live) params.set("live", "1");
  if (state.icase) params.set("icase", "1");
  const text = params.toString();
  return text ? `/?${text}` : "/";
}

// The API filters of a search state (without the time range).
function filterParams(state) {
  const params = new URLSearchParams();
  const regex = /^\/(.+)\/$/.exec(state.q);
  if (regex) params.set("regex", regex[1]);
  else if (state.q) params.set(state.icase ? "icontains" : "contains", state.q);
  for (const name of ["label", "host", "level"]) if (state[name]) params.set(name, state[name]);
  return params;
}

function select(name, id, options, value) {
  const node = el("select", { id, "aria-label": name });
  for (const [optionValue, text] of options) {
    node.append(el("option", { value: optionValue, selected: optionValue === value }, text));
  }
  return node;
}

async function renderSearch(view) {
  const state = searchState();
  const query = el("input", { type: "text", id: "q", "aria-label": "Search", placeholder: "text in the line, or /regex/", value: state.q });
  const range = select("Time range", "range", RANGES, state.range);
  // The URL's label and host are choices from the start: a change made before the lists load
  // (checking "Live") must not search without them.
  const label = select("Label", "label", [["", "Any label"], ...(state.label ? [[state.label, state.label]] : [])], state.label);
  const host = select("Host", "host", [["", "Any host"], ...(state.host ? [[state.host, state.host]] : [])], state.host);
  const level = select("Level", "level", LEVELS, state.level);
  const icase = el("input", { type: "checkbox", id: "icase", checked: state.icase });
  const live = el("input", { type: "checkbox", id: "live", checked: state.live });
  const go = el("button", { type: "submit", class: "primary" }, "Search");
  const form = el("form", { class: "toolbar", role: "search" },
    query, range, label, host, level,
    el("label", { for: "icase" }, icase, " Ignore case"),
    el("label", { for: "live" }, live, " Live"),
    go);
  const histogram = el("div", { class: "panel", id: "histogram" });
  const summary = el("p", { class: "summary", id: "summary" });
  const results = el("tbody");
  const table = el("table", { class: "lines", id: "results" },
    el("thead", {}, el("tr", {}, el("th", {}, "Time"), el("th", {}, "Host"), el("th", {}, "Label"), el("th", {}, "Line"))),
    results);
  const more = el("button", { type: "button", id: "older", hidden: true }, "Older lines");
  view.replaceChildren(form, histogram, summary, el("div", { class: "panel" }, table, more));

  const readForm = () => ({
    q: query.value.trim(), range: range.value, label: label.value, host: host.value,
    level: level.value, live: live.checked, icase: icase.checked,
  });
  const submit = (event) => {
    if (event) event.preventDefault();
    const next = readForm();
    history.pushState(null, "", stateUrl(next));
    runSearch(next);
  };
  form.addEventListener("submit", submit);
  for (const control of [range, label, host, level, icase, live]) control.addEventListener("change", submit);

  let stream = null;
  let nextCursor = null;
  let chart = null;

  more.addEventListener("click", async () => {
    if (!nextCursor) return;
    const params = filterParams(readForm());
    params.set("cursor", nextCursor);
    try {
      const page = await api(`/api/v1/lines?${params}`);
      for (const line of page.lines) appendRow(results, line, false);
      nextCursor = page.next;
      more.hidden = !nextCursor;
    } catch (e) { showError(summary, e); }
  });

  async function fillChoices(current) {
    const params = new URLSearchParams({ from: current.range });
    try {
      const [labels, hosts] = await Promise.all([
        api(`/api/v1/labels?${params}`),
        api(`/api/v1/facets?${params}&field=host&limit=200`),
      ]);
      const keep = (node, values, value, any) => {
        node.replaceChildren(el("option", { value: "" }, any));
        const names = values.slice();
        if (value && !names.includes(value)) names.push(value);
        for (const name of names) node.append(el("option", { value: name, selected: name === value }, name));
      };
      keep(label, labels.labels.map((l) => l.label), current.label, "Any label");
      keep(host, hosts.values.map((v) => v.value), current.host, "Any host");
    } catch (e) { /* the choices are a help; the search still runs */ }
  }

  // Searches can overlap (a change while the last one loads): only the latest draws or follows.
  let generation = 0;
  async function runSearch(current) {
    const mine = ++generation;
    if (stream) { stream.close(); stream = null; }
    const params = filterParams(current);
    params.set("from", current.range);
    summary.textContent = "Searching…";
    results.replaceChildren();
    more.hidden = true;
    fillChoices(current);
    try {
      const [page, counts] = await Promise.all([
        api(`/api/v1/lines?${params}&limit=100`),
        api(`/api/v1/histogram?${params}&buckets=60`),
      ]);
      if (mine !== generation) return;
      const total = counts.counts.reduce((a, b) => a + b, 0);
      summary.textContent = `${formatNumber(total)} lines from ${formatTime(counts.from)} to ${formatTime(counts.to)}${localTime() ? "" : " (UTC)"}`;
      chart = drawHistogram(histogram, counts, chart, (from, to) => {
        // A selection on the histogram narrows the search to it.
        const state = readForm();
        history.pushState(null, "", stateUrl(state));
        const narrowed = filterParams(state);
        narrowed.set("from", from); narrowed.set("to", to);
        runRange(narrowed);
      });
      for (const line of page.lines) appendRow(results, line, false);
      if (page.lines.length === 0) results.append(el("tr", {}, el("td", { colspan: 4, class: "muted" }, "No lines match.")));
      nextCursor = page.next;
      more.hidden = !nextCursor;
    } catch (e) {
      if (mine === generation) showError(summary, e);
      return;
    }
    if (current.live && mine === generation) follow(current);
  }

  async function runRange(params) {
    try {
      const page = await api(`/api/v1/lines?${params}&limit=100`);
      results.replaceChildren();
      for (const line of page.lines) appendRow(results, line, false);
      summary.textContent = `Lines from ${formatTime(page.from)} to ${formatTime(page.to)}`;
      nextCursor = page.next;
      more.hidden = !nextCursor;
    } catch (e) { showError(summary, e); }
  }

  function follow(current) {
    if (stream) stream.close();
    const params = filterParams(current);
    stream = new EventSource(`/api/v1/tail?${params}`);
    stream.onmessage = (event) => {
      const line = JSON.parse(event.data);
      const empty = results.querySelector("td[colspan]");
      if (empty) empty.parentElement.remove();
      appendRow(results, line, true);
      while (results.querySelectorAll("tr.row").length > MAX_LIVE_ROWS) {
        const last = results.querySelector("tr.row:last-of-type");
        if (last.nextElementSibling && last.nextElementSibling.classList.contains("details")) last.nextElementSibling.remove();
        last.remove();
      }
    };
    stream.onerror = () => { summary.textContent = "Live: reconnecting…"; };
    stream.onopen = () => { summary.textContent = "Live: new lines appear at the top."; };
  }

  runSearch(state);
}

// One result row (newest first: live rows go on top), and its details row when opened.
function appendRow(tbody, line, onTop) {
  const levelText = line.level ? el("span", { class: `level ${String(line.level).toLowerCase()}` }, line.level, " ") : null;
  const row = el("tr", { class: "row", "data-id": line.id, tabindex: 0 },
    el("td", { class: "time" }, formatTime(line.time)),
    el("td", { class: "host" }, line.host),
    el("td", { class: "label" }, line.label),
    el("td", { class: "line" }, levelText, line.line));
  const toggle = () => {
    const next = row.nextElementSibling;
    if (next && next.classList.contains("details")) { next.remove(); return; }
    row.after(detailsRow(line));
  };
  row.addEventListener("click", toggle);
  row.addEventListener("keydown", (event) => { if (event.key === "Enter") toggle(); });
  if (onTop) tbody.prepend(row); else tbody.append(row);
}

function detailsRow(line) {
  const attributes = el("tbody");
  const facts = [
    ["time", line.time], ["received", line.received], ["host", line.host], ["agent", line.agent_uuid],
    ["source", line.source], ["offset", line.offset], ["level", line.level],
  ];
  for (const [name, value] of facts) if (value !== null && value !== undefined && value !== "") attributes.append(el("tr", {}, el("td", {}, name), el("td", {}, value)));
  for (const [name, value] of Object.entries(line.attributes || {})) attributes.append(el("tr", {}, el("td", {}, name), el("td", {}, value)));
  const context = el("div", { class: "context" });
  const show = el("button", { type: "button" }, "Show context");
  show.addEventListener("click", async (event) => {
    event.stopPropagation();
    show.disabled = true;
    try {
      context.replaceChildren(contextTable(await api(`/api/v1/context?id=${encodeURIComponent(line.id)}&before=20&after=20`)));
    } catch (e) { showError(context, e); }
  });
  const link = el("a", { href: `/lines/${encodeURIComponent(line.id)}` }, "Link to this line");
  return el("tr", { class: "details" }, el("td", { colspan: 4 },
    el("table", { class: "attrs" }, attributes),
    el("p", {}, show, " ", link),
    context));
}

// The lines around one, in file order, the line itself marked.
function contextTable(context) {
  const body = el("tbody");
  context.lines.forEach((line, index) => {
    const row = el("tr", { class: index === context.index ? "target" : "", "data-id": line.id },
      el("td", { class: "time" }, formatTime(line.time)),
      el("td", { class: "offset muted" }, line.offset),
      el("td", { class: "line" }, line.line));
    body.append(row);
  });
  const first = context.lines[0];
  return el("div", { class: "panel" },
    el("p", { class: "muted" }, `${first ? first.source : ""} on ${first ? first.host : ""}: ${context.lines.length} lines around it, by offset in the file`),
    el("table", { class: "lines context-lines" }, body));
}

async function renderLine(view, id) {
  view.replaceChildren(el("h1", {}, "Line"), el("p", { class: "muted" }, "Loading…"));
  try {
    const context = await api(`/api/v1/context?id=${encodeURIComponent(id)}&before=50&after=50`);
    const line = context.lines[context.index];
    view.replaceChildren(
      el("h1", {}, "Line"),
      el("dl", { class: "facts" },
        el("dt", {}, "Time"), el("dd", {}, formatTime(line.time)),
        el("dt", {}, "Host"), el("dd", {}, el("a", { href: `/agents/${encodeURIComponent(line.agent_uuid)}` }, line.host)),
        el("dt", {}, "Label"), el("dd", {}, line.label),
        el("dt", {}, "Source"), el("dd", {}, line.source),
        el("dt", {}, "Offset"), el("dd", {}, line.offset)),
      contextTable(context));
    const target = view.querySelector("tr.target");
    if (target) target.scrollIntoView({ block: "center" });
  } catch (e) { showError(view, e); }
}

// ---- charts --------------------------------------------------------------------------------

function chartWidth(container) { return Math.max(320, container.clientWidth - 20); }

// Time axis labels in 24-hour form, in UTC unless local time is chosen; the date too when the
// ticks are a day or more apart.
function timeAxis() {
  return {
    values: (u, splits, axisIdx, foundSpace, foundIncr) => splits.map((v) => {
      const iso = formatTime(new Date(v * 1000).toISOString());
      return foundIncr >= 86400 ? iso.slice(5, 10) : foundIncr >= 60 ? iso.slice(11, 16) : iso.slice(11, 19);
    }),
  };
}

function drawHistogram(container, counts, previous, onSelect) {
  if (previous) previous.destroy();
  container.replaceChildren();
  if (typeof uPlot === "undefined") { container.append(el("p", { class: "muted" }, "Chart library missing.")); return null; }
  const start = new Date(counts.from).getTime() / 1000;
  const xs = counts.counts.map((_, k) => start + k * counts.step_seconds);
  const options = {
    width: chartWidth(container), height: 130,
    legend: { show: false },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true } },
    axes: [timeAxis(), { size: 50 }],
    series: [{ label: "time", value: (u, v) => (v === null ? "" : formatTime(new Date(v * 1000).toISOString())) },
      { label: "lines", fill: "rgba(47,111,222,0.35)", stroke: "#2f6fde", paths: uPlot.paths.bars({ size: [0.9, 40] }), points: { show: false } }],
    tzDate: (ts) => (localTime() ? new Date(ts * 1000) : uPlot.tzDate(new Date(ts * 1000), "Etc/UTC")),
    hooks: {
      setSelect: [(u) => {
        if (u.select.width < 3) return;
        const from = u.posToVal(u.select.left, "x");
        const to = u.posToVal(u.select.left + u.select.width, "x");
        u.setSelect({ left: 0, width: 0 }, false);
        onSelect(new Date(from * 1000).toISOString(), new Date(to * 1000).toISOString());
      }],
    },
  };
  return new uPlot(options, [xs, counts.counts], container);
}

function lineChart(container, title, xs, ys, format) {
  const box = el("div", { class: "panel chart" }, el("h2", {}, title));
  container.append(box);
  if (typeof uPlot === "undefined") { box.append(el("p", { class: "muted" }, "Chart library missing.")); return; }
  const options = {
    width: Math.max(320, box.clientWidth - 20), height: 180,
    scales: { x: { time: true } },
    axes: [timeAxis(), { size: 70, values: (u, values) => values.map(format) }],
    series: [{ value: (u, v) => (v === null ? "" : formatTime(new Date(v * 1000).toISOString())) },
      { label: title, stroke: "#2f6fde", width: 1.5, value: (u, v) => (v === null ? "" : format(v)) }],
    tzDate: (ts) => (localTime() ? new Date(ts * 1000) : uPlot.tzDate(new Date(ts * 1000), "Etc/UTC")),
  };
  new uPlot(options, [xs, ys], box);
}

// ---- fleet ---------------------------------------------------------------------------------

async function renderFleet(view) {
  const body = el("tbody");
  const headers = ["Host", "Status", "Version", "Last seen", "CPU", "Memory", "Lines", "Rejected"];
  const numeric = new Set(["CPU", "Memory", "Lines", "Rejected"]);
  const table = el("table", { class: "fleet", id: "fleet" },
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col", class: numeric.has(h) ? "num" : null }, h)))),
    body);
  const summary = el("p", { class: "summary" });
  view.replaceChildren(el("h1", {}, "Fleet"), summary, el("div", { class: "panel" }, table));

  async function refresh() {
    try {
      const { agents } = await api("/api/v1/agents");
      const counts = { up: 0, late: 0, down: 0 };
      body.replaceChildren(...agents.map((agent) => {
        counts[agent.status] = (counts[agent.status] || 0) + 1;
        return el("tr", { "data-agent": agent.agent_uuid },
          el("td", {}, el("a", { href: `/agents/${encodeURIComponent(agent.agent_uuid)}` }, agent.host || agent.agent_uuid)),
          el("td", {}, el("span", { class: `status ${agent.status}` }, agent.status)),
          el("td", {}, agent.version),
          el("td", { title: formatTime(agent.last_seen) }, ago(agent.last_seen)),
          el("td", { class: "num" }, formatPercent(agent.cpu)),
          el("td", { class: "num" }, formatPercent(agent.memory)),
          el("td", { class: "num" }, formatNumber(agent.lines_confirmed)),
          el("td", { class: "num" }, formatNumber(agent.lines_rejected)));
      }));
      summary.textContent = `${agents.length} agents: ${counts.up} up, ${counts.late} late, ${counts.down} down`;
    } catch (e) { showError(summary, e); }
  }
  await refresh();
  const timer = setInterval(() => { if (document.body.contains(table)) refresh(); else clearInterval(timer); }, 10000);
}

// ---- one agent -----------------------------------------------------------------------------

async function renderAgent(view, uuid) {
  const range = new URLSearchParams(window.location.search).get("range") || "24h";
  view.replaceChildren(el("h1", {}, "Agent"), el("p", { class: "muted" }, "Loading…"));
  try {
    const [{ agents }, { points }] = await Promise.all([
      api("/api/v1/agents"),
      api(`/api/v1/agents/${encodeURIComponent(uuid)}/heartbeats?from=${encodeURIComponent(range)}`),
    ]);
    const agent = agents.find((a) => a.agent_uuid === uuid);
    if (!agent) { view.replaceChildren(el("p", { class: "error" }, "No such agent.")); return; }
    const ranges = select("Time range", "agent-range", RANGES, range);
    ranges.addEventListener("change", () => { history.pushState(null, "", `?range=${encodeURIComponent(ranges.value)}`); render(); });
    const charts = el("div", { class: "charts" });
    view.replaceChildren(
      el("h1", {}, agent.host || agent.agent_uuid),
      el("dl", { class: "facts" },
        el("dt", {}, "Status"), el("dd", {}, el("span", { class: `status ${agent.status}` }, agent.status)),
        el("dt", {}, "Agent"), el("dd", {}, agent.agent_uuid),
        el("dt", {}, "Version"), el("dd", {}, agent.version),
        el("dt", {}, "OS"), el("dd", {}, agent.os),
        el("dt", {}, "First seen"), el("dd", {}, formatTime(agent.first_seen)),
        el("dt", {}, "Last seen"), el("dd", {}, `${formatTime(agent.last_seen)} (${ago(agent.last_seen)})`),
        el("dt", {}, "Lines"), el("dd", {}, `${formatNumber(agent.lines_read)} read, ${formatNumber(agent.lines_confirmed)} confirmed, ${formatNumber(agent.lines_rejected)} rejected`),
        el("dt", {}, "Files open"), el("dd", {}, formatNumber(agent.files_open))),
      el("p", {}, ranges, " ", el("a", { href: stateUrl({ q: "", range: "1h", label: "", host: agent.host, level: "", live: false, icase: false }) }, "Search this host's lines")),
      charts);
    if (points.length === 0) { charts.append(el("p", { class: "muted" }, "No heartbeats in this range.")); return; }
    const xs = points.map((p) => new Date(p.time).getTime() / 1000);
    lineChart(charts, "CPU (host, %)", xs, points.map((p) => p.cpu), (v) => `${v.toFixed(0)} %`);
    lineChart(charts, "Memory (host, %)", xs, points.map((p) => p.memory), (v) => `${v.toFixed(0)} %`);
    lineChart(charts, "Resident memory (agent)", xs, points.map((p) => p.process_rss_bytes), formatBytes);
    lineChart(charts, "Lines confirmed", xs, points.map((p) => p.lines_confirmed), (v) => formatNumber(Math.round(v)));
  } catch (e) { showError(view, e); }
}

// ---- routing -------------------------------------------------------------------------------

function render() {
  const view = document.getElementById("view");
  const path = window.location.pathname;
  for (const link of document.querySelectorAll("nav a")) {
    link.classList.toggle("current", (link.dataset.nav === "fleet") === (path === "/fleet" || path.startsWith("/agents/")));
  }
  let match;
  if (path === "/fleet") return renderFleet(view);
  if ((match = /^\/agents\/([^/]+)$/.exec(path))) return renderAgent(view, decodeURIComponent(match[1]));
  if ((match = /^\/lines\/([^/]+)$/.exec(path))) return renderLine(view, decodeURIComponent(match[1]));
  return renderSearch(view);
}

document.addEventListener("DOMContentLoaded", () => {
  const local = document.getElementById("local-time");
  local.checked = window.localStorage.getItem("rlog.localTime") === "1";
  local.addEventListener("change", () => { window.localStorage.setItem("rlog.localTime", local.checked ? "1" : "0"); render(); });
  document.getElementById("sign-out").addEventListener("click", async () => {
    await fetch("/api/v1/session", { method: "DELETE", credentials: "same-origin" });
    window.location.reload();
  });
  window.addEventListener("popstate", () => render());
  render();
});
