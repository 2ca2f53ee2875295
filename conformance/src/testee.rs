//! Bundled testees: `conformance/testees/<name>`, each started by its `run.sh` on free loopback
//! ports for a run with no URL (`node-socketio-4` unless `--testee NAME` names another), and
//! stopped when the run ends.
//!
//! A testee prints one line on stdout once it accepts connections: `listening <url>…` with one URL
//! (a single server) or several (the nodes of one cluster, e.g. `node-socketio-4-redis`), each
//! `http://` or `https://`. A testee serving TLS with a private CA keeps it at `certs/ca.pem`
//! in its folder ([`Testee::ca_file`]).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The testee a run without URL and without `--testee` starts.
pub(crate) const DEFAULT_TESTEE: &str = "node-socketio-4";

/// A running testee; dropping it kills the process (and its stdin pipe closing stops it too).
pub(crate) struct Testee {
    child: Child,
    /// The base URL of its first (or only) server, e.g. `http://127.0.0.1:43991`.
    pub(crate) url: String,
    /// The base URLs of every server it started, `url` first (several for a cluster).
    pub(crate) urls: Vec<String>,
    /// The Socket.IO path, e.g. `/socket.io/`.
    pub(crate) path: String,
    /// Its folder.
    pub(crate) dir: PathBuf,
}

/// The folder holding every bundled testee (in the checkout this binary was built from).
pub(crate) fn testees_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testees")
}

/// The names of the bundled testees (folders with a `run.sh`), sorted.
pub(crate) fn names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(testees_dir())
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().join("run.sh").is_file())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Splits a `listening <url> [<url>…]` line into the base URLs and the path of the first.
pub(crate) fn parse_listening(line: &str) -> Result<(Vec<String>, String), String> {
    let rest = line
        .strip_prefix("listening ")
        .ok_or_else(|| format!("unexpected first line from the testee: {line:?}"))?;
    let mut bases = Vec::new();
    let mut path = None;
    for url in rest.split_whitespace() {
        let (scheme, after_scheme) = if let Some(r) = url.strip_prefix("http://") {
            ("http", r)
        } else if let Some(r) = url.strip_prefix("https://") {
            ("https", r)
        } else {
            return Err(format!("testee URL {url:?} is not http:// or https://"));
        };
        let slash = after_scheme.find('/').unwrap_or(after_scheme.len());
        if slash == 0 {
            return Err(format!("testee URL {url:?} has no host"));
        }
        bases.push(format!("{scheme}://{}", &after_scheme[..slash]));
        path.get_or_insert_with(|| match &after_scheme[slash..] {
            "" => "/".to_owned(),
            p => p.to_owned(),
        });
    }
    match path {
        Some(path) => Ok((bases, path)),
        None => Err(format!(
            "the testee's listening line names no URL: {line:?}"
        )),
    }
}

impl Testee {
    /// Provisions (its `run.sh` installs what is missing) and starts the bundled testee `name`;
    /// waits for its `listening <url>…` line.
    pub(crate) async fn start(name: &str) -> Result<Testee, String> {
        let known = names();
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(format!(
                "`{name}` is not a testee name; testees are {}",
                known.join(", ")
            ));
        }
        let dir = testees_dir().join(name);
        let script = dir.join("run.sh");
        if !script.is_file() {
            return Err(format!(
                "no testee `{name}` ({} has no run.sh); testees are {}",
                dir.display(),
                known.join(", ")
            ));
        }
        let mut child = Command::new("bash")
            .arg(&script)
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start the testee {name} ({}): {e}; install bash, Node.js 20 and npm",
                    dir.display()
                )
            })?;
        let stdout = child.stdout.take().ok_or("the testee has no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        // npm ci (or apt-get) on a fresh machine takes a while; bounded all the same.
        let line = tokio::time::timeout(Duration::from_secs(300), lines.next_line())
            .await
            .map_err(|_| format!("the testee {name} did not start within 300 s"))?
            .map_err(|e| format!("reading the testee's output: {e}"))?
            .ok_or_else(|| {
                format!("the testee {name} exited before listening (its run.sh says why on stderr)")
            })?;
        let (urls, path) = parse_listening(&line)?;
        Ok(Testee {
            child,
            url: urls[0].clone(),
            urls,
            path,
            dir,
        })
    }

    /// The testee's private CA (`certs/ca.pem` in its folder), when it has one.
    pub(crate) fn ca_file(&self) -> Option<PathBuf> {
        ca_file_in(&self.dir)
    }

    /// Stops the testee: closes its stdin (every bundled testee stops cleanly on end of file,
    /// children included), waits a little, then kills it; bounded.
    pub(crate) async fn stop(mut self) {
        drop(self.child.stdin.take());
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.start_kill();
            let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
        }
    }
}

fn ca_file_in(dir: &Path) -> Option<PathBuf> {
    let ca = dir.join("certs").join("ca.pem");
    ca.is_file().then_some(ca)
}

#[cfg(test)]
mod tests {
    use super::parse_listening;

    #[test]
    fn one_or_several_urls() {
        let (urls, path) = parse_listening("listening http://127.0.0.1:3000/socket.io/").unwrap();
        assert_eq!(urls, ["http://127.0.0.1:3000"]);
        assert_eq!(path, "/socket.io/");
        let (urls, path) = parse_listening(
            "listening http://127.0.0.1:1/socket.io/ http://127.0.0.1:2/socket.io/",
        )
        .unwrap();
        assert_eq!(urls, ["http://127.0.0.1:1", "http://127.0.0.1:2"]);
        assert_eq!(path, "/socket.io/");
        let (urls, _) = parse_listening("listening https://[::1]:8443/x/").unwrap();
        assert_eq!(urls, ["https://[::1]:8443"]);
        assert!(parse_listening("listening ws://x/").is_err());
        assert!(parse_listening("listening ").is_err());
        assert!(parse_listening("ready").is_err());
    }
}
