//! Control characters never get in. Nobody types a NUL or an escape into a form, yet one
//! sent anyway reached the databases: PostgreSQL refuses a NUL in text ("invalid byte
//! sequence for encoding UTF8: 0x00", a 500), SQLite keeps it. So every request is screened
//! once, here, before any handler sees it: the decoded path, the decoded query string, and
//! urlencoded form and JSON bodies. A request carrying a control character (C0 but tab, line
//! feed and carriage return; DEL; C1) is answered with a clear error and reaches no handler,
//! so nothing of it is written, on either database.
//!
//! Pages get a 400 page in the visitor's language; the JSON API its own error shape (422,
//! `invalid`, naming the field).

use std::borrow::Cow;

use askama::Template;
use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    AppState,
    api::ApiError,
    common::pages::{Practice, render},
};

/// The largest body screened, the size axum's extractors accept by default: handlers refuse a
/// larger one anyway.
const MOST_BYTES: usize = 2 * 1024 * 1024;

/// Whether `c` may stand in text someone typed: no control characters but the three a
/// textarea makes (tab, line feed, carriage return).
pub fn allowed(c: char) -> bool {
    !c.is_control() || matches!(c, '\t' | '\n' | '\r')
}

/// Where in a request a control character was found: what the API names as the field.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    field: String,
}

/// Middleware: refuses a request with a control character in its path, query or body.
pub async fn screen(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    if let Some(found) = in_path(request.uri().path()).or_else(|| {
        request
            .uri()
            .query()
            .and_then(|query| in_urlencoded(query.as_bytes()))
    }) {
        return refuse(&state, api, &found, request.headers()).await;
    }
    let Some(kind) = body_kind(request.headers()) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MOST_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => return too_large(api),
    };
    let found = match kind {
        BodyKind::Form => in_urlencoded(&bytes),
        BodyKind::Json => in_json(&bytes),
    };
    if let Some(found) = found {
        return refuse(&state, api, &found, &parts.headers).await;
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Form,
    Json,
}

/// The bodies handlers read as text: urlencoded forms and JSON. Others (none today) are
/// refused by the handlers' extractors.
fn body_kind(headers: &HeaderMap) -> Option<BodyKind> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/x-www-form-urlencoded" {
        Some(BodyKind::Form)
    } else if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        Some(BodyKind::Json)
    } else {
        None
    }
}

/// A control character in the percent-decoded path (a token or an id typed into a link).
fn in_path(path: &str) -> Option<Found> {
    let decoded: Cow<'_, [u8]> = percent_encoding::percent_decode_str(path).into();
    let text = String::from_utf8_lossy(&decoded);
    (!text.chars().all(allowed)).then(|| Found {
        field: "path".to_owned(),
    })
}

/// A control character in a decoded query string or form body: the first name or value that
/// has one.
fn in_urlencoded(bytes: &[u8]) -> Option<Found> {
    form_urlencoded::parse(bytes).find_map(|(name, value)| {
        let bad = |text: &str| !text.chars().all(allowed);
        (bad(&name) || bad(&value)).then(|| Found {
            field: printable(&name),
        })
    })
}

/// A control character in a JSON body's strings (values or keys), with the path to it
/// (`note`, `fields.given`, `items[2]`). A body that is not JSON passes: the handler says
/// what is wrong with it.
fn in_json(bytes: &Bytes) -> Option<Found> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    in_value(&value, "")
}

fn in_value(value: &serde_json::Value, at: &str) -> Option<Found> {
    let here = |field: String| {
        Some(Found {
            field: if field.is_empty() {
                "body".to_owned()
            } else {
                field
            },
        })
    };
    match value {
        serde_json::Value::String(text) if !text.chars().all(allowed) => here(at.to_owned()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| in_value(item, &format!("{at}[{index}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(key, item)| {
            let field = if at.is_empty() {
                printable(key)
            } else {
                format!("{at}.{}", printable(key))
            };
            if key.chars().all(allowed) {
                in_value(item, &field)
            } else {
                here(field)
            }
        }),
        _ => None,
    }
}

/// A field's name as it can be shown: control characters written as escapes.
fn printable(name: &str) -> String {
    name.chars()
        .map(|c| {
            if allowed(c) {
                c.to_string()
            } else {
                c.escape_unicode().to_string()
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "input_refused.html")]
struct Refused {
    practice_name: String,
    practice_phone: Option<String>,
    /// The page the form was on, when the browser said (our own path only).
    back: Option<String>,
}

async fn refuse(state: &AppState, api: bool, found: &Found, headers: &HeaderMap) -> Response {
    // The field's name only: the value may be anything, PHI included.
    tracing::info!(field = %found.field, "refused a control character");
    if api {
        // In the path it is a malformed id or token, as the document says of any such path.
        if found.field == "path" {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed",
                crate::common::i18n::t("input-control-character"),
            )
            .into_response();
        }
        return ApiError::field(
            &found.field,
            crate::common::i18n::t("input-control-character"),
        )
        .into_response();
    }
    let practice = Practice::of(state).await;
    let mut response = render(Refused {
        practice_name: practice.name,
        practice_phone: practice.phone,
        back: referring_page(headers, &state.settings.base_url),
    });
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
}

/// The path of the page that sent the request, when it is one of ours.
fn referring_page(headers: &HeaderMap, base_url: &str) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let own = crate::common::csrf::origin_of(base_url);
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let rest = referer.strip_prefix(&own).or_else(|| {
        host.and_then(|host| referer.strip_prefix(&format!("http://{host}")))
            .or_else(|| host.and_then(|host| referer.strip_prefix(&format!("https://{host}"))))
    })?;
    let ours = rest.starts_with('/') && !rest.starts_with("//") && !rest.contains('\\');
    (ours && rest.chars().all(|c| c.is_ascii_graphic())).then(|| rest.to_owned())
}

fn too_large(api: bool) -> Response {
    const WORDS: &str = "What was sent is too large.";
    if api {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "malformed", WORDS).into_response();
    }
    (StatusCode::PAYLOAD_TOO_LARGE, WORDS).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tab_line_feed_and_carriage_return_of_the_controls_are_allowed() {
        for c in ['\t', '\n', '\r', 'a', 'é', ' ', '\u{a0}', '中', '😀'] {
            assert!(allowed(c), "{c:?}");
        }
        for c in [
            '\0', '\u{1}', '\u{8}', '\u{b}', '\u{1b}', '\u{7f}', '\u{80}', '\u{9f}',
        ] {
            assert!(!allowed(c), "{c:?}");
        }
    }

    #[test]
    fn forms_and_queries_are_read_decoded_and_name_the_field() {
        assert_eq!(in_urlencoded(b"q=Rivera&page=2"), None);
        assert_eq!(in_urlencoded(b"note=two%0Alines%09tab"), None);
        assert_eq!(
            in_urlencoded(b"reason=other&note=a%00b"),
            Some(Found {
                field: "note".to_owned()
            })
        );
        assert_eq!(
            in_urlencoded(b"q=%7F").map(|f| f.field),
            Some("q".to_owned())
        );
        assert_eq!(
            in_urlencoded(b"q=%C2%85").map(|f| f.field),
            Some("q".to_owned()),
            "C1 (NEL) in UTF-8"
        );
        assert_eq!(
            in_urlencoded(b"a%01b=1").map(|f| f.field),
            Some("a\\u{1}b".to_owned()),
            "a bad name is named, escaped"
        );
    }

    #[test]
    fn json_strings_are_read_at_any_depth() {
        let found = |text: &str| in_json(&Bytes::from(text.to_owned())).map(|f| f.field);
        assert_eq!(found(r#"{"note":"fine\nline","n":1}"#), None);
        assert_eq!(found(r#"{"note":"a\u0000b"}"#), Some("note".to_owned()));
        assert_eq!(
            found(r#"{"claim":{"given":"x","family":"\u001b[31m"}}"#),
            Some("claim.family".to_owned())
        );
        assert_eq!(
            found(r#"{"list":["ok","\u0085"]}"#),
            Some("list[1]".to_owned())
        );
        assert_eq!(found(r#""\u0000""#), Some("body".to_owned()));
        assert_eq!(
            found("not json"),
            None,
            "the handler answers malformed JSON"
        );
    }

    #[test]
    fn paths_are_read_decoded() {
        assert_eq!(in_path("/enroll/AbC-12"), None);
        assert_eq!(in_path("/caf%C3%A9"), None);
        assert!(in_path("/enroll/a%00b").is_some());
    }

    #[test]
    fn the_way_back_is_only_a_page_of_ours() {
        let headers = |referer: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::REFERER, referer.parse().unwrap());
            headers.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
            headers
        };
        let base = "https://portal.example.org";
        assert_eq!(
            referring_page(&headers("https://portal.example.org/staff?q=x"), base),
            Some("/staff?q=x".to_owned())
        );
        assert_eq!(
            referring_page(&headers("http://127.0.0.1:8080/enroll/start"), base),
            Some("/enroll/start".to_owned())
        );
        assert_eq!(
            referring_page(&headers("https://evil.example/staff"), base),
            None
        );
        assert_eq!(
            referring_page(&headers("https://portal.example.org//evil.example"), base),
            None
        );
    }
}
