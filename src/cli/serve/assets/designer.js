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
  checks: 0, // checks of the form sent
  inflight: 0, // checks not yet answered
  loading: 0, // scenarios asked for and not yet shown (the form is rebuilt when one arrives)
  model: [], // the strategies as their TOML tables (see renderStrategies)
  picked: [], // per strategy: compared or not
  strategiesEdited: false,
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
  state.loading++;
  let r;
  try {
    r = await ns.call("POST", "/api/scenario", Object.assign({ sets: [] }, source));
  } finally {
    state.loading--;
  }
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
  state.model = d.strategies.map((s) => JSON.parse(JSON.stringify(s.table)));
  state.picked = d.strategies.map(() => true);
  state.strategiesEdited = false;
  renderStrategies();
  renderUncertaintyControl(d);
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

/**
 * The strategy editor. The strategies are kept as their TOML tables (the
 * server's `table` of each); the page adds, removes and changes
 * interventions and strategies in that model, and once anything changed it
 * sends the whole list with each request, where the server writes it into
 * the scenario and validates it as `normshift compare` would.
 */
function renderStrategies() {
  const d = state.described;
  const sbox = $("strategies");
  sbox.innerHTML = "";
  state.model.forEach((st, i) => sbox.appendChild(strategyBlock(st, i, d)));
  const add = document.createElement("button");
  add.id = "add-strategy";
  add.textContent = "Add a strategy";
  add.addEventListener("click", () => {
    const names = new Set(state.model.map((x) => x.name));
    let n = state.model.length;
    while (names.has("strategy_" + n)) n++;
    state.model.push({ name: "strategy_" + n, description: "", interventions: [] });
    state.picked.push(true);
    edited();
  });
  sbox.appendChild(add);
  sbox.appendChild(fieldError("strategies"));
}

/** A structural or field change in the strategies: re-check with the server. */
function edited(rerender = true) {
  state.strategiesEdited = true;
  if (rerender) renderStrategies();
  changed();
}

/** A number field's value for the model: null when empty, else the number (or the text, which the server refuses with its message). */
function numberOf(text) {
  const t = text.trim();
  if (t === "") return null;
  const x = Number(t);
  return Number.isFinite(x) ? x : t;
}

function kindInfo(name) {
  return state.described.kinds.find((k) => k.name === name);
}

function strategyBlock(st, i, d) {
  const div = document.createElement("div");
  div.className = "strategy";
  div.dataset.index = i;
  const row = document.createElement("div");
  row.className = "row";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = st.name === "baseline" || state.picked[i] !== false;
  box.id = "s-" + i;
  box.dataset.strategy = st.name;
  box.className = "pick";
  box.setAttribute("aria-label", "compare " + st.name);
  if (st.name === "baseline") box.disabled = true;
  box.addEventListener("change", () => { state.picked[i] = box.checked; });
  row.appendChild(box);
  if (st.name === "baseline") {
    const label = document.createElement("label");
    label.htmlFor = box.id;
    label.textContent = st.name;
    row.appendChild(label);
  } else {
    const name = document.createElement("input");
    name.type = "text";
    name.value = st.name;
    name.className = "strategy-name";
    name.dataset.key = "strategies." + i + ".name";
    name.setAttribute("aria-label", "strategies." + i + ".name");
    name.addEventListener("change", () => { st.name = name.value.trim(); box.dataset.strategy = st.name; edited(false); });
    row.appendChild(name);
  }
  const desc = document.createElement("span");
  desc.className = "help";
  desc.textContent = st.description || "";
  row.appendChild(desc);
  if (st.name !== "baseline") {
    const rm = document.createElement("button");
    rm.className = "remove-strategy small";
    rm.textContent = "Remove strategy";
    rm.addEventListener("click", () => { state.model.splice(i, 1); state.picked.splice(i, 1); edited(); });
    row.appendChild(rm);
  }
  div.appendChild(row);
  div.appendChild(fieldError("strategies." + i + "."));
  const ivs = st.interventions || [];
  if (ivs.length) {
    const t = document.createElement("table");
    t.className = "ivs";
    t.innerHTML = "<tr><th>kind</th><th>who</th><th>chosen</th><th>share</th><th>count</th><th>from month</th><th>to month</th>" +
      "<th>cost per person</th><th>cost per month</th><th></th></tr>";
    ivs.forEach((iv, j) => {
      const base = "strategies." + i + ".interventions." + j + ".";
      const info = kindInfo(iv.kind) || { target: false, cost: false };
      const tr = document.createElement("tr");
      tr.dataset.intervention = base;
      const cell = (el) => { const td = document.createElement("td"); td.appendChild(el); tr.appendChild(td); return el; };
      const blank = () => cell(document.createElement("span"));
      const select = (key, options, value, set) => {
        const sel = document.createElement("select");
        for (const o of options) { const op = document.createElement("option"); op.value = o; op.textContent = o.replace(/_/g, " "); sel.appendChild(op); }
        sel.value = value;
        sel.dataset.key = base + key;
        sel.setAttribute("aria-label", base + key);
        sel.addEventListener("change", () => set(sel.value));
        return cell(sel);
      };
      const number = (key, value, set) => {
        const inp = document.createElement("input");
        inp.type = "number";
        inp.step = "any";
        inp.dataset.key = base + key;
        inp.setAttribute("aria-label", base + key);
        if (value === null || value === undefined) { inp.placeholder = "-"; inp.value = ""; } else inp.value = value;
        inp.addEventListener("change", () => set(numberOf(inp.value), inp));
        return cell(inp);
      };
      select("kind", d.kinds.map((k) => k.name), iv.kind, (v) => {
        // A new kind starts from its defaults; when, who and cost carry over where it takes them.
        const next = JSON.parse(JSON.stringify(kindInfo(v).defaults));
        if (iv.name !== undefined) next.name = iv.name;
        next.start = iv.start;
        if (iv.end !== undefined && iv.end !== null) next.end = iv.end;
        if (kindInfo(v).target && iv.target) next.target = iv.target;
        if (kindInfo(v).cost && iv.cost) next.cost = iv.cost;
        ivs[j] = next;
        edited();
      });
      if (info.target) {
        const target = iv.target || (iv.target = { group: "women" });
        select("target.group", d.groups, target.group, (v) => { target.group = v; edited(false); });
        select("target.selection", d.selections, target.selection || "random", (v) => { target.selection = v; edited(false); });
        // A share or a count, not both: typing one clears the other.
        let shareInput, countInput;
        shareInput = number("target.share", target.share, (v) => {
          if (v === null) delete target.share; else { target.share = v; delete target.count; countInput.value = ""; }
          edited(false);
        });
        countInput = number("target.count", target.count, (v) => {
          if (v === null) delete target.count; else { target.count = v; delete target.share; shareInput.value = ""; }
          edited(false);
        });
      } else { blank(); blank(); blank(); blank(); }
      number("start", iv.start, (v) => { iv.start = v === null ? 0 : v; edited(false); });
      number("end", iv.end, (v) => { if (v === null) delete iv.end; else iv.end = v; edited(false); });
      if (info.cost) {
        const cost = iv.cost || (iv.cost = {});
        number("cost.per_person", cost.per_person, (v) => { if (v === null) delete cost.per_person; else cost.per_person = v; edited(false); });
        number("cost.per_month", cost.per_month, (v) => { if (v === null) delete cost.per_month; else cost.per_month = v; edited(false); });
      } else { blank(); blank(); }
      const rm = document.createElement("button");
      rm.className = "remove-intervention small";
      rm.textContent = "Remove";
      rm.setAttribute("aria-label", "remove " + base);
      rm.addEventListener("click", () => { ivs.splice(j, 1); st.interventions = ivs; edited(); });
      cell(rm);
      t.appendChild(tr);
      const er = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = 10;
      td.appendChild(fieldError(base));
      er.appendChild(td);
      t.appendChild(er);
    });
    div.appendChild(t);
  }
  if (st.name !== "baseline") {
    const add = document.createElement("div");
    add.className = "row add-intervention";
    const sel = document.createElement("select");
    sel.className = "new-kind";
    sel.setAttribute("aria-label", "kind of the new intervention for " + st.name);
    for (const k of d.kinds) { const op = document.createElement("option"); op.value = k.name; op.textContent = k.name.replace(/_/g, " "); sel.appendChild(op); }
    const b = document.createElement("button");
    b.className = "add-intervention small";
    b.textContent = "Add intervention";
    b.addEventListener("click", () => {
      const iv = JSON.parse(JSON.stringify(kindInfo(sel.value).defaults));
      st.interventions = ivs.concat([iv]);
      edited();
    });
    add.appendChild(sel);
    add.appendChild(b);
    div.appendChild(add);
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
  const r = Object.assign({}, state.source, { sets: sets() });
  if (state.strategiesEdited) r.strategies = state.model;
  return r;
}

/** The draws of the priors, offered when the scenario declares `[uncertain]`. */
function renderUncertaintyControl(d) {
  const box = $("uncertainty-control");
  const priors = d.priors || [];
  box.hidden = priors.length === 0;
  if (!priors.length) return;
  $("draws").max = d.max_prior_draws;
  $("draws").value = Math.min(16, d.max_prior_draws);
  $("draws-help").textContent = "The scenario declares priors on " + priors.length + " parameters (" + priors.map((p) => p.key).join(", ") +
    "). Each draw runs every strategy on " + d.replicates + " replicates; 1 to " + d.max_prior_draws + " draws (100 or more for stable chances, in a terminal).";
}

function changed() {
  clearTimeout(state.validateTimer);
  state.validateTimer = setTimeout(validate, 250);
}

async function validate() {
  state.validateTimer = null;
  const asked = ++state.checks;
  state.inflight++;
  try {
    const r = await ns.call("POST", "/api/scenario", request());
    // Only the answer to the latest check is shown.
    if (asked !== state.checks) return;
    clearProblems();
    if (r.status !== 200) showProblem(r.body, false);
  } finally {
    state.inflight--;
  }
}

/** For tests: no scenario is loading and no check of the form is waiting or in flight. */
window.designer = { idle: () => state.loading === 0 && state.validateTimer === null && state.inflight === 0 };

function clearProblems() {
  document.querySelectorAll("[data-error-for]").forEach((e) => (e.textContent = ""));
  document.querySelectorAll(".field.bad, [data-key].bad").forEach((e) => e.classList.remove("bad"));
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
    // Else the row of the intervention, the strategy, the strategies, or the draws it is about.
    const m = p.key.match(/^(strategies\.\d+\.)(interventions\.\d+\.)?/);
    const tries = m ? [m[1] + (m[2] || ""), m[1]] : [];
    if (p.key.startsWith("strategies")) tries.push("strategies");
    if (p.key === "draws") tries.push("draws");
    for (const k of tries) {
      if (!target) target = document.querySelector('[data-error-for="' + CSS.escape(k) + '"]');
    }
    if (target) {
      target.textContent = message;
      const field = target.closest(".field");
      if (field) field.classList.add("bad");
      // The input the key names (or the nearest one above it) is marked too.
      for (let k = p.key; k; k = k.includes(".") ? k.slice(0, k.lastIndexOf(".")) : "") {
        const input = document.querySelector('[data-key="' + CSS.escape(k) + '"]') ||
          document.querySelector('[data-key^="' + CSS.escape(k + ".") + '"]');
        if (input) { input.classList.add("bad"); break; }
      }
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
  const picked = state.model.filter((st, i) => st.name !== "baseline" && state.picked[i] !== false).map((st) => st.name);
  $("compare").disabled = true;
  $("cancel").disabled = false;
  $("progress").value = 0;
  $("status").textContent = "Sending...";
  const job = { scenario: request(), strategies: picked };
  if (!$("uncertainty-control").hidden && $("use-priors").checked) job.draws = numberOf($("draws").value);
  const r = await ns.runJob(job, (s) => {
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
  showUncertainty(d.uncertainty);
  $("download-zip").href = "/api/jobs/" + id + "/results.zip";
  $("download-scenario").href = "/api/jobs/" + id + "/scenario.toml";
  $("reproduce").textContent = "The same numbers in a terminal, with the edited scenario file downloaded as scenario.toml: " + d.command;
  const figs = $("figures");
  figs.innerHTML = "";
  for (const f of d.figures) {
    const fig = document.createElement("figure");
    fig.innerHTML = "<h3>" + ns.esc(f.title) + '</h3><img alt="' + ns.esc(f.title) + '" src="' + ns.esc(f.url) + '"><figcaption>' + ns.esc(f.caption) + "</figcaption>";
    figs.appendChild(fig);
  }
  $("results-section").scrollIntoView({ behavior: "smooth" });
}

/** The results over the draws of the priors, as `normshift compare` prints them. */
function showUncertainty(u) {
  $("uncertainty-results").hidden = !u;
  if (!u) return;
  const pct = (x) => (x === null || x === undefined ? "-" : (100 * x).toFixed(0) + "%");
  $("uncertainty-intro").textContent = u.draws + " draws of " + u.parameters.length + " uncertain parameters (" + u.parameters.join(", ") + ") x " +
    u.replicates_per_draw + " replicates. Gain: points over baseline at the programme's end (month " + u.programme_end +
    "), mean and 90% range over draws and replicates; beats: share of draws above baseline; best: share of draws where it gains most " +
    "(best$: most per dollar); regret: points lost against each draw's best (mean, 90th percentile); harm: share of draws where each " +
    "participating woman's risk rises." + (u.fixed.length ? " Fixed by your edits: " + u.fixed.join(", ") + "." : "");
  const t = $("uncertainty-table");
  t.innerHTML = "<thead><tr><th>Strategy</th><th>Gain [90% range]</th><th>Beats baseline</th><th>Best</th><th>Best per dollar</th>" +
    "<th>Regret</th><th>Regret (90th pct)</th><th>Harm</th></tr></thead>";
  const body = document.createElement("tbody");
  for (const row of u.rows) {
    const tr = document.createElement("tr");
    tr.dataset.strategy = row.strategy;
    tr.dataset.csv = JSON.stringify(row.csv);
    const td = (text, field) => { const c = document.createElement("td"); c.textContent = text; if (field) c.dataset.field = field; tr.appendChild(c); };
    td(row.strategy);
    td(row.baseline ? "-" : ns.signed(row.gain, 1) + " [" + ns.signed(row.gain_lo, 1) + "," + ns.signed(row.gain_hi, 1) + "]", "gain");
    td(pct(row.p_beats_baseline), "beats");
    td(pct(row.p_best), "best");
    td(pct(row.p_best_per_dollar), "best_dollar");
    td(ns.fixed(row.regret, 1), "regret");
    td(ns.fixed(row.regret_p90, 1), "regret_p90");
    td(pct(row.p_harm), "harm");
    body.appendChild(tr);
  }
  t.appendChild(body);
  const ul = $("uncertainty-sentences");
  ul.innerHTML = "";
  for (const s of u.sentences) { const li = document.createElement("li"); li.textContent = s; ul.appendChild(li); }
}

init();
