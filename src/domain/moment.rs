//! Points in time as administrators type them: RFC 3339, or an age such as `7d`.

use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// A time given as RFC 3339 (`2026-05-01T09:00:00Z`) or as an age before `now_ms`
/// (`7d`, `12h`, `30m`, `1h 30m`: humantime's units), in UTC milliseconds.
pub fn parse_time(text: &str, now_ms: i64) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    match humantime::parse_duration(text) {
        Ok(age) => Ok(now_ms.saturating_sub(age.as_millis().min(i64::MAX as u128) as i64)),
        Err(_) => Err(format!(
            "'{text}' is not a time: give RFC 3339 (2026-05-01T09:00:00Z) or an age such as 7d, 12h, 30m"
        )),
    }
}

/// UTC milliseconds as RFC 3339 with always three digits of milliseconds
/// (`2026-05-01T09:00:00.120Z`), so that times line up in a column.
pub fn rfc3339_ms(ms: i64) -> String {
    const FORMAT: &[BorrowedFormatItem<'_>] =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(FORMAT).ok())
        .unwrap_or_else(|| ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn ages_count_back_from_now() {
        assert_eq!(parse_time("7d", NOW), Ok(NOW - 7 * 86_400_000));
        assert_eq!(parse_time("12h", NOW), Ok(NOW - 12 * 3_600_000));
        assert_eq!(parse_time(" 1h 30m ", NOW), Ok(NOW - 90 * 60_000));
    }

    #[test]
    fn rfc3339_is_read_in_any_offset_and_written_in_utc() {
        let t = parse_time("2027-01-15T09:00:00.250+01:00", NOW).unwrap();
        assert_eq!(rfc3339_ms(t), "2027-01-15T08:00:00.250Z");
        assert_eq!(
            rfc3339_ms(t - 250),
            "2027-01-15T08:00:00.000Z",
            "every digit kept"
        );
    }

    #[test]
    fn anything_else_is_refused_with_the_forms_named() {
        for bad in ["", "yesterday", "7x", "2027-01-15"] {
            let e = parse_time(bad, NOW).unwrap_err();
            assert!(e.contains("RFC 3339") && e.contains("7d"), "{bad}: {e}");
        }
    }
}
