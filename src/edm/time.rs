//! Edm.TimeOfDay in records: `hh:mm[:ss[.f]]`.

use chrono::{NaiveTime, Timelike};

/// Reads a TimeOfDay, `hh:mm[:ss[.f]]`. A second of 60 is refused: OData's TimeOfDay has no
/// leap second, and the day has no following second to count it as.
pub(crate) fn parse(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .ok()
        .filter(|t| t.nanosecond() < 1_000_000_000)
}
