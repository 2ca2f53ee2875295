//! A polling body decoder that takes its input in chunks.
//!
//! Use it when the body arrives piece by piece (a streamed HTTP body). Feed each chunk with
//! [`Decoder::push`] and drain packets with [`Decoder::next_packet`] until it answers
//! [`Status::Partial`]; when the body has ended, call [`Decoder::finish`] until it answers
//! `Ok(None)`.
//!
//! When a packet is complete:
//!
//! - v4: a piece is complete when its `\x1e` arrives, and the last piece only at the end of the
//!   body (in [`Decoder::finish`]);
//! - v3 (both formats): a record is complete as soon as its announced length has arrived.
//!
//! Chunk boundaries never matter: they may split UTF-8 sequences, length prefixes and separators
//! anywhere, and the packets and errors are the same as the one-shot decoders give for the whole
//! body. Incomplete input is `Partial`, never an error.
//!
//! Memory is bounded: once more than `max_len` bytes have been pushed the decoder drops its
//! buffer and reports [`DecodeError::PayloadTooLarge`] (the reference server answers 413).
//! Packets already returned stay returned; check `Content-Length` first if you want to reject an
//! oversized body before acting on any of it.
//!
//! After an error the decoder is spent: every later call returns the same error.

use memchr::memchr;

use super::v3_text::{Scan, UnitScan, scan_units};
use super::{PayloadFormat, SEPARATOR, ascii_digit, parse_length, v3_binary};
use crate::Status;
use crate::engine_io::{DecodeError, Packet, ProtocolVersion};

/// A chunk-fed decoder for one polling body (see the module docs).
#[derive(Debug, Clone)]
pub struct Decoder {
    format: PayloadFormat,
    max_len: usize,
    /// Unconsumed input starts at `buf[pos]`; every other offset is relative to `pos`.
    buf: Vec<u8>,
    pos: usize,
    /// Bytes pushed so far.
    total: usize,
    /// The body has ended ([`Decoder::finish`] was called).
    ended: bool,
    /// Every packet has been returned.
    done: bool,
    error: Option<DecodeError>,
    record: Record,
}

/// Progress inside the current piece or record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Record {
    /// Nothing read yet (v3), or the separator search has covered this many bytes (v4).
    Start { searched: usize },
    /// A v3 text record: length read, units being counted.
    Text {
        len: usize,
        header: usize,
        scan: UnitScan,
    },
    /// A v3 binary record: header read, waiting for its bytes.
    Binary {
        is_binary: bool,
        len: usize,
        header: usize,
    },
}

/// What one step of decoding found.
enum Step {
    Packet(Packet<'static>),
    /// A record that carries no packet (`0:`).
    Skip,
    NeedMore,
    Done,
}

impl Decoder {
    /// A decoder for one body of `format`, at most `max_len` bytes long.
    pub fn new(format: PayloadFormat, max_len: usize) -> Self {
        Decoder {
            format,
            max_len,
            buf: Vec::new(),
            pos: 0,
            total: 0,
            ended: false,
            done: false,
            error: None,
            record: Record::Start { searched: 0 },
        }
    }

    /// The format this decoder reads.
    pub fn format(&self) -> PayloadFormat {
        self.format
    }

    /// Appends the next chunk of the body. Chunks pushed after [`Decoder::finish`] or after an
    /// error are ignored.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.ended || self.error.is_some() {
            return;
        }
        self.total = self.total.saturating_add(chunk.len());
        if self.total > self.max_len {
            self.error = Some(DecodeError::PayloadTooLarge);
            self.buf = Vec::new();
            self.pos = 0;
            return;
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The next packet that is complete in the input pushed so far.
    ///
    /// `Partial` means that more input is needed (or, after [`Decoder::finish`], that no packet
    /// remains).
    ///
    /// # Errors
    ///
    /// The first rule the body breaks (see [`super::decode_v4`], [`super::decode_v3_text`],
    /// [`super::decode_v3_binary`]), or [`DecodeError::PayloadTooLarge`].
    pub fn next_packet(&mut self) -> Result<Status<Packet<'static>>, DecodeError> {
        loop {
            match self.step()? {
                Step::Packet(packet) => return Ok(Status::Complete(packet)),
                Step::Skip => {}
                Step::NeedMore | Step::Done => return Ok(Status::Partial),
            }
        }
    }

    /// Marks the end of the body and returns the next remaining packet: call it repeatedly until
    /// it returns `Ok(None)`.
    ///
    /// # Errors
    ///
    /// As [`Decoder::next_packet`], plus the errors only the end of the body reveals: an empty
    /// body, a trailing empty v4 piece, a v3 body that ends inside a length or a record.
    pub fn finish(&mut self) -> Result<Option<Packet<'static>>, DecodeError> {
        self.ended = true;
        loop {
            match self.step()? {
                Step::Packet(packet) => return Ok(Some(packet)),
                Step::Skip => {}
                Step::NeedMore | Step::Done => return Ok(None),
            }
        }
    }

    /// Whether the body has ended and every packet in it has been returned.
    pub fn is_finished(&self) -> bool {
        self.done
    }

    fn step(&mut self) -> Result<Step, DecodeError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.done {
            return Ok(Step::Done);
        }
        if self.ended && self.total == 0 {
            return self.fail(DecodeError::EmptyPayload);
        }
        let result = match self.format {
            PayloadFormat::V4 => self.step_v4(),
            PayloadFormat::V3Text => self.step_v3_text(),
            PayloadFormat::V3Binary => self.step_v3_binary(),
        };
        match result {
            Err(e) => self.fail(e),
            Ok(step) => Ok(step),
        }
    }

    fn fail(&mut self, e: DecodeError) -> Result<Step, DecodeError> {
        self.error = Some(e);
        self.buf = Vec::new();
        self.pos = 0;
        Err(e)
    }

    /// Drops `n` bytes of input and starts the next piece or record.
    fn consume(&mut self, n: usize) {
        self.pos += n;
        self.record = Record::Start { searched: 0 };
    }

    fn step_v4(&mut self) -> Result<Step, DecodeError> {
        let avail = &self.buf[self.pos..];
        let searched = match self.record {
            Record::Start { searched } => searched,
            _ => 0,
        };
        let (end, used, last) = match memchr(SEPARATOR, &avail[searched..]) {
            Some(i) => (searched + i, searched + i + 1, false),
            None if self.ended => (avail.len(), avail.len(), true),
            None => {
                self.record = Record::Start {
                    searched: avail.len(),
                };
                return Ok(Step::NeedMore);
            }
        };
        let piece = &avail[..end];
        if piece.is_empty() {
            return Err(DecodeError::EmptyPayloadPiece);
        }
        let text = std::str::from_utf8(piece).map_err(|_| DecodeError::InvalidUtf8)?;
        let packet = Packet::decode_text(text, ProtocolVersion::V4)?.into_owned();
        self.consume(used);
        self.done = last;
        Ok(Step::Packet(packet))
    }

    fn step_v3_text(&mut self) -> Result<Step, DecodeError> {
        if let Record::Start { .. } = self.record {
            let avail = &self.buf[self.pos..];
            if avail.is_empty() {
                return Ok(self.end_or_more());
            }
            match parse_length(avail, ascii_digit, b':')? {
                Status::Complete((len, header)) => {
                    self.record = Record::Text {
                        len,
                        header,
                        scan: UnitScan::default(),
                    };
                }
                Status::Partial if self.ended => {
                    return Err(DecodeError::PayloadLengthUnterminated);
                }
                Status::Partial => return Ok(Step::NeedMore),
            }
        }
        let Record::Text {
            len,
            header,
            mut scan,
        } = self.record
        else {
            return Ok(Step::NeedMore);
        };
        let data = &self.buf[self.pos + header..];
        let outcome = scan_units(data, &mut scan, len)?;
        self.record = Record::Text { len, header, scan };
        let end = match outcome {
            Scan::Done(end) => end,
            Scan::More if self.ended => return Err(DecodeError::PayloadLengthMismatch),
            Scan::More => return Ok(Step::NeedMore),
        };
        let piece = &data[..end];
        let step = if piece.is_empty() {
            Step::Skip
        } else {
            let text = std::str::from_utf8(piece).map_err(|_| DecodeError::InvalidUtf8)?;
            Step::Packet(Packet::decode_text(text, ProtocolVersion::V3)?.into_owned())
        };
        self.consume(header + end);
        Ok(step)
    }

    fn step_v3_binary(&mut self) -> Result<Step, DecodeError> {
        if let Record::Start { .. } = self.record {
            let avail = &self.buf[self.pos..];
            if avail.is_empty() {
                return Ok(self.end_or_more());
            }
            match v3_binary::parse_header(avail)? {
                Status::Complete(h) => {
                    self.record = Record::Binary {
                        is_binary: h.is_binary,
                        len: h.len,
                        header: h.start,
                    };
                }
                Status::Partial if self.ended => {
                    return Err(DecodeError::PayloadLengthUnterminated);
                }
                Status::Partial => return Ok(Step::NeedMore),
            }
        }
        let Record::Binary {
            is_binary,
            len,
            header,
        } = self.record
        else {
            return Ok(Step::NeedMore);
        };
        let data = &self.buf[self.pos + header..];
        let Some(record) = data.get(..len) else {
            if self.ended {
                return Err(DecodeError::PayloadLengthMismatch);
            }
            return Ok(Step::NeedMore);
        };
        let packet = v3_binary::decode_record(is_binary, record)?.into_owned();
        self.consume(header + len);
        Ok(Step::Packet(packet))
    }

    /// At a record boundary with no input left.
    fn end_or_more(&mut self) -> Step {
        if self.ended {
            self.done = true;
            Step::Done
        } else {
            Step::NeedMore
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `wire` one byte at a time, then finishes; collects packets until the first error.
    fn bytewise(format: PayloadFormat, wire: &[u8]) -> Vec<Result<Packet<'static>, DecodeError>> {
        let mut decoder = Decoder::new(format, 1 << 20);
        let mut out = Vec::new();
        for byte in wire {
            decoder.push(std::slice::from_ref(byte));
            loop {
                match decoder.next_packet() {
                    Ok(Status::Complete(p)) => out.push(Ok(p)),
                    Ok(Status::Partial) => break,
                    Err(e) => {
                        out.push(Err(e));
                        return out;
                    }
                }
            }
        }
        loop {
            match decoder.finish() {
                Ok(Some(p)) => out.push(Ok(p)),
                Ok(None) => return out,
                Err(e) => {
                    out.push(Err(e));
                    return out;
                }
            }
        }
    }

    macro_rules! case {
        ($format:ident, $wire:expr => [$($item:expr),* $(,)?]) => {
            let want: Vec<Result<Packet<'static>, DecodeError>> = vec![$($item),*];
            assert_eq!(bytewise(PayloadFormat::$format, $wire), want, "{:?}", $wire);
        };
    }

    #[test]
    fn byte_by_byte() {
        case!(V4, b"4hello\x1e2\x1e4world" => [
            Ok(Packet::message("hello")), Ok(Packet::ping()), Ok(Packet::message("world")),
        ]);
        case!(V4, "4€😀".as_bytes() => [Ok(Packet::message("€😀"))]);
        case!(V4, b"" => [Err(DecodeError::EmptyPayload)]);
        case!(V4, b"4a\x1e\x1e4b" => [Ok(Packet::message("a")), Err(DecodeError::EmptyPayloadPiece)]);
        case!(V4, b"4a\x1e" => [Ok(Packet::message("a")), Err(DecodeError::EmptyPayloadPiece)]);
        case!(V4, b"4\xff" => [Err(DecodeError::InvalidUtf8)]);
        case!(V3Text, "2:4€3:4😀".as_bytes() => [Ok(Packet::message("€")), Ok(Packet::message("😀"))]);
        case!(V3Text, b"0:" => []);
        case!(V3Text, b"" => [Err(DecodeError::EmptyPayload)]);
        case!(V3Text, b"5:4hello" => [Ok(Packet::message("hell")), Err(DecodeError::PayloadLengthNotANumber)]);
        case!(V3Text, b"7:4hello" => [Err(DecodeError::PayloadLengthMismatch)]);
        case!(V3Text, b"6:4hello6" => [Ok(Packet::message("hello")), Err(DecodeError::PayloadLengthUnterminated)]);
        case!(V3Binary, &[0x00, 0x06, 0xff, 0x34, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
                          0x01, 0x05, 0xff, 0x04, 0x01, 0x02, 0x03, 0x04] => [
            Ok(Packet::message("hello")), Ok(Packet::binary(&[1, 2, 3, 4])),
        ]);
        case!(V3Binary, &[0x00, 0x03, 0xff, 0x34] => [Err(DecodeError::PayloadLengthMismatch)]);
        case!(V3Binary, &[0x00, 0x03] => [Err(DecodeError::PayloadLengthUnterminated)]);
        case!(V3Binary, b"" => [Err(DecodeError::EmptyPayload)]);
    }

    #[test]
    fn v4_last_piece_waits_for_the_end() {
        let mut d = Decoder::new(PayloadFormat::V4, 100);
        d.push(b"4a");
        assert_eq!(d.next_packet(), Ok(Status::Partial));
        assert!(!d.is_finished());
        assert_eq!(d.finish(), Ok(Some(Packet::message("a"))));
        assert_eq!(d.finish(), Ok(None));
        assert!(d.is_finished());
        assert_eq!(d.next_packet(), Ok(Status::Partial));
    }

    #[test]
    fn v3_record_is_complete_at_its_length() {
        let mut d = Decoder::new(PayloadFormat::V3Text, 100);
        d.push(b"6:4hel");
        assert_eq!(d.next_packet(), Ok(Status::Partial));
        d.push(b"lo1");
        assert_eq!(
            d.next_packet(),
            Ok(Status::Complete(Packet::message("hello")))
        );
        assert_eq!(d.next_packet(), Ok(Status::Partial));
        assert_eq!(d.finish(), Err(DecodeError::PayloadLengthUnterminated));
        assert_eq!(d.finish(), Err(DecodeError::PayloadLengthUnterminated));
    }

    #[test]
    fn body_limit() {
        let mut d = Decoder::new(PayloadFormat::V4, 5);
        d.push(b"4ab\x1e4");
        assert_eq!(d.next_packet(), Ok(Status::Complete(Packet::message("ab"))));
        d.push(b"c");
        assert_eq!(d.next_packet(), Err(DecodeError::PayloadTooLarge));
        assert_eq!(d.finish(), Err(DecodeError::PayloadTooLarge));
        let mut d = Decoder::new(PayloadFormat::V3Text, 4);
        d.push(b"99999:");
        assert_eq!(d.next_packet(), Err(DecodeError::PayloadTooLarge));
    }
}
