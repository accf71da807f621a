//! Issue 16's target for the web app: a comparison started through
//! `normshift serve`'s job path takes no more than 10% longer than the same
//! `normshift compare`. Both run the real binary on the same small
//! comparison (`default` at two villages of 50 households, 6 months of
//! burn-in and 24 of programme, 5 replicates, all five strategies, seed 1,
//! figures and report included, 2 threads):
//!
//! - `cli_compare`: `normshift compare ... --out DIR --force`, start to exit.
//! - `serve_job`: the same comparison POSTed to one `normshift serve`
//!   (started once, before the samples) at `/api/jobs` and polled every
//!   5 ms until it is done, as a page polls it (the page polls every
//!   400 ms; 5 ms keeps the polling out of the figure).
//!
//! The ratio `serve_job / cli_compare` is the figure to compare with 1.1.
//! Run with `cargo bench --bench serve`; docs/web.md quotes a run. Never
//! writes outside a temporary folder; the server is stopped at the end.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_normshift");
const SETS: [&str; 6] =
    ["population.villages=2", "population.households_per_village=50", "initial.burn_in=6", "steps=24", "replicates=5", "seed=1"];

struct Server {
    child: Mutex<Child>,
    addr: String,
}

fn server() -> &'static Server {
    static S: OnceLock<Server> = OnceLock::new();
    S.get_or_init(|| {
        let mut child = Command::new(BIN)
            .args(["serve", "--port", "0", "--threads", "2"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start normshift serve");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("the server's address");
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect("an address").to_string();
        Server { child: Mutex::new(child), addr: url.trim_start_matches("http://").trim_end_matches('/').to_string() }
    })
}

/// One HTTP/1.1 request; returns status and body.
fn request(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("send");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read");
    let (head, payload) = raw.split_once("\r\n\r\n").expect("a response");
    let code = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).expect("a status");
    (code, payload.to_string())
}

fn main() {
    divan::main();
    if let Some(s) = SERVER_STARTED.get() {
        let mut c = s.child.lock().unwrap_or_else(|e| e.into_inner());
        c.kill().ok();
        c.wait().ok();
    }
}

static SERVER_STARTED: OnceLock<&'static Server> = OnceLock::new();

#[divan::bench(sample_count = 8, sample_size = 1)]
fn cli_compare(b: divan::Bencher) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("out");
    let mut args: Vec<String> = vec!["compare".into(), "default".into()];
    for s in SETS {
        args.push("--set".into());
        args.push(s.into());
    }
    args.extend(["--threads", "2", "--force", "--out"].map(String::from));
    args.push(out.display().to_string());
    b.bench(|| {
        let o = Command::new(BIN).args(&args).stdout(Stdio::null()).stderr(Stdio::null()).status().expect("run normshift compare");
        assert!(o.success(), "normshift compare failed");
    });
}

#[divan::bench(sample_count = 8, sample_size = 1)]
fn serve_job(b: divan::Bencher) {
    let s = server();
    SERVER_STARTED.get_or_init(|| s);
    let body = format!(r#"{{"scenario":{{"builtin":"default","sets":{}}}}}"#, serde_json::to_string(&SETS).expect("json"));
    b.bench(|| {
        let (code, v) = request(&s.addr, "POST", "/api/jobs", &body);
        assert_eq!(code, 202, "{v}");
        let v: serde_json::Value = serde_json::from_str(&v).expect("json");
        let id = v["id"].as_u64().expect("an id");
        loop {
            let (_, v) = request(&s.addr, "GET", &format!("/api/jobs/{id}"), "");
            let v: serde_json::Value = serde_json::from_str(&v).expect("json");
            match v["state"].as_str() {
                Some("done") => break,
                Some("queued" | "running") => std::thread::sleep(Duration::from_millis(5)),
                other => panic!("the job ended {other:?}: {v}"),
            }
        }
    });
}
