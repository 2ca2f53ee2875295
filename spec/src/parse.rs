//! Parsing one specification document into its requirements.
//!
//! A document is Markdown. Each `## ` heading opens a section and ends with its area code in
//! parentheses (`## Heartbeat (HB)`). A requirement is a list item that starts with its ID in bold
//! (`- **EIO4-HB-001** The server MUST …`); its continuation lines are indented by two spaces, and
//! indented paragraphs that start with `Note:` are notes. Anything else is explanatory prose.

use std::fmt;

use crate::id::RequirementId;
use crate::{Level, Requirement};

/// A problem found in a document, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The document's file name.
    pub document: &'static str,
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "spec/{}:{}: {}", self.document, self.line, self.message)
    }
}

/// Parses one document, returning its requirements in order, or every problem found.
///
/// Checks, per requirement: a well-formed ID whose prefix matches the document's other IDs and
/// whose area matches its section's area code; no duplicate ID within the document; exactly one
/// RFC 2119 keyword in the text (notes excluded).
pub fn parse_document(
    document: &'static str,
    text: &str,
) -> Result<Vec<Requirement>, Vec<ParseError>> {
    let mut parser = Parser {
        document,
        errors: Vec::new(),
        requirements: Vec::new(),
        lines: Vec::new(),
        section: None,
        current: None,
        in_fence: false,
    };
    for (index, line) in text.lines().enumerate() {
        parser.line(index + 1, line);
    }
    parser.finish_requirement();
    parser.check_unique_and_prefix();
    if parser.errors.is_empty() {
        Ok(parser.requirements)
    } else {
        Err(parser.errors)
    }
}

struct Section {
    title: String,
    area: Option<String>,
}

struct Pending {
    line: usize,
    id: String,
    retired: bool,
    text: Vec<String>,
    notes: Vec<String>,
    in_note: bool,
}

struct Parser {
    document: &'static str,
    errors: Vec<ParseError>,
    requirements: Vec<Requirement>,
    /// Line numbers of the requirements, parallel to `requirements`.
    lines: Vec<usize>,
    section: Option<Section>,
    current: Option<Pending>,
    in_fence: bool,
}

impl Parser {
    fn line(&mut self, number: usize, line: &str) {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            self.in_fence = !self.in_fence;
            if self.current.is_some() && !line.starts_with("  ") {
                self.finish_requirement();
            }
            return;
        }
        if self.in_fence {
            return;
        }
        if let Some(title) = line.strip_prefix("## ") {
            self.finish_requirement();
            let area = area_code(title);
            if area.is_none() {
                self.error(
                    number,
                    format!(
                        "section `{title}` has no area code: end the heading with one, e.g. `(HB)`"
                    ),
                );
            }
            self.section = Some(Section {
                title: title.trim().to_owned(),
                area,
            });
            return;
        }
        if line.starts_with("# ") {
            self.finish_requirement();
            self.section = None;
            return;
        }
        if let Some((id, after)) = line.strip_prefix("- **").and_then(|r| r.split_once("**"))
            && looks_like_id(id)
        {
            self.finish_requirement();
            self.start_requirement(number, id, after);
            return;
        }
        if let Some(current) = &mut self.current {
            if line.trim().is_empty() {
                return;
            }
            if let Some(cont) = line.strip_prefix("  ") {
                let cont = cont.trim();
                if cont.starts_with("Note:") {
                    current.in_note = true;
                    current.notes.push(cont.to_owned());
                } else if current.in_note {
                    if let Some(last) = current.notes.last_mut() {
                        last.push(' ');
                        last.push_str(cont);
                    }
                } else {
                    current.text.push(cont.to_owned());
                }
                return;
            }
            self.finish_requirement();
        }
    }

    fn start_requirement(&mut self, number: usize, id: &str, after: &str) {
        let (retired, text) = match after.trim_start().strip_prefix("(retired)") {
            Some(rest) => (true, rest.trim()),
            None => (false, after.trim()),
        };
        self.current = Some(Pending {
            line: number,
            id: id.to_owned(),
            retired,
            text: vec![text.to_owned()],
            notes: Vec::new(),
            in_note: false,
        });
    }

    fn finish_requirement(&mut self) {
        let Some(p) = self.current.take() else {
            return;
        };
        let text = p.text.join(" ").trim().to_owned();
        let Some((title, area)) = self
            .section
            .as_ref()
            .map(|s| (s.title.clone(), s.area.clone()))
        else {
            self.error(
                p.line,
                format!("{} is outside any `## ... (AREA)` section", p.id),
            );
            return;
        };
        match RequirementId::parse(&p.id) {
            Err(e) => self.error(p.line, format!("malformed ID `{}`: {e}", p.id)),
            Ok(id) => {
                if let Some(area) = area.as_deref().filter(|a| *a != id.area) {
                    self.error(
                        p.line,
                        format!(
                            "{} is in section `{title}` whose area code is {area}; use that area or move it",
                            p.id,
                        ),
                    );
                }
            }
        }
        let keywords = keywords(&text);
        let level = match keywords.as_slice() {
            [one] => *one,
            [] => {
                self.error(
                    p.line,
                    format!("{} has no RFC 2119 keyword (MUST, SHOULD, MAY)", p.id),
                );
                return;
            }
            _ => {
                self.error(
                    p.line,
                    format!(
                        "{} has {} RFC 2119 keywords; split it so each requirement has exactly one",
                        p.id,
                        keywords.len()
                    ),
                );
                return;
            }
        };
        self.requirements.push(Requirement {
            id: p.id,
            level,
            text,
            notes: p.notes.join("\n\n"),
            document: self.document,
            section: title,
            retired: p.retired,
        });
        self.lines.push(p.line);
    }

    fn check_unique_and_prefix(&mut self) {
        let mut seen = std::collections::HashMap::new();
        let mut prefix: Option<String> = None;
        let mut problems = Vec::new();
        for (req, line) in self.requirements.iter().zip(&self.lines) {
            if let Some(first) = seen.insert(req.id.clone(), *line) {
                problems.push((
                    *line,
                    format!(
                        "duplicate ID {} (first at line {first}); take the next free number",
                        req.id
                    ),
                ));
            }
            let this = req.id.split('-').next().unwrap_or_default().to_owned();
            match &prefix {
                None => prefix = Some(this),
                Some(p) if *p != this => problems.push((
                    *line,
                    format!("{} does not use this document's prefix {p}", req.id),
                )),
                Some(_) => {}
            }
        }
        for (line, message) in problems {
            self.error(line, message);
        }
    }

    fn error(&mut self, line: usize, message: String) {
        self.errors.push(ParseError {
            document: self.document,
            line,
            message,
        });
    }
}

/// The area code at the end of a heading: `Heartbeat (HB)` → `HB`.
fn area_code(title: &str) -> Option<String> {
    let inner = title.trim().strip_suffix(')')?;
    let (_, code) = inner.rsplit_once('(')?;
    let ok = (2..=6).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase());
    ok.then(|| code.to_owned())
}

fn looks_like_id(s: &str) -> bool {
    s.contains('-') && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The RFC 2119 keywords in `text`, in order. `MUST NOT` counts once, as MUST.
fn keywords(text: &str) -> Vec<Level> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut found = Vec::new();
    for word in words {
        match word {
            "MUST" | "SHALL" | "REQUIRED" => found.push(Level::Must),
            "SHOULD" | "RECOMMENDED" => found.push(Level::Should),
            "MAY" | "OPTIONAL" => found.push(Level::May),
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
# Title

Intro prose with MUST in it is not a requirement.

## Packets (PKT)

- **EIO4-PKT-001** A decoder MUST reject an empty packet.
  It continues here.

  Note: a note with SHOULD and MAY in it is not normative.
- **EIO4-PKT-002** (retired) An encoder SHOULD do something old.

  Note: retired because it was wrong.

```text
- **EIO4-PKT-999** inside a code fence, ignored MUST SHOULD
```

## Heartbeat (HB)

- **EIO4-HB-001** The server MUST NOT answer a ping.
- **EIO4-HB-002** The client MAY send a pong early.
";

    #[test]
    fn parses_requirements_levels_sections_and_notes() {
        let reqs = parse_document("demo.md", DOC).unwrap();
        let ids: Vec<&str> = reqs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            ["EIO4-PKT-001", "EIO4-PKT-002", "EIO4-HB-001", "EIO4-HB-002"]
        );
        assert_eq!(
            reqs[0].text,
            "A decoder MUST reject an empty packet. It continues here."
        );
        assert_eq!(reqs[0].level, Level::Must);
        assert!(reqs[0].notes.starts_with("Note: a note"));
        assert_eq!(reqs[0].section, "Packets (PKT)");
        assert!(reqs[1].retired);
        assert_eq!(reqs[1].level, Level::Should);
        assert_eq!(reqs[2].level, Level::Must);
        assert_eq!(reqs[3].level, Level::May);
    }

    fn errors(doc: &str) -> Vec<String> {
        parse_document("bad.md", doc)
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn reports_each_kind_of_problem() {
        let e = errors("## No area\n\n- **EIO4-PKT-001** X MUST y.\n");
        assert!(e[0].contains("has no area code"), "{e:?}");

        let e = errors("## P (PKT)\n\n- **EIO4-PKT-001** X MUST y.\n- **EIO4-PKT-001** X MAY z.\n");
        assert!(e[0].contains("duplicate ID EIO4-PKT-001"), "{e:?}");

        let e = errors("## P (PKT)\n\n- **EIO4-PKT-001** X MUST y and MAY z.\n");
        assert!(e[0].contains("2 RFC 2119 keywords"), "{e:?}");

        let e = errors("## P (PKT)\n\n- **EIO4-PKT-001** X does y.\n");
        assert!(e[0].contains("no RFC 2119 keyword"), "{e:?}");

        let e = errors("## P (PKT)\n\n- **EIO4-HB-001** X MUST y.\n");
        assert!(e[0].contains("area code is PKT"), "{e:?}");

        let e = errors("## P (PKT)\n\n- **EIO4-PKT-01** X MUST y.\n");
        assert!(e[0].contains("malformed ID"), "{e:?}");

        let e =
            errors("## P (PKT)\n\n- **EIO4-PKT-001** X MUST y.\n- **EIO3-PKT-002** X MUST y.\n");
        assert!(e[0].contains("prefix EIO4"), "{e:?}");
    }
}
