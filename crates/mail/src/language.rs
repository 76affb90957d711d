//! The languages messages are written in, and how dates read in each.

use jiff::civil::{Date, DateTime};

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
    }
}
