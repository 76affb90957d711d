//! Finds every `"reference": "..."` value in a resource's JSON text, so that the importer can
//! refuse a bundle whose `urn:uuid:` references point nowhere.

/// Every string value of a `reference` key in `json`, in order of appearance.
pub fn references(json: &str) -> Vec<&str> {
    const KEY: &str = "\"reference\"";
    let mut found = Vec::new();
    let mut rest = json;
    while let Some(at) = rest.find(KEY) {
        rest = &rest[at + KEY.len()..];
        let after_colon = match rest.trim_start().strip_prefix(':') {
            Some(r) => r.trim_start(),
            None => continue,
        };
        let Some(value) = after_colon.strip_prefix('"') else {
            continue;
        };
        if let Some(end) = value.find('"') {
            found.push(&value[..end]);
            rest = &value[end..];
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::references;

    #[test]
    fn finds_nested_references_only_as_keys() {
        let json = r#"{"subject": {"reference" : "urn:uuid:a"}, "note": "reference",
            "result": [{"reference":"urn:uuid:b","display":"x"}], "reference": 5}"#;
        assert_eq!(references(json), ["urn:uuid:a", "urn:uuid:b"]);
    }
}
