//! Schemas the derive cannot say: the words a string field takes (the request types keep
//! plain `String`s, read by the same use cases as the pages) and a box that must be ticked.

use utoipa::openapi::{
    ObjectBuilder, Type,
    schema::{Object, SchemaType},
};

fn words(values: &[&str], description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
        .build()
}

/// `accept_terms` and `accept_privacy`: the server goes on only when both are true.
pub(super) fn ticked() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Boolean))
        .enum_values(Some([true]))
        .description(Some(
            "Must be true: the document was read and is accepted (false gets 422 naming the field).",
        ))
        .build()
}

/// The language the documents were read in.
pub(super) fn language() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some([Some("en"), Some("es"), None]))
        .description(Some(
            "The language the documents were read in, as `GET` answered it (`en` or `es`): kept \
             with the acceptance (a version without Spanish text counts as read in English). \
             Left out or null: the language of this request.",
        ))
        .build()
}

pub(super) fn channel() -> Object {
    words(
        &["email", "printed-code"],
        "How the invitation reaches the patient.",
    )
}

pub(super) fn closing_reason() -> Object {
    words(
        &["helped", "not-patient", "duplicate", "other"],
        "Why the item is closed; `other` needs a `note`.",
    )
}

pub(super) fn access_code_kind() -> Object {
    words(
        &["birth-year", "ssn-last4", "none"],
        "The access code patients give at enrollment.",
    )
}

pub(super) fn document_kind() -> Object {
    words(
        &["terms", "privacy"],
        "The terms of use or the privacy policy.",
    )
}
