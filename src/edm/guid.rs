//! Edm.Guid's one text form: `8-4-4-4-12` hexadecimal digits, read in any case, written in lower case.

use std::fmt;

/// The length of a GUID's text.
pub(crate) const LEN: usize = 36;

/// The GUID `s` spells (`2e9da30d-27f6-4208-81f2-9cd3d67893ba`, any case), exactly and nothing
/// more: `None` for anything else (braces, no hyphens, a trailing character).
pub(crate) fn parse(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != LEN {
        return None;
    }
    let mut v: u128 = 0;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        v = (v << 4) | u128::from((c as char).to_digit(16)?);
    }
    Some(v)
}

/// Writes `g` in its canonical form, lower case: `2e9da30d-27f6-4208-81f2-9cd3d67893ba`.
pub(crate) fn write(out: &mut impl fmt::Write, g: u128) -> fmt::Result {
    let h = format!("{g:032x}");
    write!(
        out,
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// `g` in its canonical form, lower case (see [`write`]).
pub(crate) fn format(g: u128) -> String {
    let mut s = String::with_capacity(LEN);
    write(&mut s, g).expect("writing to a String cannot fail");
    s
}

#[cfg(test)]
mod tests {
    use super::{format, parse};
    use proptest::prelude::*;

    #[test]
    fn canonical_text_is_lower_case_8_4_4_4_12() {
        let g = 0x2E9DA30D_27F6_4208_81F2_9CD3D67893BA;
        assert_eq!(format(g), "2e9da30d-27f6-4208-81f2-9cd3d67893ba");
        assert_eq!(format(0), "00000000-0000-0000-0000-000000000000");
        assert_eq!(parse("2E9DA30D-27f6-4208-81F2-9cd3d67893ba"), Some(g));
        for bad in [
            "",
            "2e9da30d27f6420881f29cd3d67893ba",
            "{2e9da30d-27f6-4208-81f2-9cd3d67893ba}",
            "2e9da30d-27f6-4208-81f2-9cd3d67893bag",
            "2e9da30d-27f6-4208-81f2-9cd3d67893b",
            "2e9da30d_27f6-4208-81f2-9cd3d67893ba",
            "2e9da30d-27f6-4208-81f2-9cd3d67893bé",
            "+e9da30d-27f6-4208-81f2-9cd3d67893ba",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(g in any::<u128>()) {
            prop_assert_eq!(parse(&format(g)), Some(g));
            prop_assert_eq!(parse(&format(g).to_ascii_uppercase()), Some(g));
        }
    }
}
