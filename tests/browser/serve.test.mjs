// Real-browser tests of `normshift serve`: Playwright (playwright-core, which
// downloads no browser) drives Debian's Chromium against the real binary on
// a free loopback port. Run by scripts/browser-test.sh, which .ci/run calls.
//
// Environment: NORMSHIFT_BIN (the release binary), CHROMIUM (default
// /usr/bin/chromium), SHOTS (folder for screenshots, default
// ../../target/browser-shots; never committed).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = process.env.NORMSHIFT_BIN || path.join(here, "../../target/release/normshift");
const SHOTS = process.env.SHOTS || path.join(here, "../../target/browser-shots");
const REPS = 5; // the fewest replicates with intervals and verdicts (compare::MIN_REPLICATES)
const SEED = 7;
mkdirSync(SHOTS, { recursive: true });

let server, url, browser;

before(async () => {
  server = spawn(BIN, ["serve", "--port", "0", "--threads", "2"], { stdio: ["ignore", "pipe", "inherit"] });
  url = await new Promise((ok, fail) => {
    let seen = "";
    server.stdout.on("data", (d) => {
      seen += d;
      const m = seen.match(/http:\/\/[0-9.]+:\d+\//);
      if (m) ok(m[0]);
    });
    server.on("exit", (code) => fail(new Error("normshift serve exited with " + code + ": " + seen)));
    setTimeout(() => fail(new Error("no address printed: " + seen)), 20000);
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill();
});

/** A page that fails the test on any script error. */
async function open(pathname) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  // Waits that depend on the server allow for a loaded machine (CI runs
  // beside other builds); none of them decides a result by timing.
  page.setDefaultTimeout(60000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // A 422 is the server's answer to a bad value, which the page shows; any
  // other failed request or script error fails the test.
  page.on("console", (m) => { if (m.type() === "error" && !/status of 422/.test(m.text())) errors.push(m.text()); });
  await page.goto(url + pathname.replace(/^\//, ""));
  return { page, errors };
}

/** The results table's rows as the page shows them, with comparison.csv's cells. */
async function tableRows(page) {
  return page.$$eval("#results-table tbody tr", (trs) => trs.map((tr) => ({
    strategy: tr.dataset.strategy,
    csvEnd: tr.dataset.csvEnd,
    csvGain: tr.dataset.csvGain,
    csvLo: tr.dataset.csvLo,
    csvHi: tr.dataset.csvHi,
    end: tr.querySelector('[data-field="end"]').textContent,
    gain: tr.querySelector('[data-field="gain"]').textContent,
    interval: tr.querySelector('[data-field="interval"]').textContent,
  })));
}

/**
 * Run `normshift ARGS --no-plots` in a terminal and check that the page's
 * rows are its rows: comparison.csv's cells exactly, and the printed table's
 * end %, gain and interval. Returns the folder's comparison.csv lines.
 */
function sameAsTerminal(rows, args) {
  const dir = mkdtempSync(path.join(tmpdir(), "ns-browser-"));
  let out, csv;
  try {
    out = execFileSync(BIN, [...args, "--no-plots", "--threads", "2", "--out", path.join(dir, "cli")],
      { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    csv = readFileSync(path.join(dir, "cli", "comparison.csv"), "utf8").split("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const strategies = csv.filter((l) => l.includes(",participation_end,")).map((l) => l.split(",")[0]);
  assert.deepEqual(rows.map((r) => r.strategy).sort(), strategies.sort(), "the page shows every strategy");
  for (const r of rows) {
    const cells = csv.find((l) => l.startsWith(r.strategy + ",participation_end,")).split(",");
    assert.equal(r.csvEnd, cells[2], r.strategy + ": mean at the programme's end");
    if (r.strategy !== "baseline") {
      assert.equal(r.csvGain, cells[5], r.strategy + ": gain");
      assert.equal(r.csvLo, cells[6], r.strategy + ": interval, low");
      assert.equal(r.csvHi, cells[7], r.strategy + ": interval, high");
    }
    // The printed table: name (cut at 16), end %, gain, interval.
    const name = r.strategy.length <= 16 ? r.strategy : r.strategy.slice(0, 15) + "~";
    const line = out.split("\n").find((l) => l.split(/\s+/)[0] === name);
    assert.ok(line, "no line for " + r.strategy + " in:\n" + out);
    const t = line.trim().split(/\s+/);
    assert.equal(r.end, t[1], r.strategy + ": end % as printed");
    if (r.strategy !== "baseline") {
      assert.equal(r.gain, t[2], r.strategy + ": gain as printed");
      assert.equal(r.interval, t[3], r.strategy + ": interval as printed");
    }
  }
  return { out, csv };
}

/** Save a downloaded file to a temporary folder; returns its path and a cleanup. */
async function download(page, href, name) {
  const res = await page.request.get(url + href.replace(/^\//, ""));
  assert.equal(res.status(), 200, href);
  const dir = mkdtempSync(path.join(tmpdir(), "ns-download-"));
  const file = path.join(dir, name);
  writeFileSync(file, await res.body());
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Fill a field and fire its change event, as a user leaving it does. */
async function set(page, selector, value) {
  await page.fill(selector, String(value));
  await page.dispatchEvent(selector, "change");
}

/** Wait until the server has answered the latest check of the form (no check pending). */
async function checked(page) {
  await page.waitForFunction(() => window.designer && window.designer.idle(), null, { timeout: 60000 });
}

test("designer: compare default in the page, same numbers as `normshift compare`", async () => {
  const { page, errors } = await open("/");
  await page.waitForSelector('.field[data-key="replicates"] input[type=number]');
  assert.equal(await page.inputValue("#builtin"), "default");
  // The default declares priors, so their control is offered; the page compares at the point values unless draws are asked for.
  assert.equal(await page.isVisible("#uncertainty-control"), true, "the priors' control is hidden for a scenario with priors");
  await page.uncheck("#use-priors");
  await page.fill("#f-replicates", String(REPS));
  await page.dispatchEvent("#f-replicates", "change");
  await page.fill("#f-seed", String(SEED));
  await page.dispatchEvent("#f-seed", "change");
  await page.click("#compare");
  await page.waitForSelector("#results-table tbody tr", { timeout: 150000 });
  const rows = await tableRows(page);

  // The same comparison in a terminal.
  sameAsTerminal(rows, ["compare", "default", "--no-uncertainty", "--reps", String(REPS), "--seed", String(SEED)]);
  // Figures load, downloads are offered.
  await page.waitForFunction(() => {
    const imgs = Array.from(document.querySelectorAll("#figures img"));
    return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, null, { timeout: 30000 });
  const zip = await page.getAttribute("#download-zip", "href");
  const res = await page.request.get(url + zip.replace(/^\//, ""));
  assert.equal(res.status(), 200);
  assert.equal((await res.body()).subarray(0, 2).toString(), "PK");
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, "designer.png"), fullPage: false });
  await page.evaluate(() => document.getElementById("results-section").scrollIntoView());
  await page.screenshot({ path: path.join(SHOTS, "designer-results.png"), fullPage: false });
  assert.deepEqual(errors, []);
  await page.close();
});

test("designer: a broken upload and a bad value show the located message beside the field", async () => {
  const { page, errors } = await open("/");
  await page.waitForSelector('.field[data-key="population.elite"]');
  const text = execFileSync(BIN, ["show", "default"], { encoding: "utf8" }).replace("peer_degree = 8", 'peer_degree = "eight"');
  const line = text.split("\n").findIndex((l) => l.includes('"eight"')) + 1;
  await page.setInputFiles("#upload", { name: "broken.toml", mimeType: "text/plain", buffer: Buffer.from(text) });
  // Wait for any answer (an error beside the upload or the run button, or
  // the upload accepted), so a failure says what the page showed instead.
  await page.waitForFunction(() => document.getElementById("upload-error").textContent.length > 0 ||
    document.getElementById("run-error").textContent.length > 0 || document.querySelector("#builtin option.uploaded"),
  null, { timeout: 60000 });
  assert.equal(await page.textContent("#run-error"), "", "the upload's error was shown by the run button");
  assert.equal(await page.$("#builtin option.uploaded"), null, "the broken upload was accepted");
  const shown = await page.textContent("#upload-error");
  assert.match(shown, new RegExp("^broken\\.toml:" + line + ":\\d+: `network\\.peer_degree`"), shown);

  // Back to the built-in, then a value out of range.
  await page.selectOption("#builtin", "default");
  // The form is rebuilt when the built-in arrives: edit it only after that,
  // or the edit lands on the form being replaced.
  await page.waitForFunction(() => window.designer && window.designer.idle());
  await page.waitForSelector('.field[data-key="population.elite"] input[type=number]');
  await page.fill("#f-population-elite", "2");
  await page.dispatchEvent("#f-population-elite", "change");
  const beside = '[data-error-for="population.elite"]';
  await page.waitForFunction((sel) => document.querySelector(sel).textContent.length > 0, beside);
  const msg = await page.textContent(beside);
  assert.match(msg, /population\.elite/);
  assert.match(msg, /allowed: 0 to 1/);
  await page.screenshot({ path: path.join(SHOTS, "designer-error.png") });
  // The server still answers.
  const health = await page.request.get(url + "api/health");
  assert.equal(health.status(), 200);
  assert.deepEqual(errors, []);
  await page.close();
});

test("designer: add a strategy and an intervention, remove one, compare; the downloaded scenario.toml gives the same table", async () => {
  const { page, errors } = await open("/");
  await page.waitForSelector('.field[data-key="replicates"] input[type=number]');
  await set(page, "#f-replicates", REPS);
  await set(page, "#f-seed", SEED);
  // A new strategy with a new intervention: mass media reaching women.
  await page.click("#add-strategy");
  const added = '.strategy[data-index="5"]';
  await page.waitForSelector(added + " input.strategy-name");
  assert.equal(await page.inputValue(added + " input.strategy-name"), "strategy_5");
  await page.selectOption(added + " select.new-kind", "media");
  await page.click(added + " button.add-intervention");
  const iv = "strategies.5.interventions.0.";
  const field = (k) => '[data-key="' + iv + k + '"]';
  await page.waitForSelector(field("target.share"));
  await page.selectOption(field("target.group"), "women");
  // A bad value: the server's message beside the intervention, naming the key.
  await set(page, field("target.share"), 2);
  const beside = '[data-error-for="' + iv + '"]';
  await page.waitForFunction((sel) => document.querySelector(sel).textContent.length > 0, beside, { timeout: 60000 });
  const msg = await page.textContent(beside);
  assert.match(msg, /`strategies\.5\.interventions\.0\.target`/, msg);
  assert.match(msg, /allowed/, msg);
  await page.screenshot({ path: path.join(SHOTS, "designer-editor-error.png") });
  await set(page, field("target.share"), 0.3);
  await set(page, field("end"), 35);
  await set(page, field("cost.per_month"), 2000);
  await checked(page);
  assert.equal(await page.textContent(beside), "", "the fixed value still shows an error");
  // Remove leaders_dialogue's second intervention (dialogue).
  assert.equal(await page.$$eval('.strategy[data-index="2"] tr[data-intervention]', (r) => r.length), 2);
  await page.click('[aria-label="remove strategies.2.interventions.1."]');
  await page.waitForFunction(() => document.querySelectorAll('.strategy[data-index="2"] tr[data-intervention]').length === 1);
  // Compare only the edited strategies (fewer runs), at the point values.
  for (const i of [1, 3, 4]) await page.uncheck("#s-" + i);
  await page.uncheck("#use-priors");
  await checked(page);
  await page.$eval(added, (e) => e.scrollIntoView({ block: "center" }));
  await page.screenshot({ path: path.join(SHOTS, "designer-editor.png") });
  await page.click("#compare");
  await page.waitForSelector("#results-table tbody tr", { timeout: 150000 });
  const rows = await tableRows(page);
  assert.deepEqual(rows.map((r) => r.strategy).sort(), ["baseline", "leaders_dialogue", "strategy_5"]);
  const href = await page.getAttribute("#download-scenario", "href");
  const saved = await download(page, href, "edited.toml");
  try {
    const text = readFileSync(saved.file, "utf8");
    assert.match(text, /name = "strategy_5"/);
    assert.match(text, /kind = "media"/);
    assert.doesNotMatch(text, /kind = "dialogue"/, "the removed intervention is still in the file");
    // The file alone (its seed and replicates) reproduces the page's table.
    sameAsTerminal(rows, ["compare", saved.file, "--no-uncertainty", "--strategies", "leaders_dialogue,strategy_5"]);
  } finally {
    saved.done();
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test("designer: a scenario with priors compares over draws, as `normshift compare --draws` does", async () => {
  const DRAWS = 4;
  const { page, errors } = await open("/");
  await page.waitForSelector('.field[data-key="replicates"] input[type=number]');
  const file = path.join(here, "../../scenarios/uncertain-example.toml");
  await page.setInputFiles("#upload", { name: "uncertain-example.toml", mimeType: "text/plain", buffer: readFileSync(file) });
  await page.waitForSelector("#uncertainty-control:not([hidden])", { timeout: 60000 });
  // The default declares priors too, so the control alone does not say the
  // upload has arrived: wait for the uploaded file's six priors.
  await page.waitForFunction(() => document.getElementById("draws-help").textContent.includes("priors on 6 parameters"), null,
    { timeout: 60000 });
  await set(page, "#draws", DRAWS);
  const reps = Number(await page.inputValue("#f-replicates"));
  const seed = await page.inputValue("#f-seed");
  await page.click("#compare");
  await page.waitForSelector("#uncertainty-table tbody tr", { timeout: 150000 });
  const rows = await page.$$eval("#uncertainty-table tbody tr", (trs) => trs.map((tr) => ({
    strategy: tr.dataset.strategy, csv: JSON.parse(tr.dataset.csv), best: tr.querySelector('[data-field="best"]').textContent,
  })));
  const dir = mkdtempSync(path.join(tmpdir(), "ns-browser-"));
  let csv, out;
  try {
    out = execFileSync(BIN, ["compare", file, "--draws", String(DRAWS), "--reps", String(reps), "--seed", seed, "--no-plots",
      "--threads", "2", "--out", path.join(dir, "cli")], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    csv = readFileSync(path.join(dir, "cli", "comparison.csv"), "utf8").split("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const strategies = csv.filter((l) => l.includes(",p_best,")).map((l) => l.split(",")[0]);
  assert.deepEqual(rows.map((r) => r.strategy).sort(), strategies.sort(), "every strategy");
  for (const r of rows) {
    for (const metric of ["gain", "p_beats_baseline", "p_best", "p_best_per_dollar", "regret_mean", "regret_p90", "p_harm", "parameter_share"]) {
      const cells = csv.find((l) => l.startsWith(r.strategy + "," + metric + ",")).split(",");
      assert.deepEqual(r.csv[metric], cells.slice(2, 5), r.strategy + ": " + metric);
    }
    // As printed: the best column.
    const name = r.strategy.length <= 16 ? r.strategy : r.strategy.slice(0, 15) + "~";
    const line = out.split("\n").find((l) => l.split(/\s+/)[0] === name && /%/.test(l));
    assert.ok(line, "no line for " + r.strategy + " in:\n" + out);
    assert.ok(line.includes(" " + r.best + " ") || line.endsWith(" " + r.best), r.strategy + ": best " + r.best + " not in " + line);
  }
  // The uncertainty figures are shown with the others.
  await page.waitForFunction(() => Array.from(document.querySelectorAll("#figures img")).some((i) => /chances|acceptability/.test(i.src)),
    null, { timeout: 30000 });
  await page.evaluate(() => document.getElementById("uncertainty-results").scrollIntoView());
  await page.screenshot({ path: path.join(SHOTS, "designer-uncertainty.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("trainer: the village plays, and its picture changes between frames", async () => {
  const { page, errors } = await open("/trainer");
  await page.waitForFunction(() => document.querySelectorAll("#strategy option").length > 0);
  await page.selectOption("#strategy", "male_champions");
  await page.click("#load");
  await page.waitForSelector("#trainer-area:not([hidden])", { timeout: 120000 });
  const canvas = "#panel-1 canvas";
  const first = await page.$eval(canvas, (c) => c.toDataURL());
  assert.equal(await page.evaluate(() => window.trainer.month), 0);
  // Step one month by hand, then play at the fastest speed.
  await page.click("#step");
  assert.equal(await page.evaluate(() => window.trainer.month), 1);
  await page.selectOption("#speed", "30");
  const t0 = await page.evaluate(() => [window.trainer.month, performance.now()]);
  await page.click("#play");
  await page.waitForTimeout(2000);
  const t1 = await page.evaluate(() => [window.trainer.month, performance.now()]);
  const rate = (t1[0] - t0[0]) / ((t1[1] - t0[1]) / 1000);
  const drawMs = await page.evaluate(() => window.trainer.drawMs);
  console.log("trainer: " + rate.toFixed(1) + " months a second in headless Chromium (asked for 30); one frame drawn in " + drawMs.toFixed(1) + " ms");
  // Speed is measured and reported here, not asserted (speed targets belong
  // in benchmarks; docs/web.md has the figures): playing must advance.
  assert.ok(t1[0] - t0[0] >= 3, "playing for 2 s advanced only " + (t1[0] - t0[0]) + " months");
  await page.click("#play"); // pause
  const paused = await page.evaluate(() => window.trainer.month);
  await page.waitForTimeout(400);
  assert.equal(await page.evaluate(() => window.trainer.month), paused, "pause stops the clock");
  const later = await page.$eval(canvas, (c) => c.toDataURL());
  assert.notEqual(later, first, "the village picture did not change while playing");
  // The slider jumps to any month; the charts and the headline follow.
  await page.$eval("#month", (s) => { s.value = 40; s.dispatchEvent(new Event("input")); });
  assert.equal(await page.evaluate(() => window.trainer.month), 40);
  assert.match(await page.textContent("#month-label"), /Month 40/);
  await page.screenshot({ path: path.join(SHOTS, "trainer.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
