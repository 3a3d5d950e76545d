//! Defender's timestamp text: UTC, seven fractional digits, `Z`.

/// Formats a time as Defender does: UTC, 7 fractional digits, `Z`.
pub fn timestamp(unix_secs: i64, nanos: u32) -> String {
    let t = chrono::DateTime::from_timestamp(unix_secs, nanos - nanos % 100)
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    format!("{}.{:07}Z", t.format("%Y-%m-%dT%H:%M:%S"), nanos / 100)
}

/// The current time, formatted by [`timestamp`].
pub fn now() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    timestamp(i64::try_from(d.as_secs()).unwrap_or(0), d.subsec_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_seven_fractional_digits() {
        assert_eq!(
            timestamp(1_543_927_437, 201_191_100),
            "2018-12-04T12:43:57.2011911Z"
        );
        assert_eq!(timestamp(0, 0), "1970-01-01T00:00:00.0000000Z");
        assert_eq!(now().len(), "2018-12-04T12:43:57.2011911Z".len());
    }
}
