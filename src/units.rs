//! Lengths of time as people type them, one meaning of each unit everywhere (`since:10m`,
//! `--interval 10m`, `feeds` settings): `s` seconds, `m`/`min` minutes, `h` hours, `d` days,
//! `w` weeks, and months and years spelled out (`2months`, `1year`). Parsed by humantime;
//! its one-letter `M` for months is refused, as it is one shift key away from minutes.

use std::time::Duration;

/// Parses "10m", "12h", "3d", "2w", "2months", "1h 30m". The error says what to write instead.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let bad = || format!("`{s}` is not a length of time; use e.g. 30s, 10m, 12h, 3d, 2w, 2months");
    // `M` as a unit of its own (after a digit or a space, not inside "Months").
    let bytes = s.as_bytes();
    let lone_m = bytes.iter().enumerate().any(|(i, &b)| {
        b == b'M'
            && i > 0
            && (bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b' ')
            && bytes.get(i + 1).is_none_or(|n| !n.is_ascii_alphabetic())
    });
    if lone_m {
        return Err(format!(
            "`{s}`: write months as `months` (e.g. 2months); `m` means minutes"
        ));
    }
    humantime::parse_duration(&s.to_lowercase()).map_err(|_| bad())
}

/// Shows an interval as it can be written in config (humantime): "10m", "1h 30m", "1day".
pub fn format_interval(secs: u64) -> String {
    humantime::format_duration(Duration::from_secs(secs)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_shown_as_they_are_written() {
        assert_eq!(format_interval(600), "10m");
        assert_eq!(format_interval(5_400), "1h 30m");
        for secs in [30, 600, 5_400, 86_400] {
            let shown = format_interval(secs);
            assert_eq!(
                parse_duration(&shown).map(|d| d.as_secs()),
                Ok(secs),
                "{shown}"
            );
        }
    }

    #[test]
    fn each_unit_means_one_thing() {
        let secs = |s: &str| parse_duration(s).map(|d| d.as_secs());
        assert_eq!(secs("10m"), Ok(600));
        assert_eq!(secs("10min"), Ok(600));
        assert_eq!(secs("30s"), Ok(30));
        assert_eq!(secs("12h"), Ok(12 * 3600));
        assert_eq!(secs("3d"), Ok(3 * 86_400));
        assert_eq!(secs("2w"), Ok(14 * 86_400));
        assert_eq!(secs("1h 30m"), Ok(5400));
        assert_eq!(secs("2 Months"), secs("2months"));
        assert!(secs("2months").unwrap() > 60 * 86_400);
        assert!(parse_duration("2M").unwrap_err().contains("`months`"));
        assert!(
            parse_duration("soon")
                .unwrap_err()
                .contains("not a length of time")
        );
        assert!(parse_duration("").is_err());
    }
}
