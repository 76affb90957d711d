//! The staff mailbox: when no SMTP server is configured, the emails the portal would have sent
//! are kept, and front-desk staff and administrators read them here (a demo follows an
//! invitation link this way). The messages carry first names and live links, so each read is
//! audited and the page is not cached.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use domain::Role;
use storage::MailboxEntry;

use crate::{
    AppState,
    common::{
        pages::{Practice, no_store, not_found, render},
        session::StaffUser,
    },
    error::{OrTrouble, PageError},
    staff::console::request_origin,
};

/// Messages shown at once, newest first.
const SHOWN: u32 = 50;

#[derive(Template)]
#[template(path = "staff/mailbox.html")]
struct MailboxPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    messages: Vec<Shown>,
}

/// One kept message, ready to lay out.
struct Shown {
    to: String,
    subject: String,
    kept_at: String,
    language: String,
    body: Vec<Piece>,
}

/// A run of the plain-text body: words, or a link to make clickable.
#[derive(Debug, PartialEq, Eq)]
struct Piece {
    text: String,
    link: bool,
}

/// Who reads the mailbox.
fn may_read(user: &StaffUser) -> bool {
    matches!(user.account.role, Role::FrontDesk | Role::Administrator)
}

/// Whether the staff menu links the mailbox: only when it is in use (no SMTP server) and
/// for those who may read it.
pub(crate) fn in_menu(state: &AppState, user: &StaffUser) -> bool {
    state.settings.mailbox && may_read(user)
}

#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if !state.settings.mailbox {
        // Mail goes out over SMTP: there is nothing kept to show.
        return Ok(not_found(State(state)).await);
    }
    if !may_read(&user) {
        return Ok((
            StatusCode::FORBIDDEN,
            "Only front-desk staff and administrators read the mailbox.",
        )
            .into_response());
    }
    let origin = request_origin(client, &headers);
    let entries = state
        .db
        .mailbox(&user.scope, SHOWN, &origin)
        .await
        .or_trouble("could not read the mailbox")?;
    let practice = Practice::of(&state).await;
    let zone = crate::common::pages::practice_zone(&state, user.scope.organization()).await;
    let mut response = render(MailboxPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: user.account.role == Role::Administrator,
        staff_mailbox: crate::staff::mailbox::in_menu(&state, &user),
        messages: entries
            .into_iter()
            .map(|entry| shown(entry, &zone))
            .collect(),
    });
    no_store(&mut response);
    Ok(response)
}

fn shown(entry: MailboxEntry, zone: &jiff::tz::TimeZone) -> Shown {
    Shown {
        kept_at: entry
            .created_at
            .to_zoned(zone.clone())
            .strftime("%B %-d, %Y, %-I:%M %p")
            .to_string(),
        body: pieces(&entry.text),
        to: entry.to,
        subject: entry.subject,
        language: entry.language,
    }
}

/// Splits plain text into runs, marking each web address so the page can link it. The
/// template escapes every run; nothing here is trusted as HTML.
fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = ["https://", "http://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme))
        .min()
    {
        let (before, from) = rest.split_at(start);
        let end = from.find(char::is_whitespace).unwrap_or(from.len());
        // A sentence's full stop after an address is not part of it.
        let url = from[..end].trim_end_matches(['.', ',', ';', ':', ')', '"']);
        if !before.is_empty() {
            out.push(Piece {
                text: before.to_owned(),
                link: false,
            });
        }
        out.push(Piece {
            text: url.to_owned(),
            link: true,
        });
        rest = &from[url.len()..];
    }
    if !rest.is_empty() {
        out.push(Piece {
            text: rest.to_owned(),
            link: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_links_and_the_rest_stays_text() {
        let text =
            "Open this link:\n\nhttps://p.example/enroll/abc\n\nGo to http://p.example/. Thanks";
        let pieces = pieces(text);
        let links: Vec<_> = pieces
            .iter()
            .filter(|p| p.link)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(links, ["https://p.example/enroll/abc", "http://p.example/"]);
        let joined: String = pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, text, "nothing is lost");
        assert_eq!(
            super::pieces("no links"),
            [Piece {
                text: "no links".into(),
                link: false
            }]
        );
    }
}
