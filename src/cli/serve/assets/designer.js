// The designer's page: choose or upload a scenario, edit its main
// assumptions and strategies (each edit is a `--set KEY=VALUE`, checked by
// the server with the CLI's own validation), compare, and read the
// results. Plain JavaScript, no build step.
"use strict";

const state = {
  source: { builtin: "default" }, // or {text, file_name}
  described: null, // the server's description of the unedited scenario
  fields: [], // {key, input, original, toml(value) -> string}
  validateTimer: null,
};

const $ = (id) => document.getElementById(id);

async function init() {
  const r = await ns.call("GET", "/api/scenarios");
  const sel = $("builtin");
  for (const s of r.body.scenarios || []) {
    if (!s.baseline) continue; // compare needs a baseline
    const o = document.createElement("option");
    o.value = s.name;
    o.textContent = s.name + " (about " + Math.round(s.agents).toLocaleString("en") + " adults)";
    sel.appendChild(o);
  }
  sel.value = "default";
  sel.addEventListener("change", () => { if (sel.value) choose({ builtin: sel.value }); });
  $("upload").addEventListener("change", upload);
  $("compare").addEventListener("click", compare);
  $("cancel").addEventListener("click", () => {
    ns.cancelJob();
    $("status").textContent = "Cancelled.";
    $("cancel").disabled = true;
    $("compare").disabled = false;
  });
  await choose({ builtin: "default" });
}

async function upload() {
  const file = $("upload").files[0];
  if (!file) return;
  if (file.size > 1024 * 1024) {
    $("upload-error").textContent = file.name + ": the file is too large for a scenario (over 1 MB)";
    return;
  }
  const text = await file.text();
  await choose({ text, file_name: file.name });
}

/** Ask the server to read a scenario and build the form from its answer. */
async function choose(source) {
  $("upload-error").textContent = "";
  const r = await ns.call("POST", "/api/scenario", Object.assign({ sets: [] }, source));
  if (r.status !== 200) {
    showProblem(r.body, true);
    return;
  }
  state.source = source;
  state.described = r.body;
  const sel = $("builtin");
  const up = sel.querySelector("option.uploaded");
  if (up) up.remove();
  if (source.builtin) $("upload").value = "";
  else {
    const o = document.createElement("option");
    o.className = "uploaded";
    o.value = "";
    o.textContent = "uploaded: " + source.file_name;
    sel.appendChild(o);
    sel.value = "";
  }
  render(r.body);
}

function render(d) {
  $("scenario-description").textContent = (d.origin === d.name ? d.name : d.origin + " (" + d.name + ")") + ": " + d.description +
    " About " + Math.round(d.agents).toLocaleString("en") + " adults, " + d.steps + " months, " + d.replicates + " replicates, seed " + d.seed + ".";
  state.fields = [];
  const box = $("assumptions");
  box.innerHTML = "";
  for (const a of d.assumptions) box.appendChild(assumptionField(a));
  const sbox = $("strategies");
  sbox.innerHTML = "";
  d.strategies.forEach((s) => sbox.appendChild(strategyBlock(s, d)));
  if (!d.has_baseline) $("run-error").textContent = "This scenario has no strategy named baseline, so there is nothing to compare with.";
  else $("run-error").textContent = "";
}

function fieldError(key) {
  const e = document.createElement("div");
  e.className = "error";
  e.dataset.errorFor = key;
  e.setAttribute("role", "alert");
  return e;
}

function tomlNumber(v) {
  return String(v);
}

function assumptionField(a) {
  const div = document.createElement("div");
  div.className = "field";
  div.dataset.key = a.key;
  const id = "f-" + a.key.replace(/\W/g, "-");
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = a.label;
  div.appendChild(label);
  let input;
  if (a.boolean) {
    input = document.createElement("input");
    input.type = "checkbox";
    input.id = id;
    input.checked = !!a.value;
    div.appendChild(input);
    div.appendChild(document.createElement("span"));
    track(a.key, input, () => String(input.checked), String(!!a.value));
  } else {
    const range = document.createElement("input");
    range.type = "range";
    range.min = a.min;
    range.max = Math.max(a.slider_max, Number(a.value));
    range.step = a.integer ? 1 : (a.slider_max <= 1 ? 0.01 : a.slider_max / 200);
    range.value = a.value;
    range.setAttribute("aria-label", a.label + " slider");
    input = document.createElement("input");
    input.type = "number";
    input.id = id;
    input.value = a.value;
    input.step = "any";
    range.addEventListener("input", () => { input.value = range.value; changed(); });
    input.addEventListener("input", () => { if (input.value !== "") range.value = input.value; });
    div.appendChild(range);
    div.appendChild(input);
    track(a.key, input, () => input.value.trim(), String(a.value));
  }
  const help = document.createElement("div");
  help.className = "help";
  const range = a.boolean ? "yes or no" : "valid: " + a.min + (a.max === null || a.max === undefined ? " or more" : " to " + a.max);
  help.innerHTML = '<span class="badge ' + ns.esc(a.note_kind) + '">' + ns.esc(a.note_kind) + "</span>" + ns.esc(a.help) + " (" + ns.esc(range) + ")" +
    (a.note ? "<br>" + ns.esc(a.note) : "");
  div.appendChild(help);
  div.appendChild(fieldError(a.key));
  return div;
}

/** Remember a field: its edit is `key=value` when it differs from the original. */
function track(key, input, read, original) {
  state.fields.push({ key, input, read, original });
  input.addEventListener("change", changed);
}

function strategyBlock(s, d) {
  const div = document.createElement("div");
  div.className = "strategy";
  const row = document.createElement("div");
  row.className = "row";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = true;
  box.id = "s-" + s.index;
  box.dataset.strategy = s.name;
  box.className = "pick";
  if (s.name === "baseline") box.disabled = true;
  const label = document.createElement("label");
  label.htmlFor = box.id;
  label.textContent = s.name;
  row.appendChild(box);
  row.appendChild(label);
  const desc = document.createElement("span");
  desc.className = "help";
  desc.textContent = s.description || "";
  row.appendChild(desc);
  div.appendChild(row);
  if (s.interventions.length) {
    const t = document.createElement("table");
    t.className = "ivs";
    t.innerHTML = "<tr><th>kind</th><th>who</th><th>share</th><th>count</th><th>from month</th><th>to month</th><th>cost per person</th><th>cost per month</th></tr>";
    s.interventions.forEach((iv, j) => {
      const base = "strategies." + s.index + ".interventions." + j + ".";
      const tr = document.createElement("tr");
      const cell = (el) => { const td = document.createElement("td"); td.appendChild(el); tr.appendChild(td); return el; };
      const select = (key, options, value) => {
        const sel = document.createElement("select");
        for (const o of options) { const op = document.createElement("option"); op.value = o; op.textContent = o.replace(/_/g, " "); sel.appendChild(op); }
        sel.value = value;
        sel.setAttribute("aria-label", base + key);
        cell(sel);
        track(base + key, sel, () => '"' + sel.value + '"', '"' + value + '"');
        return sel;
      };
      const number = (key, value) => {
        const inp = document.createElement("input");
        inp.type = "number";
        inp.step = "any";
        inp.setAttribute("aria-label", base + key);
        if (value === null || value === undefined) { inp.placeholder = "-"; inp.value = ""; } else inp.value = value;
        cell(inp);
        const orig = value === null || value === undefined ? "" : String(value);
        track(base + key, inp, () => inp.value.trim(), orig);
        return inp;
      };
      select("kind", d.kinds, iv.kind);
      if (iv.group) select("target.group", d.groups, iv.group);
      else cell(document.createElement("span"));
      if (iv.group) { number("target.share", iv.share); number("target.count", iv.count); }
      else { cell(document.createElement("span")); cell(document.createElement("span")); }
      number("start", iv.start);
      number("end", iv.end);
      if (iv.per_person !== null && iv.per_person !== undefined) { number("cost.per_person", iv.per_person); number("cost.per_month", iv.per_month); }
      else { cell(document.createElement("span")); cell(document.createElement("span")); }
      t.appendChild(tr);
      const er = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = 8;
      td.appendChild(fieldError(base));
      er.appendChild(td);
      t.appendChild(er);
    });
    div.appendChild(t);
  }
  return div;
}

/** The edits as `--set` takes them. */
function sets() {
  const out = [];
  for (const f of state.fields) {
    const v = f.read();
    if (v === f.original || v === "") continue;
    out.push(f.key + "=" + v);
  }
  return out;
}

function request() {
  return Object.assign({}, state.source, { sets: sets() });
}

function changed() {
  clearTimeout(state.validateTimer);
  state.validateTimer = setTimeout(validate, 250);
}

async function validate() {
  const r = await ns.call("POST", "/api/scenario", request());
  clearProblems();
  if (r.status !== 200) showProblem(r.body, false);
}

function clearProblems() {
  document.querySelectorAll("[data-error-for]").forEach((e) => (e.textContent = ""));
  document.querySelectorAll(".field.bad").forEach((e) => e.classList.remove("bad"));
  $("upload-error").textContent = "";
  $("run-error").textContent = "";
}

/**
 * Show the server's located message beside the field it names: the field
 * whose key is the problem's key (or its intervention row), else beside the
 * upload.
 */
function showProblem(body, upload) {
  clearProblems();
  const p = body.problem;
  const message = body.error || "the scenario could not be read";
  if (p && p.key && !upload) {
    const exact = document.querySelector('[data-error-for="' + CSS.escape(p.key) + '"]');
    let target = exact;
    if (!target) {
      const m = p.key.match(/^strategies\.\d+\.interventions\.\d+\./);
      if (m) target = document.querySelector('[data-error-for="' + CSS.escape(m[0]) + '"]');
    }
    if (target) {
      target.textContent = message;
      const field = target.closest(".field");
      if (field) field.classList.add("bad");
      target.scrollIntoView({ block: "center", behavior: "smooth" });
      return;
    }
  }
  // A file that cannot be read is the upload's problem, whatever its cause.
  if (upload || (p && !p.set)) $("upload-error").textContent = message;
  else $("run-error").textContent = message;
}

async function compare() {
  clearProblems();
  const picked = Array.from(document.querySelectorAll("input.pick:checked")).map((b) => b.dataset.strategy);
  $("compare").disabled = true;
  $("cancel").disabled = false;
  $("progress").value = 0;
  $("status").textContent = "Sending...";
  const r = await ns.runJob({ scenario: request(), strategies: picked }, (s) => {
    $("progress").max = s.runs_total || 1;
    $("progress").value = s.runs_done;
    $("status").textContent = ns.describeStatus(s);
  });
  $("compare").disabled = false;
  $("cancel").disabled = true;
  if (!r.ok) {
    if (r.status === 422) showProblem(r.body, false);
    else if (r.status !== 0 || r.body.error !== "replaced by a newer job") $("run-error").textContent = r.body.error || "the comparison failed";
    if (r.status === 503) $("status").textContent = "Busy";
    return;
  }
  ns.currentJob = null;
  await showResults(r.body.id);
}

async function showResults(id) {
  const r = await ns.call("GET", "/api/jobs/" + id + "/result");
  if (r.status !== 200) {
    $("run-error").textContent = r.body.error;
    return;
  }
  const d = r.body;
  $("results-section").hidden = false;
  $("results-section").dataset.job = id;
  $("results-intro").textContent = d.scenario + ": " + d.strategies.length + " strategies x " + d.replicates + " replicates, " + d.steps +
    " months, seed " + d.seed + ", in " + d.wall_seconds.toFixed(1) + " s. Gain: points of women taking part over baseline at the programme's end (month " +
    d.programme_end + "), with its 90% interval.";
  const t = $("results-table");
  t.innerHTML = "<thead><tr><th>Strategy</th><th>Women taking part at month " + d.programme_end + " (%)</th><th>Gain (points)</th><th>90% interval</th>" +
    "<th>Gain at the last month</th><th>Change in sanctions</th><th>Risk to each participating woman (points)</th><th>Cost</th><th>Cost per point</th></tr></thead>";
  const body = document.createElement("tbody");
  const harmed = [];
  for (const row of d.table) {
    const tr = document.createElement("tr");
    tr.dataset.strategy = row.strategy;
    tr.dataset.csvEnd = row.csv.participation_end_mean;
    tr.dataset.csvGain = row.csv.participation_end_diff_mean;
    tr.dataset.csvLo = row.csv.participation_end_diff_lo;
    tr.dataset.csvHi = row.csv.participation_end_diff_hi;
    const td = (text, cls, field) => { const c = document.createElement("td"); c.textContent = text; if (cls) c.className = cls; if (field) c.dataset.field = field; tr.appendChild(c); };
    const name = document.createElement("td");
    name.innerHTML = '<span class="swatch" style="background:' + ns.esc(row.colour || "#000") + '"></span>' + ns.esc(row.strategy);
    tr.appendChild(name);
    td(ns.fixed(row.end_pct, 1), "", "end");
    if (row.baseline) {
      td("-", "", "gain"); td("", "", "interval"); td("-"); td("-"); td(ns.fixed(row.risk_pct, 0) + "%"); td("0"); td("-");
    } else {
      td(ns.signed(row.gain, 1), row.gain_sure ? "sure" : "", "gain");
      td("[" + ns.signed(row.gain_lo, 1) + "," + ns.signed(row.gain_hi, 1) + "]", "", "interval");
      td(ns.signed(row.final_gain, 1));
      td(row.sanctions_change_pct === null ? "-" : ns.signed(row.sanctions_change_pct, 0) + "%", row.more_sanctions ? "harm" : "");
      td(ns.signed(row.risk_change, 1) + (row.risk_harm ? " !" : ""), row.risk_harm ? "harm" : "");
      td(ns.short(row.cost));
      td(row.cost_per_point === null ? "-" : ns.short(row.cost_per_point));
      if (row.risk_harm) harmed.push(row.strategy);
    }
    body.appendChild(tr);
  }
  t.appendChild(body);
  $("harm-line").textContent = harmed.length
    ? "Do no harm: " + harmed.join(", ") + " raised the risk to each participating woman (marked !)."
    : "Do no harm: no strategy raised the risk to each participating woman above baseline (90% confidence).";
  $("download-zip").href = "/api/jobs/" + id + "/results.zip";
  $("download-scenario").href = "/api/jobs/" + id + "/scenario.toml";
  $("reproduce").textContent = "The same numbers in a terminal: " + d.command;
  const figs = $("figures");
  figs.innerHTML = "";
  for (const f of d.figures) {
    const fig = document.createElement("figure");
    fig.innerHTML = "<h3>" + ns.esc(f.title) + '</h3><img alt="' + ns.esc(f.title) + '" src="' + ns.esc(f.url) + '"><figcaption>' + ns.esc(f.caption) + "</figcaption>";
    figs.appendChild(fig);
  }
  $("results-section").scrollIntoView({ behavior: "smooth" });
}

init();
