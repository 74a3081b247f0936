//! Timestamps: UTC, millisecond precision, written as RFC 3339 with an explicit offset.

use std::fmt;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A moment in UTC, truncated to milliseconds so that it survives a save/load round trip exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Self(at.trunc_subsecs(3))
    }

    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    /// This moment plus some minutes.
    pub fn plus_minutes(self, minutes: u32) -> Self {
        Self(self.0 + chrono::Duration::minutes(i64::from(minutes)))
    }

    /// Parses RFC 3339 text with any offset, such as `2026-11-23T10:00:00+01:00`.
    pub fn parse(text: &str) -> Result<Self, chrono::ParseError> {
        Ok(Self::from_datetime(DateTime::parse_from_rfc3339(text)?.with_timezone(&Utc)))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, false))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(|err| serde::de::Error::custom(format!("`{text}` is not an RFC 3339 time with offset: {err}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_utc_with_offset_and_milliseconds() {
        let at = Timestamp::parse("2026-11-23T10:15:30.123456+01:00").unwrap();
        assert_eq!(at.to_string(), "2026-11-23T09:15:30.123+00:00");
        assert_eq!(Timestamp::parse(&at.to_string()).unwrap(), at);
    }

    #[test]
    fn refuses_a_time_without_offset() {
        assert!(Timestamp::parse("2026-11-23T10:15:30").is_err());
    }
}
