//! Log timestamps as tracing-subscriber's default `SystemTime` prints them
//! (`2026-11-30T13:55:32.123456Z`), with the calendar part worked out once per second.
//!
//! Every operation writes an access-log line; converting the clock to a calendar date and
//! formatting six numbers for each was a fifth of a line's cost.

use std::cell::RefCell;
use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

/// `tracing_subscriber::fmt::time::SystemTime`'s output, cheaper.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogTime;

thread_local! {
    /// The last second printed on this thread and its `YYYY-MM-DDTHH:MM:SS`.
    static LAST_SECOND: RefCell<Option<(u64, String)>> = const { RefCell::new(None) };
}

impl FormatTime for LogTime {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        let Ok(since_epoch) = SystemTime::now().duration_since(UNIX_EPOCH) else {
            // Before 1970: the library's own formatting handles it.
            return tracing_subscriber::fmt::time::SystemTime.format_time(w);
        };
        let seconds = since_epoch.as_secs();
        let micros = since_epoch.subsec_micros();
        LAST_SECOND.with(|last| {
            let mut last = last.borrow_mut();
            if last.as_ref().is_none_or(|(second, _)| *second != seconds) {
                *last = calendar(seconds).map(|text| (seconds, text));
            }
            match last.as_ref() {
                Some((_, text)) => write!(w, "{text}.{micros:06}Z"),
                None => tracing_subscriber::fmt::time::SystemTime.format_time(w),
            }
        })
    }
}

/// `YYYY-MM-DDTHH:MM:SS` (UTC) for a second since the epoch; `None` past year 9999, which the
/// library prints differently.
fn calendar(seconds: u64) -> Option<String> {
    let time = time::OffsetDateTime::from_unix_timestamp(i64::try_from(seconds).ok()?).ok()?;
    if time.year() > 9999 {
        return None;
    }
    let mut text = String::with_capacity(19);
    write!(
        text,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
    .ok()?;
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_seconds_print_as_rfc_3339() {
        assert_eq!(calendar(0).as_deref(), Some("1970-01-01T00:00:00"));
        assert_eq!(
            calendar(1_796_046_932).as_deref(),
            Some("2026-11-30T13:55:32")
        );
        // 2000-02-29 23:59:59, a leap day.
        assert_eq!(
            calendar(951_868_799).as_deref(),
            Some("2000-02-29T23:59:59")
        );
        assert_eq!(calendar(253_402_300_800), None);
    }

    #[test]
    fn a_timestamp_has_the_default_formats_shape() {
        let mut ours = String::new();
        LogTime.format_time(&mut Writer::new(&mut ours)).unwrap();
        let mut theirs = String::new();
        tracing_subscriber::fmt::time::SystemTime
            .format_time(&mut Writer::new(&mut theirs))
            .unwrap();
        assert_eq!(ours.len(), theirs.len(), "{ours} / {theirs}");
        // Same second (or the next one, if the clock ticked between the two).
        assert!(ours[..17] == theirs[..17], "{ours} / {theirs}");
        assert!(ours.ends_with('Z'));
    }
}
