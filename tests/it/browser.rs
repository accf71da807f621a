//! `report.html` in a real browser: headless Chromium opens the report of a
//! small `compare` from disk (offline), and the test fails if any image or
//! inline figure did not render or the page raised a script error (the
//! report's own script records both on `<body>`), or if the screenshot is
//! blank.
//!
//! Without Chromium the test prints why and passes, except under CI
//! (`CI` set and not `false`), where a missing browser is a failure:
//! `.ci/run` installs Debian's `chromium`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_normshift");

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Run Chromium headless on `url` with `extra` flags; returns (stdout,
/// stderr). Killed after two minutes.
fn headless(browser: &Path, url: &str, extra: &[String]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(extra)
    .arg(url)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    // Read both pipes on threads so a full pipe never blocks the browser.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).ok();
        s
    });
    let start = Instant::now();
    loop {
        match child.try_wait().unwrap() {
            Some(_) => break,
            None if start.elapsed() > Duration::from_secs(120) => {
                child.kill().ok();
                child.wait().ok();
                panic!("chromium did not finish within two minutes on {url}");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    (t_out.join().unwrap_or_default(), t_err.join().unwrap_or_default())
}

/// The value of attribute `name` on the dumped `<body>` tag.
fn body_attribute<'a>(dom: &'a str, name: &str) -> Option<&'a str> {
    let start = dom.find("<body")?;
    let tag = &dom[start..start + dom[start..].find('>')?];
    let key = format!("{name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(&tag[at..at + tag[at..].find('"')?])
}

#[test]
fn the_report_renders_in_a_real_browser() {
    let Some(browser) = chromium() else {
        if under_ci() {
            panic!("chromium is not installed, and CI is set: .ci/run must install it (apt-get install -y chromium)");
        }
        eprintln!("SKIPPED the_report_renders_in_a_real_browser: chromium is not installed (apt-get install chromium); CI does install it");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("results");
    let o = Command::new(BIN)
        .args(["compare", "default", "--reps", "2", "--steps", "18", "--set", "initial.burn_in=6"])
        .args(["--set", "population.villages=2", "--set", "population.households_per_village=50", "--threads", "2"])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "compare failed: {}", String::from_utf8_lossy(&o.stderr));
    let report = out.join("report.html");
    let url = format!("file://{}", report.canonicalize().unwrap().display());

    // The DOM after load, with the script's verdict on <body>.
    let (dom, log) = headless(&browser, &url, &["--virtual-time-budget=10000".into(), "--dump-dom".into()]);
    assert!(dom.contains("<body"), "chromium printed no DOM; its log:\n{log}");
    let images = body_attribute(&dom, "data-images").unwrap_or("none");
    assert_eq!(body_attribute(&dom, "data-images-ok"), Some("true"), "some image or figure did not render ({images} checked); log:\n{log}");
    assert_eq!(body_attribute(&dom, "data-errors"), Some("0"), "the page raised errors; log:\n{log}");
    let figures = std::fs::read_to_string(&report).unwrap().matches("<figure").count();
    assert_eq!(images.parse::<usize>().ok(), Some(figures), "the script checked {images} images for {figures} figures");
    for line in log.lines() {
        assert!(!line.contains("Uncaught"), "script error: {line}");
        assert!(!(line.contains("CONSOLE") && line.contains("rror")), "console error: {line}");
    }

    // A screenshot, as a person would see the top of the page.
    let shot = tmp.path().join("report.png");
    let (_, log) = headless(&browser, &url, &[format!("--screenshot={}", shot.display()), "--window-size=1200,3000".into()]);
    let bytes = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot ({e}); log:\n{log}"));
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes.as_slice())).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1200, 3000));
    let step = info.line_size / info.width as usize;
    let px = &buf[..info.buffer_size()];
    let inked = px.chunks(step).filter(|c| c[..3].iter().any(|&v| v < 200)).count();
    assert!(inked > 20_000, "the screenshot is nearly blank ({inked} inked pixels)");
}

/// The report of a comparison over priors: its section "When the
/// assumptions are uncertain" and its four figures render too.
#[test]
fn the_report_over_priors_renders_in_a_real_browser() {
    let Some(browser) = chromium() else {
        if under_ci() {
            panic!("chromium is not installed, and CI is set: .ci/run must install it (apt-get install -y chromium)");
        }
        eprintln!("SKIPPED the_report_over_priors_renders_in_a_real_browser: chromium is not installed");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("results");
    let o = Command::new(BIN)
        .args(["compare", "uncertain-example", "--draws", "8", "--steps", "18", "--set", "initial.burn_in=6"])
        .args(["--set", "population.villages=2", "--set", "population.households_per_village=50", "--threads", "2"])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "compare failed: {}", String::from_utf8_lossy(&o.stderr));
    let report = out.join("report.html");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("<section id=\"uncertainty\">") && html.contains("Probability best"), "no section on the priors");
    for id in ["gains_across_draws", "chances", "winner_map", "acceptability"] {
        assert!(html.contains(&format!("<figure id=\"{id}\"")), "{id} is not in the report");
    }
    let url = format!("file://{}", report.canonicalize().unwrap().display());
    let (dom, log) = headless(&browser, &url, &["--virtual-time-budget=10000".into(), "--dump-dom".into()]);
    assert!(dom.contains("<body"), "chromium printed no DOM; its log:\n{log}");
    let images = body_attribute(&dom, "data-images").unwrap_or("none");
    assert_eq!(body_attribute(&dom, "data-images-ok"), Some("true"), "some image or figure did not render ({images} checked); log:\n{log}");
    assert_eq!(body_attribute(&dom, "data-errors"), Some("0"), "the page raised errors; log:\n{log}");
    assert_eq!(images.parse::<usize>().ok(), Some(html.matches("<figure").count()));
}
