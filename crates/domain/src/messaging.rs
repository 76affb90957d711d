//! Secure messages between a patient and the practice: what may be written, where it goes,
//! where a conversation stands, by when the practice has promised an answer, and which files
//! may be attached.
//!
//! A patient writes to a **pool** (a team the practice lists, such as "My care team" or
//! "Billing"), never to a person; staff of that pool answer. A conversation (a thread) moves
//! between [`ThreadStatus`]es as staff take it, answer it and close it. The practice promises
//! an answer within a number of business days ([`answer_due`]).

use jiff::{Timestamp, civil::Weekday, tz::TimeZone};

/// The longest message body, in characters.
pub const MAX_BODY_CHARS: usize = 5000;
/// The longest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 120;

/// What is wrong with a message as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("Please write your message.")]
    EmptyBody,
    #[error("Your message can have at most 5000 characters.")]
    BodyTooLong,
    #[error("Please write a subject.")]
    EmptySubject,
    #[error("The subject can have at most 120 characters.")]
    SubjectTooLong,
}

/// A message body: trimmed, not empty, bounded. Line breaks are kept (the page shows them);
/// other control characters are dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    pub fn parse(text: &str) -> Result<Self, MessageError> {
        let cleaned: String = text
            .replace("\r\n", "\n")
            .chars()
            .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
            .collect();
        let cleaned = cleaned.trim();
        if cleaned.is_empty() {
            return Err(MessageError::EmptyBody);
        }
        if cleaned.chars().count() > MAX_BODY_CHARS {
            return Err(MessageError::BodyTooLong);
        }
        Ok(Self(cleaned.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A conversation's subject: one line, spaces tidied, not empty, bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject(String);

impl Subject {
    pub fn parse(text: &str) -> Result<Self, MessageError> {
        let tidied = text
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|word| !word.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if tidied.is_empty() {
            return Err(MessageError::EmptySubject);
        }
        if tidied.chars().count() > MAX_SUBJECT_CHARS {
            return Err(MessageError::SubjectTooLong);
        }
        Ok(Self(tidied))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The key of a pool a practice lists ("care-team"): lower-case letters, digits and hyphens,
/// 2 to 40 of them, starting with a letter. Names shown to people are kept beside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PoolKey(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a pool's key has 2 to 40 lower-case letters, digits or hyphens, and starts with a letter")]
pub struct PoolKeyError;

impl PoolKey {
    pub fn parse(text: &str) -> Result<Self, PoolKeyError> {
        let text = text.trim();
        let well_formed = (2..=40).contains(&text.len())
            && text.starts_with(|c: char| c.is_ascii_lowercase())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if well_formed {
            Ok(Self(text.to_owned()))
        } else {
            Err(PoolKeyError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The pools a practice starts with: key, English name, Spanish name.
pub const DEFAULT_POOLS: [(&str, &str, &str); 4] = [
    ("care-team", "My care team", "Mi equipo de atención"),
    ("refill", "Prescription refill", "Renovar una receta"),
    (
        "front-desk",
        "Front desk and appointments",
        "Recepción y citas",
    ),
    ("billing", "Billing", "Facturación"),
];

/// A pool as a practice lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub key: PoolKey,
    pub name_en: String,
    pub name_es: String,
    /// A closed pool takes no new conversations; its threads go on.
    pub open: bool,
}

impl Pool {
    /// The pool's name in a language (`"es"`, else English).
    pub fn name(&self, language: &str) -> &str {
        if language == "es" {
            &self.name_es
        } else {
            &self.name_en
        }
    }

    /// The pools a practice has before it lists its own ([`DEFAULT_POOLS`]).
    pub fn defaults() -> Vec<Self> {
        DEFAULT_POOLS
            .iter()
            .map(|(key, en, es)| Self {
                key: PoolKey((*key).to_owned()),
                name_en: (*en).to_owned(),
                name_es: (*es).to_owned(),
                open: true,
            })
            .collect()
    }
}

/// How a practice runs its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessagingSettings {
    /// Patients may write; when off, they read what was written before and are told to call.
    pub enabled: bool,
    /// The practice answers within this many business days (1 to 10).
    pub answer_business_days: u8,
    /// The largest file a message may carry, in KiB (100 to 20480).
    pub attachment_max_kib: u32,
}

impl Default for MessagingSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            answer_business_days: 2,
            attachment_max_kib: 5 * 1024,
        }
    }
}

impl MessagingSettings {
    pub const BUSINESS_DAYS: std::ops::RangeInclusive<u8> = 1..=10;
    pub const ATTACHMENT_KIB: std::ops::RangeInclusive<u32> = 100..=20480;

    /// The largest attachment in bytes.
    pub fn attachment_max_bytes(&self) -> usize {
        self.attachment_max_kib as usize * 1024
    }
}

/// Where a conversation stands, for staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThreadStatus {
    /// Nobody has taken it yet.
    Unassigned,
    /// A staff member has taken it.
    Assigned,
    /// Staff answered and wait for the patient.
    WaitingForPatient,
    Closed,
}

impl ThreadStatus {
    pub const ALL: [Self; 4] = [
        Self::Unassigned,
        Self::Assigned,
        Self::WaitingForPatient,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unassigned => "unassigned",
            Self::Assigned => "assigned",
            Self::WaitingForPatient => "waiting-for-patient",
            Self::Closed => "closed",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == key)
    }

    /// Where the conversation goes when the patient writes in it: back to whoever had it,
    /// or to the pool when nobody had (a closed conversation opens again).
    pub fn after_patient_writes(self, assigned: bool) -> Self {
        if assigned {
            Self::Assigned
        } else {
            Self::Unassigned
        }
    }

    /// Whether the practice owes an answer, so that a due time runs.
    pub fn awaits_practice(self) -> bool {
        matches!(self, Self::Unassigned | Self::Assigned)
    }
}

/// When the practice's answer to a message received at `received` is due: at the end of the
/// `business_days`-th weekday (Monday to Friday) after the day it arrived, on the practice's
/// clock (`zone`). A message arriving on Friday afternoon with a promise of 2 business days is
/// due at the end of Tuesday; on Saturday, also at the end of Tuesday. With 0, at the end of
/// the day it arrived. Holidays are not known here: the practice's schedule keeps them.
pub fn answer_due(received: Timestamp, zone: &TimeZone, business_days: u8) -> Timestamp {
    let mut day = received.to_zoned(zone.clone()).date();
    let mut counted = 0;
    while counted < business_days {
        let Ok(next) = day.tomorrow() else {
            return Timestamp::MAX;
        };
        day = next;
        if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            counted += 1;
        }
    }
    // The end of that day is the start of the next, whatever daylight saving time does.
    day.tomorrow()
        .ok()
        .and_then(|next| next.to_zoned(zone.clone()).ok())
        .map_or(Timestamp::MAX, |start| start.timestamp())
}

/// A file type a message may carry, told by the file's first bytes (never by its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttachmentKind {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl AttachmentKind {
    /// The type of `bytes`, if it is one a message may carry.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Self::Gif)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    /// The media type it is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
        }
    }

    /// The file name's ending when it is downloaded.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Gif => "gif",
            Self::Webp => "webp",
        }
    }
}

/// Why a file cannot be attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("The file is empty.")]
    Empty,
    #[error("The file is too large: the limit is {max_kb} KB.")]
    TooLarge { max_kb: usize },
    #[error("Only pictures (PNG, JPEG, GIF, WebP) and PDF files can be attached.")]
    NotAllowed,
}

/// Checks a file for attaching: not empty, at most `max_bytes`, and of an allowed type by its
/// content.
pub fn check_attachment(bytes: &[u8], max_bytes: usize) -> Result<AttachmentKind, AttachmentError> {
    if bytes.is_empty() {
        return Err(AttachmentError::Empty);
    }
    if bytes.len() > max_bytes {
        return Err(AttachmentError::TooLarge {
            max_kb: max_bytes / 1024,
        });
    }
    AttachmentKind::sniff(bytes).ok_or(AttachmentError::NotAllowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn new_york() -> TimeZone {
        TimeZone::get("America/New_York").unwrap()
    }

    fn at(y: i16, m: i8, d: i8, h: i8) -> Timestamp {
        date(y, m, d)
            .at(h, 0, 0, 0)
            .to_zoned(new_york())
            .unwrap()
            .timestamp()
    }

    #[test]
    fn bodies_keep_lines_and_drop_controls() {
        let body = MessageBody::parse("  Hello,\r\nmy refill\u{0} please.\t\n ").unwrap();
        assert_eq!(body.as_str(), "Hello,\nmy refill please.");
        assert_eq!(MessageBody::parse(" \n\t "), Err(MessageError::EmptyBody));
        assert_eq!(
            MessageBody::parse(&"a".repeat(MAX_BODY_CHARS + 1)),
            Err(MessageError::BodyTooLong)
        );
        assert!(MessageBody::parse(&"ñ".repeat(MAX_BODY_CHARS)).is_ok());
    }

    #[test]
    fn subjects_are_one_tidy_line() {
        assert_eq!(
            Subject::parse("  Refill\n for   metformin ")
                .unwrap()
                .as_str(),
            "Refill for metformin"
        );
        assert_eq!(Subject::parse("\n"), Err(MessageError::EmptySubject));
        assert_eq!(
            Subject::parse(&"x".repeat(MAX_SUBJECT_CHARS + 1)),
            Err(MessageError::SubjectTooLong)
        );
    }

    #[test]
    fn pool_keys() {
        for (key, _, _) in DEFAULT_POOLS {
            assert_eq!(PoolKey::parse(key).unwrap().as_str(), key);
        }
        for bad in ["", "a", "Care", "1st", "care team", "café", &"a".repeat(41)] {
            assert_eq!(PoolKey::parse(bad), Err(PoolKeyError), "{bad}");
        }
    }

    #[test]
    fn statuses_round_trip_and_reopen() {
        for status in ThreadStatus::ALL {
            assert_eq!(ThreadStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ThreadStatus::parse("open"), None);
        assert_eq!(
            ThreadStatus::Closed.after_patient_writes(false),
            ThreadStatus::Unassigned
        );
        assert_eq!(
            ThreadStatus::WaitingForPatient.after_patient_writes(true),
            ThreadStatus::Assigned
        );
        assert!(ThreadStatus::Assigned.awaits_practice());
        assert!(!ThreadStatus::WaitingForPatient.awaits_practice());
    }

    #[test]
    fn answers_are_due_after_business_days_on_the_practice_clock() {
        // 2026-03-06 is a Friday.
        assert_eq!(
            answer_due(at(2026, 3, 6, 15), &new_york(), 2),
            at(2026, 3, 11, 0),
            "Friday afternoon: the end of Tuesday"
        );
        assert_eq!(
            answer_due(at(2026, 3, 7, 9), &new_york(), 2),
            at(2026, 3, 11, 0),
            "Saturday: also the end of Tuesday"
        );
        assert_eq!(
            answer_due(at(2026, 3, 9, 8), &new_york(), 1),
            at(2026, 3, 11, 0),
            "Monday: the end of Tuesday"
        );
        assert_eq!(
            answer_due(at(2026, 3, 9, 8), &new_york(), 0),
            at(2026, 3, 10, 0)
        );
        // Daylight saving time starts on Sunday 2026-03-08: days, not 24-hour blocks.
        let due = answer_due(at(2026, 3, 6, 23), &new_york(), 1);
        assert_eq!(
            due.to_zoned(new_york()).datetime(),
            date(2026, 3, 10).at(0, 0, 0, 0)
        );
    }

    #[test]
    fn attachments_by_content() {
        assert_eq!(
            check_attachment(b"%PDF-1.7\n...", 1024),
            Ok(AttachmentKind::Pdf)
        );
        assert_eq!(
            check_attachment(b"\x89PNG\r\n\x1a\n....", 1024),
            Ok(AttachmentKind::Png)
        );
        assert_eq!(
            check_attachment(&[0xFF, 0xD8, 0xFF, 0xE0], 1024),
            Ok(AttachmentKind::Jpeg)
        );
        assert_eq!(
            check_attachment(b"RIFF\x10\0\0\0WEBPVP8 ", 1024),
            Ok(AttachmentKind::Webp)
        );
        assert_eq!(check_attachment(b"GIF89a..", 1024), Ok(AttachmentKind::Gif));
        // A script named "scan.pdf" is still a script.
        assert_eq!(
            check_attachment(b"<html><script>", 1024),
            Err(AttachmentError::NotAllowed)
        );
        assert_eq!(check_attachment(b"", 1024), Err(AttachmentError::Empty));
        assert_eq!(
            check_attachment(&[b'%'; 2048], 1024),
            Err(AttachmentError::TooLarge { max_kb: 1 })
        );
        for kind in [
            AttachmentKind::Pdf,
            AttachmentKind::Png,
            AttachmentKind::Jpeg,
            AttachmentKind::Gif,
            AttachmentKind::Webp,
        ] {
            assert!(kind.media_type().contains('/') && !kind.extension().is_empty());
        }
    }

    proptest! {
        /// The due time is a midnight on the practice's clock, after the message arrived, on a
        /// day after a weekday, with exactly the promised weekdays between.
        #[test]
        fn due_times_count_weekdays(seconds in 1_700_000_000i64..1_900_000_000, days in 0u8..15) {
            let received = Timestamp::from_second(seconds).unwrap();
            let due = answer_due(received, &new_york(), days);
            prop_assert!(due > received);
            let local = due.to_zoned(new_york());
            prop_assert_eq!(local.time(), jiff::civil::time(0, 0, 0, 0));
            let last = local.date().yesterday().unwrap();
            if days > 0 {
                prop_assert!(!matches!(last.weekday(), Weekday::Saturday | Weekday::Sunday));
            }
            let mut weekdays = 0;
            let mut day = received.to_zoned(new_york()).date();
            while day < last {
                day = day.tomorrow().unwrap();
                weekdays += u8::from(!matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday));
            }
            prop_assert_eq!(weekdays, days);
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,300}", bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = MessageBody::parse(&text);
            let _ = Subject::parse(&text);
            let _ = PoolKey::parse(&text);
            let _ = check_attachment(&bytes, 32);
        }
    }
}
