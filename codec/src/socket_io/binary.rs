//! Binary attachments: placeholders out ([`deconstruct`]) and back in ([`reconstruct`]).
//!
//! A BINARY_EVENT / BINARY_ACK travels as a text header whose JSON has each binary value replaced
//! by `{"_placeholder":true,"num":N}`, followed by one binary message per placeholder in `num`
//! order (SIO5-BIN-002..005).
//!
//! **Deconstruction** numbers the binary values depth-first (array elements by index, object
//! members in order) and writes the placeholder members `_placeholder` first (SIO5-BIN-002/003).
//!
//! **Reconstruction** checks every placeholder before touching an attachment:
//!
//! - An object is a placeholder exactly when one of its members is `"_placeholder": true` (the
//!   JSON literal `true`; `"true"`, `1` or `false` leave it an ordinary object). Placeholders are
//!   found at any depth, in arrays and objects alike (SIO5-BIN-013, interop-bugs #3).
//! - A placeholder must have exactly the two members `_placeholder` and `num`, in either order
//!   (SIO5-BIN-014, interop-bugs #18). Extra, duplicated or missing members are
//!   [`DecodeError::PlaceholderMalformed`]. (The reference ignores extra members and replaces
//!   the whole object; we refuse them because no encoder writes them.)
//! - `num` must be a JSON integer: a string such as `"splice"` (interop-bugs #22,
//!   CVE-2022-2421), a fraction, `1.0`, `1e0` or a boolean is
//!   [`DecodeError::PlaceholderNumNotInteger`]. An integer outside `0..count` is
//!   [`DecodeError::PlaceholderNumOutOfRange`]; so is an integral number too large for 64 bits
//!   (which `serde_json` can only read as a float). (SIO5-BIN-015)
//! - Each `num` must occur once ([`DecodeError::PlaceholderDuplicate`]) and every attachment must
//!   be referenced ([`DecodeError::AttachmentUnused`]). The reference checks the range only; we
//!   are deliberately stricter (SIO5-BIN-016).
//!
//! Objects are checked after their members, in document order, so the first error reported is
//! deterministic. Placeholder-shaped objects in plain EVENT / ACK packets are never looked at
//! (SIO5-BIN-018).
//!
//! ```
//! use socketio_codec::socket_io::{binary, Value};
//!
//! let data = Value::Array(vec![
//!     Value::from("upload"),
//!     Value::Object(vec![("body".into(), Value::Binary(vec![1, 2, 3]))]),
//! ]);
//! let (json, attachments) = binary::deconstruct(&data);
//! assert_eq!(json, r#"["upload",{"body":{"_placeholder":true,"num":0}}]"#);
//! assert_eq!(attachments, [vec![1, 2, 3]]);
//!
//! assert_eq!(binary::reconstruct(&json, &attachments).unwrap(), data);
//! ```

use std::fmt::Write as _;

use super::error::DecodeError;
use super::value::Value;

/// Replaces every binary value of `data` by a placeholder. Returns the JSON text and the
/// attachments in `num` order.
pub fn deconstruct(data: &Value) -> (String, Vec<Vec<u8>>) {
    let mut json = String::new();
    let mut attachments = Vec::new();
    deconstruct_into(data, &mut json, &mut attachments);
    (json, attachments)
}

/// As [`deconstruct`], appending the JSON to `json_out` and the attachments to
/// `attachments_out`. Placeholders are numbered from 0 whatever `attachments_out` held before.
/// Returns the number of attachments appended.
pub fn deconstruct_into(
    data: &Value,
    json_out: &mut String,
    attachments_out: &mut Vec<Vec<u8>>,
) -> usize {
    let base = attachments_out.len();
    write_value(data, json_out, attachments_out, base);
    attachments_out.len() - base
}

/// Parses the JSON of a binary header, checks its placeholders against `attachments`, and
/// replaces each placeholder by a copy of its attachment.
///
/// # Errors
///
/// [`DecodeError::InvalidJson`] or the placeholder error of the first violated rule (see the
/// module docs).
pub fn reconstruct(json: &str, attachments: &[impl AsRef<[u8]>]) -> Result<Value, DecodeError> {
    let template = Template::parse(json, attachments.len())?;
    Ok(template.fill_with(|num| attachments[num].as_ref().to_vec()))
}

/// A binary header's data, parsed and with every placeholder checked, waiting for attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    value: Value,
}

impl Template {
    /// Parses `json` and checks its placeholders against `count` attachments.
    pub(crate) fn parse(json: &str, count: usize) -> Result<Self, DecodeError> {
        let value = Value::from_json_str(json).map_err(|_| DecodeError::InvalidJson)?;
        let mut seen = vec![false; count];
        check(&value, &mut seen)?;
        if seen.contains(&false) {
            return Err(DecodeError::AttachmentUnused);
        }
        Ok(Self { value })
    }

    /// Replaces placeholder `num` by `attachment(num)`. Every `num` is in range and occurs
    /// once, as checked by [`Template::parse`].
    pub(crate) fn fill_with(mut self, mut attachment: impl FnMut(usize) -> Vec<u8>) -> Value {
        fill(&mut self.value, &mut attachment);
        self.value
    }
}

fn check(value: &Value, seen: &mut [bool]) -> Result<(), DecodeError> {
    match value {
        Value::Array(items) => items.iter().try_for_each(|item| check(item, seen)),
        Value::Object(members) => {
            for (_, member) in members {
                check(member, seen)?;
            }
            if let Some(num) = placeholder_num(members, seen.len())? {
                if seen[num] {
                    return Err(DecodeError::PlaceholderDuplicate);
                }
                seen[num] = true;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn fill(value: &mut Value, attachment: &mut impl FnMut(usize) -> Vec<u8>) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(|item| fill(item, attachment)),
        Value::Object(members) => {
            if let Ok(Some(num)) = placeholder_num(members, usize::MAX) {
                *value = Value::Binary(attachment(num));
            } else {
                members.iter_mut().for_each(|(_, m)| fill(m, attachment));
            }
        }
        _ => {}
    }
}

/// `Ok(None)` for an ordinary object, `Ok(Some(num))` for a valid placeholder with
/// `num < count`, or the placeholder error.
fn placeholder_num(
    members: &[(String, Value)],
    count: usize,
) -> Result<Option<usize>, DecodeError> {
    let is_claim = members
        .iter()
        .any(|(k, v)| k == "_placeholder" && *v == Value::Bool(true));
    if !is_claim {
        return Ok(None);
    }
    let num = match members {
        [(k1, _), (k2, num)] | [(k2, num), (k1, _)] if k1 == "_placeholder" && k2 == "num" => num,
        _ => return Err(DecodeError::PlaceholderMalformed),
    };
    let Value::Number(n) = num else {
        return Err(DecodeError::PlaceholderNumNotInteger);
    };
    if let Some(u) = n.as_u64() {
        return match usize::try_from(u) {
            Ok(u) if u < count => Ok(Some(u)),
            _ => Err(DecodeError::PlaceholderNumOutOfRange),
        };
    }
    if n.is_i64() {
        return Err(DecodeError::PlaceholderNumOutOfRange);
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() >= 9.2e18 => {
            Err(DecodeError::PlaceholderNumOutOfRange)
        }
        _ => Err(DecodeError::PlaceholderNumNotInteger),
    }
}

fn write_value(value: &Value, out: &mut String, attachments: &mut Vec<Vec<u8>>, base: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        // Writing into a String cannot fail.
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_json_str(out, s),
        Value::Binary(bytes) => {
            let num = attachments.len() - base;
            let _ = write!(out, r#"{{"_placeholder":true,"num":{num}}}"#);
            attachments.push(bytes.clone());
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out, attachments, base);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (key, member)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_str(out, key);
                out.push(':');
                write_value(member, out, attachments, base);
            }
            out.push('}');
        }
    }
}

/// Writes `s` as a JSON string the way JavaScript's `JSON.stringify` does: `"` and `\` escaped,
/// control characters as `\b \f \n \r \t` or `\u00xx`, everything else raw (SIO5-EVT-003).
pub(crate) fn write_json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    use DecodeError::*;

    const A: &[u8] = &[1, 2];
    const B: &[u8] = &[3];

    /// `recon!(json, [attachments] => Ok(rendered with binary as hex) | Err(Variant))`.
    macro_rules! recon {
        ($json:literal, [$($a:expr),*] => Err($err:ident)) => {
            assert_eq!(reconstruct($json, &[$($a),*] as &[&[u8]]), Err($err), "{}", $json)
        };
        ($json:literal, [$($a:expr),*] => Ok($expect:expr)) => {
            assert_eq!(reconstruct($json, &[$($a),*] as &[&[u8]]), Ok($expect), "{}", $json)
        };
    }

    fn arr(items: Vec<Value>) -> Value {
        Value::Array(items)
    }

    fn bin(b: &[u8]) -> Value {
        Value::Binary(b.to_vec())
    }

    // spec: SIO5-BIN-013
    // spec: SIO5-BIN-014
    // spec: SIO5-BIN-017
    #[test]
    fn accepted() {
        recon!(r#"["a",{"_placeholder":true,"num":0}]"#, [A] => Ok(arr(vec!["a".into(), bin(A)])));
        recon!(r#"["a",{"num":0,"_placeholder":true}]"#, [A] => Ok(arr(vec!["a".into(), bin(A)])));
        recon!(r#"["a",{"num":1,"_placeholder":true},{"_placeholder":true,"num":0}]"#, [A, B]
            => Ok(arr(vec!["a".into(), bin(B), bin(A)])));
        recon!(r#"["a",{"body":{"inner":[{"_placeholder":true,"num":0}]}}]"#, [A] => Ok(arr(vec![
            "a".into(),
            Value::Object(vec![(
                "body".into(),
                Value::Object(vec![("inner".into(), arr(vec![bin(A)]))]),
            )]),
        ])));
        // Not a claim: `_placeholder` is not the literal true.
        recon!(r#"[{"_placeholder":"true","num":0},{"_placeholder":true,"num":0}]"#, [A]
        => Ok(arr(vec![
            Value::from_json_str(r#"{"_placeholder":"true","num":0}"#).unwrap(),
            bin(A),
        ])));
    }

    // spec: SIO5-BIN-015
    // spec: SIO5-BIN-016
    #[test]
    fn rejected() {
        recon!(r#"["a",{"_placeholder":true,"num":"splice"}]"# , [A] => Err(PlaceholderNumNotInteger));
        recon!(r#"["a",{"_placeholder":true,"num":"0"}]"#, [A] => Err(PlaceholderNumNotInteger));
        recon!(r#"["a",{"_placeholder":true,"num":0.5}]"#, [A] => Err(PlaceholderNumNotInteger));
        recon!(r#"["a",{"_placeholder":true,"num":0.0}]"#, [A] => Err(PlaceholderNumNotInteger));
        recon!(r#"["a",{"_placeholder":true,"num":true}]"#, [A] => Err(PlaceholderNumNotInteger));
        recon!(r#"["a",{"_placeholder":true,"num":-1}]"#, [A] => Err(PlaceholderNumOutOfRange));
        recon!(r#"["a",{"_placeholder":true,"num":1}]"#, [A] => Err(PlaceholderNumOutOfRange));
        recon!(r#"["a",{"_placeholder":true,"num":99999999999999999999}]"#, [A]
            => Err(PlaceholderNumOutOfRange));
        recon!(r#"["a",{"_placeholder":true}]"#, [A] => Err(PlaceholderMalformed));
        recon!(r#"["a",{"_placeholder":true,"num":0,"x":1}]"#, [A] => Err(PlaceholderMalformed));
        recon!(r#"["a",{"_placeholder":true,"_placeholder":true}]"#, [A] => Err(PlaceholderMalformed));
        recon!(r#"["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]"#, [A, B]
            => Err(PlaceholderDuplicate));
        recon!(r#"["a",{"_placeholder":true,"num":0}]"#, [A, B] => Err(AttachmentUnused));
        recon!(r#"["a",{"_placeholder":true,"num":0}"#, [A] => Err(InvalidJson));
    }

    // spec: SIO5-BIN-002
    // spec: SIO5-BIN-003
    #[test]
    fn deconstruct_numbers_depth_first() {
        let data = Value::Object(vec![
            (
                "x".into(),
                arr(vec![bin(A), Value::Object(vec![("y".into(), bin(B))])]),
            ),
            ("z".into(), bin(&[])),
        ]);
        let (json, atts) = deconstruct(&data);
        assert_eq!(
            json,
            r#"{"x":[{"_placeholder":true,"num":0},{"y":{"_placeholder":true,"num":1}}],"z":{"_placeholder":true,"num":2}}"#
        );
        assert_eq!(atts, [A.to_vec(), B.to_vec(), vec![]]);
    }

    #[test]
    fn json_strings_like_javascript() {
        let mut out = String::new();
        write_json_str(&mut out, "a\"b\\c\n\u{1}\u{7f}é😀");
        assert_eq!(out, r#""a\"b\\c\n\u0001"#.to_owned() + "\u{7f}é😀\"");
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "a\"b\\c\n\u{1}\u{7f}é😀");
    }
}
