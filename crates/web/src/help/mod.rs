//! The help center: short articles and step-by-step guides in English and Spanish, open to
//! anyone (a patient who cannot sign in needs them most), searchable, and linked from the
//! pages they explain ("Help with this page" in every page's footer).
//!
//! The articles are Markdown files written by the project (`crates/web/help/{en,es}/`),
//! compiled into the binary. Their first line is the title (`# …`), the next paragraph the
//! summary shown in the list and in search results. Pictures are screenshots taken by the
//! browser tests (`crates/web/static/help/`).

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    AppState,
    common::{
        i18n::{Lang, lang},
        pages::{Practice, not_found, render},
    },
};

/// One article, in both languages.
pub(crate) struct Article {
    pub(crate) slug: &'static str,
    english: &'static str,
    spanish: &'static str,
}

macro_rules! article {
    ($slug:literal) => {
        Article {
            slug: $slug,
            english: include_str!(concat!("../../help/en/", $slug, ".md")),
            spanish: include_str!(concat!("../../help/es/", $slug, ".md")),
        }
    };
}

/// The articles, in the order the list shows them: the way through the portal.
pub(crate) const ARTICLES: [Article; 7] = [
    article!("signing-up"),
    article!("signing-in"),
    article!("two-step"),
    article!("test-results"),
    article!("messages"),
    article!("download"),
    article!("something-wrong"),
];

impl Article {
    /// The article's Markdown in the language of the request.
    pub(crate) fn text(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.english,
            Lang::Es => self.spanish,
        }
    }

    fn title(&self, lang: Lang) -> &'static str {
        let text = self.text(lang);
        text.lines()
            .next()
            .and_then(|line| line.strip_prefix("# "))
            .unwrap_or(self.slug)
            .trim()
    }

    /// The first paragraph after the title.
    fn summary(&self, lang: Lang) -> String {
        self.text(lang)
            .lines()
            .skip(1)
            .skip_while(|line| line.trim().is_empty())
            .take_while(|line| !line.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The body after the title, as HTML. The articles are ours, but any raw HTML in them is
    /// still dropped: only Markdown's own elements reach the page.
    fn body_html(&self, lang: Lang) -> String {
        let text = self.text(lang);
        let body = text.split_once('\n').map_or("", |(_, rest)| rest);
        let events = pulldown_cmark::Parser::new(body).filter(|event| {
            !matches!(
                event,
                pulldown_cmark::Event::Html(_) | pulldown_cmark::Event::InlineHtml(_)
            )
        });
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, events);
        html
    }

    /// How well the article answers `words`: each word found in the title counts 3, in the
    /// text 1; 0 when a word is missing (every word must be found).
    fn score(&self, lang: Lang, words: &[String]) -> usize {
        let title = folded(self.title(lang));
        let text = folded(self.text(lang));
        let mut score = 0;
        for word in words {
            if title.contains(word.as_str()) {
                score += 3;
            } else if text.contains(word.as_str()) {
                score += 1;
            } else {
                return 0;
            }
        }
        score
    }
}

/// Text for matching: lower case, without accents ("Contraseña" matches "contrasena").
fn folded(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'ä' => 'a',
            'é' | 'è' | 'ë' => 'e',
            'í' | 'ì' | 'ï' => 'i',
            'ó' | 'ò' | 'ö' => 'o',
            'ú' | 'ù' | 'ü' => 'u',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

/// A word without the endings that vary between the ways of saying it, so that "olvidé"
/// finds "olvidó" and "results" finds "result": a plural's s, then final vowels, keeping at
/// least three letters.
fn stem(word: &str) -> String {
    let mut stem = word.strip_suffix('s').unwrap_or(word);
    while stem.chars().count() > 3 && stem.ends_with(['a', 'e', 'i', 'o']) {
        stem = &stem[..stem.len() - 1];
    }
    stem.to_owned()
}

/// The articles that answer a search, best first; words of one or two letters are ignored
/// ("a", "my", "de"), so a question typed in full still finds its article.
fn search(query: &str, lang: Lang) -> Vec<&'static Article> {
    let words: Vec<String> = folded(query)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().count() > 2)
        .map(stem)
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<(usize, &'static Article)> = ARTICLES
        .iter()
        .map(|article| (article.score(lang, &words), article))
        .filter(|(score, _)| *score > 0)
        .collect();
    found.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    found.into_iter().map(|(_, article)| article).collect()
}

/// Where a page's "Help with this page" link leads: the article about that page, else the
/// help center; `None` in the staff console.
pub(crate) fn for_this_page() -> Option<&'static str> {
    let path = crate::common::i18n::patient_page_path()?;
    // The page itself or one under it: "/results" and "/results/…", not "/results-x".
    let starts = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    Some(
        if starts("/activate") || starts("/enroll") || starts("/welcome") {
            "/help/signing-up"
        } else if starts("/sign-in") || starts("/forgot") || starts("/reset") {
            "/help/signing-in"
        } else if starts("/account/profile") {
            // Contact details the practice has wrong: the guide on asking for a correction.
            "/help/something-wrong"
        } else if starts("/account") || starts("/devices") {
            "/help/two-step"
        } else if starts("/results") {
            "/help/test-results"
        } else if starts("/messages") {
            "/help/messages"
        } else if starts("/record/download") || starts("/record/summary") {
            "/help/download"
        } else if starts("/record")
            || starts("/medicines")
            || starts("/allergies")
            || starts("/conditions")
            || starts("/immunizations")
            || starts("/visits")
            || starts("/procedures")
            || starts("/care-plans")
            || starts("/record-access")
        {
            "/help/something-wrong"
        } else {
            "/help"
        },
    )
}

/// An article as a list shows it.
struct Listed {
    slug: &'static str,
    title: &'static str,
    summary: String,
}

fn listed(article: &'static Article, lang: Lang) -> Listed {
    Listed {
        slug: article.slug,
        title: article.title(lang),
        summary: article.summary(lang),
    }
}

#[derive(Template)]
#[template(path = "help/index.html")]
struct IndexPage {
    practice_name: String,
    practice_phone: Option<String>,
    query: String,
    /// `None` when nothing was searched: the whole list.
    searched: Option<Vec<Listed>>,
    articles: Vec<Listed>,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// `GET /help`: every article, or those that answer `?q=`.
pub async fn index(State(state): State<AppState>, Query(query): Query<SearchQuery>) -> Response {
    let practice = Practice::of(&state).await;
    let lang = lang();
    // A search box's text, kept to what a question needs.
    let query: String = query
        .q
        .unwrap_or_default()
        .trim()
        .chars()
        .take(200)
        .collect();
    let searched = (!query.is_empty()).then(|| {
        search(&query, lang)
            .into_iter()
            .map(|article| listed(article, lang))
            .collect()
    });
    public(render(IndexPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        query,
        searched,
        articles: ARTICLES.iter().map(|a| listed(a, lang)).collect(),
    }))
}

#[derive(Template)]
#[template(path = "help/article.html")]
struct ArticlePage {
    practice_name: String,
    practice_phone: Option<String>,
    slug: &'static str,
    title: &'static str,
    body: String,
}

/// `GET /help/{article}`.
pub async fn article(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    let Some(article) = ARTICLES.iter().find(|a| a.slug == slug) else {
        return not_found(State(state)).await;
    };
    let practice = Practice::of(&state).await;
    let lang = lang();
    public(render(ArticlePage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        slug: article.slug,
        title: article.title(lang),
        body: article.body_html(lang),
    }))
}

/// Help pages hold nobody's data: a shared cache may keep them a while, per language.
fn public(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=300"),
    );
    headers.insert(
        header::VARY,
        header::HeaderValue::from_static("Cookie, Accept-Language"),
    );
    response
}

macro_rules! picture {
    ($name:literal) => {
        ($name, include_bytes!(concat!("../../static/help/", $name)))
    };
}

/// The screenshots the articles show, taken by the browser tests (`cargo xtask
/// help-pictures` copies them here after a run).
const PICTURES: [(&str, &[u8]); 6] = [
    picture!("en-menu.png"),
    picture!("es-menu.png"),
    picture!("en-record.png"),
    picture!("es-record.png"),
    picture!("en-result-trend.png"),
    picture!("es-result-trend.png"),
];

/// `GET /static/help/{picture}`: a screenshot of an article.
pub async fn picture(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    match PICTURES.iter().find(|(n, _)| *n == name) {
        Some((_, bytes)) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *bytes,
        )
            .into_response(),
        None => not_found(State(state)).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_article_has_a_title_and_a_summary_in_both_languages() {
        for article in &ARTICLES {
            for lang in [Lang::En, Lang::Es] {
                let text = article.text(lang);
                assert!(
                    text.starts_with("# "),
                    "{} ({lang:?}): a title first",
                    article.slug
                );
                assert!(
                    article.summary(lang).len() > 20,
                    "{} ({lang:?}): a summary",
                    article.slug
                );
                assert!(
                    !article.body_html(lang).contains("<h1"),
                    "{} ({lang:?}): one title only",
                    article.slug
                );
            }
        }
    }

    #[test]
    fn a_search_finds_by_any_words_without_accents_title_first() {
        let found = search("forgot my password", Lang::En);
        assert_eq!(found.first().map(|a| a.slug), Some("signing-in"));
        let found = search("Olvidé mi contraseña", Lang::Es);
        assert_eq!(
            found.first().map(|a| a.slug),
            Some("signing-in"),
            "accents and endings"
        );
        let found = search("resultados", Lang::Es);
        assert_eq!(found.first().map(|a| a.slug), Some("test-results"));
        assert!(search("zzzz", Lang::En).is_empty());
        assert!(
            search("a my", Lang::En).is_empty(),
            "short words alone find nothing"
        );
    }

    /// The lines of an article as a reader meets them: headings, paragraphs and list items,
    /// each one text (a list item or heading without a full stop is still one sentence).
    fn plain_lines(markdown: &str) -> Vec<String> {
        markdown
            .lines()
            .map(|line| {
                let line = line.trim_start().trim_start_matches('#').trim_start();
                let line = line.strip_prefix("- ").unwrap_or(line);
                let line = line
                    .split_once(". ")
                    .filter(|(number, _)| number.chars().all(|c| c.is_ascii_digit()))
                    .map_or(line, |(_, rest)| rest);
                line.replace("**", "")
            })
            .filter(|line| !line.trim().is_empty())
            .collect()
    }

    #[test]
    fn each_english_guide_reads_at_8th_grade_or_below() {
        for article in &ARTICLES {
            let lines = plain_lines(article.text(Lang::En));
            let grade = crate::common::reading_level::grade(lines.iter().map(String::as_str));
            println!("{}: grade {grade:.1}", article.slug);
            assert!(grade <= 8.0, "{} reads at grade {grade:.1}", article.slug);
        }
    }

    #[test]
    fn each_spanish_guide_is_fairly_easy_to_read() {
        for article in &ARTICLES {
            let lines = plain_lines(article.text(Lang::Es));
            let ease = crate::common::reading_level::spanish_ease(lines.iter().map(String::as_str));
            println!("{}: Fernández-Huerta {ease:.1}", article.slug);
            assert!(
                ease >= 70.0,
                "{} reads at Fernández-Huerta {ease:.1}",
                article.slug
            );
        }
    }

    /// Every picture a guide shows is served, is a PNG as wide as a phone's screen, and is
    /// shown with words for those who cannot see it.
    #[test]
    fn every_picture_of_a_guide_is_served_with_words() {
        let mut shown = 0;
        for article in &ARTICLES {
            for lang in [Lang::En, Lang::Es] {
                let html = article.body_html(lang);
                for tag in html.split("<img ").skip(1) {
                    let src = tag.split("src=\"").nth(1).unwrap();
                    let src = &src[..src.find('"').unwrap()];
                    let name = src.strip_prefix("/static/help/").expect(src);
                    assert!(
                        name.starts_with(lang.tag()),
                        "{}: a picture in its own language: {name}",
                        article.slug
                    );
                    let alt = tag.split("alt=\"").nth(1).unwrap();
                    assert!(alt.find('"').unwrap() > 10, "{name}: words for the picture");
                    let (_, bytes) = PICTURES.iter().find(|(n, _)| *n == name).expect(name);
                    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{name}");
                    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
                    assert_eq!(width, 320, "{name}: a phone's width");
                    shown += 1;
                }
            }
        }
        assert_eq!(shown, PICTURES.len(), "every picture is shown once");
    }

    #[test]
    fn raw_html_in_an_article_is_dropped() {
        let article = Article {
            slug: "x",
            english: "# T\n\nSummary here.\n\n<script>alert(1)</script>\n\nText <b>bold</b>.",
            spanish: "# T",
        };
        let html = article.body_html(Lang::En);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("Text"), "{html}");
    }
}
