//! The compatibility matrix, as the test command runs it: every bundled testee (the reference,
//! allowEIO3, socket.io 2, python-socketio, socketioxide, the Redis cluster, TLS) is started on
//! free loopback ports, run through the catalogue and compared with its expectations file; then
//! the self-contained HTML report is rendered by headless Chromium.
//!
//! One test, because the matrix is one run of a few minutes: the rows run one after the other,
//! and nothing else in this test binary competes with them for the CPU.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// Headless Chromium with no network and a fresh profile; bounded. Returns its stdout.
///
/// Output goes to files, not pipes: a page's DOM is larger than a pipe's buffer, and a child
/// blocked on a full pipe never exits.
fn headless(browser: &str, profile: &Path, args: &[String]) -> String {
    let out_path = profile.with_extension("stdout");
    let err_path = profile.with_extension("stderr");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,1000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut finished = false;
    while Instant::now() < deadline {
        if child.try_wait().expect("wait for chromium").is_some() {
            finished = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if !finished {
        let _ = child.kill();
    }
    let _ = child.wait();
    assert!(
        finished,
        "chromium did not finish within 60 s:\n{}",
        std::fs::read_to_string(&err_path).unwrap_or_default()
    );
    std::fs::read_to_string(&out_path).unwrap_or_default()
}

/// The testees of the matrix, in column order (as `socketio-conformance matrix` lists them).
const TESTEES: [&str; 7] = [
    "node-socketio-4",
    "node-socketio-4-eio3",
    "node-socketio-2",
    "python-socketio",
    "socketioxide",
    "node-socketio-4-redis",
    "node-socketio-4-tls",
];

// spec: TESTEE1-CORE-001
#[test]
fn every_testee_matches_its_expectations_and_the_html_matrix_renders() {
    let browser = chromium().unwrap_or_else(|| {
        panic!("Chromium is not installed: run scripts/provision (apt-get install chromium)")
    });
    let dir = std::env::temp_dir().join(format!("sio-matrix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let html = dir.join("matrix.html");
    let markdown = dir.join("matrix.md");
    let output = Command::new(env!("CARGO_BIN_EXE_socketio-conformance"))
        .args(["matrix", "--markdown"])
        .arg(&markdown)
        .arg("--html")
        .arg(&html)
        .output()
        .expect("run the matrix");
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("{stdout}");
    assert!(
        output.status.success(),
        "the matrix does not match the expectations (exit {:?}). A testee that could not start \
         says why below; scripts/provision installs what they need (Node.js 20 and npm, Python 3 \
         with venv, Rust for socketioxide, redis-server from Debian).\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let md = std::fs::read_to_string(&markdown).expect("the Markdown matrix");
    for testee in TESTEES {
        let row = md
            .lines()
            .find(|l| l.starts_with(&format!("| {testee} |")))
            .unwrap_or_else(|| panic!("no summary row for {testee} in the Markdown matrix:\n{md}"));
        assert!(row.contains("| yes |"), "{testee} did not match: {row}");
    }

    let page = std::fs::read_to_string(&html).expect("the HTML report");
    for remote in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(
            !page.contains(remote),
            "the page loads something from the network: {remote}"
        );
    }

    let png = dir.join("matrix.png");
    headless(
        browser,
        &dir.join("profile-shot"),
        &[
            format!("--screenshot={}", png.display()),
            format!("file://{}", html.display()),
        ],
    );
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot: {e}"));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        bytes.len() > 20_000,
        "the screenshot is nearly empty ({} bytes)",
        bytes.len()
    );

    // The DOM a browser builds from the file holds the matrix, one row per case.
    let dom = headless(
        browser,
        &dir.join("profile-dom"),
        &[
            "--dump-dom".to_owned(),
            format!("file://{}", html.display()),
        ],
    );
    assert!(
        dom.contains("<table id=\"matrix\">"),
        "no matrix table in the rendered page"
    );
    let rows = dom.matches("class=\"case-row\"").count();
    assert!(rows >= 200, "the rendered matrix has {rows} case rows");
    assert!(
        dom.contains("<pre class=\"transcript\">") && dom.contains("ws text "),
        "the rendered page shows no wire transcript"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
