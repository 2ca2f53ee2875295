//! `docs/matrix.md`: totals per server, then every case × server, grouped by section.

use std::fmt::Write;

use super::{Row, grade_of, short};
use crate::case::Case;

/// The totals table (also printed by the command).
pub(crate) fn summary_table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| server | what | pass | non-strict | info | unsupported | fail | error | matches expectations | seconds |\n|---|---|---:|---:|---:|---:|---:|---:|---|---:|\n",
    );
    for r in rows {
        let count = |g: &str| {
            r.report
                .as_ref()
                .and_then(|rep| rep["summary"][g].as_u64())
                .unwrap_or(0)
        };
        if r.report.is_none() {
            let _ = writeln!(
                out,
                "| {} | {} | – | – | – | – | – | – | no report: {} | {:.0} |",
                r.testee.name,
                r.testee.what,
                first_line(&r.log),
                r.seconds
            );
            continue;
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} |",
            r.testee.name,
            r.testee.what,
            count("PASS"),
            count("NON-STRICT"),
            count("INFORMATIONAL"),
            count("UNSUPPORTED"),
            count("FAIL"),
            count("ERROR"),
            if r.matched { "yes" } else { "**no**" },
            r.seconds
        );
    }
    out
}

fn first_line(s: &str) -> String {
    s.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .replace('|', "/")
}

/// The whole page.
pub(crate) fn render(rows: &[Row], catalogue: &[&'static Case]) -> String {
    let mut out = String::new();
    out.push_str("# Compatibility matrix\n\n");
    out.push_str(
        "Written by `socketio-conformance matrix` (see README). Each server is a bundled testee \
         (`conformance/testees/`) run through the whole catalogue; every grade that is not PASS \
         is explained in `conformance/expectations/<server>.json`. Grades: pass, non-strict (a \
         SHOULD not met), info (informational), unsupported (a feature, transport or protocol \
         revision the server does not offer), FAIL (a MUST broken), ERROR (the runner could not \
         complete the case).\n\n",
    );
    out.push_str(&summary_table(rows));
    out.push('\n');
    let mut section = String::new();
    for case in catalogue {
        let area = case
            .id
            .split('/')
            .next()
            .and_then(|r| r.rsplit_once('-'))
            .map_or(case.id, |(a, _)| a);
        if area != section {
            section = area.to_owned();
            let _ = write!(out, "\n## {area}\n\n| case |");
            for r in rows {
                let _ = write!(out, " {} |", r.testee.name);
            }
            out.push_str("\n|---|");
            for _ in rows {
                out.push_str("---|");
            }
            out.push('\n');
        }
        let _ = write!(out, "| `{}` |", case.id);
        for r in rows {
            let g = r
                .report
                .as_ref()
                .and_then(|rep| grade_of(rep, case.id))
                .map_or("–", short);
            let _ = write!(out, " {g} |");
        }
        out.push('\n');
    }
    out
}
