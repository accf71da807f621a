// normshift serve: helpers both pages share (JSON calls, job polling,
// number formats). Plain JavaScript, no build step, nothing fetched from
// outside this server.
"use strict";

const ns = {};

/** Call a JSON endpoint; resolves to {status, body}. Never throws on HTTP errors. */
ns.call = async function (method, url, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, opts);
  } catch (e) {
    return { status: 0, body: { error: "the server does not answer (is `normshift serve` still running?)" } };
  }
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = { error: "the server sent an unreadable answer (" + res.status + ")" };
  }
  return { status: res.status, body: data };
};

/** Escape text for HTML. */
ns.esc = function (s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
};

/** `x` with `d` decimals and a sign, without a negative zero. */
ns.signed = function (x, d) {
  if (x === null || x === undefined || !isFinite(x)) return "-";
  let s = x.toFixed(d);
  if (/^-0\.?0*$/.test(s)) s = s.slice(1);
  return (x >= 0 || s === (0).toFixed(d) ? "+" : "") + s;
};

ns.fixed = function (x, d) {
  if (x === null || x === undefined || !isFinite(x)) return "-";
  let s = x.toFixed(d);
  if (/^-0\.?0*$/.test(s)) s = s.slice(1);
  return s;
};

/** A short amount: 158732 -> "159k" (as the CLI's table prints it). */
ns.short = function (x) {
  if (x === null || x === undefined || !isFinite(x)) return "-";
  const a = Math.abs(x);
  if (a >= 1e6) return (x / 1e6).toFixed(1) + "M";
  if (a >= 1e4) return (x / 1e3).toFixed(0) + "k";
  return x.toFixed(0);
};

/**
 * Start a comparison and follow it until it ends. `onStatus` gets each
 * status; resolves to {ok, status, body} where body is the final status or
 * the error. Polling keeps the job alive: a page that goes away stops
 * polling and the server cancels its job.
 */
ns.runJob = async function (request, onStatus) {
  const r = await ns.call("POST", "/api/jobs", request);
  if (r.status !== 202) return { ok: false, status: r.status, body: r.body };
  const id = r.body.id;
  ns.currentJob = id;
  onStatus(r.body);
  for (;;) {
    await new Promise((ok) => setTimeout(ok, 400));
    if (ns.currentJob !== id) return { ok: false, status: 0, body: { error: "replaced by a newer job" } };
    const p = await ns.call("GET", "/api/jobs/" + id);
    if (p.status !== 200) return { ok: false, status: p.status, body: p.body };
    onStatus(p.body);
    if (p.body.state === "done") return { ok: true, status: 200, body: p.body };
    if (p.body.state === "failed" || p.body.state === "cancelled") return { ok: false, status: 200, body: { error: p.body.message || p.body.state } };
  }
};

/** Cancel the job in progress (explicitly, and when the page goes away). */
ns.cancelJob = function () {
  const id = ns.currentJob;
  ns.currentJob = null;
  if (id) fetch("/api/jobs/" + id, { method: "DELETE", keepalive: true }).catch(() => {});
};
window.addEventListener("pagehide", () => ns.cancelJob());

/** Progress words for a status. */
ns.describeStatus = function (s) {
  if (s.state === "queued") return s.ahead > 0 ? "Waiting: " + s.ahead + " comparison(s) ahead of yours" : "Starting...";
  if (s.state === "running") return "Running: " + s.runs_done + " of " + s.runs_total + " runs";
  if (s.state === "done") return "Done: " + s.runs_total + " runs";
  return s.message || s.state;
};
