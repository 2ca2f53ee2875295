//! Traceability: which requirement IDs the repository cites, and whether those citations hold.
//!
//! Two kinds of mention are told apart:
//!
//! - a **citation** says "this checks that requirement": an ID on a `// spec:` comment line, or
//!   inside a `requirements` list (`"requirements": [...]` in a fixture, `requirements: &[...]` on
//!   a conformance case). Citations count for coverage.
//! - a **reference** is any other mention (a doc comment on an error variant, a note). It must
//!   name a live requirement but does not count for coverage.
//!
//! [`check`] turns the mentions, the requirements and the exceptions into a [`Report`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::id::{RequirementId, find_id_like_tokens};
use crate::{Level, Requirement};

/// One mention of something that looks like a requirement ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Where it is: a path relative to the repository root.
    pub file: String,
    /// The 1-based line.
    pub line: usize,
    /// The token as written.
    pub id: String,
    /// Whether it is a citation (counts for coverage) or only a reference.
    pub is_citation: bool,
}

/// A deliberate gap: a requirement no test checks, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// The requirement ID.
    pub id: String,
    /// Why the gap is acceptable.
    pub reason: String,
}

/// Finds every ID-like token in one file's text and classifies it.
pub fn scan_text(file: &str, text: &str) -> Vec<Mention> {
    let mut mentions = Vec::new();
    // Byte ranges of `requirements` lists: from the key to the closing `]`.
    let mut lists = Vec::new();
    let mut from = 0;
    while let Some(pos) = text[from..].find("requirements") {
        let start = from + pos;
        let after = &text[start + "requirements".len()..];
        let head = after.trim_start_matches(['"', ' ', '\t']);
        let is_list_key = head.starts_with(':')
            && head[1..]
                .trim_start()
                .trim_start_matches('&')
                .starts_with('[');
        if is_list_key {
            let end = text[start..].find(']').map_or(text.len(), |e| start + e);
            lists.push(start..end);
            from = end.max(start + 1);
        } else {
            from = start + 1;
        }
    }
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    for (offset, token) in find_id_like_tokens(text) {
        let line_index = line_starts.partition_point(|s| *s <= offset) - 1;
        let line_text = text[line_starts[line_index]..]
            .lines()
            .next()
            .unwrap_or_default();
        let on_spec_line = line_text.trim_start().starts_with("// spec:");
        let in_list = lists.iter().any(|r| r.contains(&offset));
        mentions.push(Mention {
            file: file.to_owned(),
            line: line_index + 1,
            id: token.to_owned(),
            is_citation: on_spec_line || in_list,
        });
    }
    mentions
}

/// Scans every text file under `root`'s `dirs`, skipping build output and installed packages.
pub fn scan_tree(root: &Path, dirs: &[&str], skip: &[&str]) -> std::io::Result<Vec<Mention>> {
    let mut files = Vec::new();
    for dir in dirs {
        collect_files(&root.join(dir), &mut files)?;
    }
    files.sort();
    let mut mentions = Vec::new();
    for path in files {
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if skip.iter().any(|s| rel.starts_with(s)) {
            continue;
        }
        // Binary files (seeds, images) are not text; skip what is not UTF-8.
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        mentions.extend(scan_text(&rel, &text));
    }
    Ok(mentions)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.file_type()?.is_dir() {
            if matches!(
                name.as_ref(),
                "target" | "node_modules" | "corpus" | "artifacts"
            ) || name.starts_with('.')
            {
                continue;
            }
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Parses `spec/exceptions.toml`: `[[exception]]` tables with `id` and `reason`.
///
/// The format is kept to that one shape, so a small line parser suffices and the crate needs no
/// TOML dependency.
pub fn parse_exceptions(text: &str) -> Result<Vec<Exception>, String> {
    let mut out: Vec<Exception> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[[exception]]" {
            out.push(Exception {
                id: String::new(),
                reason: String::new(),
            });
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("exceptions.toml:{}: expected `key = \"value\"`", index + 1))?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or_else(|| format!("exceptions.toml:{}: values are double-quoted", index + 1))?
            .replace("\\\"", "\"");
        let last = out
            .last_mut()
            .ok_or_else(|| format!("exceptions.toml:{}: key outside [[exception]]", index + 1))?;
        match key.trim() {
            "id" => last.id = value,
            "reason" => last.reason = value,
            other => {
                return Err(format!(
                    "exceptions.toml:{}: unknown key `{other}`",
                    index + 1
                ));
            }
        }
    }
    Ok(out)
}

/// The outcome of a traceability check.
#[derive(Debug, Default)]
pub struct Report {
    /// Problems that must be fixed: each says where and what to do.
    pub problems: Vec<String>,
    /// MUST requirements that are neither cited nor excepted.
    pub uncovered_must: Vec<String>,
    /// Per document: (MUST+SHOULD requirements, how many are cited).
    pub coverage: BTreeMap<&'static str, (usize, usize)>,
    /// How many requirements (not retired) there are in all.
    pub total: usize,
}

impl Report {
    /// The coverage over every document: (MUST+SHOULD requirements, cited).
    pub fn overall(&self) -> (usize, usize) {
        self.coverage
            .values()
            .fold((0, 0), |(a, b), (t, c)| (a + t, b + c))
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (total, cited) = self.overall();
        writeln!(
            f,
            "spec coverage: {cited}/{total} MUST+SHOULD requirements cited ({:.1}%), {} requirements in all, {} MUST neither cited nor excepted",
            percent(cited, total),
            self.total,
            self.uncovered_must.len()
        )?;
        for (doc, (t, c)) in &self.coverage {
            writeln!(f, "  {doc}: {c}/{t} ({:.1}%)", percent(*c, *t))?;
        }
        Ok(())
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// Checks mentions and exceptions against the requirements.
pub fn check(
    requirements: &[Requirement],
    mentions: &[Mention],
    exceptions: &[Exception],
) -> Report {
    let mut report = Report::default();
    let mut by_id: BTreeMap<&str, &Requirement> = BTreeMap::new();
    for req in requirements {
        if let Some(first) = by_id.insert(&req.id, req) {
            report.problems.push(format!(
                "duplicate ID {} in spec/{} and spec/{}",
                req.id, first.document, req.document
            ));
        }
    }
    let mut cited = BTreeSet::new();
    for m in mentions {
        if let Err(e) = RequirementId::parse(&m.id) {
            report.problems.push(format!(
                "{}:{}: malformed requirement ID `{}`: {e}",
                m.file, m.line, m.id
            ));
            continue;
        }
        match by_id.get(m.id.as_str()) {
            None => report.problems.push(format!(
                "{}:{}: `{}` is not a requirement of spec/; fix the ID or add the requirement",
                m.file, m.line, m.id
            )),
            Some(req) if req.retired => report.problems.push(format!(
                "{}:{}: `{}` is retired; cite the requirement that replaced it",
                m.file, m.line, m.id
            )),
            Some(_) => {
                if m.is_citation {
                    cited.insert(m.id.as_str());
                }
            }
        }
    }
    let mut excepted = BTreeSet::new();
    for e in exceptions {
        match by_id.get(e.id.as_str()) {
            None => report.problems.push(format!(
                "spec/exceptions.toml: exception for `{}`, which is not a requirement",
                e.id
            )),
            Some(_) if e.reason.trim().is_empty() => report.problems.push(format!(
                "spec/exceptions.toml: the exception for `{}` has no reason",
                e.id
            )),
            Some(_) => {
                excepted.insert(e.id.as_str());
            }
        }
    }
    for req in requirements.iter().filter(|r| !r.retired) {
        report.total += 1;
        if req.level == Level::May {
            continue;
        }
        let entry = report.coverage.entry(req.document).or_default();
        entry.0 += 1;
        let is_cited = cited.contains(req.id.as_str());
        if is_cited {
            entry.1 += 1;
        }
        if req.level == Level::Must && !is_cited && !excepted.contains(req.id.as_str()) {
            report.uncovered_must.push(req.id.clone());
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_document;

    const SPEC: &str = "\
## Packets (PKT)

- **EIO4-PKT-001** A decoder MUST reject an empty packet.
- **EIO4-PKT-002** A decoder MUST reject an unknown type.
- **EIO4-PKT-003** An encoder SHOULD write compact JSON.
- **EIO4-PKT-004** A peer MAY send a noop.
- **EIO4-PKT-005** (retired) A decoder MUST accept anything.
";

    fn reqs() -> Vec<Requirement> {
        parse_document("synthetic.md", SPEC).unwrap()
    }

    #[test]
    fn classifies_citations_and_references() {
        let text = "\
/// Doc that refers to EIO4-PKT-002.
// spec: EIO4-PKT-001
#[test]
fn t() {}
const C: Case = Case { requirements: &[\"EIO4-PKT-003\",
    \"EIO4-PKT-004\"], title: \"EIO4-PKT-002 again\" };
";
        let m = scan_text("x.rs", text);
        let summary: Vec<(&str, usize, bool)> = m
            .iter()
            .map(|m| (m.id.as_str(), m.line, m.is_citation))
            .collect();
        assert_eq!(
            summary,
            [
                ("EIO4-PKT-002", 1, false),
                ("EIO4-PKT-001", 2, true),
                ("EIO4-PKT-003", 5, true),
                ("EIO4-PKT-004", 6, true),
                ("EIO4-PKT-002", 6, false),
            ]
        );
        let json = r#"{"requirements": ["EIO4-PKT-001"], "description": "EIO4-PKT-002"}"#;
        let m = scan_text("f.json", json);
        assert!(m[0].is_citation && !m[1].is_citation);
    }

    #[test]
    fn every_must_cited_or_excepted_rule() {
        let reqs = reqs();
        let cite = |id: &str| Mention {
            file: "t.rs".into(),
            line: 1,
            id: id.into(),
            is_citation: true,
        };
        // Nothing cited: both live MUSTs are uncovered; the retired one is not counted.
        let report = check(&reqs, &[], &[]);
        assert_eq!(report.uncovered_must, ["EIO4-PKT-001", "EIO4-PKT-002"]);
        assert_eq!(report.overall(), (3, 0));

        // One cited, one excepted: the rule holds.
        let exceptions = [Exception {
            id: "EIO4-PKT-002".into(),
            reason: "checked by hand".into(),
        }];
        let report = check(&reqs, &[cite("EIO4-PKT-001")], &exceptions);
        assert!(report.uncovered_must.is_empty());
        assert!(report.problems.is_empty());
        assert_eq!(report.overall(), (3, 1));

        // A reference (not a citation) does not cover a MUST.
        let mut reference = cite("EIO4-PKT-001");
        reference.is_citation = false;
        let report = check(&reqs, &[reference], &exceptions);
        assert_eq!(report.uncovered_must, ["EIO4-PKT-001"]);
    }

    #[test]
    fn reports_unknown_retired_malformed_and_bad_exceptions() {
        let reqs = reqs();
        let m = |id: &str| Mention {
            file: "t.rs".into(),
            line: 7,
            id: id.into(),
            is_citation: true,
        };
        let exceptions = [
            Exception {
                id: "EIO4-PKT-009".into(),
                reason: "x".into(),
            },
            Exception {
                id: "EIO4-PKT-003".into(),
                reason: " ".into(),
            },
        ];
        let report = check(
            &reqs,
            &[m("EIO4-PKT-042"), m("EIO4-PKT-005"), m("EIO4-PKT-01")],
            &exceptions,
        );
        let p = report.problems.join("\n");
        assert!(
            p.contains("t.rs:7: `EIO4-PKT-042` is not a requirement"),
            "{p}"
        );
        assert!(p.contains("`EIO4-PKT-005` is retired"), "{p}");
        assert!(p.contains("malformed requirement ID `EIO4-PKT-01`"), "{p}");
        assert!(
            p.contains("exception for `EIO4-PKT-009`, which is not a requirement"),
            "{p}"
        );
        assert!(
            p.contains("exception for `EIO4-PKT-003` has no reason"),
            "{p}"
        );
    }

    #[test]
    fn parses_exceptions_file() {
        let text = "# comment\n[[exception]]\nid = \"EIO4-PKT-002\"\nreason = \"a \\\"quoted\\\" reason\"\n";
        let e = parse_exceptions(text).unwrap();
        assert_eq!(e[0].id, "EIO4-PKT-002");
        assert_eq!(e[0].reason, "a \"quoted\" reason");
        assert!(parse_exceptions("id = \"x\"").is_err());
    }
}
