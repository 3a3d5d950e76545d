//! Form-decoding of query-string components, with a map back to raw offsets for error spans.

use super::error::ErrorKind;
use crate::span::Span;
use std::borrow::Cow;

/// A decoded component of a raw query string.
#[derive(Clone, Debug)]
pub(crate) struct Decoded<'a> {
    /// The decoded text: borrowed from the raw query when it has no `+` or `%`.
    pub text: Cow<'a, str>,
    /// Where the component starts in the raw query.
    start: usize,
    /// The decoded offsets of the bytes written as `%XX`, ascending. Every other
    /// decoded byte is one raw byte, so these are all a map back to raw offsets needs.
    escapes: Vec<usize>,
}

impl Decoded<'_> {
    /// The raw offset that decoded offset `i` came from (the raw end for `i` at or
    /// past the end).
    pub fn raw(&self, i: usize) -> usize {
        raw_offset(self.start, &self.escapes, i.min(self.text.len()))
    }

    /// The raw span that decoded span `s` came from.
    pub fn raw_span(&self, s: Span) -> Span {
        Span::new(self.raw(s.start), self.raw(s.end))
    }

    /// The raw span of the decoded text with surrounding white space removed,
    /// and that trimmed text.
    pub fn trimmed(&self) -> (&str, Span) {
        let text = &*self.text;
        let start = text.len() - text.trim_start().len();
        let trimmed = text.trim();
        let span = Span::new(start, start + trimmed.len());
        (trimmed, self.raw_span(span))
    }
}

/// The raw offset of decoded offset `i`: each escape before it took three raw bytes.
fn raw_offset(start: usize, escapes: &[usize], i: usize) -> usize {
    start + i + 2 * escapes.partition_point(|&e| e < i)
}

/// Decodes `raw[span]` as a form-encoded query component: `+` is a space and
/// `%XX` a byte; the result must be UTF-8. Errors carry a span into `raw`.
/// A component without `+` or `%` is borrowed, not copied.
pub(crate) fn decode(raw: &str, span: Span) -> Result<Decoded<'_>, (ErrorKind, Span)> {
    let part = raw.get(span.start..span.end).unwrap_or_default();
    let b = part.as_bytes();
    let Some(first) = memchr::memchr2(b'+', b'%', b) else {
        return Ok(Decoded {
            text: Cow::Borrowed(part),
            start: span.start,
            escapes: Vec::new(),
        });
    };
    let mut bytes = Vec::with_capacity(part.len());
    bytes.extend_from_slice(&b[..first]);
    let mut escapes = Vec::new();
    let mut i = first;
    while i < b.len() {
        match b[i] {
            b'+' => {
                bytes.push(b' ');
                i += 1;
            }
            b'%' => match (hex(b.get(i + 1)), hex(b.get(i + 2))) {
                (Some(hi), Some(lo)) => {
                    escapes.push(bytes.len());
                    bytes.push(hi << 4 | lo);
                    i += 3;
                }
                _ => {
                    // Underline the '%' and up to two characters after it.
                    let end = part[i + 1..]
                        .char_indices()
                        .nth(2)
                        .map_or(part.len(), |(j, _)| i + 1 + j);
                    let at = span.start + i;
                    return Err((ErrorKind::InvalidEscape, Span::new(at, span.start + end)));
                }
            },
            c => {
                bytes.push(c);
                i += 1;
            }
        }
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Decoded {
            text: Cow::Owned(text),
            start: span.start,
            escapes,
        }),
        Err(e) => {
            let len = e.as_bytes().len();
            let e = e.utf8_error();
            let start = e.valid_up_to();
            let end = e.error_len().map_or(len, |n| start + n);
            let at = |i| raw_offset(span.start, &escapes, i);
            Err((ErrorKind::InvalidUtf8, Span::new(at(start), at(end))))
        }
    }
}

/// The value of an ASCII hexadecimal digit.
fn hex(b: Option<&u8>) -> Option<u8> {
    match b? {
        c @ b'0'..=b'9' => Some(c - b'0'),
        c @ b'a'..=b'f' => Some(c - b'a' + 10),
        c @ b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes `text` for use as a query-string name or value: letters,
/// digits and `-._~!$'()*,;:@/?` stay as they are, everything else is `%XX`
/// (a space is `%20`, never `+`).
pub(crate) fn encode(text: &str) -> String {
    encode_where(text, |b| {
        !(b.is_ascii_alphanumeric() || b"-._~!$'()*,;:@/?".contains(&b))
    })
}

/// Percent-encodes only what [`decode`] would not read back as itself, or what would end a
/// line: `%`, `+`, `&`, `#` and control characters. Spaces, quotes and non-ASCII text stay
/// readable; the result still decodes to `text`.
pub(crate) fn encode_readable(text: &str) -> String {
    encode_where(text, |b| b"%+&#\x7F".contains(&b) || b < 0x20)
}

/// `text` with every byte that `escape` picks written as `%XX`.
/// A character is written as `%XX` for each of its bytes if `escape` picks any of them.
fn encode_where(text: &str, escape: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let mut buf = [0; 4];
        let bytes = c.encode_utf8(&mut buf).as_bytes();
        if bytes.iter().any(|&b| escape(b)) {
            for b in bytes {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(raw: &str) -> Result<String, (ErrorKind, Span)> {
        decode(raw, Span::new(0, raw.len())).map(|d| d.text.into_owned())
    }

    #[test]
    fn plus_and_escapes() {
        assert_eq!(d("a+b%20c%27%C3%A9").unwrap(), "a b c'é");
        assert_eq!(d("").unwrap(), "");
    }

    #[test]
    fn bad_escapes_are_spanned() {
        assert_eq!(
            d("ab%zzc"),
            Err((ErrorKind::InvalidEscape, Span::new(2, 5)))
        );
        assert_eq!(d("ab%4"), Err((ErrorKind::InvalidEscape, Span::new(2, 4))));
        assert_eq!(d("ab%"), Err((ErrorKind::InvalidEscape, Span::new(2, 3))));
        assert_eq!(d("%éé1"), Err((ErrorKind::InvalidEscape, Span::new(0, 5))));
    }

    #[test]
    fn bad_utf8_is_spanned() {
        assert_eq!(d("x%ffy"), Err((ErrorKind::InvalidUtf8, Span::new(1, 4))));
        // A truncated sequence at the end covers the rest of the component.
        assert_eq!(d("x%C3"), Err((ErrorKind::InvalidUtf8, Span::new(1, 4))));
        assert_eq!(d("%C3é"), Err((ErrorKind::InvalidUtf8, Span::new(0, 3))));
    }

    #[test]
    fn raw_offsets() {
        let raw = "k=%41+b";
        let dec = decode(raw, Span::new(2, raw.len())).unwrap();
        assert_eq!(dec.text, "A b");
        assert_eq!(dec.raw_span(Span::new(0, 1)), Span::new(2, 5));
        assert_eq!(dec.raw_span(Span::new(2, 3)), Span::new(6, 7));
        assert_eq!(dec.raw(3), 7);
    }

    #[test]
    fn encode_round_trips() {
        let s = "status eq 'A&B' and x=+1% é";
        let e = encode(s);
        assert!(!e.contains(' ') && !e.contains('&') && !e.contains('+'));
        assert_eq!(d(&e).unwrap(), s);
    }

    /// The obvious decoder: every decoded byte with the raw offset it came from.
    fn naive(raw: &str) -> Option<(Vec<u8>, Vec<usize>)> {
        let b = raw.as_bytes();
        let (mut out, mut map, mut i) = (Vec::new(), Vec::new(), 0);
        while i < b.len() {
            map.push(i);
            match b[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    out.push(hex(b.get(i + 1))? << 4 | hex(b.get(i + 2))?);
                    i += 2;
                }
                c => out.push(c),
            }
            i += 1;
        }
        map.push(b.len());
        Some((out, map))
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_naive_decoder(raw in "[a+%4Fé2 ]{0,24}") {
            let got = decode(&raw, Span::new(0, raw.len()));
            match naive(&raw) {
                None => proptest::prop_assert!(matches!(got, Err((ErrorKind::InvalidEscape, _)))),
                Some((bytes, map)) => match String::from_utf8(bytes) {
                    Err(_) => proptest::prop_assert!(matches!(got, Err((ErrorKind::InvalidUtf8, _)))),
                    Ok(text) => {
                        let got = got.unwrap();
                        proptest::prop_assert_eq!(&*got.text, text.as_str());
                        for (i, &o) in map.iter().enumerate() {
                            proptest::prop_assert_eq!(got.raw(i), o);
                        }
                        proptest::prop_assert_eq!(got.raw(map.len() + 3), raw.len());
                    }
                },
            }
        }
    }
}
