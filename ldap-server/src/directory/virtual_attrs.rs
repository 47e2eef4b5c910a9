//! Attributes AD maintains itself and returns like stored ones: computed from the entry's place
//! and bookkeeping instead of being stored per entry (a million users stay small).

use bytes::Bytes;
use time::OffsetDateTime;

use super::Directory;
use crate::entry::{Entry, EntryId};
use crate::schema::AttrId;

/// `instanceType` bits: IT_NC_HEAD, IT_WRITE, IT_NC_ABOVE.
const NC_HEAD: u32 = 1;
const WRITABLE: u32 = 4;
const NC_ABOVE: u32 = 8;

pub fn compute(
    dir: &Directory,
    id: EntryId,
    entry: &Entry,
    attribute: AttrId,
) -> Option<Vec<Bytes>> {
    let name = dir.schema().attribute(attribute).name.as_str();
    let value: Bytes = match name {
        "distinguishedName" => dir.dn_string(id).into(),
        "name" => entry.name.rdn()?.value().to_string().into(),
        "objectGUID" => Bytes::copy_from_slice(&entry.guid),
        "whenCreated" | "createTimeStamp" => generalized_time(entry.when_created).into(),
        "whenChanged" | "modifyTimeStamp" => generalized_time(entry.when_changed).into(),
        "uSNCreated" => entry.usn_created.to_string().into(),
        "uSNChanged" => entry.usn_changed.to_string().into(),
        "instanceType" => instance_type(dir, entry).to_string().into(),
        _ => return None,
    };
    Some(vec![value])
}

fn instance_type(dir: &Directory, entry: &Entry) -> u32 {
    if entry.parent.is_some() {
        return WRITABLE;
    }
    // A naming-context head; NC_ABOVE when another NC held here contains it (Configuration
    // under the domain, Schema under Configuration).
    let held_above = dir.naming_contexts().iter().any(|&other| {
        dir.entry(other).is_some_and(|head| {
            head.name.rdns().len() < entry.name.rdns().len() && entry.name.is_within(&head.name)
        })
    });
    NC_HEAD | WRITABLE | if held_above { NC_ABOVE } else { 0 }
}

/// AD's GeneralizedTime form: `20240101120000.0Z`.
pub fn generalized_time(unix_seconds: i64) -> String {
    let time =
        OffsetDateTime::from_unix_timestamp(unix_seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}.0Z",
        time.year(),
        time.month() as u8,
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// Parses `YYYYMMDDHHMMSS[.f]Z` back to seconds (LDIF exports carry whenCreated).
pub fn parse_generalized_time(text: &str) -> Option<i64> {
    let digits = text.get(..14)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let field = |range: std::ops::Range<usize>| digits.get(range)?.parse::<u32>().ok();
    let month = time::Month::try_from(field(4..6)? as u8).ok()?;
    let date =
        time::Date::from_calendar_date(field(0..4)? as i32, month, field(6..8)? as u8).ok()?;
    let clock = time::Time::from_hms(
        field(8..10)? as u8,
        field(10..12)? as u8,
        field(12..14)? as u8,
    )
    .ok()?;
    Some(date.with_time(clock).assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generalized_time_round_trips() {
        let text = generalized_time(1_700_000_000);
        assert_eq!(text, "20231114221320.0Z");
        assert_eq!(parse_generalized_time(&text), Some(1_700_000_000));
        assert_eq!(parse_generalized_time("garbage"), None);
    }
}
