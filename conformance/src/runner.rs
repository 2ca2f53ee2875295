//! Runs the selected cases, each on its own sessions and transcript, `jobs` at a time, and
//! returns results in catalogue order (deterministic whatever the concurrency).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{RwLock, Semaphore};

use crate::case::{Case, Grade, Verdict};
use crate::ctx::{Ctx, ServerParams};
use crate::transport::{Connector, EntryKind, Transcript};

/// The result of one case.
pub(crate) struct CaseResult {
    pub(crate) case: &'static Case,
    pub(crate) verdict: Verdict,
    pub(crate) duration: Duration,
    pub(crate) transcript: Transcript,
}

/// Selects cases by ID prefix or `*` glob; no filter selects all.
pub(crate) fn select(cases: Vec<&'static Case>, filters: &[String]) -> Vec<&'static Case> {
    if filters.is_empty() {
        return cases;
    }
    cases
        .into_iter()
        .filter(|c| filters.iter().any(|f| matches(f, c.id)))
        .collect()
}

/// Whether an expectation pattern (an exact ID, or a `*` glob) names `id`.
pub(crate) fn matches_pattern(pattern: &str, id: &str) -> bool {
    if pattern.contains('*') {
        matches(pattern, id)
    } else {
        pattern == id
    }
}

fn matches(filter: &str, id: &str) -> bool {
    if !filter.contains('*') {
        return id.starts_with(filter);
    }
    // A glob: `*` matches any run of characters.
    let parts: Vec<&str> = filter.split('*').collect();
    let mut rest = id;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

/// Whether the transcript shows the case using a transport the server does not offer: a
/// polling request (`transport=polling` on the Engine.IO path) or a WebSocket upgrade.
fn used_missing_transport(transcript: &Transcript, params: &ServerParams) -> Option<String> {
    for entry in transcript.entries() {
        let used = match &entry.kind {
            EntryKind::HttpRequest { target, .. } if target.contains("transport=polling") => {
                "polling"
            }
            EntryKind::WsConnect { target, .. } if target.contains("transport=websocket") => {
                "websocket"
            }
            _ => continue,
        };
        if let Err(why) = params.require(used) {
            return Some(why.replacen(crate::ctx::UNSUPPORTED_TRANSPORT, "", 1));
        }
    }
    None
}

/// How a run goes, from the command line.
pub(crate) struct RunConfig {
    /// Cases at once.
    pub(crate) jobs: usize,
    /// Deadline multiplier.
    pub(crate) scale: f64,
    /// Clients of the broadcast cases.
    pub(crate) clients: usize,
    /// The testee-contract features the server implements.
    pub(crate) features: Vec<String>,
    /// Draw a progress bar on stderr.
    pub(crate) progress: bool,
    /// Every node of a cluster target, the first being the main connector (see [`Ctx::nodes`]).
    pub(crate) nodes: Vec<Connector>,
}

/// Runs `cases` against the server behind `connector`.
pub(crate) async fn run(
    cases: &[&'static Case],
    connector: Connector,
    params: ServerParams,
    config: &RunConfig,
) -> Vec<CaseResult> {
    let RunConfig {
        jobs,
        scale,
        clients,
        ref features,
        progress,
        ref nodes,
    } = *config;
    let permits = Arc::new(Semaphore::new(jobs.max(1)));
    // A broadcast reaches every client of the namespace, including those of the cases running
    // beside it, whose "next packet" it would then be: a broadcast case runs alone.
    let namespace_gate = Arc::new(RwLock::new(()));
    let done = Arc::new(AtomicUsize::new(0));
    let total = cases.len();
    let mut handles = Vec::new();
    for case in cases {
        let case: &'static Case = case;
        let ctx = Ctx {
            connector: connector.clone(),
            transcript: Transcript::new(),
            params: params.clone(),
            scale,
            clients,
            nodes: nodes.clone(),
        };
        let missing: Vec<&str> = case
            .features
            .iter()
            .copied()
            .filter(|f| !features.iter().any(|have| have == f))
            .collect();
        // A case named for one transport needs the server to offer it (the suffix convention
        // of `case_fn_on!` cases); the client helpers check the rest as they open sessions.
        let needs = if case.id.ends_with("-websocket") {
            Some("websocket")
        } else if case.id.ends_with("-polling") {
            Some("polling")
        } else {
            None
        };
        // A case of a protocol revision the server does not speak (EIO3-/SIO4- on a v4-only
        // server, EIO4-/SIO5-/TESTEE1- on socket.io 2) says nothing about conformance.
        if let Err(why) = params.require_revision(case.id) {
            let verdict = Verdict::new(
                Grade::Unsupported,
                "a server speaking the protocol revision of this case",
                why,
            );
            handles.push(tokio::spawn(async move {
                CaseResult {
                    case,
                    verdict,
                    duration: Duration::ZERO,
                    transcript: Transcript::new(),
                }
            }));
            continue;
        }
        if let Some(Err(why)) = needs.map(|t| params.require(t)) {
            let verdict = Verdict::error(why);
            handles.push(tokio::spawn(async move {
                CaseResult {
                    case,
                    verdict,
                    duration: Duration::ZERO,
                    transcript: Transcript::new(),
                }
            }));
            continue;
        }
        if !missing.is_empty() {
            let verdict = Verdict::new(
                Grade::Unsupported,
                format!("a testee implementing {}", case.features.join(", ")),
                format!(
                    "the testee lacks {} (it implements {})",
                    missing.join(", "),
                    features.join(", ")
                ),
            );
            handles.push(tokio::spawn(async move {
                CaseResult {
                    case,
                    verdict,
                    duration: Duration::ZERO,
                    transcript: Transcript::new(),
                }
            }));
            continue;
        }
        let permits = permits.clone();
        let gate = namespace_gate.clone();
        let alone = case.features.contains(&"broadcast");
        let done = done.clone();
        // Every case ends: its own deadline bounds it, whatever the server does.
        let limit = ctx.scaled(Duration::from_secs(30)) + ctx.heartbeat_window() * 2;
        handles.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            // Held for the whole case: shared by ordinary cases, exclusive for broadcasts.
            let (_shared, _alone) = if alone {
                (None, Some(gate.write_owned().await))
            } else {
                (Some(gate.read_owned().await), None)
            };
            // The transcript's clock starts when the case does, not when it was queued.
            let mut ctx = ctx;
            ctx.transcript = Transcript::new();
            let transcript = ctx.transcript.clone();
            let started = Instant::now();
            let verdict = match tokio::time::timeout(limit, (case.run)(ctx.clone())).await {
                Ok(v) => match used_missing_transport(&transcript, &ctx.params) {
                    // The case needed a transport the server does not offer: whatever it saw
                    // says nothing about conformance.
                    Some(why) => Verdict::new(
                        Grade::Unsupported,
                        "a server offering the transports this case uses",
                        format!("{why} (the case saw: {})", v.seen),
                    ),
                    None => v,
                },
                Err(_) => Verdict::new(
                    Grade::Error,
                    "the case completes",
                    format!("the case did not finish within {} ms", limit.as_millis()),
                ),
            };
            let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
            if progress {
                // A one-line progress bar on the terminal's stderr; the report goes to stdout.
                let width = 30;
                let filled = finished * width / total.max(1);
                eprint!(
                    "\r[{}{}] {finished}/{total} {:<60.60}",
                    "#".repeat(filled),
                    " ".repeat(width - filled),
                    case.id
                );
                if finished == total {
                    eprint!("\r{:<100}\r", "");
                }
            }
            CaseResult {
                case,
                verdict,
                duration: started.elapsed(),
                transcript,
            }
        }));
    }
    let mut results = Vec::new();
    for (handle, case) in handles.into_iter().zip(cases) {
        results.push(match handle.await {
            Ok(r) => r,
            Err(e) => CaseResult {
                case,
                verdict: Verdict::error(format!("the case panicked: {e}")),
                duration: Duration::ZERO,
                transcript: Transcript::new(),
            },
        });
    }
    results
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{RunConfig, matches, run};
    use crate::case::{Case, Grade, Verdict, case_fn};
    use crate::ctx::{Ctx, ServerParams};
    use crate::transport::{Connector, Target};

    async fn never_run(_: Ctx) -> Verdict {
        Verdict::fail("this case is not run", "it ran")
    }

    static NEEDS_BROADCAST: Case = Case {
        id: "TESTEE1-CORE-006/needs-broadcast",
        title: "a case needing `broadcast`",
        requirements: &["TESTEE1-CORE-006"],
        features: &["broadcast"],
        run: case_fn!(never_run),
    };

    // spec: TESTEE1-CORE-006
    #[tokio::test]
    async fn a_case_whose_feature_is_missing_is_unsupported_and_not_run() {
        let target = Target::parse("http://127.0.0.1:1").expect("target");
        let params = ServerParams {
            ping_interval: Duration::from_millis(300),
            ping_timeout: Duration::from_millis(200),
            max_payload: None,
            upgrades: Vec::new(),
            polling: true,
            websocket: false,
            eio4: true,
            eio3: false,
        };
        let config = RunConfig {
            jobs: 1,
            scale: 1.0,
            clients: 2,
            features: vec!["core".to_owned()],
            progress: false,
            nodes: Vec::new(),
        };
        let results = run(
            &[&NEEDS_BROADCAST],
            Connector::new(target, None),
            params,
            &config,
        )
        .await;
        assert_eq!(results[0].verdict.grade, Grade::Unsupported);
        assert!(
            results[0].verdict.seen.contains("lacks broadcast"),
            "{}",
            results[0].verdict.seen
        );
    }

    #[test]
    fn prefixes_and_globs() {
        assert!(matches("EIO4-HS", "EIO4-HS-002/polling-open"));
        assert!(!matches("EIO4-HB", "EIO4-HS-002/polling-open"));
        assert!(matches("EIO4-*/polling-*", "EIO4-HS-002/polling-open"));
        assert!(matches("*open", "EIO4-HS-002/polling-open"));
        assert!(!matches("*close", "EIO4-HS-002/polling-open"));
    }
}
