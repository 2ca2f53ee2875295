//! Child processes for the interop tests: Node.js programs started with a piped stdin, killed
//! on drop, every wait bounded. A missing Node.js fails the test with a message saying what to
//! install; nothing is skipped silently.

#![allow(dead_code, unreachable_pub)] // each test file uses part of this module

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

/// Bound on `npm ci` when `node_modules` is missing or stale (a no-op otherwise).
pub const INSTALL_TIMEOUT: Duration = Duration::from_secs(180);
/// Bound on a server printing its `listening` line once installed.
pub const START_TIMEOUT: Duration = Duration::from_secs(15);
/// Bound on one run of the checks.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(30);
/// The servers' ping timeout in ms: the contract's 200 ms leaves too little slack on a loaded
/// two-core CI machine (a pong queued behind a large POST), so the tests allow 1 s. The ping
/// interval stays at the contract's 300 ms so that the heartbeat is exercised.
pub const PING_TIMEOUT_MS: &str = "1000";

pub const NEED_NODE: &str = "install Node.js 20 and npm (needed by the socketio-interop tests)";

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("interop/ has a parent")
        .to_path_buf()
}

pub fn testee_dir() -> PathBuf {
    workspace_root().join("conformance/testees/node-socketio-4")
}

pub fn node_check_dir() -> PathBuf {
    workspace_root().join("interop/node")
}

/// Fails the test unless `node` (20 or later) and `npm` can be started.
pub async fn require_node() {
    for tool in ["node", "npm"] {
        let out = Command::new(tool)
            .arg("--version")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output();
        match tokio::time::timeout(Duration::from_secs(30), out).await {
            Ok(Ok(out)) if out.status.success() => {
                if tool == "node" {
                    let version = String::from_utf8_lossy(&out.stdout);
                    let major: u32 = version
                        .trim()
                        .trim_start_matches('v')
                        .split('.')
                        .next()
                        .and_then(|m| m.parse().ok())
                        .unwrap_or(0);
                    assert!(major >= 20, "{NEED_NODE}: found node {}", version.trim());
                }
            }
            Ok(Ok(out)) => panic!("{NEED_NODE}: `{tool} --version` failed: {out:?}"),
            Ok(Err(e)) => panic!("{NEED_NODE}: cannot start `{tool}`: {e}"),
            Err(_) => panic!("{NEED_NODE}: `{tool} --version` did not answer within 30 s"),
        }
    }
}

/// Runs `bash <script> --install-only` in its directory (`npm ci` when needed), bounded.
pub async fn install(script: &Path) {
    let dir = script.parent().expect("script has a directory");
    let run = Command::new("bash")
        .arg(script)
        .arg("--install-only")
        .current_dir(dir)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(INSTALL_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{} --install-only took over {INSTALL_TIMEOUT:?}",
                script.display()
            )
        })
        .unwrap_or_else(|e| panic!("cannot run bash {}: {e}; {NEED_NODE}", script.display()));
    assert!(
        out.status.success(),
        "{} --install-only failed ({NEED_NODE}):\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A child process that prints `listening <url>` first; killed when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
    /// Everything the child wrote to stderr so far.
    pub stderr: Arc<Mutex<Vec<u8>>>,
}

impl Server {
    /// Starts `command` (stdin piped, so the child can also notice the test going away) and
    /// waits for its `listening <url>` line.
    pub async fn start(mut command: Command, what: &str) -> Server {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}; {NEED_NODE}"));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut pipe = child.stderr.take().expect("stderr is piped");
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut buf = [0_u8; 8192];
            while let Ok(n) = pipe.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend_from_slice(&buf[..n]);
            }
        });
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(START_TIMEOUT, lines.next_line())
            .await
            .unwrap_or_else(|_| {
                panic!("{what} printed no `listening` line within {START_TIMEOUT:?}")
            })
            .unwrap_or_else(|e| panic!("reading {what}'s stdout: {e}"))
            .unwrap_or_else(|| {
                let err =
                    String::from_utf8_lossy(&stderr.lock().unwrap_or_else(PoisonError::into_inner))
                        .into_owned();
                panic!("{what} exited before listening; {NEED_NODE}\n--- its stderr ---\n{err}")
            });
        let url = line
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("unexpected first line from {what}: {line:?}"))
            .to_owned();
        // Keep reading stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Server { child, url, stderr }
    }

    /// What the child wrote to stderr so far, as text.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap_or_else(PoisonError::into_inner))
            .into_owned()
    }

    /// Kills the child and waits for it, bounded.
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

/// Starts the Node socket.io 4.8 testee on a free port.
pub async fn start_testee() -> Server {
    let script = testee_dir().join("run.sh");
    install(&script).await;
    let mut command = Command::new("bash");
    command
        .arg(&script)
        .current_dir(testee_dir())
        .env("PORT", "0")
        .env("PING_TIMEOUT", PING_TIMEOUT_MS)
        .env("DEBUG_TESTEE", "1");
    Server::start(command, "the Node socket.io testee").await
}

/// Runs `interop/node/client-check.mjs <url>` (installing socket.io-client when needed).
pub async fn run_node_check(url: &str) -> Output {
    let script = node_check_dir().join("run-check.sh");
    install(&script).await;
    let run = Command::new("bash")
        .arg(&script)
        .arg(url)
        .current_dir(node_check_dir())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(CHECK_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| panic!("client-check.mjs did not finish within {CHECK_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("cannot run client-check.mjs: {e}; {NEED_NODE}"))
}
