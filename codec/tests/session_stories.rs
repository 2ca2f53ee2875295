//! Replays the timed session stories of `fixtures/<layer>/<version>/session/*.json` against the
//! sans-IO session machines, on virtual time (house style 15, 17 and 19).
//!
//! Each story drives one machine. Every `in` / `cmd` step is fed at `epoch + at` milliseconds,
//! then `poll_output` is drained until it returns its timeout, and the drained list must equal
//! the following `out` step exactly: same items, same order, nothing more. The schema is in
//! `fixtures/README.md` ("Session stories"). A mismatch names the story, the step index, and
//! shows expected and actual outputs as timed lines.
//!
//! Stories under `session/pending/` record behaviour the spec requires and the machines do not
//! show yet; they are listed, not replayed as failures.
//!
//! Every story run is also kept as an insta snapshot of timed lines in
//! `tests/snapshots/stories/` (regression detail; the JSON stories are the normative vectors).

mod stories;

use std::time::{Duration, Instant};

use socketio_codec::socket_io::Value;
use stories::{Line, Story, describe_output, describe_step, render_lines, to_json, u64_field};

/// The result of replaying one story.
struct Run {
    lines: Vec<Line>,
    failure: Option<String>,
}

fn replay(story: &Story) -> Run {
    let epoch = Instant::now();
    let mut lines: Vec<Line> = Vec::new();
    let fail = |lines: Vec<Line>, what: String| Run {
        lines,
        failure: Some(format!("{}: {what}", story.rel)),
    };
    let mut driver = match stories::driver(story, epoch) {
        Ok(d) => d,
        Err(e) => return fail(lines, format!("config: {e}")),
    };
    // The outputs of the last input (creation counts as one), waiting for their `out` step.
    let mut drained = Some(driver.drain());
    let mut now_ms = 0;
    for (index, step) in story.steps.iter().enumerate() {
        if let Some(expected) = step.get("out") {
            if let Err(e) = stories::check_keys(step, &["out"]) {
                return fail(lines, format!("step {index}: {e}"));
            }
            let Some(actual) = drained.take() else {
                return fail(
                    lines,
                    format!("step {index}: an `out` step must follow an input"),
                );
            };
            let Value::Array(expected) = expected else {
                return fail(lines, format!("step {index}: `out` must be an array"));
            };
            let expected: Vec<serde_json::Value> = expected.iter().map(to_json).collect();
            let at = |items: &[serde_json::Value]| -> Vec<Line> {
                items
                    .iter()
                    .map(|i| (now_ms, "out", describe_output(i)))
                    .collect()
            };
            lines.extend(at(&actual));
            if !outputs_match(&expected, &actual) {
                let first = (0..expected.len().max(actual.len()))
                    .find(|&i| match (expected.get(i), actual.get(i)) {
                        (Some(e), Some(a)) => !item_matches(e, a),
                        _ => true,
                    })
                    .unwrap_or(0);
                let show = |v: Option<&serde_json::Value>| {
                    v.map_or("(nothing)".to_owned(), stories::compact)
                };
                return fail(
                    lines,
                    format!(
                        "step {index} (outputs at +{now_ms}ms) differs at item {first}:\n\
                         expected:\n{}\nactual:\n{}\nexpected item {first}: {}\nactual item   {first}: {}",
                        indent(&render_lines(&at(&expected))),
                        indent(&render_lines(&at(&actual))),
                        show(expected.get(first)),
                        show(actual.get(first)),
                    ),
                );
            }
            continue;
        }
        if drained.is_some() {
            let what = if index == 0 {
                "the first step must be `out`: what creating the machine produced".to_owned()
            } else {
                format!(
                    "step {index}: the outputs of step {} are not checked; add an `out` step",
                    index - 1
                )
            };
            return fail(lines, what);
        }
        let at = match u64_field(step, "at") {
            Ok(at) => at.unwrap_or(now_ms),
            Err(e) => return fail(lines, format!("step {index}: {e}")),
        };
        if at < now_ms {
            return fail(
                lines,
                format!("step {index}: time goes back from +{now_ms}ms to +{at}ms"),
            );
        }
        now_ms = at;
        let (dir, mut text) = describe_step(step);
        let fed = match driver.feed(step, epoch + Duration::from_millis(at)) {
            Ok(fed) => fed,
            Err(e) => return fail(lines, format!("step {index}: {e}")),
        };
        text.push_str(&fed.note);
        if let Some(code) = &fed.error {
            text.push_str(&format!(" -> error {code}"));
        }
        lines.push((now_ms, dir, text));
        let expected_error = step.get("error").and_then(Value::as_str);
        if expected_error != fed.error.as_deref() {
            return fail(
                lines,
                format!(
                    "step {index} (+{now_ms}ms): command error: expected {expected_error:?}, actual {:?}",
                    fed.error
                ),
            );
        }
        drained = Some(driver.drain());
    }
    if drained.is_some() {
        return fail(lines, "the last input has no `out` step".to_owned());
    }
    Run {
        lines,
        failure: None,
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn outputs_match(expected: &[serde_json::Value], actual: &[serde_json::Value]) -> bool {
    expected.len() == actual.len() && expected.iter().zip(actual).all(|(e, a)| item_matches(e, a))
}

/// Exact JSON equality, except that an expected `http` item without `contentType` does not
/// check the content type.
fn item_matches(expected: &serde_json::Value, actual: &serde_json::Value) -> bool {
    let unchecked_type = expected
        .get("http")
        .is_some_and(|h| h.get("contentType").is_none());
    if unchecked_type && let Some(http) = actual.get("http").and_then(|h| h.as_object()) {
        let mut http = http.clone();
        http.remove("contentType");
        return *expected == serde_json::json!({ "http": http });
    }
    expected == actual
}

fn load() -> Vec<Story> {
    stories::load_all().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn session_stories_replay_exactly() {
    let all = load();
    let (pending, active): (Vec<&Story>, Vec<&Story>) = all.iter().partition(|s| s.pending);
    assert!(
        active.len() >= 20,
        "only {} session stories; at least 20 are expected",
        active.len()
    );
    let failures: Vec<String> = active
        .iter()
        .filter_map(|s| {
            let run = replay(s);
            run.failure.map(|f| {
                format!(
                    "{f}\nrun so far ({}):\n{}",
                    s.description,
                    indent(&render_lines(&run.lines))
                )
            })
        })
        .collect();
    for s in &pending {
        let prefix = format!("{}: ", s.rel);
        let status = replay(s).failure.map_or(
            "replays cleanly now: move it out of pending/".to_owned(),
            |f| {
                let first = f.lines().next().unwrap_or_default();
                format!("still differs, {}", first.trim_start_matches(&prefix))
            },
        );
        println!("pending story {}: {status}", s.rel);
    }
    assert!(
        failures.is_empty(),
        "{} of {} stories failed:\n\n{}",
        failures.len(),
        active.len(),
        failures.join("\n\n")
    );
}

/// One snapshot per story: its run as timed lines (house style 17).
#[test]
fn session_story_runs_match_snapshots() {
    for story in load().iter().filter(|s| !s.pending) {
        let run = replay(story);
        if run.failure.is_some() {
            // Reported by `session_stories_replay_exactly`.
            continue;
        }
        let name = story.rel.trim_end_matches(".json").replace('/', "__");
        insta::with_settings!({
            snapshot_path => "snapshots/stories",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("{}: {}", story.rel, story.description),
        }, {
            insta::assert_snapshot!(name, render_lines(&run.lines));
        });
    }
}
