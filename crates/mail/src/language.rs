//! The languages messages are written in, and how dates read in each. The portal's pages
//! write dates and times with these too, so that an email and a page say a moment alike.

use jiff::{
    Timestamp,
    civil::{Date, DateTime},
    tz::TimeZone,
};

/// A language we write messages in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    Spanish,
}

const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

const WEEKDAYS_ES: [&str; 7] = [
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
];

impl Language {
    /// The language for a chart's preferred-language tag (BCP 47): Spanish for any `es`
    /// tag (`es`, `es-MX`, ...), English otherwise, including when the chart says nothing.
    pub fn for_tag(tag: Option<&str>) -> Self {
        let primary = tag
            .unwrap_or_default()
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default();
        if primary.eq_ignore_ascii_case("es") {
            Language::Spanish
        } else {
            Language::English
        }
    }

    /// The BCP 47 tag, for `lang` attributes.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Spanish => "es",
        }
    }

    /// A date written out in full, the way a letter would: "Friday, March 20, 2026" or
    /// "viernes 20 de marzo de 2026".
    pub fn long_date(self, date: Date) -> String {
        match self {
            Language::English => date.strftime("%A, %B %-d, %Y").to_string(),
            Language::Spanish => {
                let weekday =
                    WEEKDAYS_ES[usize::from(date.weekday().to_monday_zero_offset() as u8)];
                let month = MONTHS_ES[usize::from(date.month().unsigned_abs()) - 1];
                format!("{weekday} {} de {month} de {}", date.day(), date.year())
            }
        }
    }

    /// A date without its weekday: "November 25, 2026" or "25 de noviembre de 2026".
    pub fn date(self, date: Date) -> String {
        match self {
            Language::English => date.strftime("%B %-d, %Y").to_string(),
            Language::Spanish => {
                let month = MONTHS_ES[usize::from(date.month().unsigned_abs()) - 1];
                format!("{} de {month} de {}", date.day(), date.year())
            }
        }
    }

    /// A moment as a patient reads it on a page, in the practice's time zone: "November 25,
    /// 2026, at 4:05 PM" or "25 de noviembre de 2026, a las 16:05". No zone is named: the
    /// patient and the practice share it.
    pub fn moment(self, at: Timestamp, zone: &TimeZone) -> String {
        let local = at.to_zoned(zone.clone()).datetime();
        let date = self.date(local.date());
        match self {
            Language::English => format!("{date}, at {}", local.strftime("%-I:%M %p")),
            Language::Spanish => format!("{date}, a las {}", local.strftime("%H:%M")),
        }
    }

    /// An emailed link that opens its page in this language (`?lang=es`), the one the email
    /// is written in, whatever the browser that follows it prefers.
    pub fn link(self, link: &str) -> String {
        if link.is_empty() {
            return String::new();
        }
        let joiner = if link.contains('?') { '&' } else { '?' };
        format!("{link}{joiner}lang={}", self.tag())
    }

    /// A date and a time of day: "Friday, March 20, 2026, at 3:05 PM" or
    /// "viernes 20 de marzo de 2026, a las 15:05".
    pub fn date_and_time(self, at: DateTime) -> String {
        let date = self.long_date(at.date());
        match self {
            Language::English => format!("{date}, at {}", at.strftime("%-I:%M %p")),
            Language::Spanish => format!("{date}, a las {}", at.strftime("%H:%M")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn spanish_for_every_es_tag_and_english_otherwise() {
        for tag in ["es", "es-MX", "ES", "es_US"] {
            assert_eq!(Language::for_tag(Some(tag)), Language::Spanish, "{tag}");
        }
        for tag in [None, Some(""), Some("en-US"), Some("fr"), Some("est")] {
            assert_eq!(Language::for_tag(tag), Language::English, "{tag:?}");
        }
    }

    #[test]
    fn dates_read_naturally_in_each_language() {
        let day = date(2026, 3, 20);
        assert_eq!(Language::English.long_date(day), "Friday, March 20, 2026");
        assert_eq!(
            Language::Spanish.long_date(day),
            "viernes 20 de marzo de 2026"
        );
        assert_eq!(
            Language::Spanish.long_date(date(2026, 3, 1)),
            "domingo 1 de marzo de 2026"
        );
        assert_eq!(Language::English.date(day), "March 20, 2026");
        assert_eq!(Language::Spanish.date(day), "20 de marzo de 2026");
    }

    #[test]
    fn a_moment_is_in_the_practice_zone_and_the_patient_language() {
        let at: Timestamp = "2026-11-25T21:05:00Z".parse().unwrap();
        let new_york = TimeZone::get("America/New_York").unwrap();
        assert_eq!(
            Language::Spanish.moment(at, &new_york),
            "25 de noviembre de 2026, a las 16:05"
        );
        assert_eq!(
            Language::English.moment(at, &new_york),
            "November 25, 2026, at 4:05 PM"
        );
        // Past midnight in UTC is still the evening before in Los Angeles.
        let late: Timestamp = "2026-03-01T03:30:00Z".parse().unwrap();
        let los_angeles = TimeZone::get("America/Los_Angeles").unwrap();
        assert_eq!(
            Language::Spanish.moment(late, &los_angeles),
            "28 de febrero de 2026, a las 19:30"
        );
    }

    #[test]
    fn emailed_links_carry_their_language() {
        let link = "https://portal.example.org/enroll/AbC123";
        assert_eq!(
            Language::Spanish.link(link),
            "https://portal.example.org/enroll/AbC123?lang=es"
        );
        assert_eq!(
            Language::English.link("https://portal.example.org/x?a=1"),
            "https://portal.example.org/x?a=1&lang=en"
        );
        assert_eq!(Language::English.link(""), "");
    }
}
