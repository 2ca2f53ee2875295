//! `socketio-conformance matrix`: runs the catalogue against every bundled testee, checks each
//! against its committed expectations, and writes the compatibility matrix as Markdown
//! (`docs/matrix.md`) and as one self-contained HTML file.
//!
//! Each testee runs in a child process of this same binary (`run --testee NAME --format json`),
//! one after the other, so a testee that crashes or hangs costs only its own row.

mod html;
mod markdown;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A testee of the matrix: a name, the folder under `conformance/testees/`, extra environment.
pub(crate) struct Testee {
    pub(crate) name: &'static str,
    pub(crate) dir: &'static str,
    pub(crate) env: &'static [(&'static str, &'static str)],
    pub(crate) what: &'static str,
}

/// Every testee, in matrix column order.
pub(crate) const TESTEES: &[Testee] = &[
    Testee {
        name: "node-socketio-4",
        dir: "node-socketio-4",
        env: &[],
        what: "socket.io 4.8 (Node), the reference",
    },
    Testee {
        name: "node-socketio-4-eio3",
        dir: "node-socketio-4",
        env: &[("ALLOW_EIO3", "1")],
        what: "socket.io 4.8 with allowEIO3",
    },
    Testee {
        name: "node-socketio-2",
        dir: "node-socketio-2",
        env: &[],
        what: "socket.io 2.5 (Node), Engine.IO v3",
    },
    Testee {
        name: "python-socketio",
        dir: "python-socketio",
        env: &[],
        what: "python-socketio 5 (ASGI, uvicorn)",
    },
    Testee {
        name: "socketioxide",
        dir: "socketioxide",
        env: &[],
        what: "socketioxide 0.18 (Rust, axum)",
    },
    Testee {
        name: "node-socketio-4-redis",
        dir: "node-socketio-4-redis",
        env: &[],
        what: "two socket.io 4.8 nodes sharing the Redis adapter",
    },
    Testee {
        name: "node-socketio-4-tls",
        dir: "node-socketio-4-tls",
        env: &[],
        what: "socket.io 4.8 over https/wss",
    },
];

/// The outcome of one testee's run.
pub(crate) struct Row {
    pub(crate) testee: &'static Testee,
    /// The JSON report, or `None` when the run produced none.
    pub(crate) report: Option<Value>,
    /// Whether every outcome matched the testee's expectations file.
    pub(crate) matched: bool,
    /// What the run printed on stderr (the mismatches, or why it could not run).
    pub(crate) log: String,
    pub(crate) seconds: f64,
}

/// Options of the matrix command.
pub(crate) struct MatrixArgs {
    pub(crate) testees: Vec<String>,
    pub(crate) markdown: PathBuf,
    pub(crate) html: PathBuf,
    pub(crate) jobs: usize,
}

/// Runs the matrix; exit status 0 when every testee matched its expectations.
pub(crate) fn run(args: &MatrixArgs) -> ExitCode {
    let selected: Vec<&'static Testee> = if args.testees.is_empty() {
        TESTEES.iter().collect()
    } else {
        let mut chosen = Vec::new();
        for name in &args.testees {
            match TESTEES.iter().find(|t| t.name == name) {
                Some(t) => chosen.push(t),
                None => {
                    let names: Vec<&str> = TESTEES.iter().map(|t| t.name).collect();
                    eprintln!(
                        "socketio-conformance: unknown testee `{name}`; testees are {}",
                        names.join(", ")
                    );
                    return ExitCode::from(2);
                }
            }
        }
        chosen
    };
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("socketio-conformance: cannot find this program: {e}");
            return ExitCode::from(2);
        }
    };
    let rows: Vec<Row> = selected
        .into_iter()
        .map(|t| run_testee(&exe, t, args.jobs))
        .collect();
    let catalogue = crate::cases::all();
    let md = markdown::render(&rows, &catalogue);
    let page = html::render(&rows, &catalogue);
    for (path, text) in [(&args.markdown, &md), (&args.html, &page)] {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("socketio-conformance: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    println!("{}", markdown::summary_table(&rows));
    println!(
        "wrote {} and {}",
        args.markdown.display(),
        args.html.display()
    );
    if rows.iter().all(|r| r.matched) {
        ExitCode::SUCCESS
    } else {
        for r in rows.iter().filter(|r| !r.matched) {
            eprintln!(
                "{}: does not match its expectations:\n{}",
                r.testee.name,
                r.log.trim()
            );
        }
        ExitCode::FAILURE
    }
}

/// The expectations file of a testee.
pub(crate) fn expectations_file(testee: &Testee) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("expectations")
        .join(format!("{}.json", testee.name))
}

fn run_testee(exe: &Path, testee: &'static Testee, jobs: usize) -> Row {
    let started = Instant::now();
    eprintln!("matrix: {} ({})", testee.name, testee.what);
    let out = std::env::temp_dir().join(format!(
        "socketio-matrix-{}-{}.json",
        testee.name,
        std::process::id()
    ));
    let mut command = Command::new(exe);
    command
        .args(["run", "--testee", testee.dir, "--format", "json", "-j"])
        .arg(jobs.to_string())
        .arg("--output")
        .arg(&out)
        .arg("--expect")
        .arg(expectations_file(testee))
        .envs(testee.env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let result = run_bounded(command, Duration::from_secs(900));
    let report = std::fs::read_to_string(&out)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let _ = std::fs::remove_file(&out);
    let (matched, log) = match result {
        Ok((status, log)) => (status == Some(0) && report.is_some(), log),
        Err(e) => (false, e),
    };
    Row {
        testee,
        report,
        matched,
        log,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// Runs a child to completion within `limit`, collecting its stderr; kills it after the limit.
fn run_bounded(mut command: Command, limit: Duration) -> Result<(Option<i32>, String), String> {
    let mut child = command.spawn().map_err(|e| format!("cannot start: {e}"))?;
    let stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut s) = stderr {
            let _ = std::io::Read::read_to_string(&mut s, &mut text);
        }
        text
    });
    let deadline = Instant::now() + limit;
    // Bounded by the deadline: polls every 100 ms.
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status.code()),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Err(e) => return Err(format!("waiting for the run: {e}")),
        }
    };
    let log = reader.join().unwrap_or_default();
    match status {
        Some(code) => Ok((code, log)),
        None => Err(format!(
            "the run did not finish within {} s\n{log}",
            limit.as_secs()
        )),
    }
}

/// The grade of `id` in a report, if the case ran.
pub(crate) fn grade_of<'a>(report: &'a Value, id: &str) -> Option<&'a str> {
    report["cases"]
        .as_array()?
        .iter()
        .find(|c| c["id"] == id)
        .and_then(|c| c["grade"].as_str())
}

/// Short label of a grade for dense tables.
pub(crate) fn short(grade: &str) -> &'static str {
    match grade {
        "PASS" => "pass",
        "NON-STRICT" => "non-strict",
        "INFORMATIONAL" => "info",
        "UNSUPPORTED" => "unsupported",
        "FAIL" => "FAIL",
        "ERROR" => "ERROR",
        _ => "?",
    }
}
