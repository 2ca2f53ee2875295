//! The cluster and TLS cases against their bundled testees, started by the runner itself
//! (`run --testee NAME`): `node-socketio-4-redis` (two socket.io nodes sharing Redis; its run.sh
//! installs redis-server with apt-get when it is missing) and `node-socketio-4-tls` (https/wss with
//! a private CA that `--testee` trusts by itself).

mod common;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn runner() -> Command {
    Command::new(env!("CARGO_BIN_EXE_socketio-conformance"))
}

/// Installs what the testee needs, outside the timed run.
fn provision(testee: &str) {
    let needs = if testee.ends_with("redis") {
        "Node.js 20 and npm, and redis-server (installed with apt-get when missing; that needs \
         root or sudo)"
    } else {
        "Node.js 20 and npm, and openssl"
    };
    common::provision(testee, needs);
}

/// Runs the runner and returns its output, the parsed JSON report, and how long it took.
fn run(args: &[&str]) -> (Output, serde_json::Value, Duration) {
    let started = Instant::now();
    let output = runner()
        .args(["run", "--format", "json"])
        .args(args)
        .output()
        .expect("run socketio-conformance");
    let took = started.elapsed();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_default();
    (output, report, took)
}

/// `(id, grade, seen)` of every case in the report.
fn grades(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["cases"]
        .as_array()
        .map(|cases| {
            cases
                .iter()
                .map(|c| {
                    (
                        c["id"].as_str().unwrap_or_default().to_owned(),
                        c["grade"].as_str().unwrap_or_default().to_owned(),
                        c["seen"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The pids the testee's stderr reports (`… (pid N)`), to check none outlives the run.
fn reported_pids(stderr: &str) -> Vec<u32> {
    stderr
        .split("(pid ")
        .skip(1)
        .filter_map(|rest| rest.split(')').next()?.trim().parse().ok())
        .collect()
}

fn alive(pid: u32) -> bool {
    // A zombie still has a /proc entry; its state letter is then `Z`.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| !rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

// spec: TESTEE1-BCAST-001, TESTEE1-BCAST-002, TESTEE1-ROOM-002, TESTEE1-TGT-001, EIO4-ERR-003
#[test]
fn the_cluster_cases_pass_against_two_nodes_sharing_redis() {
    provision("node-socketio-4-redis");
    let (output, report, took) = run(&["--testee", "node-socketio-4-redis", "*/cluster-*"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("cluster cases: {} ms", took.as_millis());
    let cases = grades(&report);
    assert!(
        output.status.success() && cases.len() == 8,
        "the cluster run failed (exit {:?}, {} cases); if redis-server could not be installed or \
         started, or node is missing, stderr says so:\n{stderr}\ncases: {cases:#?}",
        output.status.code(),
        cases.len()
    );
    assert!(
        stderr.contains("cluster: 2 nodes"),
        "the runner did not see two nodes:\n{stderr}"
    );
    for (id, grade, seen) in &cases {
        if id == "EIO4-ERR-003/cluster-sid-on-other-node" {
            assert_eq!(grade, "INFORMATIONAL", "{id}: {seen}");
            assert!(seen.contains("HTTP 400 with code 1"), "{id}: {seen}");
        } else {
            assert_eq!(grade, "PASS", "{id}: {seen}");
        }
    }
    assert!(
        took < Duration::from_secs(30),
        "took {} ms",
        took.as_millis()
    );
    // The testee stopped Redis and both nodes when the run ended.
    let pids = reported_pids(&stderr);
    assert!(pids.len() >= 3, "no pids reported:\n{stderr}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| alive(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let left: Vec<u32> = pids.into_iter().filter(|p| alive(*p)).collect();
    assert!(left.is_empty(), "processes outlived the run: {left:?}");
}

// spec: EIO4-HS-002, EIO4-HS-004, EIO4-UPG-005, TESTEE1-CORE-003
#[test]
fn the_tls_cases_pass_over_https_and_wss_with_the_testee_ca() {
    provision("node-socketio-4-tls");
    let (output, report, took) = run(&["--testee", "node-socketio-4-tls", "*/tls-*"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("TLS cases: {} ms", took.as_millis());
    let cases = grades(&report);
    assert!(
        output.status.success() && cases.len() == 6,
        "the TLS run failed (exit {:?}, {} cases); stderr:\n{stderr}\ncases: {cases:#?}",
        output.status.code(),
        cases.len()
    );
    assert_eq!(
        report["target"].as_str().map(|t| t.starts_with("https://")),
        Some(true)
    );
    for (id, grade, seen) in &cases {
        if id == "EIO4-HS-002/tls-public-roots-only" {
            assert_eq!(grade, "INFORMATIONAL", "{id}: {seen}");
            assert!(seen.contains("TLS error"), "{id}: {seen}");
        } else {
            assert_eq!(grade, "PASS", "{id}: {seen}");
        }
    }
    assert!(
        took < Duration::from_secs(30),
        "took {} ms",
        took.as_millis()
    );
}

/// Against a plain-http target the TLS and cluster cases are UNSUPPORTED, not FAIL.
#[test]
fn the_tls_and_cluster_cases_are_unsupported_against_one_plain_server() {
    let (output, report, _) = run(&["*/tls-*", "*/cluster-*"]);
    let cases = grades(&report);
    assert!(
        output.status.success() && cases.len() == 14,
        "exit {:?}; stderr:\n{}\ncases: {cases:#?}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    for (id, grade, seen) in &cases {
        assert_eq!(grade, "UNSUPPORTED", "{id}: {seen}");
    }
}

#[test]
fn an_unknown_testee_is_a_usage_error() {
    let output = runner()
        .args(["run", "--testee", "no-such-testee"])
        .output()
        .expect("run socketio-conformance");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no testee `no-such-testee`") && stderr.contains("node-socketio-4-redis"),
        "{stderr}"
    );
}
