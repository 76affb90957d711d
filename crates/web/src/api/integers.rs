//! Whole numbers in request bodies. JSON Schema counts `5.0` as an integer, and so do the
//! JSON libraries of many apps, which write every number as a float; serde's `i64` refuses it.
//! These read any JSON number without a fractional part that fits an `i64`; `5.5` or `1e30`
//! are still refused (400) with serde's words.

use serde::{Deserialize, Deserializer, de::Error};

/// A whole number, written `5` or `5.0`.
pub(super) fn whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    to_i64(&number)
        .ok_or_else(|| D::Error::custom(format!("expected a whole number, found {number}")))
}

/// An optional whole number: `null` or left out is `None`.
pub(super) fn optional_whole<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    match Option::<serde_json::Number>::deserialize(deserializer)? {
        None => Ok(None),
        Some(number) => to_i64(&number)
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("expected a whole number, found {number}"))),
    }
}

fn to_i64(number: &serde_json::Number) -> Option<i64> {
    if let Some(whole) = number.as_i64() {
        return Some(whole);
    }
    let float = number.as_f64()?;
    // 2^63 is exactly representable; everything below it with no fraction converts exactly.
    let in_range = (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&float);
    #[allow(clippy::cast_possible_truncation)]
    (in_range && float.fract() == 0.0).then_some(float as i64)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Body {
        #[serde(deserialize_with = "super::whole")]
        n: i64,
        #[serde(default, deserialize_with = "super::optional_whole")]
        m: Option<i64>,
    }

    fn read(json: &str) -> Result<(i64, Option<i64>), String> {
        serde_json::from_str::<Body>(json)
            .map(|b| (b.n, b.m))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats() {
        assert_eq!(read(r#"{"n": 5}"#), Ok((5, None)));
        assert_eq!(read(r#"{"n": 5.0, "m": -20.0}"#), Ok((5, Some(-20))));
        assert_eq!(read(r#"{"n": 1e3, "m": null}"#), Ok((1000, None)));
        assert_eq!(
            read(r#"{"n": 4503599627370496.0}"#),
            Ok((4_503_599_627_370_496, None))
        );
        // Read exactly (serde_json's `float_roundtrip`): the fast reading made it ...247.2.
        assert_eq!(
            read(r#"{"n": -2251799813685247.0}"#),
            Ok((-2_251_799_813_685_247, None))
        );
    }

    #[test]
    fn fractions_and_numbers_too_large_are_refused() {
        assert!(
            read(r#"{"n": 5.5}"#)
                .unwrap_err()
                .contains("expected a whole number")
        );
        assert!(
            read(r#"{"n": 1e30}"#)
                .unwrap_err()
                .contains("expected a whole number")
        );
        assert!(read(r#"{"n": 18446744073709551615}"#).is_err());
        assert!(read(r#"{"n": "5"}"#).is_err());
        assert!(read(r#"{"n": 1, "m": 0.25}"#).is_err());
    }
}
