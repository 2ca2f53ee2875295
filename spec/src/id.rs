//! Requirement IDs: `<PROTO><VER>-<AREA>-<NNN>`, and finding them in free text.

use std::fmt;

/// The protocol-and-revision prefixes a requirement ID may start with.
pub const PREFIXES: &[&str] = &["EIO4", "EIO3", "SIO5", "SIO4", "TESTEE1"];

/// A well-formed requirement ID, e.g. `EIO4-HS-003`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequirementId<'a> {
    /// The protocol and revision, e.g. `EIO4`.
    pub prefix: &'a str,
    /// The area code, e.g. `HS`.
    pub area: &'a str,
    /// The number within the area, e.g. 3.
    pub number: u16,
}

/// Why a string is not a well-formed requirement ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdError {
    /// The ID does not have three dash-separated parts.
    Shape,
    /// The protocol and revision prefix is not one of [`PREFIXES`].
    UnknownPrefix,
    /// The area is not two to six upper-case ASCII letters.
    Area,
    /// The number is not exactly three decimal digits, or is `000`.
    Number,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdError::Shape => "an ID has the form <PROTO><VER>-<AREA>-<NNN>",
            IdError::UnknownPrefix => "the prefix must be one of EIO4, EIO3, SIO5, SIO4, TESTEE1",
            IdError::Area => "the area must be 2 to 6 upper-case letters",
            IdError::Number => "the number must be exactly three digits, 001 to 999",
        })
    }
}

impl<'a> RequirementId<'a> {
    /// Parses an ID, checking every part.
    pub fn parse(s: &'a str) -> Result<Self, IdError> {
        let mut parts = s.split('-');
        let (Some(prefix), Some(area), Some(number), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(IdError::Shape);
        };
        if !PREFIXES.contains(&prefix) {
            return Err(IdError::UnknownPrefix);
        }
        if !(2..=6).contains(&area.len()) || !area.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(IdError::Area);
        }
        if number.len() != 3 || !number.bytes().all(|b| b.is_ascii_digit()) || number == "000" {
            return Err(IdError::Number);
        }
        // Three ASCII digits always fit.
        let number = number.parse().map_err(|_| IdError::Number)?;
        Ok(RequirementId {
            prefix,
            area,
            number,
        })
    }
}

impl fmt::Display for RequirementId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:03}", self.prefix, self.area, self.number)
    }
}

/// Finds every token in `text` that looks like a requirement ID, well-formed or not.
///
/// A token looks like an ID when it starts at a word boundary with `EIO`, `SIO` or `TESTEE`, is
/// made of upper-case letters, digits and dashes, has at least two dashes and ends in a digit.
/// Returns `(byte offset, token)` pairs; check each with [`RequirementId::parse`].
pub fn find_id_like_tokens(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let at_boundary = i == 0 || !is_token_byte(bytes[i - 1]);
        let rest = &bytes[i..];
        let starts = at_boundary
            && (rest.starts_with(b"EIO")
                || rest.starts_with(b"SIO")
                || rest.starts_with(b"TESTEE"));
        if !starts {
            i += 1;
            continue;
        }
        // Token bytes are ASCII, so `i..end` lies on character boundaries.
        let end = i + rest.iter().take_while(|b| is_token_byte(**b)).count();
        let token = text[i..end].trim_end_matches('-');
        let dashes = token.bytes().filter(|b| *b == b'-').count();
        if dashes >= 2 && token.bytes().last().is_some_and(|b| b.is_ascii_digit()) {
            found.push((i, token));
        }
        i = end.max(i + 1);
    }
    found
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_well_formed_ids() {
        let id = RequirementId::parse("EIO4-HS-003").unwrap();
        assert_eq!((id.prefix, id.area, id.number), ("EIO4", "HS", 3));
        assert_eq!(id.to_string(), "EIO4-HS-003");
        assert!(RequirementId::parse("TESTEE1-CORE-012").is_ok());
    }

    #[test]
    fn rejects_malformed_ids() {
        assert_eq!(RequirementId::parse("EIO4-HS-03"), Err(IdError::Number));
        assert_eq!(RequirementId::parse("EIO4-HS-000"), Err(IdError::Number));
        assert_eq!(
            RequirementId::parse("EIO5-HS-001"),
            Err(IdError::UnknownPrefix)
        );
        assert_eq!(RequirementId::parse("EIO4-H-001"), Err(IdError::Area));
        assert_eq!(RequirementId::parse("EIO4-hs-001"), Err(IdError::Area));
        assert_eq!(RequirementId::parse("EIO4-HS"), Err(IdError::Shape));
        assert_eq!(RequirementId::parse("EIO4-HS-001-2"), Err(IdError::Shape));
    }

    #[test]
    fn finds_tokens_in_text() {
        let text = "// spec: EIO4-HS-003, SIO5-BIN-12\ncase EIO4-UPG-004/pending; XEIO4-HS-001; EIO4-POLL-*";
        let tokens: Vec<&str> = find_id_like_tokens(text).into_iter().map(|t| t.1).collect();
        assert_eq!(tokens, ["EIO4-HS-003", "SIO5-BIN-12", "EIO4-UPG-004"]);
    }
}
