//! `normshift serve` through its HTTP endpoints, with the real binary on a
//! free loopback port (`--port 0`): the same numbers as `normshift compare`
//! byte for byte, located errors for bad input, the Host check, the body
//! limit, a burst of 50 concurrent comparisons queued or refused while the
//! server keeps answering, and cancellation of abandoned jobs. The pages
//! themselves are tested in a real browser by `scripts/browser-test.sh`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_normshift");

/// A running server, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--port", "0", "--threads", "2"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start normshift serve");
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
        // Keep reading what it prints, so its stdout stays open.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        // "normshift serve: the designer's page is at http://127.0.0.1:PORT/ and ..."
        let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_else(|| panic!("no address in {line:?}"));
        let addr = url.trim_start_matches("http://").trim_end_matches('/').to_string();
        Server { child, addr }
    }

    fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Vec<u8>) {
        request_host(&self.addr, &self.addr, method, path, body)
    }

    fn json(&self, method: &str, path: &str, body: Option<&str>) -> (u16, serde_json::Value) {
        let (code, bytes) = self.request(method, path, body);
        let v = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {}", String::from_utf8_lossy(&bytes)));
        (code, v)
    }

    /// Poll a job until it ends; returns its last status.
    fn wait(&self, id: u64) -> serde_json::Value {
        let t0 = Instant::now();
        loop {
            let (code, s) = self.json("GET", &format!("/api/jobs/{id}"), None);
            assert_eq!(code, 200, "{s}");
            if !["queued", "running"].contains(&s["state"].as_str().unwrap()) {
                return s;
            }
            assert!(t0.elapsed() < Duration::from_secs(300), "job {id} did not finish: {s}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// One HTTP/1.1 request with `Connection: close`; returns status and body.
fn request_host(addr: &str, host: &str, method: &str, path: &str, body: Option<&str>) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap_or_else(|e| panic!("{method} {path}: sending: {e}"));
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap_or_else(|e| panic!("{method} {path}: reading the answer: {e} (got {} bytes)", raw.len()));
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let code: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut payload = raw[split + 4..].to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        payload = dechunk(&payload);
    }
    (code, payload)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let end = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&b[..end]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[end + 2..end + 2 + n]);
        b = &b[end + 2 + n + 2..];
    }
}

/// A small comparison of `default`, as `--set` edits.
const SMALL: [&str; 5] = ["replicates=3", "steps=18", "initial.burn_in=6", "population.villages=2", "population.households_per_village=50"];

fn job_body(sets: &[&str]) -> String {
    serde_json::json!({ "scenario": { "builtin": "default", "sets": sets } }).to_string()
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().unwrap().to_string(), b)
        })
        .collect()
}

#[test]
fn a_comparison_from_the_server_equals_normshift_compare() {
    let server = Server::start(&[]);
    let (code, s) = server.json("POST", "/api/jobs", Some(&job_body(&SMALL)));
    assert_eq!(code, 202, "{s}");
    let id = s["id"].as_u64().unwrap();
    // Asked again (a second click): the same job, not a second in the queue.
    let (code, again) = server.json("POST", "/api/jobs", Some(&job_body(&SMALL)));
    assert_eq!((code, again["id"].as_u64()), (202, Some(id)), "{again}");
    let s = server.wait(id);
    assert_eq!(s["state"], "done", "{s}");
    assert_eq!(s["runs_done"], s["runs_total"]);
    // Once done too; another seed is another job.
    let (_, again) = server.json("POST", "/api/jobs", Some(&job_body(&SMALL)));
    assert_eq!((again["id"].as_u64(), again["state"].as_str()), (Some(id), Some("done")), "{again}");
    let mut other: Vec<&str> = SMALL.to_vec();
    other.push("seed=7");
    let (_, another) = server.json("POST", "/api/jobs", Some(&job_body(&other)));
    assert_ne!(another["id"].as_u64(), Some(id), "{another}");
    server.json("DELETE", &format!("/api/jobs/{}", another["id"]), None);

    let (code, zip) = server.request("GET", &format!("/api/jobs/{id}/results.zip"), None);
    assert_eq!(code, 200);
    let files = unzip(&zip);
    let get = |n: &str| files.iter().find(|(k, _)| k == &format!("default/{n}")).map(|(_, b)| b.clone());

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cli");
    let mut cmd = Command::new(BIN);
    cmd.args(["compare", "default", "--no-uncertainty", "--no-plots", "--threads", "1", "--out"]).arg(&out);
    for s in SMALL {
        cmd.args(["--set", s]);
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for name in
        ["comparison.csv", "timeseries.csv", "runs.csv", "village_agents.csv", "village_ties.csv", "village_states.csv", "scenario.toml"]
    {
        let cli = std::fs::read(out.join(name)).unwrap();
        let web = get(name).unwrap_or_else(|| panic!("{name} is not in the zip"));
        assert!(cli == web, "{name} differs between the server and `normshift compare`");
    }
    for name in ["report.html", "figures/participation.svg", "figures/participation.png", "manifest.json"] {
        assert!(get(name).is_some_and(|b| !b.is_empty()), "{name} is not in the zip");
    }

    // The edited scenario file reproduces the job in a terminal.
    let (code, toml) = server.request("GET", &format!("/api/jobs/{id}/scenario.toml"), None);
    assert_eq!(code, 200);
    let file = tmp.path().join("edited.toml");
    std::fs::write(&file, &toml).unwrap();
    let again = tmp.path().join("again");
    let o = Command::new(BIN).arg("compare").arg(&file).args(["--no-plots", "--out"]).arg(&again).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read(again.join("comparison.csv")).unwrap() == get("comparison.csv").unwrap());

    // The table the page shows carries comparison.csv's cells.
    let (code, r) = server.json("GET", &format!("/api/jobs/{id}/result"), None);
    assert_eq!(code, 200, "{r}");
    let csv = String::from_utf8(get("comparison.csv").unwrap()).unwrap();
    for row in r["table"].as_array().unwrap() {
        let st = row["strategy"].as_str().unwrap();
        let line = csv.lines().find(|l| l.starts_with(&format!("{st},participation_end,"))).unwrap();
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(row["csv"]["participation_end_mean"], cells[2], "{st}");
        assert_eq!(row["csv"]["participation_end_diff_mean"], cells[5], "{st}");
    }
    let figures = r["figures"].as_array().unwrap();
    assert!(!figures.is_empty());
    let (code, svg) = server.request("GET", figures[0]["url"].as_str().unwrap(), None);
    assert_eq!(code, 200);
    assert!(String::from_utf8_lossy(&svg).contains("<svg"));

    // The trainer's village: baseline and one strategy, every month.
    let (code, v) = server.json("GET", &format!("/api/jobs/{id}/village?strategy=male_champions"), None);
    assert_eq!(code, 200, "{v}");
    let agents = v["agents"].as_array().unwrap().len();
    assert!(agents > 0);
    let panels = v["panels"].as_array().unwrap();
    assert_eq!(panels.len(), 2);
    assert_eq!(panels[0]["strategy"], "baseline");
    assert_eq!(panels[1]["strategy"], "male_champions");
    for p in panels {
        let states = p["states"].as_array().unwrap();
        assert_eq!(states.len(), 18);
        assert!(states.iter().all(|m| m.as_str().unwrap().len() == agents));
    }
    let states_csv = String::from_utf8(get("village_states.csv").unwrap()).unwrap();
    assert!(states_csv.lines().count() > 1);
    let (code, _) = server.json("GET", &format!("/api/jobs/{id}/village?strategy=nobody"), None);
    assert_eq!(code, 404);
}

#[test]
fn bad_input_gets_the_cli_message_and_the_server_keeps_answering() {
    let server = Server::start(&["--max-body", "20000"]);
    // A bad edit: located at its key, as `--set` reports it.
    let body = serde_json::json!({ "builtin": "default", "sets": ["population.elite=2"] }).to_string();
    let (code, v) = server.json("POST", "/api/scenario", Some(&body));
    assert_eq!(code, 422, "{v}");
    assert_eq!(v["problem"]["key"], "population.elite");
    assert!(v["error"].as_str().unwrap().contains("allowed: 0 to 1"), "{v}");

    // A broken upload: line, column and key of the file.
    let text = normshift::scenario::builtin("default").unwrap().replace("peer_degree = 8", "peer_degree = \"eight\"");
    let body = serde_json::json!({ "text": text, "file_name": "broken.toml" }).to_string();
    let (code, v) = server.json("POST", "/api/scenario", Some(&body));
    assert_eq!(code, 422, "{v}");
    let p = &v["problem"];
    assert_eq!(p["origin"], "broken.toml");
    let line = text.lines().position(|l| l.contains("\"eight\"")).unwrap() + 1;
    assert_eq!(p["line"].as_u64(), Some(line as u64), "{v}");
    assert!(p["column"].as_u64().is_some());
    assert_eq!(p["key"], "network.peer_degree", "{v}");
    // Which the CLI reports the same way.
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("broken.toml");
    std::fs::write(&f, &text).unwrap();
    let o = Command::new(BIN).arg("check").arg(&f).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let cli = String::from_utf8_lossy(&o.stderr);
    let msg = v["error"].as_str().unwrap();
    let tail = msg.split_once(": ").unwrap().1;
    assert!(cli.contains(tail), "CLI said {cli}, the server {msg}");

    // Refused before running: over the limits, no baseline, a file network.
    let (code, v) = server.json("POST", "/api/jobs", Some(&job_body(&["replicates=1000"])));
    assert_eq!(code, 422);
    assert_eq!(v["problem"]["key"], "replicates");
    let body = serde_json::json!({ "scenario": { "builtin": "default" }, "strategies": ["nobody"] }).to_string();
    let (code, v) = server.json("POST", "/api/jobs", Some(&body));
    assert_eq!(code, 422, "{v}");
    let body = serde_json::json!({ "scenario": { "text": "name = \"x\"\n[network]\nkind = \"file\"\nnodes = \"/etc/passwd\"\nedges = \"/etc/passwd\"\n" } }).to_string();
    let (code, v) = server.json("POST", "/api/scenario", Some(&body));
    assert_eq!(code, 422, "{v}");

    // Not JSON, too large, unknown fields, unknown job, unknown page.
    let (code, _) = server.json("POST", "/api/scenario", Some("{not json"));
    assert_eq!(code, 400);
    let big = serde_json::json!({ "text": "#".repeat(30_000) }).to_string();
    let (code, v) = server.json("POST", "/api/scenario", Some(&big));
    assert_eq!(code, 413, "{v}");
    let (code, _) = server.json("POST", "/api/scenario", Some("{\"path\": \"/etc/passwd\"}"));
    assert_eq!(code, 422);
    let (code, _) = server.json("GET", "/api/jobs/999999", None);
    assert_eq!(code, 404);
    // A malformed job id or query is refused in JSON too.
    let (code, v) = server.json("GET", "/api/jobs/abc", None);
    assert!(code == 400 && v["error"].as_str().is_some_and(|e| !e.is_empty()), "{code} {v}");
    let (code, _) = server.json("GET", "/api/jobs/999999/results.zip", None);
    assert_eq!(code, 404);
    let (code, _) = server.json("GET", "/assets/..%2F..%2FCargo.toml", None);
    assert_eq!(code, 404);

    // DNS rebinding: a page of another site whose name points here.
    let (code, _) = request_host(&server.addr, "evil.example:80", "GET", "/api/health", None);
    assert_eq!(code, 421);
    let port = server.addr.rsplit(':').next().unwrap();
    let (code, _) = request_host(&server.addr, &format!("localhost:{port}"), "GET", "/api/health", None);
    assert_eq!(code, 200);

    // The pages and their scripts are served from the binary.
    for path in ["/", "/trainer", "/assets/app.css", "/assets/common.js", "/assets/designer.js", "/assets/trainer.js"] {
        let (code, b) = server.request("GET", path, None);
        assert_eq!(code, 200, "{path}");
        assert!(b.len() > 500, "{path} is nearly empty");
    }
    let (code, v) = server.json("GET", "/api/scenarios", None);
    assert_eq!(code, 200);
    assert!(v["scenarios"].as_array().unwrap().iter().any(|s| s["name"] == "default"));
    let (code, v) = server.json("GET", "/api/health", None);
    assert_eq!(code, 200);
    assert_eq!(v["ok"], true);
}

/// Run `normshift compare ARGS --no-plots --threads 1 --out DIR`; panics on failure.
fn cli_compare(args: &[&str], out: &std::path::Path) {
    let o = Command::new(BIN).args(args).args(["--no-plots", "--threads", "1", "--out"]).arg(out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn the_editor_adds_and_removes_interventions_and_compare_reproduces_them() {
    let server = Server::start(&[]);
    let (code, d) = server.json("POST", "/api/scenario", Some(r#"{"builtin":"default"}"#));
    assert_eq!(code, 200, "{d}");
    // The registry of kinds, each with its defaults.
    let kinds = d["kinds"].as_array().unwrap();
    let media = kinds.iter().find(|k| k["name"] == "media").unwrap();
    assert_eq!(media["target"], true);
    assert_eq!(media["cost"], true);
    let mut strategies: Vec<serde_json::Value> = d["strategies"].as_array().unwrap().iter().map(|s| s["table"].clone()).collect();
    assert_eq!(strategies.len(), 5);
    // Remove leaders_dialogue's second intervention; add a strategy with a new one.
    assert_eq!(strategies[2]["name"], "leaders_dialogue");
    strategies[2]["interventions"].as_array_mut().unwrap().remove(1);
    let mut iv = media["defaults"].clone();
    iv["target"]["group"] = "women".into();
    iv["target"]["share"] = 2.into();
    iv["end"] = 11.into();
    strategies.push(serde_json::json!({ "name": "media_women", "interventions": [iv.clone()] }));
    let body =
        |st: &[serde_json::Value], sets: &[&str]| serde_json::json!({ "builtin": "default", "sets": sets, "strategies": st }).to_string();

    // A bad value: the validator's message, located by key (no line of a text the page never shows).
    let (code, p) = server.json("POST", "/api/scenario", Some(&body(&strategies, &[])));
    assert_eq!(code, 422, "{p}");
    assert_eq!(p["problem"]["key"], "strategies.5.interventions.0.target", "{p}");
    assert!(p["problem"]["line"].is_null(), "{p}");
    assert!(p["error"].as_str().unwrap().contains("allowed"), "{p}");
    // A strategy name that cannot be a file name: the CLI's names rule.
    let mut named = strategies.clone();
    named[5]["name"] = "media women".into();
    let (code, p) = server.json("POST", "/api/scenario", Some(&body(&named, &[])));
    assert_eq!(code, 422, "{p}");
    assert_eq!(p["problem"]["key"], "strategies.5.name", "{p}");
    // An unknown kind: the registry's names.
    let mut unknown = strategies.clone();
    unknown[5]["interventions"][0] = serde_json::json!({ "kind": "radio" });
    let (code, p) = server.json("POST", "/api/scenario", Some(&body(&unknown, &[])));
    assert_eq!(code, 422, "{p}");
    assert!(p["error"].as_str().unwrap().contains("media"), "{p}");

    strategies[5]["interventions"][0]["target"]["share"] = serde_json::json!(0.3);
    let (code, d2) = server.json("POST", "/api/scenario", Some(&body(&strategies, &SMALL)));
    assert_eq!(code, 200, "{d2}");
    assert_eq!(d2["strategies"][5]["interventions"][0]["kind"], "media");
    assert_eq!(d2["strategies"][2]["interventions"].as_array().unwrap().len(), 1);

    let job = serde_json::json!({ "scenario": { "builtin": "default", "sets": SMALL, "strategies": strategies },
        "strategies": ["leaders_dialogue", "media_women"] })
    .to_string();
    let (code, s) = server.json("POST", "/api/jobs", Some(&job));
    assert_eq!(code, 202, "{s}");
    let id = s["id"].as_u64().unwrap();
    assert_eq!(server.wait(id)["state"], "done");
    let (_, zip) = server.request("GET", &format!("/api/jobs/{id}/results.zip"), None);
    let files = unzip(&zip);
    let get = |n: &str| files.iter().find(|(k, _)| k == &format!("default/{n}")).map(|(_, b)| b.clone()).unwrap();
    let csv = String::from_utf8(get("comparison.csv")).unwrap();
    assert!(csv.lines().any(|l| l.starts_with("media_women,participation_end,")), "{csv}");

    // The downloaded scenario file alone reproduces the job in a terminal, byte for byte.
    let (code, toml) = server.request("GET", &format!("/api/jobs/{id}/scenario.toml"), None);
    assert_eq!(code, 200);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("edited.toml");
    std::fs::write(&file, &toml).unwrap();
    let out = tmp.path().join("cli");
    cli_compare(&["compare", file.to_str().unwrap(), "--no-uncertainty", "--strategies", "leaders_dialogue,media_women"], &out);
    for name in ["comparison.csv", "runs.csv", "timeseries.csv"] {
        assert!(std::fs::read(out.join(name)).unwrap() == get(name), "{name} differs between the server and `normshift compare`");
    }
}

#[test]
fn priors_are_drawn_as_compare_draws_them() {
    let server = Server::start(&["--max-prior-draws", "8"]);
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/uncertain-example.toml")).unwrap();
    let sets = ["population.villages=2", "population.households_per_village=60", "steps=24", "initial.burn_in=6"];
    let job = |draws: u32| {
        serde_json::json!({ "scenario": { "text": text, "file_name": "uncertain-example.toml", "sets": sets }, "draws": draws }).to_string()
    };
    // The form offers the priors.
    let (code, d) = server.json("POST", "/api/scenario", Some(&serde_json::json!({ "text": text, "sets": sets }).to_string()));
    assert_eq!(code, 200, "{d}");
    assert_eq!(d["priors"].as_array().unwrap().len(), 6, "{d}");
    assert_eq!(d["max_prior_draws"], 8);
    // Draws beyond the server's limit, and draws of a scenario without priors, are refused.
    let (code, p) = server.json("POST", "/api/jobs", Some(&job(9)));
    assert_eq!(code, 422, "{p}");
    assert!(p["error"].as_str().unwrap().contains("--max-prior-draws"), "{p}");
    let plain = normshift::uncertainty::prior::strip(normshift::scenario::builtin("default").unwrap()).into_owned();
    let body = serde_json::json!({ "scenario": { "text": plain, "file_name": "plain.toml" }, "draws": 4 }).to_string();
    let (code, p) = server.json("POST", "/api/jobs", Some(&body));
    assert_eq!(code, 422, "{p}");
    assert!(p["error"].as_str().unwrap().contains("no priors"), "{p}");

    let (code, s) = server.json("POST", "/api/jobs", Some(&job(4)));
    assert_eq!(code, 202, "{s}");
    let id = s["id"].as_u64().unwrap();
    let s = server.wait(id);
    assert_eq!(s["state"], "done", "{s}");
    let (_, zip) = server.request("GET", &format!("/api/jobs/{id}/results.zip"), None);
    let files = unzip(&zip);
    let get = |n: &str| {
        files.iter().find(|(k, _)| k == &format!("uncertain-example/{n}")).map(|(_, b)| b.clone()).unwrap_or_else(|| panic!("{n} missing"))
    };

    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("uncertain-example.toml");
    std::fs::write(&file, &text).unwrap();
    let out = tmp.path().join("cli");
    let mut args = vec!["compare", file.to_str().unwrap(), "--draws", "4", "--reps", "2"];
    for s in &sets {
        args.extend(["--set", s]);
    }
    cli_compare(&args, &out);
    for name in ["comparison.csv", "draws.csv", "discovery.csv", "acceptability.csv", "runs.csv", "timeseries.csv", "scenario.toml"] {
        assert!(std::fs::read(out.join(name)).unwrap() == get(name), "{name} differs between the server and `normshift compare --draws 4`");
    }
    // The page's table carries the same cells.
    let (code, r) = server.json("GET", &format!("/api/jobs/{id}/result"), None);
    assert_eq!(code, 200, "{r}");
    let u = &r["uncertainty"];
    assert_eq!(u["draws"], 4);
    let csv = String::from_utf8(get("comparison.csv")).unwrap();
    for row in u["rows"].as_array().unwrap() {
        let st = row["strategy"].as_str().unwrap();
        let line = csv.lines().find(|l| l.starts_with(&format!("{st},p_best,"))).unwrap();
        assert_eq!(row["csv"]["p_best"][0], line.split(',').nth(2).unwrap(), "{st}");
    }
    assert!(r["figures"].as_array().unwrap().iter().any(|f| f["id"] == "chances"), "{r}");

    // The downloaded scenario (resolved, with its priors) reproduces it.
    let (_, toml) = server.request("GET", &format!("/api/jobs/{id}/scenario.toml"), None);
    let again_file = tmp.path().join("again.toml");
    std::fs::write(&again_file, &toml).unwrap();
    let again = tmp.path().join("again");
    cli_compare(&["compare", again_file.to_str().unwrap(), "--draws", "4", "--reps", "2"], &again);
    assert!(std::fs::read(again.join("comparison.csv")).unwrap() == get("comparison.csv"));
}

/// Peak resident memory of a process in kB (Linux `VmHWM`), if known: the
/// most it held at any moment so far, not only now.
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()
}

#[test]
fn fifty_concurrent_compares_are_queued_or_refused() {
    let server = Server::start(&["--running", "1", "--queued", "4"]);
    // Each job big enough to still be running while the others arrive.
    // Fifty different comparisons (the same one asked again is that job).
    let addr = server.addr.clone();
    let handles: Vec<_> = (0..50)
        .map(|k| {
            let (addr, body) = (addr.clone(), job_body(&["replicates=10", &format!("seed={}", k + 1)]));
            std::thread::spawn(move || request_host(&addr, &addr, "POST", "/api/jobs", Some(&body)))
        })
        .collect();
    // Pages and health asked for in the middle of the burst are answered too.
    let during: Vec<_> = ["/api/health", "/", "/api/health"]
        .into_iter()
        .map(|path| {
            let addr = addr.clone();
            std::thread::spawn(move || request_host(&addr, &addr, "GET", path, None).0)
        })
        .collect();
    let answers: Vec<(u16, Vec<u8>)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for h in during {
        assert_eq!(h.join().unwrap(), 200, "a page or the health check was not served during the burst");
    }
    let mut accepted = Vec::new();
    for (code, body) in &answers {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        match code {
            202 => accepted.push(v["id"].as_u64().unwrap()),
            503 => assert!(v["error"].as_str().unwrap().contains("busy"), "{v}"),
            other => panic!("status {other}: {v}"),
        }
    }
    assert!((1..=5).contains(&accepted.len()), "{} accepted; at most 1 running and 4 waiting", accepted.len());
    assert_eq!(answers.iter().filter(|a| a.0 == 503).count(), 50 - accepted.len());

    // The server keeps answering while the queue is full: during a job.
    let (code, v) = server.json("GET", "/api/health", None);
    assert_eq!(code, 200);
    assert_eq!(v["running"], 1, "{v}");
    assert!((v["waiting"].as_u64().unwrap() as usize) < accepted.len(), "{v}");
    let (code, _) = server.request("GET", "/", None);
    assert_eq!(code, 200);
    if let Some(kb) = peak_rss_kb(server.child.id()) {
        assert!(kb < 1_000_000, "the server held up to {kb} kB during the burst");
    }

    // Cancel them all; the queue empties and takes new work.
    for id in &accepted {
        let (code, s) = server.json("DELETE", &format!("/api/jobs/{id}"), None);
        assert_eq!(code, 200);
        assert_eq!(s["state"], "cancelled", "{s}");
    }
    let t0 = Instant::now();
    loop {
        let (_, v) = server.json("GET", "/api/health", None);
        if v["running"] == 0 && v["waiting"] == 0 {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "cancelled jobs still running: {v}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let (code, s) = server.json("POST", "/api/jobs", Some(&job_body(&SMALL)));
    assert_eq!(code, 202, "{s}");
    assert_eq!(server.wait(s["id"].as_u64().unwrap())["state"], "done");
}

#[test]
fn a_job_two_pages_asked_for_stops_only_when_both_let_go() {
    let server = Server::start(&["--running", "1"]);
    let body = job_body(&["replicates=20", "steps=200"]);
    let (_, a) = server.json("POST", "/api/jobs", Some(&body));
    let (_, b) = server.json("POST", "/api/jobs", Some(&body));
    let id = a["id"].as_u64().unwrap();
    assert_eq!(b["id"].as_u64(), Some(id), "{b}");
    // The first page cancels: the second still waits for it.
    let (code, s) = server.json("DELETE", &format!("/api/jobs/{id}"), None);
    assert_eq!(code, 200);
    assert_ne!(s["state"], "cancelled", "{s}");
    let (_, s) = server.json("GET", &format!("/api/jobs/{id}"), None);
    assert_ne!(s["state"], "cancelled", "{s}");
    // The second lets go too: cancelled.
    let (_, s) = server.json("DELETE", &format!("/api/jobs/{id}"), None);
    assert_eq!(s["state"], "cancelled", "{s}");
}

#[test]
fn a_job_nobody_polls_is_cancelled() {
    let server = Server::start(&["--abandon-after", "1", "--running", "1"]);
    let (code, s) = server.json("POST", "/api/jobs", Some(&job_body(&["replicates=20", "steps=200"])));
    assert_eq!(code, 202, "{s}");
    let id = s["id"].as_u64().unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let (_, s) = server.json("GET", &format!("/api/jobs/{id}"), None);
    assert_eq!(s["state"], "cancelled", "{s}");
    assert!(s["message"].as_str().unwrap().contains("stopped asking"), "{s}");
    assert!(s["runs_done"].as_u64().unwrap() < s["runs_total"].as_u64().unwrap(), "{s}");
}

#[test]
fn only_loopback_without_allow_remote() {
    let o = Command::new(BIN).args(["serve", "--host", "0.0.0.0", "--port", "0"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--allow-remote"));
    let o = Command::new(BIN).args(["serve", "--running", "0"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}
