//! The self-contained HTML report: one file, no network. A summary, the case × server matrix,
//! and every case's detail (requirement text, expected, seen, wire transcript), filterable by
//! verdict.

use std::fmt::Write;

use serde_json::Value;

use super::{Row, grade_of, short};
use crate::case::Case;

/// At most this many transcript lines per case in the page.
const MAX_LINES: usize = 80;

/// The whole page.
pub(crate) fn render(rows: &[Row], catalogue: &[&'static Case]) -> String {
    let mut out = String::with_capacity(1 << 20);
    out.push_str(HEAD);
    out.push_str("<h1>Socket.IO / Engine.IO compatibility matrix</h1>\n");
    out.push_str("<p>Every bundled testee run through the whole conformance catalogue. Click a cell for the case's detail.</p>\n");
    // Filter controls.
    out.push_str("<div id=\"filters\">Show cases where a server is: ");
    for g in [
        "PASS",
        "NON-STRICT",
        "INFORMATIONAL",
        "UNSUPPORTED",
        "FAIL",
        "ERROR",
    ] {
        let _ = write!(
            out,
            "<label><input type=\"checkbox\" class=\"grade-filter\" value=\"{g}\" checked> {}</label> ",
            short(g)
        );
    }
    out.push_str("</div>\n");
    // Summary.
    out.push_str("<h2>Summary</h2>\n<table id=\"summary\"><tr><th>server</th><th>what</th>");
    for g in [
        "PASS",
        "NON-STRICT",
        "INFORMATIONAL",
        "UNSUPPORTED",
        "FAIL",
        "ERROR",
    ] {
        let _ = write!(out, "<th class=\"g-{g}\">{}</th>", short(g));
    }
    out.push_str("<th>matches expectations</th></tr>\n");
    for r in rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td>",
            esc(r.testee.name),
            esc(r.testee.what)
        );
        for g in [
            "PASS",
            "NON-STRICT",
            "INFORMATIONAL",
            "UNSUPPORTED",
            "FAIL",
            "ERROR",
        ] {
            let n = r
                .report
                .as_ref()
                .and_then(|rep| rep["summary"][g].as_u64())
                .unwrap_or(0);
            let _ = write!(out, "<td class=\"num\">{n}</td>");
        }
        let _ = writeln!(
            out,
            "<td>{}</td></tr>",
            if r.report.is_none() {
                format!("no report: {}", esc(r.log.lines().last().unwrap_or("")))
            } else if r.matched {
                "yes".to_owned()
            } else {
                "<b>no</b>".to_owned()
            }
        );
    }
    out.push_str("</table>\n");
    // The matrix.
    out.push_str("<h2>Matrix</h2>\n<table id=\"matrix\"><thead><tr><th>case</th>");
    for r in rows {
        let _ = write!(out, "<th>{}</th>", esc(r.testee.name));
    }
    out.push_str("</tr></thead><tbody>\n");
    for case in catalogue {
        let grades: Vec<&str> = rows
            .iter()
            .map(|r| {
                r.report
                    .as_ref()
                    .and_then(|rep| grade_of(rep, case.id))
                    .unwrap_or("–")
            })
            .collect();
        let _ = write!(
            out,
            "<tr class=\"case-row\" data-grades=\"{}\"><td title=\"{}\">{}</td>",
            grades.join(" "),
            esc(case.title),
            esc(case.id)
        );
        for (r, g) in rows.iter().zip(&grades) {
            let _ = write!(
                out,
                "<td class=\"g-{g}\"><a href=\"#{}\">{}</a></td>",
                anchor(r.testee.name, case.id),
                if *g == "–" { "–" } else { short(g) }
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
    // Details.
    out.push_str("<h2>Details</h2>\n");
    for r in rows {
        let _ = writeln!(
            out,
            "<h3>{} — {}</h3>",
            esc(r.testee.name),
            esc(r.testee.what)
        );
        let Some(cases) = r.report.as_ref().and_then(|rep| rep["cases"].as_array()) else {
            let _ = writeln!(out, "<pre>{}</pre>", esc(&r.log));
            continue;
        };
        for c in cases {
            detail(&mut out, r.testee.name, c);
        }
    }
    out.push_str(SCRIPT);
    out.push_str("</body></html>\n");
    out
}

fn detail(out: &mut String, testee: &str, c: &Value) {
    let id = c["id"].as_str().unwrap_or("");
    let grade = c["grade"].as_str().unwrap_or("?");
    let _ = write!(
        out,
        "<details class=\"detail\" data-grade=\"{grade}\" id=\"{}\"><summary><span class=\"badge g-{grade}\">{}</span> {} <small>{}</small></summary>",
        anchor(testee, id),
        short(grade),
        esc(id),
        esc(c["title"].as_str().unwrap_or(""))
    );
    out.push_str("<ul class=\"reqs\">");
    for req in c["requirements"].as_array().into_iter().flatten() {
        let _ = write!(
            out,
            "<li><b>{}</b> {}</li>",
            esc(req["id"].as_str().unwrap_or("")),
            esc(req["text"].as_str().unwrap_or(""))
        );
    }
    out.push_str("</ul>");
    let _ = write!(
        out,
        "<p><b>expected</b> {}<br><b>seen</b> {}</p>",
        esc(c["expected"].as_str().unwrap_or("")),
        esc(c["seen"].as_str().unwrap_or(""))
    );
    out.push_str("<pre class=\"transcript\">");
    let entries = c["transcript"]["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for e in entries.iter().take(MAX_LINES) {
        let _ = writeln!(out, "{}", esc(&line(e)));
    }
    if entries.len() > MAX_LINES {
        let _ = writeln!(
            out,
            "… {} more entries (see the JSON report)",
            entries.len() - MAX_LINES
        );
    }
    out.push_str("</pre></details>\n");
}

/// One transcript entry as a devtools-like line.
fn line(e: &Value) -> String {
    let at = e["at_ms"].as_u64().unwrap_or(0);
    let arrow = match e["direction"].as_str() {
        Some("out") => "→",
        Some("in") => "←",
        _ => "·",
    };
    let body = |v: &Value| -> String {
        let data = v["data"].as_str().unwrap_or("");
        match v["encoding"].as_str() {
            Some("hex") => format!("hex {data}"),
            _ => format!("{data:?}"),
        }
    };
    let what = match e["kind"].as_str().unwrap_or("") {
        "http_request" => format!(
            "{} {} {}",
            e["method"].as_str().unwrap_or(""),
            e["target"].as_str().unwrap_or(""),
            body(&e["body"])
        ),
        "http_response" => format!("{} {}", e["status"], body(&e["body"])),
        "http_abort" => format!(
            "abort {} {}",
            e["method"].as_str().unwrap_or(""),
            e["target"].as_str().unwrap_or("")
        ),
        "ws_connect" => format!("ws connect {}", e["target"].as_str().unwrap_or("")),
        "ws_open" => "ws open".to_owned(),
        "ws_refused" => format!("ws refused {} {}", e["status"], body(&e["body"])),
        "ws_text" => format!("ws text {}", body(&e["body"])),
        "ws_binary" => format!("ws binary {}", body(&e["body"])),
        "ws_close" => format!("ws close {}", e["code"]),
        "ws_end" => format!("ws end {}", e["message"].as_str().unwrap_or("")),
        "timeout" => format!(
            "timeout {} after {} ms",
            e["during"].as_str().unwrap_or(""),
            e["after_ms"]
        ),
        "error" => format!(
            "error {}: {}",
            e["during"].as_str().unwrap_or(""),
            e["message"].as_str().unwrap_or("")
        ),
        "note" => format!("note {}", e["text"].as_str().unwrap_or("")),
        other => other.to_owned(),
    };
    format!("+{at:>6}ms {arrow} {what}")
}

fn anchor(testee: &str, id: &str) -> String {
    let mut a = format!("{testee}--{id}");
    a.retain(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    a
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Socket.IO / Engine.IO compatibility matrix</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; }
td.num { text-align: right; }
#matrix td a { color: inherit; text-decoration: none; display: block; }
.g-PASS { background: #d9f2d9; } .g-NON-STRICT { background: #fff1c2; }
.g-INFORMATIONAL { background: #e3ecfa; } .g-UNSUPPORTED { background: #eee; color: #666; }
.g-FAIL { background: #f7c6c6; font-weight: bold; } .g-ERROR { background: #f2a0a0; font-weight: bold; }
.badge { padding: 0 6px; border-radius: 3px; }
pre.transcript { background: #f7f7f7; padding: 6px; overflow-x: auto; font-size: 12px; }
details.detail { margin: 2px 0; } details.detail[open] { background: #fcfcfc; }
#filters { margin: 1em 0; }
</style></head><body>
"#;

const SCRIPT: &str = r#"<script>
function applyFilters() {
  const on = new Set([...document.querySelectorAll('.grade-filter')].filter(b => b.checked).map(b => b.value));
  document.querySelectorAll('.case-row').forEach(row => {
    const grades = row.dataset.grades.split(' ');
    row.style.display = grades.some(g => on.has(g)) ? '' : 'none';
  });
  document.querySelectorAll('.detail').forEach(d => {
    d.style.display = on.has(d.dataset.grade) ? '' : 'none';
  });
}
document.querySelectorAll('.grade-filter').forEach(b => b.addEventListener('change', applyFilters));
</script>
"#;
