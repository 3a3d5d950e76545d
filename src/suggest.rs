//! "Did you mean": the one rule that picks the known name closest to a misspelt one.

/// The canonical name whose spelling is closest to `input`, compared case-insensitively, or
/// `None` when nothing is close.
///
/// `candidates` are `(spelling, canonical)` pairs, so that an alias can lead to its field's
/// name. A candidate is close when its Damerau-Levenshtein distance from `input` is at most a
/// third of `input`'s length in characters (at least 1): `$stop` finds `$top`, `stauts` finds
/// `status`, `high` finds `High`. Among close candidates the smaller distance wins, then the
/// higher Jaro-Winkler similarity, then the earlier candidate.
pub(crate) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<&'a str> {
    let input = input.to_lowercase();
    let len = input.chars().count();
    let limit = (len / 3).max(1);
    let mut best: Option<(usize, f64, &'a str)> = None;
    for (spelling, canonical) in candidates {
        // The distance is at least the difference in length; skipping such candidates also
        // keeps a huge input from costing a huge matrix.
        if spelling.chars().count().abs_diff(len) > limit {
            continue;
        }
        let spelling = spelling.to_lowercase();
        let distance = strsim::damerau_levenshtein(&input, &spelling);
        if distance > limit {
            continue;
        }
        let similarity = strsim::jaro_winkler(&input, &spelling);
        let better = match best {
            None => true,
            Some((d, s, _)) => distance < d || (distance == d && similarity > s),
        };
        if better {
            best = Some((distance, similarity, canonical));
        }
    }
    best.map(|(_, _, name)| name)
}

/// [`closest`] over plain names (each its own canonical spelling).
pub(crate) fn closest_name<'a>(
    input: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    closest(input, names.into_iter().map(|n| (n, n)))
}

#[cfg(test)]
mod tests {
    use super::{closest, closest_name};

    #[test]
    fn close_names_are_found_whatever_the_case() {
        let names = ["$filter", "$top", "$skip", "$orderby"];
        assert_eq!(closest_name("$stop", names), Some("$top"));
        assert_eq!(closest_name("$FILTRE", names), Some("$filter"));
        assert_eq!(closest_name("$search", names), None);
        assert_eq!(closest_name("", names), None);
        assert_eq!(closest_name("x", ["High", "Low"]), None);
        assert_eq!(closest_name("Hgh", ["High", "Low"]), Some("High"));
    }

    #[test]
    fn ties_go_to_the_more_similar_then_the_earlier() {
        // Both at distance 1; Jaro-Winkler favours the shared prefix.
        assert_eq!(closest_name("abcx", ["abcd", "zbcx"]), Some("abcd"));
        assert_eq!(closest_name("ab", ["ax", "ay"]), Some("ax"));
    }

    #[test]
    fn aliases_lead_to_their_canonical_name() {
        let pairs = [("owner", "assignedTo"), ("assignedTo", "assignedTo")];
        assert_eq!(closest("ownr", pairs), Some("assignedTo"));
    }

    #[test]
    fn a_huge_input_is_cheap_and_finds_nothing() {
        let input = "x".repeat(1_000_000);
        assert_eq!(closest_name(&input, ["x"]), None);
    }
}
