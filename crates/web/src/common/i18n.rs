//! English and Spanish for the patient's pages. The language comes from a link that names it
//! (`?lang=es`: every emailed link does, so it opens in the language of its email), else the
//! patient's choice (a cookie set by the switch in the page header or by such a link), else
//! the browser's Accept-Language. A middleware settles it once per request and keeps it
//! beside the request's task, like its tracing span, so that templates and messages can ask
//! for words without every handler passing the language along. The staff console stays in
//! English.

use std::{
    borrow::Cow,
    collections::HashMap,
    sync::{LazyLock, PoisonError, RwLock},
};

use axum::{
    extract::{Path, Query, Request, State},
    http::{HeaderMap, HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use fluent_templates::{Loader, fluent_bundle::FluentValue, static_loader};
use serde::Deserialize;

use crate::AppState;
use fluent_templates::{LanguageIdentifier, loader::langid};
use jiff::{Timestamp, tz::TimeZone};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Plain text around arguments: isolation marks would show up in tests and emails.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ENGLISH: LanguageIdentifier = langid!("en");
static SPANISH: LanguageIdentifier = langid!("es");

/// The cookie that keeps a patient's choice of language.
pub const COOKIE: &str = "porchlight_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Es,
}

impl Lang {
    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Self::En),
            "es" => Some(Self::Es),
            _ => None,
        }
    }

    /// How many languages there are.
    const COUNT: usize = 2;

    /// The language's place among the [`Lang::COUNT`] languages.
    fn index(self) -> usize {
        match self {
            Self::En => 0,
            Self::Es => 1,
        }
    }

    /// The BCP 47 tag, for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
        }
    }

    /// The same language for the wording of dates, shared with the emails.
    fn wording(self) -> mail::Language {
        match self {
            Self::En => mail::Language::English,
            Self::Es => mail::Language::Spanish,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Self::En => &ENGLISH,
            Self::Es => &SPANISH,
        }
    }

    /// The first supported language in an Accept-Language header, by preference order.
    fn from_accept_language(value: &str) -> Option<Self> {
        let mut ranked: Vec<(f32, Lang)> = value
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                let primary = tag.split('-').next()?;
                Lang::parse(primary).map(|lang| (quality, lang))
            })
            .filter(|(quality, _)| *quality > 0.0)
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.first().map(|(_, lang)| *lang)
    }
}

/// What a page needs to know about the request's language.
#[derive(Debug, Clone)]
struct Context {
    lang: Lang,
    /// Whether the page offers the other language (not in the staff console).
    switchable: bool,
    /// The path and query, for the switch to come back to.
    here: String,
    /// The patient asked for larger text (a cookie, set by the footer's switch).
    large_text: bool,
}

tokio::task_local! {
    static CONTEXT: Context;
}

/// The request's language (English outside a request).
pub fn lang() -> Lang {
    CONTEXT.try_with(|c| c.lang).unwrap_or_default()
}

/// Runs `f` as if in a request in `lang` (for tests of the words).
#[cfg(test)]
pub(crate) fn in_language<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
    let context = Context {
        lang,
        switchable: true,
        here: "/".to_owned(),
        large_text: false,
    };
    CONTEXT.sync_scope(context, f)
}

/// A moment as the patient reads it: in the practice's time zone and the request's language,
/// "November 25, 2026, at 4:05 PM" or "25 de noviembre de 2026, a las 16:05".
pub fn moment(at: Timestamp, zone: &TimeZone) -> String {
    lang().wording().moment(at, zone)
}

/// A day as the patient reads it: "November 25, 2026" or "25 de noviembre de 2026".
pub fn day(date: jiff::civil::Date) -> String {
    lang().wording().date(date)
}

/// The words of messages without arguments, by language ([`Lang::index`]), as Fluent gave
/// them the first time: a page asks for the same words many times (a results list, a flag
/// for each line), and Fluent formats a message anew on every lookup.
static PLAIN: LazyLock<[KeptWords; Lang::COUNT]> = LazyLock::new(Default::default);

/// One language's words in [`PLAIN`], by message key.
type KeptWords = RwLock<HashMap<Box<str>, String>>;

/// The most messages kept in [`PLAIN`] for one language: more than the locales hold, so that
/// a key the code computes wrongly cannot grow it without end.
const PLAIN_KEPT: usize = 4096;

/// The words for `key` in the request's language.
pub fn t(key: &str) -> String {
    let lang = lang();
    let kept = &PLAIN[lang.index()];
    if let Some(words) = kept.read().unwrap_or_else(PoisonError::into_inner).get(key) {
        return words.clone();
    }
    let words = LOCALES.lookup(lang.id(), key);
    let mut kept = kept.write().unwrap_or_else(PoisonError::into_inner);
    if kept.len() < PLAIN_KEPT {
        kept.insert(key.into(), words.clone());
    }
    words
}

/// The words for `key` with arguments, e.g. `t_args("tries-left", &[("count", 3.into())])`.
pub fn t_args(key: &str, args: &[(&'static str, Arg)]) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Arg::Text(text) => FluentValue::from(text.as_str()),
                Arg::Number(n) => FluentValue::from(*n),
            };
            (Cow::Borrowed(*name), value)
        })
        .collect();
    LOCALES.lookup_with_args(lang().id(), key, &args)
}

/// A value for a message's placeholder.
pub enum Arg {
    Text(String),
    Number(i64),
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Arg::Text(text.to_owned())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Arg::Text(text)
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

/// For the page header: the other language's name and the link that switches to it, when
/// the page offers one.
pub fn switch() -> Option<(&'static str, &'static str, String)> {
    let context = CONTEXT.try_with(Context::clone).ok()?;
    if !context.switchable {
        return None;
    }
    let (name, code) = match context.lang {
        Lang::En => ("Español", "es"),
        Lang::Es => ("English", "en"),
    };
    let back = url_encode(&context.here);
    Some((name, code, format!("/language/{code}?back={back}")))
}

/// The request's path (without its query) on a patient's page; `None` in the staff console
/// and outside a request.
pub(crate) fn patient_page_path() -> Option<String> {
    let context = CONTEXT.try_with(Context::clone).ok()?;
    context.switchable.then(|| {
        let here = context.here;
        here.split_once('?')
            .map_or(here.clone(), |(path, _)| path.to_owned())
    })
}

/// The cookie that keeps a patient's choice of larger text.
pub const TEXT_COOKIE: &str = "porchlight_text";

/// Whether the page is shown in larger text.
pub fn large_text() -> bool {
    CONTEXT
        .try_with(|context| context.large_text)
        .unwrap_or(false)
}

/// For the page footer: the words and the link that switch the text size, on a patient's
/// page (the staff console has none).
pub fn text_size_switch() -> Option<(String, String)> {
    let context = CONTEXT.try_with(Context::clone).ok()?;
    if !context.switchable {
        return None;
    }
    let (key, size) = if context.large_text {
        ("text-size-normal", "normal")
    } else {
        ("text-size-large", "large")
    };
    let back = url_encode(&context.here);
    Some((t(key), format!("/text-size/{size}?back={back}")))
}

/// `GET /text-size/{size}?back=/path` (`large` or `normal`): keeps the choice in a cookie
/// for a year and goes back to the page.
pub async fn choose_text_size(
    State(state): State<AppState>,
    Path(size): Path<String>,
    Query(back): Query<Back>,
) -> Response {
    if size != "large" && size != "normal" {
        return crate::common::pages::not_found(State(state)).await;
    }
    let mut response = Redirect::to(&safe_back(&back.back)).into_response();
    let cookie = format!("{TEXT_COOKIE}={size}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Middleware: settles the request's language and keeps it for the handler's task. A link
/// that names its language (`?lang=es`) also keeps it in the cookie, so that the pages after
/// it (a form's answer, the next step) stay in that language.
pub async fn negotiate(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let staff = path == "/staff" || path.starts_with("/staff/");
    let linked = if staff {
        None
    } else {
        request.uri().query().and_then(linked_language)
    };
    let lang = if staff {
        Lang::En
    } else {
        linked
            .or_else(|| chosen(request.headers()))
            .unwrap_or_default()
    };
    let large_text = crate::common::session::cookie_value(request.headers(), TEXT_COOKIE)
        .is_some_and(|size| size == "large");
    let context = Context {
        lang,
        switchable: !staff,
        here: here(request.uri()),
        large_text,
    };
    let mut response = CONTEXT.scope(context, next.run(request)).await;
    if let Some(lang) = linked {
        remember(&mut response, lang);
    }
    response
}

/// The language a link names in its query (`lang=es`), if one we speak.
fn linked_language(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|pair| pair.strip_prefix("lang="))
        .find_map(Lang::parse)
}

/// The path and query for the switch to come back to, without a `lang` the link named
/// (coming back to it would undo the switch).
fn here(uri: &axum::http::Uri) -> String {
    let path = uri.path();
    let query: Vec<&str> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("lang="))
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// Keeps the language in the cookie the header's switch sets.
pub(crate) fn remember(response: &mut Response, lang: Lang) {
    let cookie = format!(
        "{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        lang.tag()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn chosen(headers: &HeaderMap) -> Option<Lang> {
    crate::common::session::cookie_value(headers, COOKIE)
        .and_then(|code| Lang::parse(&code))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
}

#[derive(Deserialize)]
pub struct Back {
    #[serde(default)]
    back: String,
}

/// `GET /language/{code}?back=/path`: keeps the choice in a cookie and goes back to the page.
/// A signed-in patient's choice is also kept on the account (for emails and other devices),
/// when the switch was used on our own pages: a link on another site, which browsers follow
/// with the session cookie, must not change it.
pub async fn choose(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(back): Query<Back>,
    patient: Option<crate::common::session::PatientUser>,
    axum::extract::ConnectInfo(client): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let Some(lang) = Lang::parse(&code) else {
        return crate::common::pages::not_found(State(state)).await;
    };
    let same_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site == "same-origin");
    if let Some(patient) = patient.filter(|_| same_site) {
        let origin = crate::staff::console::request_origin(client, &headers);
        // The cookie alone still switches the pages when the account cannot be written.
        if let Err(error) = state
            .db
            .set_account_language(&patient.scope, lang.tag(), &origin)
            .await
        {
            tracing::error!(error = %error, "could not keep the language on the account");
        }
    }
    let back = safe_back(&back.back);
    let mut response = Redirect::to(&back).into_response();
    remember(&mut response, lang);
    response
}

/// Where to go back to: only a path of our own (never another site), and nothing that could
/// not stand in a header.
fn safe_back(back: &str) -> String {
    let ours = back.starts_with('/') && !back.starts_with("//") && !back.contains('\\');
    // A header carries visible ASCII only (what a path of ours is, percent-encoded).
    let plain = back.chars().all(|c| c.is_ascii_graphic());
    if ours && plain {
        back.to_owned()
    } else {
        "/".to_owned()
    }
}

#[cfg(test)]
mod tests {
    /// Words kept after their first lookup are those of the request's language, the same as
    /// Fluent gives, asked first in either language.
    #[test]
    fn kept_words_are_the_languages_own() {
        let key = "results-flag-high";
        let spanish = LOCALES.lookup(&SPANISH, key);
        let english = LOCALES.lookup(&ENGLISH, key);
        assert_ne!(spanish, english);
        for _ in 0..2 {
            assert_eq!(in_language(Lang::Es, || t(key)), spanish);
            assert_eq!(in_language(Lang::En, || t(key)), english);
        }
        let other = "results-flag-low";
        assert_eq!(
            in_language(Lang::En, || t(other)),
            LOCALES.lookup(&ENGLISH, other)
        );
        assert_eq!(
            in_language(Lang::Es, || t(other)),
            LOCALES.lookup(&SPANISH, other)
        );
    }

    #[test]
    fn only_our_own_paths_are_gone_back_to() {
        assert_eq!(super::safe_back("/activate?x=1"), "/activate?x=1");
        for hostile in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "/a\r\nSet-Cookie: x=1",
            "",
            "/a b",
            "/caf\u{e9}",
        ] {
            assert_eq!(super::safe_back(hostile), "/", "{hostile:?}");
        }
    }

    use super::*;

    #[test]
    fn a_link_names_its_language_and_the_switch_comes_back_without_it() {
        assert_eq!(linked_language("lang=es"), Some(Lang::Es));
        assert_eq!(linked_language("a=1&lang=en"), Some(Lang::En));
        assert_eq!(linked_language("lang=fr"), None);
        assert_eq!(linked_language("slang=es"), None);
        let uri = |text: &str| text.parse::<axum::http::Uri>().unwrap();
        assert_eq!(here(&uri("/enroll/AbC?lang=es")), "/enroll/AbC");
        assert_eq!(here(&uri("/x?a=1&lang=es&b=2")), "/x?a=1&b=2");
        assert_eq!(here(&uri("/activate")), "/activate");
    }

    #[tokio::test]
    async fn moments_read_in_the_request_language() {
        let at: Timestamp = "2026-11-25T21:05:00Z".parse().unwrap();
        let zone = TimeZone::get("America/New_York").unwrap();
        let context = Context {
            lang: Lang::Es,
            switchable: true,
            here: "/home".to_owned(),
            large_text: false,
        };
        let spanish = CONTEXT.scope(context, async { moment(at, &zone) }).await;
        assert_eq!(spanish, "25 de noviembre de 2026, a las 16:05");
        assert_eq!(moment(at, &zone), "November 25, 2026, at 4:05 PM");
    }

    #[test]
    fn accept_language_picks_the_preferred_supported_language() {
        assert_eq!(
            Lang::from_accept_language("es-MX,es;q=0.9,en;q=0.8"),
            Some(Lang::Es)
        );
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,es;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, es;q=0.5"),
            Some(Lang::Es)
        );
        assert_eq!(Lang::from_accept_language("de"), None);
        assert_eq!(Lang::from_accept_language("es;q=0"), None);
    }

    #[tokio::test]
    async fn words_come_in_the_request_language() {
        let context = |lang| Context {
            lang,
            switchable: true,
            here: "/activate?x=1".to_owned(),
            large_text: false,
        };
        let english = CONTEXT
            .scope(context(Lang::En), async { t("sign-in") })
            .await;
        let spanish = CONTEXT
            .scope(context(Lang::Es), async { t("sign-in") })
            .await;
        assert_eq!(english, "Sign in");
        assert_eq!(spanish, "Iniciar sesión");
        let link = CONTEXT.scope(context(Lang::En), async { switch() }).await;
        assert_eq!(
            link,
            Some((
                "Español",
                "es",
                "/language/es?back=/activate%3Fx%3D1".to_owned()
            ))
        );
        assert_eq!(t("sign-in"), "Sign in", "English outside a request");
    }

    /// Every file of words exists in both languages with the same keys, so no Spanish page
    /// falls back to English.
    #[test]
    fn both_languages_have_the_same_keys() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let files = |lang: &str| -> std::collections::BTreeSet<String> {
            std::fs::read_dir(dir.join(lang))
                .unwrap()
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".ftl"))
                .collect()
        };
        assert_eq!(files("en"), files("es"), "the same files in both languages");
        let keys = |lang: &str, file: &str| -> std::collections::BTreeSet<String> {
            std::fs::read_to_string(dir.join(lang).join(file))
                .unwrap()
                .lines()
                .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap().trim().to_owned())
                .collect()
        };
        let mut all = 0;
        for file in files("en") {
            let (en, es) = (keys("en", &file), keys("es", &file));
            let missing: Vec<_> = en.symmetric_difference(&es).collect();
            assert!(
                missing.is_empty(),
                "{file}: keys in only one language: {missing:?}"
            );
            all += en.len();
        }
        assert!(all > 20);
    }
}
