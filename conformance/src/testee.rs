//! The bundled reference testee: `conformance/testees/node-socketio-4`, started on a free
//! loopback port for a run with no URL, and stopped when the run ends.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running testee; dropping it kills the process (and its stdin pipe closing stops it too).
pub(crate) struct Testee {
    child: Child,
    /// The base URL it listens on, e.g. `http://127.0.0.1:43991`.
    pub(crate) url: String,
    /// The Socket.IO path, e.g. `/socket.io/`.
    pub(crate) path: String,
}

/// Where the bundled testee lives (the repository checkout this binary was built from).
pub(crate) fn bundled_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testees/node-socketio-4")
}

impl Testee {
    /// Provisions (`npm ci` on first use) and starts the bundled testee; waits for its
    /// `listening <url>` line.
    pub(crate) async fn start() -> Result<Testee, String> {
        let dir = bundled_dir();
        let mut child = Command::new("bash")
            .arg(dir.join("run.sh"))
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start the bundled testee ({}): {e}; install bash, Node.js 20 and npm",
                    dir.display()
                )
            })?;
        let stdout = child.stdout.take().ok_or("the testee has no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        // npm ci on a fresh machine takes a while; bounded all the same.
        let line = tokio::time::timeout(Duration::from_secs(300), lines.next_line())
            .await
            .map_err(|_| "the bundled testee did not start within 300 s".to_owned())?
            .map_err(|e| format!("reading the testee's output: {e}"))?
            .ok_or("the bundled testee exited before listening; install Node.js 20 and npm")?;
        let rest = line
            .strip_prefix("listening ")
            .ok_or_else(|| format!("unexpected first line from the testee: {line:?}"))?;
        // `http://127.0.0.1:<port><path>`
        let after_scheme = rest
            .strip_prefix("http://")
            .ok_or("testee URL is not http")?;
        let slash = after_scheme.find('/').unwrap_or(after_scheme.len());
        Ok(Testee {
            child,
            url: format!("http://{}", &after_scheme[..slash]),
            path: after_scheme[slash..].to_owned(),
        })
    }

    /// Stops the testee and waits for it, bounded.
    pub(crate) async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}
