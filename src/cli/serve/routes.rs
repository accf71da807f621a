//! The routes of `normshift serve`: the two pages and their scripts and
//! style (embedded in the binary with `include_str!`, so the app works
//! offline), and the JSON endpoints the pages call. Every request passes a
//! Host-header check (against DNS rebinding) and a body-size limit. No
//! route takes a file-system path: scenarios come as built-in names or
//! text, results leave as downloads built in memory.

// A problem or an error response is built once per bad request and
// returned straight to the client; boxing it would buy nothing.
#![allow(clippy::result_large_err)]

use super::Limits;
use super::jobs::{Queue, Refused, Status};
use super::scenario::{self, Problem, ScenarioRequest};
use axum::Router;
use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use normshift::compare::Verdict;
use normshift::outcomes::col;
use normshift::output::num;
use normshift::plot::{self, style};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// What every route shares.
pub struct App {
    pub queue: Queue,
    pub limits: Limits,
    /// The port the server listens on, for the Host check.
    pub port: u16,
}

type Shared = Arc<App>;

pub fn router(app: Shared) -> Router {
    let max_body = app.limits.max_body;
    Router::new()
        .route("/", get(|| async { page(include_str!("assets/designer.html")) }))
        .route("/trainer", get(|| async { page(include_str!("assets/trainer.html")) }))
        .route("/assets/{file}", get(asset))
        .route("/api/health", get(health))
        .route("/api/scenarios", get(|| async { Json(json!({ "scenarios": scenario::list() })) }))
        .route("/api/scenario", axum::routing::post(check_scenario))
        .route("/api/jobs", axum::routing::post(submit))
        .route("/api/jobs/{id}", get(poll).delete(cancel))
        .route("/api/jobs/{id}/result", get(result))
        .route("/api/jobs/{id}/figures/{file}", get(figure))
        .route("/api/jobs/{id}/results.zip", get(zip))
        .route("/api/jobs/{id}/scenario.toml", get(scenario_file))
        .route("/api/jobs/{id}/village", get(village))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such page or endpoint") })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(app.clone(), host_check))
        .with_state(app)
}

/// A JSON error: `{"error": message}`.
fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// A located scenario problem: 422 with the CLI's message and its parts.
fn problem(p: Problem) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({ "error": p.message, "problem": p }))).into_response()
}

fn page(html: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], html).into_response()
}

async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "app.css" => (include_str!("assets/app.css"), "text/css; charset=utf-8"),
        "common.js" => (include_str!("assets/common.js"), "text/javascript; charset=utf-8"),
        "designer.js" => (include_str!("assets/designer.js"), "text/javascript; charset=utf-8"),
        "trainer.js" => (include_str!("assets/trainer.js"), "text/javascript; charset=utf-8"),
        _ => return error(StatusCode::NOT_FOUND, "no such asset"),
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

/// Refuse requests whose Host is not this server as a browser on this
/// machine names it: an IP address (any: a DNS-rebinding attack needs a
/// name) or `localhost`, with this server's port. A page of another site
/// whose name was rebound to 127.0.0.1 sends its own name and is refused.
/// The API answers errors in JSON (`{"error": ...}`), including axum's
/// own plain-text refusals of a malformed path or query (`/api/jobs/abc`).
async fn json_errors(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let plain = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/plain"));
    if !(api && plain && res.status().is_client_error()) {
        return res;
    }
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024).await.unwrap_or_default();
    error(status, String::from_utf8_lossy(&bytes).trim())
}

async fn host_check(State(app): State<Shared>, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    if host_allowed(host, app.port) {
        next.run(req).await
    } else {
        error(
            StatusCode::MISDIRECTED_REQUEST,
            "this server answers only requests addressed to an IP address or localhost with its own port (a check against DNS rebinding)",
        )
    }
}

/// Whether a Host header names this server (see [`host_check`]).
pub fn host_allowed(host: &str, port: u16) -> bool {
    let (name, p) = match host.rsplit_once(':') {
        // `[::1]:8080`, `127.0.0.1:8080`, `localhost:8080`
        Some((n, p)) if !n.is_empty() && (!n.contains(':') || n.ends_with(']')) => (n, p.parse::<u16>().ok()),
        // A bare name (port 80) or a bare IPv6 address.
        _ => (host, Some(80)),
    };
    if p != Some(port) {
        return false;
    }
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost") || bare.parse::<std::net::IpAddr>().is_ok()
}

async fn health(State(app): State<Shared>) -> Json<Value> {
    let (running, waiting, kept) = app.queue.counts();
    let l = &app.limits;
    Json(json!({
        "ok": true,
        "version": env!("CARGO_PKG_VERSION"),
        "running": running,
        "waiting": waiting,
        "kept": kept,
        "limits": {
            "max_agents": l.max_agents, "max_reps": l.max_reps, "max_months": l.max_months, "max_draws": l.max_draws,
            "max_prior_draws": l.max_prior_draws,
            "running": l.running, "queued": l.queued, "abandon_after_seconds": l.abandon_after.as_secs(),
            "max_body_bytes": l.max_body,
        },
    }))
}

/// A JSON body, or a JSON error saying what was wrong with it.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, Response> {
    b.map(|Json(x)| x).map_err(|e| {
        let status = e.status();
        let msg = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "the request is too large: an uploaded scenario may be at most the server's --max-body bytes".to_string()
        } else {
            format!("the request could not be read: {}", e.body_text())
        };
        error(status, &msg)
    })
}

/// Validate a scenario and describe it for the form.
async fn check_scenario(State(app): State<Shared>, b: Result<Json<ScenarioRequest>, JsonRejection>) -> Response {
    let req = match body(b) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let limits = app.limits.clone();
    let out = tokio::task::spawn_blocking(move || {
        let loaded = scenario::load(&req, &limits)?;
        let text = req.text.clone().or_else(|| req.builtin.as_deref().and_then(normshift::scenario::builtin).map(String::from));
        Ok::<_, Problem>(scenario::describe(&loaded, text.as_deref(), &limits))
    })
    .await;
    match out {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(p)) => problem(p),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "reading the scenario failed unexpectedly"),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JobRequest {
    scenario: ScenarioRequest,
    /// Strategies to compare; baseline is always included. Empty: all.
    #[serde(default)]
    strategies: Vec<String>,
    /// Draws of the scenario's priors (`[uncertain]`), as `compare --draws`;
    /// each draw runs the scenario's `replicates`. None: compare at the
    /// point values, as `compare --no-uncertainty`.
    #[serde(default)]
    draws: Option<u32>,
}

fn status_response(code: StatusCode, s: Status) -> Response {
    (code, Json(s)).into_response()
}

/// Start a comparison: 202 queued, 422 a located problem, 503 busy.
async fn submit(State(app): State<Shared>, b: Result<Json<JobRequest>, JsonRejection>) -> Response {
    let req = match body(b) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let limits = app.limits.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        let loaded = scenario::load(&req.scenario, &limits)?;
        let picked = pick(&loaded, &req.strategies)?;
        if let Some(d) = req.draws {
            if loaded.priors.is_empty() {
                let why = if loaded.priors.fixed.is_empty() {
                    "the scenario declares no priors; add an [uncertain] table (see docs/uncertainty.md)".to_string()
                } else {
                    format!("every prior was fixed by an edit ({})", loaded.priors.fixed.join(", "))
                };
                return Err(Problem::plain("draws", Some("draws"), format!("{d} draws: {why}")));
            }
            if !(1..=limits.max_prior_draws).contains(&d) {
                return Err(Problem::plain(
                    "draws",
                    Some("draws"),
                    format!("{d} draws: the web app draws 1 to {} (start it with --max-prior-draws to change)", limits.max_prior_draws),
                ));
            }
        }
        let draws = scenario::draws(&loaded.scenario, picked.len()) * f64::from(req.draws.unwrap_or(1));
        if draws > limits.max_draws as f64 {
            return Err(Problem::plain(
                &loaded.origin,
                Some("replicates"),
                format!(
                    "this comparison would draw about {draws:.0} agent-months (adults x replicates x months x strategies x draws of the priors); \
                     the web app runs at most {} (fewer replicates, months or strategies, or start it with --max-draws)",
                    limits.max_draws
                ),
            ));
        }
        Ok((loaded, picked, req.draws))
    })
    .await;
    let (loaded, picked, draws) = match loaded {
        Ok(Ok(x)) => x,
        Ok(Err(p)) => return problem(p),
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "reading the scenario failed unexpectedly"),
    };
    match app.queue.submit(loaded, picked, draws) {
        Ok(s) => status_response(StatusCode::ACCEPTED, s),
        Err(Refused::Busy(m)) => {
            let mut r = error(StatusCode::SERVICE_UNAVAILABLE, &m);
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
            r
        }
    }
}

/// Baseline first, then the strategies asked for (all if none), as
/// `normshift compare --strategies` picks them.
fn pick(l: &scenario::Loaded, wanted: &[String]) -> Result<Vec<usize>, Problem> {
    let s = &l.scenario;
    let all: Vec<&str> = s.strategies.iter().map(|x| x.name.as_str()).collect();
    let base = super::super::compare::BASELINE;
    let Some(b) = all.iter().position(|n| *n == base) else {
        return Err(Problem::plain(
            &l.origin,
            Some("strategies"),
            "this scenario has no strategy named `baseline` to compare with; add `[[strategies]]` with `name = \"baseline\"` and no interventions".into(),
        ));
    };
    let mut picked = vec![b];
    let wanted: Vec<&str> = if wanted.is_empty() { all.clone() } else { wanted.iter().map(|w| w.trim()).collect() };
    for n in wanted {
        let k = all.iter().position(|x| *x == n).ok_or_else(|| {
            let shown: String = n.chars().filter(|c| !c.is_control()).take(60).collect();
            Problem::plain("strategies", None, format!("no strategy named `{shown}`; this scenario has: {}", all.join(", ")))
        })?;
        if !picked.contains(&k) {
            picked.push(k);
        }
    }
    Ok(picked)
}

async fn poll(State(app): State<Shared>, Path(id): Path<u64>) -> Response {
    match app.queue.poll(id) {
        Some(s) => status_response(StatusCode::OK, s),
        None => error(StatusCode::NOT_FOUND, "no such job (finished jobs are kept only for a while)"),
    }
}

async fn cancel(State(app): State<Shared>, Path(id): Path<u64>) -> Response {
    match app.queue.cancel(id, "cancelled by its page") {
        Some(s) => status_response(StatusCode::OK, s),
        None => error(StatusCode::NOT_FOUND, "no such job"),
    }
}

fn not_ready() -> Response {
    error(StatusCode::NOT_FOUND, "no finished job with that id (it may still be running, cancelled, or dropped after a while)")
}

fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// The comparison as the page shows it: the CLI's ranked table and every
/// row of `comparison.csv`, plus the figures' titles and captions.
async fn result(State(app): State<Shared>, Path(id): Path<u64>) -> Response {
    let Some((out, loaded)) = app.queue.output(id) else { return not_ready() };
    let s = &loaded.scenario;
    let rows = &out.rows;
    let find = |st: &str, m: &str| rows.iter().find(|r| r.strategy == st && r.metric == m);
    let base = super::super::compare::BASELINE;
    let mut order: Vec<&String> = out.names.iter().filter(|n| *n != base).collect();
    let gain = |n: &str| find(n, "participation_end").map_or(f64::NEG_INFINITY, |r| r.diff_mean);
    order.sort_by(|a, b| gain(b).total_cmp(&gain(a)));
    let base_sanctions = find(base, "sanctions_total").map_or(f64::NAN, |r| r.mean);
    let f = |x: f64| if x.is_finite() { json!(x) } else { Value::Null };
    let mut table = Vec::new();
    for (k, n) in std::iter::once(&base.to_string()).chain(order).enumerate() {
        let (Some(e), Some(fin), Some(sa), Some(risk), Some(c)) = (
            find(n, "participation_end"),
            find(n, "participation_final"),
            find(n, "sanctions_total"),
            find(n, "women_sanctioned_mean"),
            find(n, "cost_total"),
        ) else {
            continue;
        };
        let cpp = find(n, "cost_per_point").map_or(f64::NAN, |r| r.mean);
        let colour = out.names.iter().position(|x| x == n).map(|i| hex(style::strategy_colour(&out.names, i)));
        table.push(json!({
            "rank": k,
            "strategy": n,
            "label": style::strategy_label(n),
            "colour": colour,
            "baseline": n == base,
            "end_pct": f(100.0 * e.mean),
            "gain": f(100.0 * e.diff_mean),
            "gain_lo": f(100.0 * e.diff_lo),
            "gain_hi": f(100.0 * e.diff_hi),
            "gain_sure": e.diff_lo > 0.0,
            "final_pct": f(100.0 * fin.mean),
            "final_gain": f(100.0 * fin.diff_mean),
            "sanctions_change_pct": f(if base_sanctions > 0.0 { 100.0 * sa.diff_mean / base_sanctions } else { f64::NAN }),
            "more_sanctions": sa.verdict == Verdict::Exposure,
            "risk_pct": f(100.0 * risk.mean),
            "risk_change": f(100.0 * risk.diff_mean),
            "risk_harm": risk.verdict == Verdict::Harm,
            "cost": f(c.mean),
            "cost_per_point": f(cpp),
            // comparison.csv's own cells, for checking against `normshift compare`.
            "csv": {
                "participation_end_mean": num(e.mean),
                "participation_end_diff_mean": num(e.diff_mean),
                "participation_end_diff_lo": num(e.diff_lo),
                "participation_end_diff_hi": num(e.diff_hi),
            },
        }));
    }
    let all: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "strategy": r.strategy, "metric": r.metric, "mean": num(r.mean), "p05": num(r.p05), "p95": num(r.p95),
                "diff_mean": num(r.diff_mean), "diff_lo": num(r.diff_lo), "diff_hi": num(r.diff_hi),
                "p_better": num(r.p_better), "verdict": r.verdict.as_str(),
            })
        })
        .collect();
    let figures: Vec<Value> = out
        .drawn
        .figures
        .iter()
        .map(|f| json!({ "id": f.id, "title": f.title, "caption": f.caption, "url": format!("/api/jobs/{id}/figures/{}.svg", f.id) }))
        .collect();
    let uncertainty = out.uncertainty.as_ref().map(|u| uncertainty_json(u, s, &loaded.origin));
    // Only some strategies ticked: `--strategies` names them, as the CLI takes them.
    let picked = if out.names.len() < s.strategies.len() {
        format!(" --strategies {}", out.names.iter().filter(|n| *n != base).cloned().collect::<Vec<_>>().join(","))
    } else {
        String::new()
    };
    let command = match &out.uncertainty {
        Some(u) => format!("normshift compare scenario.toml --draws {} --reps {}{picked}", u.draws, u.reps),
        None => format!("normshift compare scenario.toml{picked}"),
    };
    Json(json!({
        "id": id,
        "scenario": s.name,
        "origin": loaded.origin,
        "replicates": s.replicates,
        "steps": s.steps,
        "seed": s.seed,
        "programme_end": s.programme_end(),
        "wall_seconds": out.wall_seconds,
        "draw_seconds": out.draw_seconds,
        "strategies": out.names,
        "table": table,
        "rows": all,
        "figures": figures,
        "command": command,
        "uncertainty": uncertainty,
    }))
    .into_response()
}

/// The results over the draws of the priors, as `normshift compare` prints
/// them, with `comparison.csv`'s cells for checking.
fn uncertainty_json(u: &super::jobs::Uncertain, s: &normshift::scenario::Scenario, origin: &str) -> Value {
    use super::super::uncertain::{METRICS, metric};
    let f = |x: f64| if x.is_finite() { json!(x) } else { Value::Null };
    let mut order: Vec<usize> = (0..u.stats.len()).collect();
    order.sort_by(|&a, &b| (a != 0).cmp(&(b != 0)).then(u.stats[b].gain_mean.total_cmp(&u.stats[a].gain_mean)).then(a.cmp(&b)));
    let rows: Vec<Value> = order
        .into_iter()
        .map(|k| {
            let st = &u.stats[k];
            let csv: serde_json::Map<String, Value> = METRICS
                .iter()
                .map(|m| {
                    let (mean, lo, hi) = metric(st, m);
                    (m.to_string(), json!([num(mean), num(lo), num(hi)]))
                })
                .collect();
            json!({
                "strategy": st.strategy,
                "baseline": k == 0,
                "gain": f(100.0 * st.gain_mean),
                "gain_lo": f(100.0 * st.gain_p05),
                "gain_hi": f(100.0 * st.gain_p95),
                "p_beats_baseline": f(st.p_beats_baseline),
                "p_best": f(st.p_best),
                "p_best_per_dollar": f(st.p_best_per_dollar),
                "regret": f(100.0 * st.regret_mean),
                "regret_p90": f(100.0 * st.regret_p90),
                "p_harm": f(st.p_harm),
                "parameter_share": f(st.parameter_share),
                "csv": csv,
            })
        })
        .collect();
    json!({
        "draws": u.draws,
        "replicates_per_draw": u.reps,
        "parameters": u.keys,
        "fixed": u.fixed,
        "rows": rows,
        "sentences": u.sentences,
        "programme_end": s.programme_end(),
        "origin": origin,
    })
}

async fn figure(State(app): State<Shared>, Path((id, file)): Path<(u64, String)>) -> Response {
    let Some((out, _)) = app.queue.output(id) else { return not_ready() };
    let Some(stem) = file.strip_suffix(".svg") else { return error(StatusCode::NOT_FOUND, "figures are served as .svg") };
    match out.drawn.figures.iter().find(|f| f.id == stem) {
        Some(f) => ([(header::CONTENT_TYPE, "image/svg+xml")], f.svg.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, "no such figure"),
    }
}

/// A name safe as a download's file or folder name.
fn safe_name(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).take(60).collect();
    if s.is_empty() { "results".into() } else { s }
}

fn download(bytes: Vec<u8>, kind: &'static str, file: &str) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    (headers, Body::from(bytes)).into_response()
}

/// The results folder `normshift compare` would write, as a zip.
async fn zip(State(app): State<Shared>, Path(id): Path<u64>) -> Response {
    let Some((out, loaded)) = app.queue.output(id) else { return not_ready() };
    let folder = safe_name(&loaded.scenario.name);
    let made = tokio::task::spawn_blocking(move || -> zip::result::ZipResult<Vec<u8>> {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in &out.files {
            w.start_file(format!("{folder}/{name}"), opts)?;
            w.write_all(bytes)?;
        }
        Ok(w.finish()?.into_inner())
    })
    .await;
    match made {
        Ok(Ok(bytes)) => download(bytes, "application/zip", &format!("{}-results.zip", safe_name(&loaded.scenario.name))),
        _ => error(StatusCode::INTERNAL_SERVER_ERROR, "the zip could not be made"),
    }
}

/// The edited scenario with every default written out: `normshift compare
/// scenario.toml` reproduces the job's numbers exactly.
async fn scenario_file(State(app): State<Shared>, Path(id): Path<u64>) -> Response {
    let Some((out, loaded)) = app.queue.output(id) else { return not_ready() };
    match out.files.iter().find(|(n, _)| n == "scenario.toml") {
        Some((_, b)) => download(b.clone(), "application/toml", &format!("{}.toml", safe_name(&loaded.scenario.name))),
        None => error(StatusCode::INTERNAL_SERVER_ERROR, "the scenario file is missing"),
    }
}

#[derive(Deserialize)]
struct VillageQuery {
    strategy: Option<String>,
}

/// The traced village (village 0 of replicate 0) month by month under
/// baseline and one other strategy, with its layout, the figures' colours,
/// and the series the trainer's charts grow.
async fn village(State(app): State<Shared>, Path(id): Path<u64>, Query(q): Query<VillageQuery>) -> Response {
    let Some((out, loaded)) = app.queue.output(id) else { return not_ready() };
    let Some(v) = out.village.as_ref() else {
        return error(StatusCode::NOT_FOUND, "this job traced no village (its villages are larger than a picture can show)");
    };
    let layout = if let Some(l) = out.layout.get() {
        l
    } else {
        let vv = v.clone();
        let Ok(made) = tokio::task::spawn_blocking(move || plot::network::layout(&vv)).await else {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "laying out the village failed unexpectedly");
        };
        out.layout.get_or_init(|| made)
    };
    let base = super::super::compare::BASELINE;
    let other = q.strategy.unwrap_or_else(|| out.names.iter().find(|n| *n != base).cloned().unwrap_or_default());
    let mut shown = vec![base.to_string()];
    if other != base && !other.is_empty() {
        shown.push(other.clone());
    }
    let mut panels = Vec::new();
    for name in &shown {
        let Some(k) = v.strategy(name) else {
            return error(StatusCode::NOT_FOUND, &format!("strategy `{name}` is not in this job; it has: {}", v.strategies.join(", ")));
        };
        let states = &v.states[k];
        let women = v.agents.iter().filter(|a| a.woman).count().max(1) as f64;
        let codes: Vec<String> = states.iter().map(|m| m.iter().map(|&s| char::from(b'0' + s.min(9))).collect()).collect();
        let acting: Vec<f64> = states.iter().map(|m| m.iter().filter(|&&s| s == 1 || s == 2).count() as f64 / women).collect();
        let sanctioned: Vec<usize> = states.iter().map(|m| m.iter().filter(|&&s| s == 2).count()).collect();
        let run = out.results.iter().find(|r| r.id.strategy == *name && r.id.replicate == 0);
        let series = |c: usize| run.map(|r| r.months.iter().map(|m| m[c]).collect::<Vec<f64>>()).unwrap_or_default();
        let colour = out.names.iter().position(|x| x == name).map(|i| hex(style::strategy_colour(&out.names, i)));
        panels.push(json!({
            "strategy": name,
            "label": style::strategy_label(name),
            "colour": colour,
            "states": codes,
            "village_participation": acting,
            "village_sanctioned": sanctioned,
            "district_participation": series(col::PARTICIPATION),
            "attitude_women": series(col::ATTITUDE_WOMEN),
            "attitude_men": series(col::ATTITUDE_MEN),
        }));
    }
    let agents: Vec<Value> = v
        .agents
        .iter()
        .zip(&layout.pos)
        .map(|(a, p)| json!([(p.0 * 1000.0).round() / 1000.0, (p.1 * 1000.0).round() / 1000.0, a.woman, a.role.is_leader()]))
        .collect();
    let legend = [
        "Woman, not taking part",
        "Woman taking part",
        "Woman sanctioned this month",
        "Man, no stance",
        "Man supporting",
        "Man opposing",
        "Male champion",
    ];
    let state_colours: Vec<String> = (0..7).map(|s| hex(plot::network::state_colour(s))).collect();
    Json(json!({
        "scenario": loaded.scenario.name,
        "months": v.states.first().map_or(0, |s| s.len()),
        "programme_end": loaded.scenario.programme_end(),
        "agents": agents,
        "household": layout.household,
        "peer": layout.peer,
        "legend": legend,
        "state_colours": state_colours,
        "panels": panels,
        "strategies": out.names,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::host_allowed;

    #[test]
    fn only_ip_addresses_and_localhost_on_our_port_pass() {
        assert!(host_allowed("127.0.0.1:8080", 8080));
        assert!(host_allowed("localhost:8080", 8080));
        assert!(host_allowed("LOCALHOST:8080", 8080));
        assert!(host_allowed("[::1]:8080", 8080));
        assert!(host_allowed("192.0.2.7:8080", 8080));
        assert!(host_allowed("localhost", 80));
        assert!(!host_allowed("localhost:8081", 8080));
        assert!(!host_allowed("evil.example:8080", 8080));
        assert!(!host_allowed("localhost.evil.example:8080", 8080));
        assert!(!host_allowed("", 8080));
        assert!(!host_allowed("127.0.0.1", 8080));
    }
}
