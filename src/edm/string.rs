//! Edm.String's case mapping: what `tolower` and `toupper` mean, in every backend.

use std::borrow::Cow;

/// `s` in lower case (`upper` false) or upper case by Unicode's default full case mapping, as
/// the OData specification means `tolower` and `toupper`: `Straße` upper is `STRASSE`, `ÉCOLE`
/// lower is `école`, and a word-final `Σ` lowers to `ς`. This is `str::to_lowercase` and
/// `str::to_uppercase`, with the ASCII fast path that copies only when a letter changes.
pub(crate) fn case_map(s: Cow<'_, str>, upper: bool) -> Cow<'_, str> {
    if s.is_ascii() {
        let changes = if upper {
            s.bytes().any(|b| b.is_ascii_lowercase())
        } else {
            s.bytes().any(|b| b.is_ascii_uppercase())
        };
        if !changes {
            return s;
        }
        let mut owned = s.into_owned();
        if upper {
            owned.make_ascii_uppercase();
        } else {
            owned.make_ascii_lowercase();
        }
        return Cow::Owned(owned);
    }
    let mapped = if upper {
        s.to_uppercase()
    } else {
        s.to_lowercase()
    };
    if mapped == *s {
        s
    } else {
        Cow::Owned(mapped)
    }
}

#[cfg(test)]
mod tests {
    use super::case_map;
    use proptest::prelude::*;
    use std::borrow::Cow;

    fn lower(s: &str) -> String {
        case_map(Cow::Borrowed(s), false).into_owned()
    }

    fn upper(s: &str) -> String {
        case_map(Cow::Borrowed(s), true).into_owned()
    }

    #[test]
    fn unicode_full_mapping() {
        assert_eq!(lower("ÉCOLE"), "école");
        assert_eq!(upper("Straße"), "STRASSE");
        assert_eq!(upper("ﬁx"), "FIX");
        assert_eq!(lower("ÜBER"), "über");
        assert_eq!(lower("ΟΔΟΣ"), "οδος");
        assert_eq!(lower("ΟΔΟΣ ΟΔΟΣ"), "οδος οδος");
        assert_eq!(lower("Σ"), "σ");
        assert_eq!(lower("İ"), "i\u{307}");
        assert_eq!(
            lower("\u{212A}"),
            "k",
            "the Kelvin sign lowers to an ASCII k"
        );
        assert_eq!(upper("😀 ß"), "😀 SS");
    }

    #[test]
    fn borrows_when_nothing_changes() {
        assert!(matches!(
            case_map(Cow::Borrowed("abc"), false),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            case_map(Cow::Borrowed("école"), false),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            case_map(Cow::Borrowed("ÉCOLE"), true),
            Cow::Borrowed(_)
        ));
    }

    proptest! {
        /// The ASCII fast path is the full mapping restricted to ASCII.
        #[test]
        fn fast_path_is_the_full_mapping(s in "\\PC{0,12}", up in any::<bool>()) {
            let want = if up { s.to_uppercase() } else { s.to_lowercase() };
            prop_assert_eq!(case_map(Cow::Borrowed(&s), up), want);
        }
    }
}
