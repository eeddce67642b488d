//! The wall clock, as the store and the signed values count it.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch (0 on a clock set before it).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The UTC calendar date of a Unix time, `YYYY-MM-DD` (Howard Hinnant's
/// days-to-civil).
pub fn date_of(unix_seconds: i64) -> String {
    let z = unix_seconds.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The bureaus' calendar date (China Standard Time, UTC+8) of a Unix time.
pub fn china_date_of(unix_seconds: i64) -> String {
    date_of(unix_seconds + 8 * 3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_written_as_dates() {
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(951_782_400), "2000-02-29");
        assert_eq!(date_of(1_798_761_600), "2027-01-01");
        // 2026-12-03 00:00 UTC is already that day in China, and 23:00 the day before is too.
        assert_eq!(china_date_of(1_796_256_000 - 3600), "2026-12-03");
        assert_eq!(china_date_of(1_796_256_000 - 9 * 3600), "2026-12-02");
    }
}
