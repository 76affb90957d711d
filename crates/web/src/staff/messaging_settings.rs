//! How the practice runs its messages (issue 16): administrators turn messaging on or off,
//! set the answer time promised to patients and the largest file, and list the pools patients
//! write to (names in English and Spanish, open or closed, a new one). Staff who answer
//! messages keep the reply templates. Every change is audited.

use std::{collections::HashMap, net::SocketAddr};

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    Role,
    messaging::{MessageBody, MessagingSettings, Pool, PoolKey, Subject},
};
use storage::ReplyTemplate;
use uuid::Uuid;

use crate::{
    AppState,
    common::{
        pages::{Practice, no_store, render},
        session::StaffUser,
    },
    error::{OrTrouble, PageError},
    staff::{
        console::request_origin,
        messages::{MAY_NOT, may_work_messages},
    },
};

/// The longest pool name.
const MAX_POOL_NAME: usize = 60;
const ADMIN_ONLY: &str = "Only administrators change how the practice takes messages.";

#[derive(Template)]
#[template(path = "staff/messaging_settings.html")]
struct SettingsPage {
    practice_name: String,
    practice_phone: Option<String>,
    staff_name: String,
    staff_role: &'static str,
    staff_is_admin: bool,
    staff_mailbox: bool,
    enabled: bool,
    days: String,
    kib: String,
    pools: Vec<Pool>,
    new_key: String,
    new_en: String,
    new_es: String,
    templates: Vec<ReplyTemplate>,
    template_title: String,
    template_body: String,
    /// (field id, message).
    errors: Vec<(&'static str, String)>,
    done: Option<&'static str>,
}

impl SettingsPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(id, _)| *id == field)
            .map(|(_, message)| message.as_str())
    }
}

/// What a settings form held, as typed.
#[derive(Default)]
struct Typed {
    settings: Option<(bool, String, String)>,
    pools: Option<Vec<Pool>>,
    new_pool: (String, String, String),
    template: (String, String),
    errors: Vec<(&'static str, String)>,
    done: Option<&'static str>,
}

async fn page(state: &AppState, user: &StaffUser, typed: Typed) -> Result<Response, PageError> {
    let org = user.scope.organization();
    let settings = state
        .db
        .messaging_settings(org)
        .await
        .or_trouble("could not read the messaging settings")?;
    let pools = state
        .db
        .message_pools(org)
        .await
        .or_trouble("could not read the message pools")?;
    let templates = state
        .db
        .reply_templates(&user.scope)
        .await
        .or_trouble("could not read the reply templates")?;
    let practice = Practice::of(state).await;
    let (enabled, days, kib) = typed.settings.unwrap_or((
        settings.enabled,
        settings.answer_business_days.to_string(),
        settings.attachment_max_kib.to_string(),
    ));
    let failed = !typed.errors.is_empty();
    let mut response = render(SettingsPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        staff_name: user.account.display_name.clone(),
        staff_role: user.account.role.label(),
        staff_is_admin: user.account.role == Role::Administrator,
        staff_mailbox: crate::staff::mailbox::in_menu(state, user),
        enabled,
        days,
        kib,
        pools: typed.pools.unwrap_or(pools),
        new_key: typed.new_pool.0,
        new_en: typed.new_pool.1,
        new_es: typed.new_pool.2,
        templates,
        template_title: typed.template.0,
        template_body: typed.template.1,
        errors: typed.errors,
        done: typed.done,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    no_store(&mut response);
    Ok(response)
}

#[derive(serde::Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /staff/messages/settings`: the settings, the pools and the reply templates.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    axum::extract::Query(query): axum::extract::Query<DoneQuery>,
) -> Result<Response, PageError> {
    if !may_work_messages(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let done = match query.done.as_deref() {
        Some("saved") => Some("Saved. Patients see the change now."),
        Some("template") => Some("Template saved."),
        Some("removed") => Some("Template removed."),
        _ => None,
    };
    page(
        &state,
        &user,
        Typed {
            done,
            ..Typed::default()
        },
    )
    .await
}

/// A settings form's fields: `enabled`, `days`, `kib`; per pool `en-KEY`, `es-KEY`,
/// `open-KEY` (in the pools' order, `keys` lists them); and a new pool, `new-key`, `new-en`,
/// `new-es`.
type Fields = HashMap<String, String>;

/// The settings and the pools as the form asks, or what to fix, by field.
#[allow(clippy::type_complexity)]
fn read_settings(
    fields: &Fields,
    current: &[Pool],
) -> Result<(MessagingSettings, Vec<Pool>), Vec<(&'static str, String)>> {
    let field = |name: &str| fields.get(name).map_or("", |v| v.trim());
    let mut errors = Vec::new();
    let days = field("days")
        .parse::<u8>()
        .ok()
        .filter(|d| MessagingSettings::BUSINESS_DAYS.contains(d));
    if days.is_none() {
        errors.push((
            "days",
            "Type a number of business days from 1 to 10.".to_owned(),
        ));
    }
    let kib = field("kib")
        .parse::<u32>()
        .ok()
        .filter(|k| MessagingSettings::ATTACHMENT_KIB.contains(k));
    if kib.is_none() {
        errors.push((
            "kib",
            "Type a size in KB from 100 to 20480 (20 MB).".to_owned(),
        ));
    }
    let name = |value: &str| {
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        (!value.is_empty() && value.chars().count() <= MAX_POOL_NAME).then_some(value)
    };
    let mut pools = Vec::new();
    for pool in current {
        let key = pool.key.as_str();
        match (
            name(field(&format!("en-{key}"))),
            name(field(&format!("es-{key}"))),
        ) {
            (Some(name_en), Some(name_es)) => pools.push(Pool {
                key: pool.key.clone(),
                name_en,
                name_es,
                open: fields.contains_key(&format!("open-{key}")),
            }),
            _ => errors.push((
                "pools",
                format!(
                    "Give \"{}\" a name in English and in Spanish, up to 60 letters each.",
                    pool.name_en
                ),
            )),
        }
    }
    let (new_key, new_en, new_es) = (field("new-key"), field("new-en"), field("new-es"));
    if !(new_key.is_empty() && new_en.is_empty() && new_es.is_empty()) {
        match (PoolKey::parse(new_key), name(new_en), name(new_es)) {
            (Ok(key), _, _) if current.iter().any(|p| p.key == key) => errors.push((
                "new-key",
                "A pool with this key is already listed.".to_owned(),
            )),
            (Ok(key), Some(name_en), Some(name_es)) => pools.push(Pool {
                key,
                name_en,
                name_es,
                open: true,
            }),
            (Err(error), _, _) => errors.push(("new-key", format!("The key: {error}."))),
            _ => errors.push((
                "new-en",
                "Give the new pool a name in English and in Spanish, up to 60 letters each."
                    .to_owned(),
            )),
        }
    }
    if !pools.iter().any(|p| p.open) && errors.is_empty() {
        errors.push((
            "pools",
            "Keep at least one pool open, or turn messages off.".to_owned(),
        ));
    }
    match (days, kib, errors.is_empty()) {
        (Some(days), Some(kib), true) => Ok((
            MessagingSettings {
                enabled: fields.contains_key("enabled"),
                answer_business_days: days,
                attachment_max_kib: kib,
            },
            pools,
        )),
        _ => Err(errors),
    }
}

/// `POST /staff/messages/settings`: saves the settings and the pools together (or neither),
/// audited; administrators only.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn save(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, PageError> {
    if user.account.role != Role::Administrator {
        return Ok((StatusCode::FORBIDDEN, ADMIN_ONLY).into_response());
    }
    let origin = request_origin(client, &headers);
    let current = state
        .db
        .message_pools(user.scope.organization())
        .await
        .or_trouble("could not read the message pools")?;
    match read_settings(&fields, &current) {
        Ok((settings, pools)) => {
            state
                .db
                .save_messaging_settings(&user.scope, &settings, &pools, &origin)
                .await
                .or_trouble("could not save the messaging settings")?;
            Ok(Redirect::to("/staff/messages/settings?done=saved").into_response())
        }
        Err(errors) => {
            let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
            let typed_pools = current
                .iter()
                .map(|p| Pool {
                    key: p.key.clone(),
                    name_en: field(&format!("en-{}", p.key.as_str())),
                    name_es: field(&format!("es-{}", p.key.as_str())),
                    open: fields.contains_key(&format!("open-{}", p.key.as_str())),
                })
                .collect();
            let typed = Typed {
                settings: Some((fields.contains_key("enabled"), field("days"), field("kib"))),
                pools: Some(typed_pools),
                new_pool: (field("new-key"), field("new-en"), field("new-es")),
                errors,
                ..Typed::default()
            };
            page(&state, &user, typed).await
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct TemplateForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

/// `POST /staff/messages/templates`: a reply template (one with the same title is replaced).
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn save_template(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<TemplateForm>,
) -> Result<Response, PageError> {
    if !may_work_messages(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let origin = request_origin(client, &headers);
    let title = Subject::parse(&form.title);
    let body = MessageBody::parse(&form.body);
    let (Ok(title), Ok(body)) = (&title, &body) else {
        let mut errors = Vec::new();
        if let Err(error) = title {
            errors.push(("template-title", format!("The title: {error}")));
        }
        if let Err(error) = body {
            errors.push(("template-body", format!("The words: {error}")));
        }
        let typed = Typed {
            template: (form.title, form.body),
            errors,
            ..Typed::default()
        };
        return page(&state, &user, typed).await;
    };
    state
        .db
        .save_reply_template(&user.scope, title, body, &origin)
        .await
        .or_trouble("could not save a reply template")?;
    Ok(Redirect::to("/staff/messages/settings?done=template").into_response())
}

/// `POST /staff/messages/templates/{template}/remove`.
#[tracing::instrument(skip_all, fields(staff_id = %user.account.id))]
pub async fn remove_template(
    State(state): State<AppState>,
    user: StaffUser,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(template): Path<Uuid>,
) -> Result<Response, PageError> {
    if !may_work_messages(&user) {
        return Ok((StatusCode::FORBIDDEN, MAY_NOT).into_response());
    }
    let origin = request_origin(client, &headers);
    let removed = state
        .db
        .remove_reply_template(&user.scope, template, &origin)
        .await
        .or_trouble("could not remove a reply template")?;
    if !removed {
        return Ok((StatusCode::NOT_FOUND, "No such template in this practice.").into_response());
    }
    Ok(Redirect::to("/staff/messages/settings?done=removed").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Vec<(&'static str, String)> {
        let mut pairs = vec![("days", "2".to_owned()), ("kib", "5120".to_owned())];
        for pool in Pool::defaults() {
            let key = pool.key.as_str().to_owned();
            pairs.push((
                Box::leak(format!("en-{key}").into_boxed_str()),
                pool.name_en,
            ));
            pairs.push((
                Box::leak(format!("es-{key}").into_boxed_str()),
                pool.name_es,
            ));
            pairs.push((
                Box::leak(format!("open-{key}").into_boxed_str()),
                "on".to_owned(),
            ));
        }
        pairs
    }

    fn form(extra: &[(&'static str, &str)], without: &[&str]) -> Fields {
        let mut pairs: Vec<(&str, String)> = defaults()
            .into_iter()
            .filter(|(k, _)| !without.contains(k))
            .collect();
        pairs.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    #[test]
    fn the_form_saves_settings_pools_and_a_new_pool() {
        let (settings, pools) = read_settings(
            &form(
                &[
                    ("enabled", "on"),
                    ("days", "3"),
                    ("new-key", "nurse"),
                    ("new-en", "Nurse line"),
                    ("new-es", "Enfermería"),
                ],
                &["days", "open-billing"],
            ),
            &Pool::defaults(),
        )
        .unwrap();
        assert_eq!(
            settings,
            MessagingSettings {
                enabled: true,
                answer_business_days: 3,
                attachment_max_kib: 5120
            }
        );
        assert_eq!(pools.len(), 5);
        assert!(
            !pools
                .iter()
                .find(|p| p.key.as_str() == "billing")
                .unwrap()
                .open
        );
        assert_eq!(pools[4].name_es, "Enfermería");
        let (off, _) = read_settings(&form(&[], &[]), &Pool::defaults()).unwrap();
        assert!(!off.enabled, "an unticked box turns messages off");
    }

    #[test]
    fn wrong_values_are_named_field_by_field() {
        let wrong = |extra: &[(&'static str, &str)], without: &[&str]| {
            read_settings(&form(extra, without), &Pool::defaults())
                .unwrap_err()
                .into_iter()
                .map(|(field, _)| field)
                .collect::<Vec<_>>()
        };
        assert_eq!(wrong(&[("days", "0")], &["days"]), ["days"]);
        assert_eq!(wrong(&[("days", "two")], &["days"]), ["days"]);
        assert_eq!(wrong(&[("kib", "99999")], &["kib"]), ["kib"]);
        assert_eq!(wrong(&[("en-billing", " ")], &["en-billing"]), ["pools"]);
        assert_eq!(
            wrong(
                &[("new-key", "Nurse Line"), ("new-en", "N"), ("new-es", "N")],
                &[]
            ),
            ["new-key"]
        );
        assert_eq!(
            wrong(
                &[("new-key", "billing"), ("new-en", "B"), ("new-es", "B")],
                &[]
            ),
            ["new-key"]
        );
        assert_eq!(wrong(&[("new-key", "nurse")], &[]), ["new-en"]);
        let all_closed = [
            "open-care-team",
            "open-refill",
            "open-front-desk",
            "open-billing",
        ];
        assert_eq!(wrong(&[], &all_closed), ["pools"]);
    }
}
