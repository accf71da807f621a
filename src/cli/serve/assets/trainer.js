// The trainer's page: one village month by month with no programme and with
// a chosen programme, side by side, in the figures' colours, with charts
// that grow as it plays. Plain JavaScript and canvas, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const T = { data: null, month: 0, playing: false, timer: null, frames: 0, ties: [] };
window.trainer = T; // for tests and the curious: the current month and frames drawn

async function init() {
  const r = await ns.call("GET", "/api/scenarios");
  const sel = $("scenario");
  for (const s of r.body.scenarios || []) {
    if (!s.baseline) continue;
    const o = document.createElement("option");
    o.value = s.name;
    o.textContent = s.name;
    sel.appendChild(o);
  }
  sel.value = "default";
  sel.addEventListener("change", strategies);
  $("load").addEventListener("click", load);
  $("play").addEventListener("click", toggle);
  $("step").addEventListener("click", () => { pause(); show(T.month + 1); });
  $("back").addEventListener("click", () => { pause(); show(T.month - 1); });
  $("month").addEventListener("input", () => { pause(); show(Number($("month").value)); });
  $("speed").addEventListener("change", () => { if (T.playing) { pause(); play(); } });
  $("fullscreen").addEventListener("click", fullscreen);
  document.addEventListener("keydown", (e) => {
    if (!T.data || e.target.tagName === "SELECT" || e.target.tagName === "INPUT" && e.target.type !== "range") return;
    if (e.key === " ") { e.preventDefault(); toggle(); }
    else if (e.key === "ArrowRight") { pause(); show(T.month + 1); }
    else if (e.key === "ArrowLeft") { pause(); show(T.month - 1); }
    else if (e.key === "f") fullscreen();
  });
  window.addEventListener("resize", () => T.data && draw());
  await strategies();
}

async function strategies() {
  const r = await ns.call("POST", "/api/scenario", { builtin: $("scenario").value, sets: [] });
  const sel = $("strategy");
  sel.innerHTML = "";
  if (r.status !== 200) { $("error").textContent = r.body.error; return; }
  for (const s of r.body.strategies) {
    if (s.name === "baseline") continue;
    const o = document.createElement("option");
    o.value = s.name;
    o.textContent = s.name.replace(/_/g, " ");
    sel.appendChild(o);
  }
}

/** One replicate of baseline and the chosen programme, then its village. */
async function load() {
  pause();
  $("error").textContent = "";
  $("load").disabled = true;
  const strategy = $("strategy").value;
  const r = await ns.runJob({ scenario: { builtin: $("scenario").value, sets: ["replicates=1"] }, strategies: [strategy] }, (s) => {
    $("status").textContent = ns.describeStatus(s);
  });
  $("load").disabled = false;
  if (!r.ok) { $("error").textContent = r.body.error || "failed"; return; }
  ns.currentJob = null;
  const v = await ns.call("GET", "/api/jobs/" + r.body.id + "/village?strategy=" + encodeURIComponent(strategy));
  if (v.status !== 200) { $("error").textContent = v.body.error; return; }
  $("status").textContent = "";
  T.data = v.body;
  T.ties = null;
  $("trainer-area").hidden = false;
  $("month").max = T.data.months - 1;
  legend();
  T.data.panels.forEach((p, i) => {
    const h = document.querySelector("#panel-" + i + " h3");
    h.textContent = p.label;
    h.style.borderLeftColor = p.colour || "#000";
  });
  $("panel-1").hidden = T.data.panels.length < 2;
  show(0);
}

function legend() {
  const box = $("legend");
  box.innerHTML = "";
  T.data.legend.forEach((label, s) => {
    const span = document.createElement("span");
    const shape = s <= 2 ? "dot" : "";
    span.innerHTML = '<span class="mark ' + shape + '" style="background:' + T.data.state_colours[s] + '"></span>' + ns.esc(label);
    box.appendChild(span);
  });
}

function toggle() { if (T.playing) pause(); else play(); }

function play() {
  if (!T.data) return;
  if (T.month >= T.data.months - 1) show(0);
  T.playing = true;
  $("play").innerHTML = "&#10074;&#10074; Pause";
  const every = 1000 / Number($("speed").value);
  let last = performance.now();
  const tick = (now) => {
    if (!T.playing) return;
    if (now - last >= every) {
      last = now;
      if (T.month >= T.data.months - 1) { pause(); return; }
      show(T.month + 1);
    }
    T.timer = requestAnimationFrame(tick);
  };
  T.timer = requestAnimationFrame(tick);
}

function pause() {
  T.playing = false;
  if (T.timer) cancelAnimationFrame(T.timer);
  T.timer = null;
  $("play").innerHTML = "&#9654; Play";
}

function fullscreen() {
  const area = $("trainer-area");
  if (document.fullscreenElement) document.exitFullscreen();
  else if (area.requestFullscreen) area.requestFullscreen().catch(() => {});
  setTimeout(() => T.data && draw(), 300);
}

function show(m) {
  if (!T.data) return;
  T.month = Math.max(0, Math.min(T.data.months - 1, m));
  $("month").value = T.month;
  const end = T.data.programme_end;
  $("month-label").textContent = "Month " + T.month + " of " + (T.data.months - 1) + (T.month <= end ? " (programme on until month " + end + ")" : " (programme over)");
  draw();
}

function draw() {
  const t0 = performance.now();
  T.data.panels.forEach((p, i) => {
    const canvas = document.querySelector("#panel-" + i + " canvas");
    drawVillage(canvas, p.states[T.month]);
    const acting = p.village_participation[T.month];
    document.querySelector("#panel-" + i + " .big").textContent =
      Math.round(100 * acting) + "% of women take part; " + p.village_sanctioned[T.month] + " sanctioned this month";
  });
  chart($("chart-participation"), "Women taking part (%)", (p) => p.village_participation.map((x) => 100 * x), [0, 100]);
  chart($("chart-sanctions"), "Women sanctioned", (p) => p.village_sanctioned, null);
  chart($("chart-attitude"), "Attitudes (district)", (p) => p.attitude_women, [0, 1], (p) => p.attitude_men);
  T.frames += 1;
  T.drawMs = performance.now() - t0; // the last frame's drawing time
}

/** Ties are drawn once per canvas size onto an off-screen canvas. */
function tieLayer(w, h, pad) {
  if (T.ties && T.ties.w === w && T.ties.h === h) return T.ties.canvas;
  const c = document.createElement("canvas");
  c.width = w;
  c.height = h;
  const g = c.getContext("2d");
  const a = T.data.agents;
  const at = (k) => [pad + a[k][0] * (w - 2 * pad), pad + a[k][1] * (h - 2 * pad)];
  g.strokeStyle = "rgba(110,110,110,0.12)";
  g.lineWidth = 1;
  g.beginPath();
  for (const [x, y] of T.data.peer) { const p = at(x), q = at(y); g.moveTo(p[0], p[1]); g.lineTo(q[0], q[1]); }
  g.stroke();
  g.strokeStyle = "rgba(110,110,110,0.7)";
  g.lineWidth = 1.6;
  g.beginPath();
  for (const [x, y] of T.data.household) { const p = at(x), q = at(y); g.moveTo(p[0], p[1]); g.lineTo(q[0], q[1]); }
  g.stroke();
  T.ties = { w, h, canvas: c };
  return c;
}

/** Size each canvas's pixels to its size on screen (sharp in full screen, light otherwise). */
function fit(canvas, square) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(200, Math.min(1400, Math.round(canvas.clientWidth * dpr)));
  const h = square ? w : Math.max(150, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
}

/** One small picture per state and shape, stamped for each person. */
function sprite(state, woman, leader, r) {
  const key = state + "/" + woman + "/" + leader + "/" + r;
  T.sprites = T.sprites || new Map();
  let c = T.sprites.get(key);
  if (c) return c;
  const size = leader ? r * 1.8 : r;
  const half = Math.ceil(size + 2);
  c = document.createElement("canvas");
  c.width = c.height = 2 * half;
  const g = c.getContext("2d");
  g.fillStyle = T.data.state_colours[state] || "#eeeeee";
  g.strokeStyle = "#222222";
  g.lineWidth = leader ? 2 : 0.6;
  g.beginPath();
  if (woman) g.arc(half, half, size, 0, 2 * Math.PI);
  else g.rect(half - size, half - size, 2 * size, 2 * size);
  g.fill();
  g.stroke();
  T.sprites.set(key, c);
  return c;
}

function drawVillage(canvas, codes) {
  fit(canvas, true);
  const w = canvas.width, h = canvas.height, pad = Math.round(w / 36);
  const g = canvas.getContext("2d");
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, w, h);
  g.drawImage(tieLayer(w, h, pad), 0, 0);
  const a = T.data.agents;
  const n = a.length;
  const r = Math.round(Math.max(3, Math.min(9, 260 / Math.sqrt(n))) * w / 900 * 2) / 2;
  for (let k = 0; k < n; k++) {
    const [x, y, woman, leader] = a[k];
    const s = codes.charCodeAt(k) - 48;
    const img = sprite(s, woman, leader, r);
    const half = img.width / 2;
    g.drawImage(img, Math.round(pad + x * (w - 2 * pad) - half), Math.round(pad + y * (h - 2 * pad) - half));
  }
}

/** A time chart of every panel up to the current month. */
function chart(canvas, title, values, range, dashed) {
  fit(canvas, false);
  const g = canvas.getContext("2d");
  // Drawn in CSS pixels, so the text is as large as the page's.
  const k = window.devicePixelRatio || 1;
  g.setTransform(k, 0, 0, k, 0, 0);
  const w = canvas.width / k, h = canvas.height / k;
  const L = 52, R = 14, top = 40, B = 30;
  g.fillStyle = "#fff";
  g.fillRect(0, 0, w, h);
  const months = T.data.months;
  const series = [];
  for (const p of T.data.panels) {
    series.push({ v: values(p), c: p.colour || "#000", dash: false });
    if (dashed) series.push({ v: dashed(p), c: p.colour || "#000", dash: true });
  }
  let lo = 0, hi = 1;
  if (range) [lo, hi] = range;
  else hi = 4 * Math.ceil(Math.max(1, ...series.flatMap((s) => s.v)) / 4); // whole-number ticks
  const X = (m) => L + (m / Math.max(1, months - 1)) * (w - L - R);
  const Y = (v) => top + (1 - (v - lo) / (hi - lo)) * (h - top - B);
  // Programme window, shaded as in the figures.
  g.fillStyle = "#eeeeee";
  g.fillRect(X(0), top, X(Math.min(T.data.programme_end, months - 1)) - X(0), h - top - B);
  g.fillStyle = "#222";
  g.font = "bold 21px sans-serif";
  g.fillText(title, 8, 26);
  g.font = "16px sans-serif";
  g.fillStyle = "#5a5a5a";
  g.strokeStyle = "#e1e1e1";
  g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    g.beginPath(); g.moveTo(L, Y(v)); g.lineTo(w - R, Y(v)); g.stroke();
    g.fillText(hi - lo > 1 ? v.toFixed(0) : v.toFixed(2), 6, Y(v) + 6);
  }
  g.fillText("month 0", L, h - 8);
  g.textAlign = "right";
  g.fillText(String(months - 1), w - R, h - 8);
  g.textAlign = "left";
  for (const s of series) {
    g.strokeStyle = s.c;
    g.lineWidth = 3.5;
    g.setLineDash(s.dash ? [9, 6] : []);
    g.beginPath();
    for (let m = 0; m <= T.month && m < s.v.length; m++) {
      if (m === 0) g.moveTo(X(m), Y(s.v[m])); else g.lineTo(X(m), Y(s.v[m]));
    }
    g.stroke();
  }
  g.setLineDash([]);
  g.strokeStyle = "#222";
  g.lineWidth = 1.5;
  g.beginPath(); g.moveTo(X(T.month), top); g.lineTo(X(T.month), h - B); g.stroke();
}

init();
