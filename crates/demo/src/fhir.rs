//! Small builders for the FHIR R4 JSON shapes Synthea uses.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::catalog::{Code, UCUM};
use crate::labs::round_to;

pub(crate) fn coding(code: &Code) -> Value {
    json!({ "system": code.system, "code": code.code, "display": code.display })
}

/// A CodeableConcept with one coding and the display as text.
pub(crate) fn concept(code: &Code) -> Value {
    json!({ "coding": [coding(code)], "text": code.display })
}

/// A CodeableConcept from a system, code and display.
pub(crate) fn concept_of(system: &str, code: &str, display: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code, "display": display }], "text": display })
}

/// A CodeableConcept with a coding but no text, as for statuses.
pub(crate) fn status(system: &str, code: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code }] })
}

pub(crate) fn urn(id: Uuid) -> String {
    format!("urn:uuid:{id}")
}

pub(crate) fn reference(id: Uuid) -> Value {
    json!({ "reference": urn(id) })
}

pub(crate) fn reference_with_display(id: Uuid, display: &str) -> Value {
    json!({ "reference": urn(id), "display": display })
}

/// A number with the given decimals; whole numbers are written without a fraction.
pub(crate) fn number(value: f64, decimals: u32) -> Value {
    if decimals == 0 {
        json!(value.round() as i64)
    } else {
        json!(round_to(value, decimals))
    }
}

/// A UCUM Quantity.
pub(crate) fn quantity(value: f64, decimals: u32, unit: &str) -> Value {
    json!({ "value": number(value, decimals), "unit": unit, "system": UCUM, "code": unit })
}

/// A Money in US dollars, rounded to cents.
pub(crate) fn money(value: f64) -> Value {
    json!({ "value": round_to(value, 2), "currency": "USD" })
}

/// A transaction entry: `fullUrl`, the resource, and a POST to its type.
pub(crate) fn entry(id: Uuid, resource: Value) -> Value {
    let resource_type = resource["resourceType"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    entry_with_request(
        id,
        resource,
        json!({ "method": "POST", "url": resource_type }),
    )
}

/// A transaction entry with its own `request` (e.g. a conditional create).
pub(crate) fn entry_with_request(id: Uuid, resource: Value, request: Value) -> Value {
    // Built by moving values in: `json!` would deep-copy the resource.
    let mut map = Map::new();
    map.insert("fullUrl".to_string(), Value::String(urn(id)));
    map.insert("resource".to_string(), resource);
    map.insert("request".to_string(), request);
    Value::Object(map)
}

/// Formats clinic-local date-times as FHIR instants with the clinic's UTC offset.
pub(crate) struct Clock {
    time_zone: TimeZone,
}

impl Clock {
    pub(crate) fn new(time_zone: TimeZone) -> Self {
        Clock { time_zone }
    }

    /// "2024-03-12T09:30:00-04:00".
    pub(crate) fn instant(&self, local: DateTime) -> String {
        match local.to_zoned(self.time_zone.clone()) {
            Ok(zoned) => zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
            Err(_) => local.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn instants_carry_daylight_saving_offsets() {
        let clock = Clock::new(TimeZone::get("America/New_York").expect("bundled tzdb"));
        assert_eq!(
            clock.instant(date(2024, 1, 15).at(9, 30, 0, 0)),
            "2024-01-15T09:30:00-05:00"
        );
        assert_eq!(
            clock.instant(date(2024, 7, 15).at(9, 30, 0, 0)),
            "2024-07-15T09:30:00-04:00"
        );
        let phoenix = Clock::new(TimeZone::get("America/Phoenix").expect("bundled tzdb"));
        assert_eq!(
            phoenix.instant(date(2024, 7, 15).at(9, 30, 0, 0)),
            "2024-07-15T09:30:00-07:00"
        );
    }

    #[test]
    fn numbers_keep_integers_whole() {
        assert_eq!(number(95.4, 0).to_string(), "95");
        assert_eq!(number(13.46, 1).to_string(), "13.5");
        assert_eq!(money(12.346), json!({ "value": 12.35, "currency": "USD" }));
    }
}
