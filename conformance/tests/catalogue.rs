//! The whole catalogue against the bundled reference testee (the real Node socket.io 4 server,
//! started by the runner on a free loopback port), and the CLI's exit codes.

use std::process::Command;

fn runner() -> Command {
    Command::new(env!("CARGO_BIN_EXE_socketio-conformance"))
}

/// The whole catalogue against the real Node server: every case PASSes, or has the grade that
/// `conformance/expectations/node-socketio-4.json` records for it, with its reason.
#[test]
fn the_catalogue_matches_its_expectations_against_the_bundled_node_testee() {
    let output = runner()
        .args(["run", "--format", "json", "--expect"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/expectations/node-socketio-4.json"
        ))
        .output()
        .expect("run socketio-conformance");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_default();
    let not_passed: Vec<String> = report["cases"]
        .as_array()
        .map(|cases| {
            cases
                .iter()
                .filter(|c| c["grade"] != "PASS")
                .map(|c| format!("{} {}: {}", c["grade"], c["id"], c["seen"]))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        output.status.success(),
        "the catalogue does not match its expectations against the bundled testee (exit {:?}).\n\
         If the testee could not start, install Node.js 20 and npm.\nstderr:\n{stderr}\n\
         cases not PASS:\n{}",
        output.status.code(),
        not_passed.join("\n")
    );
    assert_eq!(report["schema_version"], 1);
    let cases = report["cases"].as_array().expect("cases");
    assert!(cases.len() >= 120, "only {} cases", cases.len());
    for case in cases {
        assert!(
            !matches!(case["grade"].as_str(), Some("FAIL" | "ERROR")),
            "{case:#}"
        );
    }
}

#[test]
fn an_unreachable_target_exits_2_with_one_line() {
    let output = runner()
        .args(["run", "http://127.0.0.1:1"])
        .output()
        .expect("run socketio-conformance");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("not reachable"), "{stderr}");
}

#[test]
fn an_unknown_filter_is_a_usage_error() {
    let output = runner()
        .args(["run", "http://127.0.0.1:1", "NO-SUCH-CASE"])
        .output()
        .expect("run socketio-conformance");
    assert_eq!(output.status.code(), Some(2));
}

/// A listed outcome that no longer happens fails the run, in either direction.
#[test]
fn expectations_fail_the_run_when_an_outcome_changes() {
    let dir = std::env::temp_dir().join(format!("sio-expect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("expect.json");
    std::fs::write(
        &file,
        r#"{"expectations":[{"case":"EIO4-ERR-002/transport-unknown","grade":"FAIL","reason":"pretend the server got this wrong"}]}"#,
    )
    .expect("write expectations");
    let output = runner()
        .args(["run", "EIO4-ERR-002", "--expect"])
        .arg(&file)
        .output()
        .expect("run socketio-conformance");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "expectation mismatch: EIO4-ERR-002/transport-unknown is PASS, expected FAIL"
        ),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn junit_report_has_a_suite_per_area() {
    let output = runner()
        .args(["run", "EIO4-ERR", "--format", "junit"])
        .output()
        .expect("run socketio-conformance");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.starts_with("<?xml"), "{stdout}");
    assert!(stdout.contains(r#"<testsuite name="EIO4-ERR""#), "{stdout}");
    assert!(
        stdout.contains(r#"<testcase name="EIO4-ERR-002/transport-unknown""#),
        "{stdout}"
    );
}

/// A server without WebSocket gets its WebSocket cases UNSUPPORTED, not FAIL, and a
/// WebSocket-only server its polling cases; the rest runs over what the server offers.
#[test]
fn a_missing_transport_makes_its_cases_unsupported() {
    for (offered, missing) in [("polling", "websocket"), ("websocket", "polling")] {
        let output = runner()
            .env("TRANSPORTS", offered)
            .args(["run", "--format", "json", "SIO5-NS-002", "SIO5-ACK-002"])
            .output()
            .expect("run socketio-conformance");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "TRANSPORTS={offered}: {stderr}\n{stdout}"
        );
        let report: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON report");
        for case in report["cases"].as_array().expect("cases") {
            let id = case["id"].as_str().unwrap_or_default();
            let want = if id.ends_with(missing) {
                "UNSUPPORTED"
            } else {
                "PASS"
            };
            assert_eq!(case["grade"], want, "TRANSPORTS={offered}: {case:#}");
        }
        assert!(
            stderr.contains(&format!("{missing} cases are UNSUPPORTED")),
            "{stderr}"
        );
    }
}
