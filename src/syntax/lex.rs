//! Splits `$filter` text into tokens, and reads literal values (numbers, dates, GUIDs, ...).

use super::ast::Literal;
use super::error::ErrorKind;
use crate::edm;
use crate::span::Span;
use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use nom::bytes::complete::take_while_m_n;
use nom::character::complete::{char as ch, digit1, one_of};
use nom::combinator::{opt, recognize};
use nom::{IResult, Parser};

/// A token.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok<'a> {
    /// An identifier or keyword, as written.
    Ident(&'a str),
    /// A literal value.
    Lit(Literal),
    LParen,
    RParen,
    Comma,
    Slash,
    Colon,
    /// `-` not followed by a number: unary negation.
    Minus,
    /// A parameter alias, `@name`: the name without the `@`.
    Alias(&'a str),
    /// The end of the input.
    Eof,
}

/// A token and its span.
#[derive(Clone, Debug)]
pub(crate) struct Token<'a> {
    pub tok: Tok<'a>,
    pub span: Span,
}

/// A lexing failure: its kind and span.
pub(crate) type LexError = (ErrorKind, Span);

/// The tokenizer: a cursor over the input that reads one token at a time.
#[derive(Debug)]
pub(crate) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The words a `$filter` reads as operators or literals, never as names: the operators and
/// `null`, `true`, `false` in any ASCII case, and `INF` and `NaN` in exactly this case.
pub const KEYWORDS: [&str; 22] = [
    "eq", "ne", "gt", "ge", "lt", "le", "has", "in", "and", "or", "not", "add", "sub", "mul",
    "div", "divby", "mod", "null", "true", "false", "INF", "NaN",
];

/// The keyword `word` spells, as listed in [`KEYWORDS`].
pub(crate) fn keyword(word: &str) -> Option<&'static str> {
    // Most names are longer than every keyword: their length decides (the lexer asks for
    // every word, so this is on the parser's hot path).
    const LONGEST: usize = 5;
    const _: () = {
        let mut i = 0;
        while i < KEYWORDS.len() {
            assert!(KEYWORDS[i].len() <= LONGEST);
            i += 1;
        }
    };
    if word.len() > LONGEST {
        return None;
    }
    // `INF` and `NaN`, the last two, in exactly this case; the others in any ASCII case.
    let (any_case, exact) = KEYWORDS.split_at(KEYWORDS.len() - 2);
    exact
        .iter()
        .find(|k| word == **k)
        .or_else(|| any_case.iter().find(|k| word.eq_ignore_ascii_case(k)))
        .copied()
}

/// Whether a `$filter` can name a property (or lambda variable) `name`: it lexes as one
/// identifier (a letter or `_`, then letters, digits or `_`) and is none of the [`KEYWORDS`].
pub fn is_property_name(name: &str) -> bool {
    name.starts_with(is_ident_start) && name.chars().all(is_ident_char) && keyword(name).is_none()
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(input: &'a str) -> Lexer<'a> {
        Lexer { input, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn skip_ws(&mut self) {
        let b = self.input.as_bytes();
        while matches!(b.get(self.pos), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    /// Reads the next token.
    ///
    /// Never inlined: the parser's recursive functions call it, and inlining
    /// the literal readers would swell every recursive frame.
    #[inline(never)]
    pub(crate) fn next_token(&mut self) -> Result<Token<'a>, LexError> {
        self.skip_ws();
        let start = self.pos;
        let rest = self.rest();
        let Some(c) = rest.chars().next() else {
            return Ok(Token {
                tok: Tok::Eof,
                span: Span::at(start),
            });
        };
        let punct = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            '/' => Some(Tok::Slash),
            ':' => Some(Tok::Colon),
            _ => None,
        };
        if let Some(tok) = punct {
            self.pos += 1;
            return Ok(Token {
                tok,
                span: Span::new(start, start + 1),
            });
        }
        let (tok, len) = match c {
            '\'' => {
                let (s, len) = string_literal(rest).ok_or_else(|| {
                    let open = Span::new(start, start + 1);
                    (
                        ErrorKind::UnclosedString { open },
                        Span::at(self.input.len()),
                    )
                })?;
                (Tok::Lit(Literal::String(s)), len)
            }
            '-' | '+' => {
                let after = &rest[1..];
                if after.starts_with(|c: char| c.is_ascii_digit()) {
                    self.number_or_temporal(rest)?
                } else if c == '-'
                    && after.starts_with("INF")
                    && !after[3..].starts_with(is_ident_char)
                {
                    (Tok::Lit(Literal::Float(f64::NEG_INFINITY)), 4)
                } else if c == '-' {
                    (Tok::Minus, 1)
                } else {
                    return Err((ErrorKind::InvalidChar('+'), Span::new(start, start + 1)));
                }
            }
            c if c.is_ascii_hexdigit() && looks_like_guid(rest) => match guid_at(rest) {
                Some((g, len)) => (Tok::Lit(Literal::Guid(g)), len),
                None => {
                    let len = number_extent(rest);
                    return Err((ErrorKind::InvalidGuid, Span::new(start, start + len)));
                }
            },
            c if c.is_ascii_digit() => self.number_or_temporal(rest)?,
            c if is_ident_start(c) => self.word(rest)?,
            '@' => match alias_name_len(&rest[1..]) {
                Some(n) => (Tok::Alias(&rest[1..1 + n]), 1 + n),
                None => {
                    let len = 1 + ident_len_loose(&rest[1..]);
                    return Err((ErrorKind::InvalidAlias, Span::new(start, start + len)));
                }
            },
            // `$it`, `$this` and `$root`: path segments that name an instance, not a member.
            '$' if instance_name_len(rest) > 0 => {
                let n = instance_name_len(rest);
                (Tok::Ident(&rest[..n]), n)
            }
            c => {
                return Err((
                    ErrorKind::InvalidChar(c),
                    Span::new(start, start + c.len_utf8()),
                ))
            }
        };
        self.pos += len;
        Ok(Token {
            tok,
            span: Span::new(start, start + len),
        })
    }

    fn err(&self, kind: ErrorKind, from: &str, len: usize) -> LexError {
        let start = self.input.len() - from.len();
        (kind, Span::new(start, start + len.max(1)))
    }

    /// An identifier, keyword, `true`/`false`/`null`/`INF`/`NaN`, or a prefixed
    /// literal (`duration'P1D'`, `Ns.Type'Member'`).
    fn word(&self, rest: &'a str) -> Result<(Tok<'a>, usize), LexError> {
        let mut len = ident_len(rest);
        let mut qualified = false;
        while rest[len..].starts_with('.') && starts_ident(&rest[len + 1..]) {
            len += 1 + ident_len(&rest[len + 1..]);
            qualified = true;
        }
        let word = &rest[..len];
        let after = &rest[len..];
        let keyword = keyword(word);
        if after.starts_with('\'') && keyword.is_none() {
            let (body, blen) = quoted_raw(after).ok_or_else(|| {
                let open = self.input.len() - after.len();
                (
                    ErrorKind::UnclosedString {
                        open: Span::new(open, open + 1),
                    },
                    Span::at(self.input.len()),
                )
            })?;
            let total = len + blen;
            if qualified {
                let lit = Literal::Enum {
                    type_name: word.to_owned(),
                    value: body.to_owned(),
                };
                return Ok((Tok::Lit(lit), total));
            }
            if word.eq_ignore_ascii_case("duration") {
                let d = edm::duration::parse(body)
                    .map_err(|why| self.err(ErrorKind::InvalidDuration(why), rest, total))?;
                return Ok((Tok::Lit(Literal::Duration(d)), total));
            }
            if is_geospatial(word) {
                let kind = ErrorKind::Geospatial(word.to_owned());
                return Err(self.err(kind, rest, len));
            }
            return Err(self.err(ErrorKind::UnknownLiteralPrefix(word.to_owned()), rest, len));
        }
        if qualified {
            let kind = if is_geospatial(word) {
                ErrorKind::Geospatial(word.to_owned())
            } else {
                ErrorKind::QualifiedName
            };
            return Err(self.err(kind, rest, len));
        }
        let tok = match keyword {
            Some("INF") => Tok::Lit(Literal::Float(f64::INFINITY)),
            Some("NaN") => Tok::Lit(Literal::Float(f64::NAN)),
            Some("true") => Tok::Lit(Literal::Bool(true)),
            Some("false") => Tok::Lit(Literal::Bool(false)),
            Some("null") => Tok::Lit(Literal::Null),
            _ => Tok::Ident(word),
        };
        Ok((tok, len))
    }

    /// A number, date, date-time or time of day starting at `rest`.
    fn number_or_temporal(&self, rest: &'a str) -> Result<(Tok<'a>, usize), LexError> {
        let b = rest.as_bytes();
        let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
        if (0..4).all(digit) && b.get(4) == Some(&b'-') {
            let (lit, len) = temporal(rest)
                .map_err(|(why, at)| self.err(ErrorKind::InvalidDateTime(why), &rest[at..], 1))?;
            return self.end_of_literal(Tok::Lit(lit), rest, len);
        }
        if (0..2).all(digit) && b.get(2) == Some(&b':') {
            let (t, len) = time_of_day(rest)
                .and_then(
                    |(t, len)| match chrono::Timelike::nanosecond(&t) < 1_000_000_000 {
                        true => Ok((t, len)),
                        false => Err(("a TimeOfDay's second must be 00 to 59", 6)),
                    },
                )
                .map_err(|(why, at)| self.err(ErrorKind::InvalidDateTime(why), &rest[at..], 1))?;
            return self.end_of_literal(Tok::Lit(Literal::TimeOfDay(t)), rest, len);
        }
        let (lit, len) = number(rest).map_err(|kind| self.err(kind, rest, number_extent(rest)))?;
        self.end_of_literal(Tok::Lit(lit), rest, len)
    }

    /// A literal must not run straight into letters or digits (`12abc`, `1.5m`).
    fn end_of_literal(
        &self,
        tok: Tok<'a>,
        rest: &'a str,
        len: usize,
    ) -> Result<(Tok<'a>, usize), LexError> {
        if rest[len..].starts_with(|c: char| is_ident_char(c) || c == '.') {
            let kind = match tok {
                Tok::Lit(Literal::Int(_) | Literal::Decimal(_) | Literal::Float(_)) => {
                    ErrorKind::InvalidNumber
                }
                _ => ErrorKind::InvalidDateTime("unexpected characters after the literal"),
            };
            return Err(self.err(kind, rest, number_extent(rest)));
        }
        Ok((tok, len))
    }
}

/// The length of the parameter alias name (an OData identifier: a letter or `_`, then up to
/// 127 letters, digits or `_`) at the start of `s`, if one is there.
fn alias_name_len(s: &str) -> Option<usize> {
    if !starts_ident(s) {
        return None;
    }
    let len = ident_len(s);
    (s[..len].chars().count() <= 128).then_some(len)
}

/// Whether `name` (without its `@`) is a parameter alias name: an OData identifier.
pub(crate) fn is_alias_name(name: &str) -> bool {
    alias_name_len(name) == Some(name.len())
}

/// The run of identifier characters at the start of `s`, for the span of a bad alias name.
fn ident_len_loose(s: &str) -> usize {
    s.find(|c: char| !is_ident_char(c)).unwrap_or(s.len())
}

fn starts_ident(s: &str) -> bool {
    s.starts_with(is_ident_start)
}

/// For each byte: 1 for an ASCII identifier character (letter, digit, `_`), 2 for a byte
/// of a non-ASCII character, 0 for other ASCII.
const IDENT_BYTE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = if c.is_ascii_alphanumeric() || c == b'_' {
            1
        } else if c.is_ascii() {
            0
        } else {
            2
        };
        i += 1;
    }
    t
};

fn ident_len(s: &str) -> usize {
    // ASCII fast path; fall back to Unicode classes at the first non-ASCII byte.
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match IDENT_BYTE[usize::from(c)] {
            1 => i += 1,
            0 => return i,
            _ => break,
        }
    }
    i + s[i..]
        .find(|c: char| !is_ident_char(c))
        .unwrap_or(s.len() - i)
}

/// The extent of a malformed number, for the error span: the run of
/// characters that could belong to it.
fn number_extent(s: &str) -> usize {
    let skip = usize::from(s.starts_with(['-', '+']));
    skip + s[skip..]
        .find(|c: char| !(is_ident_char(c) || c == '.' || c == '-' || c == '+' || c == ':'))
        .unwrap_or(s.len() - skip)
}

/// A string literal at the start of `s` (which starts with `'`): its value
/// and length, or `None` when it is not closed.
fn string_literal(s: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut i = 1;
    loop {
        let j = s[i..].find('\'')?;
        out.push_str(&s[i..i + j]);
        i += j + 1;
        if s[i..].starts_with('\'') {
            out.push('\'');
            i += 1;
        } else {
            return Some((out, i));
        }
    }
}

/// The text between quotes at the start of `s`, without escapes, and the length including quotes.
fn quoted_raw(s: &str) -> Option<(&str, usize)> {
    let j = s[1..].find('\'')?;
    Some((&s[1..1 + j], j + 2))
}

/// Whether `s` starts like a GUID: eight hexadecimal digits and a `-`.
fn looks_like_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 8 && b[..8].iter().all(u8::is_ascii_hexdigit) && b[8] == b'-'
}

/// The GUID at the start of `s` and its length, if one is there and not followed by an
/// identifier character.
fn guid_at(s: &str) -> Option<(u128, usize)> {
    let g = edm::guid::parse(s.get(..edm::guid::LEN)?)?;
    (!s[edm::guid::LEN..].starts_with(is_ident_char)).then_some((g, edm::guid::LEN))
}

fn n_digits(n: usize) -> impl Fn(&str) -> IResult<&str, u32> {
    move |i| {
        take_while_m_n(n, n, |c: char| c.is_ascii_digit())
            .map(|d: &str| d.parse::<u32>().unwrap_or(u32::MAX))
            .parse(i)
    }
}

/// A number literal: `[sign] digits [. digits] [e [sign] digits]`. An integer in i64 is an
/// [`Literal::Int`]; any other number is an exact [`Literal::Decimal`] where one holds it,
/// and otherwise the nearest [`Literal::Float`] (a fraction or exponent) or out of range (an
/// integer).
fn number(s: &str) -> Result<(Literal, usize), ErrorKind> {
    let sign = opt(one_of("+-"));
    let fraction = opt((ch('.'), digit1));
    let exponent = opt((one_of("eE"), opt(one_of("+-")), digit1));
    let parsed: IResult<&str, &str> = recognize((sign, digit1, fraction, exponent)).parse(s);
    let Ok((_, text)) = parsed else {
        return Err(ErrorKind::InvalidNumber);
    };
    let len = text.len();
    let whole = !text.contains(['.', 'e', 'E']);
    if whole {
        if let Ok(v) = text.parse::<i64>() {
            return Ok((Literal::Int(v), len));
        }
    }
    if let Some(d) = crate::decimal::parse(text) {
        return Ok((Literal::Decimal(d), len));
    }
    if whole {
        return Err(ErrorKind::NumberOutOfRange);
    }
    let v: f64 = text.parse().map_err(|_| ErrorKind::InvalidNumber)?;
    if v.is_infinite() {
        return Err(ErrorKind::NumberOutOfRange);
    }
    Ok((Literal::Float(v), len))
}

/// Where a temporal literal went wrong: why, and the byte offset into it.
type TemporalError = (&'static str, usize);

/// The usual forms of [`temporal`], read by hand: `YYYY-MM-DD[Z]` and
/// `YYYY-MM-DDThh:mm[:ss[.f{1,9}]](Z|±hh:mm)`, with values in range (no leap
/// second). `None` for anything else, which [`temporal`] then reads with its
/// general parser (and its error messages); where this succeeds the two agree.
fn fast_temporal(s: &str) -> Option<(Literal, usize)> {
    let b = s.as_bytes();
    let digit = |i: usize| -> Option<u32> {
        let d = b.get(i)?.wrapping_sub(b'0');
        (d < 10).then_some(u32::from(d))
    };
    let two = |i: usize| Some(digit(i)? * 10 + digit(i + 1)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let year = two(0)? * 100 + two(2)?;
    let date = NaiveDate::from_ymd_opt(year as i32, two(5)?, two(8)?)?;
    match b.get(10) {
        Some(b'T' | b't') => {}
        Some(b'Z' | b'z') => return Some((Literal::DateUtc(date), 11)),
        Some(c) if c.is_ascii_digit() => return None,
        _ => return Some((Literal::Date(date), 10)),
    }
    let (hour, minute) = (two(11)?, two(14)?);
    if b.get(13) != Some(&b':') {
        return None;
    }
    let mut i = 16;
    let (mut second, mut nanos) = (0, 0);
    if b.get(i) == Some(&b':') {
        second = two(i + 1)?;
        i += 3;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while let Some(d) = digit(i) {
                if i - start == 9 {
                    return None;
                }
                nanos = nanos * 10 + d;
                i += 1;
            }
            if i == start {
                return None;
            }
            nanos *= 10u32.pow(9 - (i - start) as u32);
        }
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    let (offset, len) = match b.get(i)? {
        b'Z' | b'z' => (0, i + 1),
        &sign @ (b'+' | b'-') => {
            let (h, m) = (two(i + 1)?, two(i + 4)?);
            if b[i + 3] != b':' || h > 23 || m > 59 {
                return None;
            }
            let secs = (h * 3600 + m * 60) as i32;
            (if sign == b'-' { -secs } else { secs }, i + 6)
        }
        _ => return None,
    };
    let dt = NaiveDateTime::new(date, time)
        .and_local_timezone(FixedOffset::east_opt(offset)?)
        .single()
        .filter(in_printable_years)?;
    Some((Literal::DateTimeOffset(dt), len))
}

/// A date, a date with `Z`, or a date-time with offset.
fn temporal(s: &str) -> Result<(Literal, usize), TemporalError> {
    match fast_temporal(s) {
        Some(found) => Ok(found),
        None => general_temporal(s),
    }
}

/// [`temporal`] by the general parser, which also explains what is wrong.
fn general_temporal(s: &str) -> Result<(Literal, usize), TemporalError> {
    let mut date_p = (n_digits(4), ch('-'), n_digits(2), ch('-'), n_digits(2));
    let Ok((rest, (y, _, m, _, d))) = date_p.parse(s) else {
        return Err(("expected a date as YYYY-MM-DD", 0));
    };
    if !(1..=12).contains(&m) {
        return Err(("month must be 01 to 12", 5));
    }
    let date =
        NaiveDate::from_ymd_opt(y as i32, m, d).ok_or(("day is out of range for the month", 8))?;
    let at = s.len() - rest.len();
    match rest.as_bytes().first() {
        Some(b'T' | b't') => {
            let (time, tlen) = time_of_day(&rest[1..]).map_err(|(w, o)| (w, at + 1 + o))?;
            let at = at + 1 + tlen;
            let (offset, olen) = utc_offset(&s[at..]).map_err(|(w, o)| (w, at + o))?;
            let dt = NaiveDateTime::new(date, time)
                .and_local_timezone(offset)
                .single()
                .and_then(crate::edm::instant::without_leap_second)
                .ok_or(("date-time is out of range", 0))?;
            if !in_printable_years(&dt) {
                return Err((
                    "date-time is out of range: in UTC it must fall in the years 0000 to 9999",
                    0,
                ));
            }
            Ok((Literal::DateTimeOffset(dt), at + olen))
        }
        Some(b'Z' | b'z') => Ok((Literal::DateUtc(date), at + 1)),
        _ => Ok((Literal::Date(date), at)),
    }
}

/// Whether `word` is `$it`, `$this` or `$root`, which may start a member path.
pub(crate) fn is_instance_name(word: &str) -> bool {
    matches!(word, "$it" | "$this" | "$root")
}

/// The length of the `$it`, `$this` or `$root` that `rest` starts with (as a whole word), or 0.
fn instance_name_len(rest: &str) -> usize {
    ["$it", "$this", "$root"]
        .into_iter()
        .find(|name| rest.starts_with(name) && !rest[name.len()..].starts_with(is_ident_char))
        .map_or(0, str::len)
}

/// Whether `word` names a geospatial function (`geo.distance`) or literal prefix
/// (`geography`, `geometry`), in any case.
fn is_geospatial(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    lower.starts_with("geo.") || lower == "geography" || lower == "geometry"
}

/// Whether `dt` falls in the years 0000 to 9999 in UTC, where the canonical text writes it
/// (`9999-12-31T23:00:00-05:00` would print as a five-digit year no filter can hold).
fn in_printable_years(dt: &chrono::DateTime<FixedOffset>) -> bool {
    use chrono::Datelike;
    (0..=9999).contains(&dt.naive_utc().year())
}

/// `Z`, `+hh:mm` or `-hh:mm`.
fn utc_offset(s: &str) -> Result<(FixedOffset, usize), TemporalError> {
    const MISSING: &str = "a date-time needs a time zone offset: Z or +hh:mm or -hh:mm";
    match s.as_bytes().first() {
        Some(b'Z' | b'z') => Ok((FixedOffset::east_opt(0).expect("zero offset"), 1)),
        Some(&sign @ (b'+' | b'-')) => {
            let mut p = (n_digits(2), ch(':'), n_digits(2));
            let Ok((_, (h, _, m))) = p.parse(&s[1..]) else {
                return Err(("expected an offset as +hh:mm or -hh:mm", 1));
            };
            if h > 23 || m > 59 {
                return Err(("offset hours must be 00 to 23 and minutes 00 to 59", 1));
            }
            let secs = (h * 3600 + m * 60) as i32;
            let secs = if sign == b'-' { -secs } else { secs };
            let off = FixedOffset::east_opt(secs).ok_or(("offset out of range", 1))?;
            Ok((off, 6))
        }
        _ => Err((MISSING, 0)),
    }
}

/// `hh:mm[:ss[.fraction]]`, with up to 12 fractional digits of which those past
/// the ninth must be zero (precision is the nanosecond).
fn time_of_day(s: &str) -> Result<(NaiveTime, usize), TemporalError> {
    let mut p = (
        n_digits(2),
        ch(':'),
        n_digits(2),
        opt((ch(':'), n_digits(2), opt((ch('.'), digit1)))),
    );
    let Ok((rest, (h, _, m, sec))) = p.parse(s) else {
        return Err(("expected a time as hh:mm[:ss[.fffffff]]", 0));
    };
    if h > 23 {
        return Err(("hour must be 00 to 23", 0));
    }
    if m > 59 {
        return Err(("minute must be 00 to 59", 3));
    }
    let (sec, frac) = match sec {
        None => (0, ""),
        Some((_, s, f)) => (s, f.map_or("", |(_, f)| f)),
    };
    if sec > 60 {
        return Err(("second must be 00 to 60", 6));
    }
    if frac.len() > 12 {
        return Err(("at most 12 fractional second digits are allowed", 9));
    }
    if frac.len() > 9 && frac[9..].bytes().any(|b| b != b'0') {
        return Err(("precision finer than a nanosecond is not supported", 18));
    }
    let mut nanos = 0u32;
    for (i, b) in frac.bytes().take(9).enumerate() {
        nanos += u32::from(b - b'0') * 10u32.pow(8 - i as u32);
    }
    // chrono represents a leap second as second 59 with nanoseconds past 10^9.
    let t = if sec == 60 {
        NaiveTime::from_hms_nano_opt(h, m, 59, 1_000_000_000 + nanos)
    } else {
        NaiveTime::from_hms_nano_opt(h, m, sec, nanos)
    };
    let t = t.ok_or(("time is out of range", 0))?;
    Ok((t, s.len() - rest.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok<'_>> {
        let mut l = Lexer::new(s);
        let mut out = Vec::new();
        loop {
            let t = l.next_token().unwrap().tok;
            if t == Tok::Eof {
                return out;
            }
            out.push(t);
        }
    }

    fn lit(s: &str) -> Literal {
        match toks(s).as_slice() {
            [Tok::Lit(l)] => l.clone(),
            other => panic!("{s}: {other:?}"),
        }
    }

    fn lex_err(s: &str) -> LexError {
        let mut l = Lexer::new(s);
        loop {
            match l.next_token() {
                Err(e) => return e,
                Ok(t) if t.tok == Tok::Eof => panic!("no error for {s}"),
                Ok(_) => {}
            }
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(lit("42"), Literal::Int(42));
        assert_eq!(lit("-7"), Literal::Int(-7));
        assert_eq!(lit("+7"), Literal::Int(7));
        assert_eq!(lit("-9223372036854775808"), Literal::Int(i64::MIN));
        let dec = |s: &str| Literal::Decimal(crate::decimal::parse(s).unwrap());
        assert_eq!(lit("1.5"), dec("1.5"));
        assert_eq!(lit("2e10"), dec("20000000000"));
        assert_eq!(lit("-1.5E-3"), dec("-0.0015"));
        assert_eq!(
            lit("3258.678765765489753678965390"),
            dec("3258.678765765489753678965390")
        );
        assert_eq!(lit("9223372036854775808"), dec("9223372036854775808"));
        // More digits than a decimal holds: the nearest float, or out of range.
        assert_eq!(lit("1e300"), Literal::Float(1e300));
        assert_eq!(lit("1.5e-30"), Literal::Float(1.5e-30));
        assert_eq!(
            lex_err("123456789012345678901234567890").0,
            ErrorKind::NumberOutOfRange
        );
        assert_eq!(lit("INF"), Literal::Float(f64::INFINITY));
        assert_eq!(lit("-INF"), Literal::Float(f64::NEG_INFINITY));
        assert!(matches!(lit("NaN"), Literal::Float(f) if f.is_nan()));
        assert_eq!(lex_err("1e999").0, ErrorKind::NumberOutOfRange);
        assert_eq!(lex_err("1.").0, ErrorKind::InvalidNumber);
        assert_eq!(lex_err("1e").0, ErrorKind::InvalidNumber);
        assert_eq!(lex_err("12abc").0, ErrorKind::InvalidNumber);
        assert_eq!(lex_err("12abc").1, Span::new(0, 5));
    }

    #[test]
    fn dates_and_times() {
        let d = NaiveDate::from_ymd_opt(2018, 8, 1).unwrap();
        assert_eq!(lit("2018-08-01"), Literal::Date(d));
        assert_eq!(lit("2018-08-01Z"), Literal::DateUtc(d));
        let Literal::DateTimeOffset(dt) = lit("2024-08-27T10:15:30.1234567Z") else {
            panic!()
        };
        assert_eq!(dt.to_rfc3339(), "2024-08-27T10:15:30.123456700+00:00");
        let Literal::DateTimeOffset(dt) = lit("2018-12-04T12:00+02:00") else {
            panic!()
        };
        assert_eq!(dt.to_rfc3339(), "2018-12-04T12:00:00+02:00");
        let Literal::DateTimeOffset(dt) = lit("2018-12-04T12:00:00.123456789000-05:30") else {
            panic!()
        };
        assert_eq!(dt.timestamp_subsec_nanos(), 123_456_789);
        assert_eq!(
            lit("13:20:05.5"),
            Literal::TimeOfDay(NaiveTime::from_hms_milli_opt(13, 20, 5, 500).unwrap())
        );
        assert!(matches!(
            lit("2016-12-31T23:59:60Z"),
            Literal::DateTimeOffset(_)
        ));
    }

    #[test]
    fn bad_dates() {
        let why = |s: &str| match lex_err(s).0 {
            ErrorKind::InvalidDateTime(w) => w,
            k => panic!("{k:?}"),
        };
        assert_eq!(why("2018-13-01"), "month must be 01 to 12");
        assert_eq!(why("2018-02-30"), "day is out of range for the month");
        assert_eq!(why("2018-01-01T10:00:61Z"), "second must be 00 to 60");
        assert_eq!(why("2018-01-01T24:00:00Z"), "hour must be 00 to 23");
        assert_eq!(
            why("2018-01-01T10:00:00"),
            "a date-time needs a time zone offset: Z or +hh:mm or -hh:mm"
        );
        assert_eq!(
            why("2018-01-01T10:00:00.1234567891Z"),
            "precision finer than a nanosecond is not supported"
        );
        assert_eq!(lex_err("2018-13-01").1, Span::new(5, 6));
    }

    #[test]
    fn guids_and_words() {
        assert_eq!(
            lit("2E9DA30D-27f6-4208-81f2-9cd3d67893ba"),
            Literal::Guid(0x2e9da30d_27f6_4208_81f2_9cd3d67893ba)
        );
        assert_eq!(toks("abc"), vec![Tok::Ident("abc")]);
        assert_eq!(
            lex_err("01234567-89ab-cdef-0123-45678").0,
            ErrorKind::InvalidGuid
        );
        assert_eq!(lex_err("01234567-89ab-cdef-0123-45678").1, Span::new(0, 29));
        assert_eq!(lit("TRUE"), Literal::Bool(true));
        assert_eq!(lit("null"), Literal::Null);
        assert_eq!(
            lit("Microsoft.Status'Active'"),
            Literal::Enum {
                type_name: "Microsoft.Status".into(),
                value: "Active".into()
            }
        );
        assert_eq!(
            lex_err("binary'x'").0,
            ErrorKind::UnknownLiteralPrefix("binary".into())
        );
        assert_eq!(lex_err("a.b eq 1").0, ErrorKind::QualifiedName);
        let geo = |w: &str| ErrorKind::Geospatial(w.to_owned());
        assert_eq!(lex_err("geo.distance(a, b) lt 1").0, geo("geo.distance"));
        assert_eq!(lex_err("GEO.Intersects(a, b)").0, geo("GEO.Intersects"));
        assert_eq!(lex_err("x eq geography'POINT(1 2)'").0, geo("geography"));
        assert_eq!(lex_err("x eq geometry'POINT(1 2)'").0, geo("geometry"));
        assert_eq!(
            toks("a eq'x'"),
            vec![
                Tok::Ident("a"),
                Tok::Ident("eq"),
                Tok::Lit(Literal::String("x".into()))
            ]
        );
    }

    #[test]
    fn strings() {
        assert_eq!(lit("'it''s'"), Literal::String("it's".into()));
        assert_eq!(lit("''''"), Literal::String("'".into()));
        assert_eq!(lit("''"), Literal::String(String::new()));
        let open = Span::new(2, 3);
        assert_eq!(
            lex_err("a 'abc"),
            (ErrorKind::UnclosedString { open }, Span::at(6))
        );
    }

    #[test]
    fn durations() {
        assert_eq!(
            lit("duration'P1DT2H'"),
            Literal::Duration(chrono::TimeDelta::hours(26))
        );
        assert_eq!(
            lit("DURATION'PT0.5S'"),
            Literal::Duration(chrono::TimeDelta::milliseconds(500))
        );
        assert_eq!(
            lit("duration'-PT1M'"),
            Literal::Duration(chrono::TimeDelta::minutes(-1))
        );
        assert!(matches!(
            lex_err("duration'P1Y'").0,
            ErrorKind::InvalidDuration(_)
        ));
        assert!(matches!(
            lex_err("duration'PT'").0,
            ErrorKind::InvalidDuration(_)
        ));
        assert!(matches!(
            lex_err("duration'P'").0,
            ErrorKind::InvalidDuration(_)
        ));
    }

    #[test]
    fn punctuation_and_minus() {
        assert_eq!(
            toks("-a/b(,):"),
            vec![
                Tok::Minus,
                Tok::Ident("a"),
                Tok::Slash,
                Tok::Ident("b"),
                Tok::LParen,
                Tok::Comma,
                Tok::RParen,
                Tok::Colon
            ]
        );
        assert_eq!(lex_err("a # b").0, ErrorKind::InvalidChar('#'));
        assert_eq!(lex_err("+a").0, ErrorKind::InvalidChar('+'));
    }

    fn near_temporal() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let part =
            |lo: u32, hi: u32, width: usize| (lo..=hi).prop_map(move |v| format!("{v:0width$}"));
        let time = (
            prop::sample::select(vec!["T", "t"]),
            part(0, 24, 2),
            part(0, 60, 2),
            prop::option::of((part(0, 61, 2), prop::option::of("[0-9]{0,11}"))),
        )
            .prop_map(|(t, h, m, sec)| {
                let sec = match sec {
                    None => String::new(),
                    Some((s, None)) => format!(":{s}"),
                    Some((s, Some(f))) => format!(":{s}.{f}"),
                };
                format!("{t}{h}:{m}{sec}")
            });
        let offset = prop_oneof![
            Just(String::new()),
            Just("Z".to_owned()),
            Just("z".to_owned()),
            (
                prop::sample::select(vec!["+", "-"]),
                part(0, 24, 2),
                part(0, 60, 2)
            )
                .prop_map(|(s, h, m)| format!("{s}{h}:{m}")),
            "[ )a-z0-9:.]{1,3}",
        ];
        (
            part(0, 9999, 4),
            part(0, 13, 2),
            part(0, 32, 2),
            prop::option::of(time),
            offset,
        )
            .prop_map(|(y, mo, d, t, z)| format!("{y}-{mo}-{d}{}{z}", t.unwrap_or_default()))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// Where the hand-written reader of the usual date-time forms answers, the general
        /// parser gives the same literal and length.
        #[test]
        fn fast_temporal_agrees(s in near_temporal()) {
            if let Some(fast) = fast_temporal(&s) {
                proptest::prop_assert_eq!(Ok(fast), general_temporal(&s), "{}", s);
            }
        }
    }
}
