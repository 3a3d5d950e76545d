//! The scanner: validates one NDJSON line as a JSON object and locates the top-level members
//! a filter reads, without building a value.

/// The line is not one the scanner decides; the caller must parse it.
pub(super) struct Bail;

/// Deeper nesting is left to `serde_json`, whose own limit is 128.
const MAX_DEPTH: usize = 64;

/// Whether `b` is ASCII, and whether it has no `\` and no control character (so that every
/// string in it ends at the next `"` and needs no unescaping). One pass, written to be
/// vectorized.
pub(super) fn classify(b: &[u8]) -> (bool, bool) {
    let (mut high, mut special) = (0u8, 0u8);
    for chunk in b.chunks(32) {
        for &c in chunk {
            high |= c;
            special |= u8::from(c < 0x20) | u8::from(c == b'\\');
        }
    }
    (high < 0x80, special == 0)
}

/// Validates `line` as one JSON object, storing the text of the top-level members named by
/// `keys` in `slots` (the last one, when a key repeats). `clean`: the line has no `\` and no
/// control characters (see [`classify`]).
pub(super) fn scan<'a>(
    line: &'a [u8],
    clean: bool,
    keys: &[Box<str>],
    slots: &mut [Option<&'a str>],
) -> Result<(), Bail> {
    let mut s = Scanner {
        b: line,
        i: 0,
        clean,
    };
    s.ws();
    if s.peek() != Some(b'{') {
        return Err(Bail);
    }
    s.i += 1;
    s.ws();
    if s.peek() == Some(b'}') {
        s.i += 1;
    } else {
        loop {
            if s.peek() != Some(b'"') {
                return Err(Bail);
            }
            let start = s.i + 1;
            if s.string()? {
                return Err(Bail); // an escaped top-level key
            }
            let key = &s.b[start..s.i - 1];
            if key == b"value" {
                return Err(Bail); // maybe an envelope
            }
            s.ws();
            s.expect(b':')?;
            s.ws();
            let from = s.i;
            s.value(1)?;
            if let Some(k) = keys.iter().position(|k| k.as_bytes() == key) {
                // Token boundaries are ASCII, so a value of valid UTF-8 is valid UTF-8.
                slots[k] = Some(std::str::from_utf8(&line[from..s.i]).map_err(|_| Bail)?);
            }
            s.ws();
            match s.peek() {
                Some(b',') => {
                    s.i += 1;
                    s.ws();
                }
                Some(b'}') => {
                    s.i += 1;
                    break;
                }
                _ => return Err(Bail),
            }
        }
    }
    s.ws();
    if s.i != s.b.len() {
        return Err(Bail);
    }
    Ok(())
}

/// A cursor over a line's bytes.
struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    /// No `\` and no control characters in the line.
    clean: bool,
}

/// The index of the first `"` in `b` at or after `i`.
#[inline]
fn find_quote(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(i..i + 8) {
        let x =
            u64::from_le_bytes(chunk.try_into().expect("eight bytes")) ^ (ONES * u64::from(b'"'));
        let m = x.wrapping_sub(ONES) & !x & HIGH;
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?.iter().position(|&c| c == b'"').map(|p| i + p)
}

/// Bytes `<= 0x7F` of `w` that are `"`, `\` or a control character, marked by their high bit.
/// The lowest marked byte is exact; bytes above it may be marked spuriously.
#[inline]
fn special_bytes(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let quote = w ^ (ONES * u64::from(b'"'));
    let slash = w ^ (ONES * u64::from(b'\\'));
    let zero = |v: u64| v.wrapping_sub(ONES) & !v;
    (zero(quote) | zero(slash) | (w.wrapping_sub(ONES * 0x20) & !w)) & HIGH
}

/// The index just past the string starting at `b[i]` (a `"`), or `None` when it is not a
/// valid JSON string; with whether it has escapes.
#[inline]
fn string_end(b: &[u8], mut i: usize) -> Option<(usize, bool)> {
    i += 1;
    let mut escaped = false;
    loop {
        while let Some(chunk) = b.get(i..i + 8) {
            let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            let m = special_bytes(w);
            if m != 0 {
                i += (m.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        match *b.get(i)? {
            b'"' => return Some((i + 1, escaped)),
            b'\\' => {
                escaped = true;
                match *b.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        let hex = std::str::from_utf8(b.get(i + 2..i + 6)?).ok()?;
                        if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                            return None;
                        }
                        let unit = u16::from_str_radix(hex, 16).ok()?;
                        if (0xD800..=0xDFFF).contains(&unit) {
                            return None; // surrogates: left to serde_json
                        }
                        i += 6;
                    }
                    _ => return None,
                }
            }
            0..=0x1F => return None,
            _ => i += 1,
        }
    }
}

impl Scanner<'_> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    #[inline]
    fn expect(&mut self, c: u8) -> Result<(), Bail> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(Bail)
        }
    }

    /// A string at `self.i` (a `"`); whether it has escapes.
    #[inline]
    fn string(&mut self) -> Result<bool, Bail> {
        if self.clean {
            self.i = find_quote(self.b, self.i + 1).ok_or(Bail)? + 1;
            return Ok(false);
        }
        let (end, escaped) = string_end(self.b, self.i).ok_or(Bail)?;
        self.i = end;
        Ok(escaped)
    }

    /// Any JSON value at `self.i`, at nesting `depth`.
    fn value(&mut self, depth: usize) -> Result<(), Bail> {
        match self.peek().ok_or(Bail)? {
            b'"' => self.string().map(drop),
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(Bail),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Bail> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(Bail)
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`; exponents are left to `serde_json`.
    fn number(&mut self) -> Result<(), Bail> {
        let start = self.i;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        let digits = |s: &mut Self| {
            let from = s.i;
            while let Some(b'0'..=b'9') = s.peek() {
                s.i += 1;
            }
            s.i - from
        };
        match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(Bail); // a leading zero
                }
            }
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(Bail),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return Err(Bail);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            return Err(Bail);
        }
        if self.i - start > 300 {
            return Err(Bail); // could overflow a double
        }
        Ok(())
    }

    fn object(&mut self, depth: usize) -> Result<(), Bail> {
        if depth > MAX_DEPTH {
            return Err(Bail);
        }
        self.i += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(Bail);
            }
            self.string()?;
            self.ws();
            self.expect(b':')?;
            self.ws();
            self.value(depth)?;
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(Bail),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), Bail> {
        if depth > MAX_DEPTH {
            return Err(Bail);
        }
        self.i += 1;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.value(depth)?;
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(Bail),
            }
        }
    }
}
