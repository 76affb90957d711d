//! Self-enrollment: a patient signs up without an invitation, where the practice's policy
//! allows it (`EnrollmentPolicy::offers_self_enrollment`).
//!
//! The form asks for the legal name, the date of birth, the MRN where the policy asks, and the
//! access code (year of birth or last 4 digits of the SSN), behind the bot check and the
//! honeypot. The identity matcher searches the practice's charts born on that date
//! (`domain::matching::search`) and accepts only one unambiguous, confident match whose chart
//! may be invited (adult per policy, alive, no account, no live invitation). Then an
//! invitation of channel `self` is created, already verified, and the patient continues at the
//! credentials step.
//!
//! Everything else (no match, several, a minor, a deceased patient, an account or invitation
//! already there, a wrong access code) gets the one mismatch answer of the invited path, on
//! the same page with the same status, and staff get a review item saying why. Both paths
//! load the same candidates and run the same matcher, and each writes one transaction after
//! it, so that neither the answer nor its timing tells whether someone is a patient.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    Form,
    extract::{ConnectInfo, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    PatientId,
    invitation::{NotInvitable, check_invitable},
    matching::{
        ChartIdentity, ClaimForm, FieldResult, IdentityClaim, SearchOutcome, compare, search,
    },
    policy::{AccessCodeKind, EnrollmentPolicy},
};
use jiff::Timestamp;
use serde::Deserialize;
use storage::{NewSelfEnrollment, Organization, SelfEnrollmentCandidate, SelfEnrollmentError};

use crate::{
    AppState,
    bot_check::{self, BotAnswer, BotCheckFailure, BotField},
    enroll::{ENROLLMENT_SESSION, THROTTLE_WINDOW, set_enrollment_cookie},
    identity::{field_error, invalid, mismatch_text},
    pages::{Practice, no_store, render, server_error},
    session,
};

/// Refused sign-ups allowed from one address per window (`THROTTLE_WINDOW`). Fewer than for
/// printed codes: each try here is a guess at a whole identity.
const SELF_ENROLL_FAILURES: u32 = 5;

#[derive(Template)]
#[template(path = "enroll/self_start.html")]
struct StartPage {
    practice_name: String,
    practice_phone: Option<String>,
    practice_slug: String,
    form: StartForm,
    ask_mrn: bool,
    access_code: AccessCodeKind,
    errors: Vec<(&'static str, String)>,
    problem: Option<String>,
    bot: BotField,
}

impl StartPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    fn access_code_secret(&self) -> bool {
        self.access_code == AccessCodeKind::SsnLast4
    }
}

#[derive(Template)]
#[template(path = "enroll/self_pick.html")]
struct PickPage {
    practice_name: String,
    practice_phone: Option<String>,
    practices: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "enroll/self_not_offered.html")]
struct NotOfferedPage {
    practice_name: String,
    practice_phone: Option<String>,
}

/// The form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct StartForm {
    #[serde(default)]
    practice: String,
    #[serde(default)]
    given: String,
    #[serde(default)]
    family: String,
    #[serde(default)]
    birth_month: String,
    #[serde(default)]
    birth_day: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    mrn: String,
    /// Year of birth or SSN digits: never shown again.
    #[serde(default)]
    access_code: String,
    /// The honeypot: hidden from people.
    #[serde(default)]
    website: String,
    #[serde(flatten)]
    bot: BotAnswer,
}

#[derive(Deserialize)]
pub struct Choice {
    #[serde(default)]
    practice: Option<String>,
}

/// A practice that offers self-enrollment, with its policy.
struct Offering {
    organization: Organization,
    policy: EnrollmentPolicy,
}

async fn offerings(state: &AppState) -> anyhow::Result<Vec<Offering>> {
    let mut offering = Vec::new();
    for organization in state.db.organizations().await? {
        let policy = state.db.enrollment_policy(organization.id).await?;
        if policy.offers_self_enrollment() {
            offering.push(Offering {
                organization,
                policy,
            });
        }
    }
    Ok(offering)
}

/// Whether any practice of this deployment offers self-enrollment: the landing page and
/// `/activate` link to it only then.
pub(crate) async fn offered_anywhere(state: &AppState) -> bool {
    match offerings(state).await {
        Ok(offering) => !offering.is_empty(),
        Err(error) => {
            tracing::warn!(error = %error, "could not read the enrollment policies");
            false
        }
    }
}

/// `GET /enroll/start`: the form, the choice of practice when several offer it, or why it
/// is not offered.
pub async fn show(State(state): State<AppState>, Query(choice): Query<Choice>) -> Response {
    let mut offering = match offerings(&state).await {
        Ok(offering) => offering,
        Err(error) => {
            tracing::error!(error = %error, "could not read the enrollment policies");
            return server_error();
        }
    };
    let chosen = match choice.practice.as_deref() {
        Some(slug) => offering.iter().position(|o| o.organization.slug == slug),
        None if offering.len() == 1 => Some(0),
        None => None,
    };
    match chosen {
        Some(index) => {
            let chosen = offering.swap_remove(index);
            let bot = BotField::fresh(&state, Timestamp::now());
            let mut response = page(&chosen, StartForm::default(), Vec::new(), None, bot);
            no_store(&mut response);
            response
        }
        None if offering.is_empty() => not_offered(&state).await,
        None => pick(&state, &offering).await,
    }
}

/// `POST /enroll/start`.
#[tracing::instrument(skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Form(form): Form<StartForm>,
) -> Response {
    let now = Timestamp::now();
    let offering = match offerings(&state).await {
        Ok(offering) => offering,
        Err(error) => {
            tracing::error!(error = %error, "could not read the enrollment policies");
            return server_error();
        }
    };
    let Some(chosen) = offering
        .into_iter()
        .find(|o| o.organization.slug == form.practice)
    else {
        return not_offered(&state).await;
    };
    let attempt = Attempt {
        state: &state,
        chosen: &chosen,
        client,
        bucket: format!("self-enroll-address:{}", client.ip()),
        now,
    };
    attempt.run(form).await
}

/// One submission of the form, for one practice.
struct Attempt<'a> {
    state: &'a AppState,
    chosen: &'a Offering,
    client: SocketAddr,
    bucket: String,
    now: Timestamp,
}

/// Why a self-enrollment was refused: for the staff review item only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    NoMatch,
    Ambiguous,
    AccessCode,
    TooYoung,
    Deceased,
    HasAccount,
    AlreadyInvited,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Self::NoMatch => "no match",
            Self::Ambiguous => "several charts could be this person",
            Self::AccessCode => "access code differed",
            Self::TooYoung => "younger than the policy allows",
            Self::Deceased => "recorded as deceased",
            Self::HasAccount => "already has an account",
            Self::AlreadyInvited => "has an invitation in progress",
        }
    }
}

impl Attempt<'_> {
    async fn run(&self, form: StartForm) -> Response {
        let state = self.state;
        match state
            .db
            .recent_failures(&self.bucket, self.now, THROTTLE_WINDOW)
            .await
        {
            Ok(failures) if failures < SELF_ENROLL_FAILURES => {}
            Ok(_) => {
                let message = "Too many tries from this device. Wait 15 minutes and try again, \
                               or call us.";
                let bot = BotField::again(state, &form.bot.bot_check, self.now);
                return self.again(form, Vec::new(), Some(message.to_owned()), bot);
            }
            Err(error) => {
                tracing::error!(error = %error, "could not read the self-enrollment counters");
                return server_error();
            }
        }
        if !form.website.is_empty() {
            // A robot: the answer a person with wrong details gets, and no review item.
            return match self.count_failure().await {
                Ok(left) => self.mismatch(left),
                Err(response) => response,
            };
        }
        let claim = match self.parse(&form) {
            Ok(claim) => claim,
            Err(errors) => {
                let bot = BotField::again(state, &form.bot.bot_check, self.now);
                return self.again(form, errors, None, bot);
            }
        };
        match bot_check::check(state, &form.bot, self.now).await {
            Ok(_) => {}
            Err(BotCheckFailure::Refused(refusal)) => {
                if bot_check::looks_automated(&refusal)
                    && let Err(response) = self.count_failure().await
                {
                    return response;
                }
                let bot = BotField::after_refusal(state, &form.bot, &refusal, self.now);
                let message = bot_check::message(&refusal);
                return self.again(form, Vec::new(), Some(message), bot);
            }
            Err(BotCheckFailure::Unexpected(error)) => {
                tracing::error!(error = %error, "could not record a bot-check challenge");
                return server_error();
            }
        }
        match self.enroll(&claim, &form).await {
            Ok(Ok(token)) => {
                let mut response = Redirect::to("/enroll/credentials").into_response();
                set_enrollment_cookie(state, &mut response, &token);
                response
            }
            Ok(Err((refusal, candidate, fields))) => {
                self.refuse(&claim, refusal, candidate, fields).await
            }
            Err(error) => {
                tracing::error!(error = %error, "could not run a self-enrollment");
                server_error()
            }
        }
    }

    /// The form's fields as a claim, or the errors to show next to them.
    fn parse(&self, form: &StartForm) -> Result<IdentityClaim, Vec<(&'static str, String)>> {
        let policy = &self.chosen.policy;
        let mut errors = Vec::new();
        let mrn = form.mrn.trim();
        if policy.mrn_required && mrn.is_empty() {
            errors.push(("mrn", crate::i18n::t("error-mrn-required")));
        }
        let code = form.access_code.trim();
        let code_well_formed = code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit());
        if policy.access_code != AccessCodeKind::None && !code_well_formed {
            let message = match policy.access_code {
                AccessCodeKind::BirthYear => "Type the year with four digits, like 1961.",
                _ => "Type the last four digits, like 6789.",
            };
            errors.push(("access_code", message.to_owned()));
        }
        let birth_date = format!(
            "{:0>4}-{:0>2}-{:0>2}",
            form.birth_year.trim(),
            form.birth_month.trim(),
            form.birth_day.trim()
        );
        let claim = IdentityClaim::parse(ClaimForm {
            given: &form.given,
            family: &form.family,
            birth_date: &birth_date,
            mrn: (policy.mrn_required && !mrn.is_empty()).then_some(mrn),
            ssn_last4: (policy.access_code == AccessCodeKind::SsnLast4 && code_well_formed)
                .then_some(code),
            postal_code: None,
        });
        match claim {
            Ok(claim) if errors.is_empty() => Ok(claim),
            Ok(_) => Err(errors),
            Err(error) => {
                errors.insert(0, field_error(&error));
                Err(errors)
            }
        }
    }

    /// Searches the practice's charts and, for one acceptable match, starts the enrollment.
    /// Answers the enrollment cookie's token, or why it was refused with the chart that came
    /// closest and how its fields compared.
    async fn enroll(
        &self,
        claim: &IdentityClaim,
        form: &StartForm,
    ) -> anyhow::Result<Result<String, (Refusal, Option<PatientId>, Option<serde_json::Value>)>>
    {
        let state = self.state;
        let organization = self.chosen.organization.id;
        let policy = &self.chosen.policy;
        let client_addr = self.client.ip().to_string();
        let candidates = state
            .db
            .self_enrollment_candidates(
                organization,
                &claim.candidate_birth_dates(),
                Some(&client_addr),
            )
            .await?;
        let charts: Vec<ChartIdentity> = candidates.iter().map(chart_identity).collect();
        let hasher = |digits: &str| domain::ssn_last4_hash(&state.key, digits);
        // Every chart is compared on both paths: the work does not depend on the outcome.
        let comparisons: Vec<_> = charts
            .iter()
            .map(|chart| compare(claim, chart, hasher))
            .collect();
        let matched = match search(claim, &charts, hasher) {
            SearchOutcome::Match { index, .. } => index,
            outcome => {
                let refusal = if outcome == SearchOutcome::Ambiguous {
                    Refusal::Ambiguous
                } else {
                    Refusal::NoMatch
                };
                // Staff see the nearest chart only when one alone shares a name.
                let close: Vec<usize> = comparisons
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| {
                        c.fields.given == FieldResult::Match
                            || c.fields.family == FieldResult::Match
                    })
                    .map(|(i, _)| i)
                    .collect();
                let nearest = match close[..] {
                    [only] => Some((
                        PatientId::from_uuid(candidates[only].id),
                        fields_json(&comparisons[only].fields),
                    )),
                    _ => None,
                };
                let (patient, fields) = nearest.unzip();
                return Ok(Err((refusal, patient, fields)));
            }
        };
        let candidate = &candidates[matched];
        let patient = PatientId::from_uuid(candidate.id);
        let fields = comparisons[matched].fields;
        let refused = |refusal| Ok(Err((refusal, Some(patient), Some(fields_json(&fields)))));
        let code_matches = match policy.access_code {
            AccessCodeKind::BirthYear => {
                candidate.birth_date.to_jiff().year().to_string() == form.access_code.trim()
            }
            // The digits were part of the claim: they must have matched the chart's hash,
            // not merely been absent from it.
            AccessCodeKind::SsnLast4 => fields.ssn_last4 == FieldResult::Match,
            AccessCodeKind::None => true,
        };
        if !code_matches {
            return refused(Refusal::AccessCode);
        }
        let today = jiff::Zoned::now().date();
        match check_invitable(
            candidate.birth_date.to_jiff(),
            candidate.deceased,
            today,
            policy,
        ) {
            Ok(()) => {}
            Err(NotInvitable::Deceased) => return refused(Refusal::Deceased),
            Err(NotInvitable::TooYoung { .. }) => return refused(Refusal::TooYoung),
        }
        let (token, hash) = session::new_token();
        let started = state
            .db
            .start_self_enrollment(&NewSelfEnrollment {
                organization,
                patient,
                session_token_hash: &hash,
                expires_at: self.now + ENROLLMENT_SESSION,
                client_addr: Some(&client_addr),
            })
            .await;
        match started {
            Ok(_) => Ok(Ok(token)),
            Err(SelfEnrollmentError::HasAccount) => refused(Refusal::HasAccount),
            Err(SelfEnrollmentError::AlreadyInvited) => refused(Refusal::AlreadyInvited),
            Err(SelfEnrollmentError::Unexpected(error)) => Err(error),
        }
    }

    /// The one answer for every refusal, and a review item for staff.
    async fn refuse(
        &self,
        claim: &IdentityClaim,
        refusal: Refusal,
        patient: Option<PatientId>,
        fields: Option<serde_json::Value>,
    ) -> Response {
        tracing::info!(reason = refusal.as_str(), "self-enrollment refused");
        let left = match self.count_failure().await {
            Ok(left) => left,
            Err(response) => return response,
        };
        // What was typed, for staff: never the access code.
        let detail = serde_json::json!({
            "reason": refusal.as_str(),
            "typed": {
                "given": claim.given(),
                "family": claim.family(),
                "birth_date": claim.birth_date().to_string(),
                "mrn": claim.mrn().map(|mrn| mrn.as_str().to_owned()),
            },
            "patient": patient,
            "fields": fields,
        })
        .to_string();
        let client_addr = self.client.ip().to_string();
        if let Err(error) = self
            .state
            .db
            .refuse_self_enrollment(
                self.chosen.organization.id,
                patient,
                &detail,
                Some(&client_addr),
            )
            .await
        {
            tracing::error!(error = %error, "could not open a self-enrollment review item");
            return server_error();
        }
        self.mismatch(left)
    }

    /// Counts a refused try from this address; answers the tries left.
    async fn count_failure(&self) -> Result<i64, Response> {
        match self
            .state
            .db
            .record_failure(&self.bucket, self.now, THROTTLE_WINDOW)
            .await
        {
            Ok(failures) => Ok(i64::from(SELF_ENROLL_FAILURES) - i64::from(failures)),
            Err(error) => {
                tracing::error!(error = %error, "could not count a refused self-enrollment");
                Err(server_error())
            }
        }
    }

    /// The refusal page. It is the empty form with the one message: nothing on it depends on
    /// what was typed or on why it was refused (and a shared computer keeps no one's details
    /// on screen).
    fn mismatch(&self, left: i64) -> Response {
        let phone = self
            .chosen
            .organization
            .phone
            .clone()
            .unwrap_or_else(|| crate::i18n::t("the-practice"));
        let message = mismatch_text(&phone, left.max(0));
        let bot = BotField::fresh(self.state, self.now);
        self.again(StartForm::default(), Vec::new(), Some(message), bot)
    }

    /// The form again, as typed (but for the access code), with what to fix.
    fn again(
        &self,
        mut form: StartForm,
        errors: Vec<(&'static str, String)>,
        problem: Option<String>,
        bot: BotField,
    ) -> Response {
        form.access_code.clear();
        let mut response = invalid(page(self.chosen, form, errors, problem, bot));
        no_store(&mut response);
        response
    }
}

fn chart_identity(candidate: &SelfEnrollmentCandidate) -> ChartIdentity {
    ChartIdentity {
        given: candidate
            .given_names
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        family: candidate.family_name.clone(),
        birth_date: candidate.birth_date.to_jiff(),
        mrn: candidate.mrn.clone(),
        ssn_last4_hash: candidate.ssn_last4_hash.clone(),
        postal_code: candidate.postal_code.clone(),
    }
}

fn fields_json(fields: &domain::matching::FieldComparison) -> serde_json::Value {
    let label = |result: FieldResult| match result {
        FieldResult::Match => "matched",
        FieldResult::Mismatch => "differed",
        FieldResult::NotCompared => "not compared",
    };
    serde_json::json!({
        "given": label(fields.given),
        "family": label(fields.family),
        "birth_date": label(fields.birth_date),
        "mrn": label(fields.mrn),
        "ssn_last4": label(fields.ssn_last4),
    })
}

fn page(
    chosen: &Offering,
    form: StartForm,
    errors: Vec<(&'static str, String)>,
    problem: Option<String>,
    bot: BotField,
) -> Response {
    render(StartPage {
        practice_name: chosen.organization.name.clone(),
        practice_phone: chosen.organization.phone.clone(),
        practice_slug: chosen.organization.slug.clone(),
        form,
        ask_mrn: chosen.policy.mrn_required,
        access_code: chosen.policy.access_code,
        errors,
        problem,
        bot,
    })
}

async fn pick(state: &AppState, offering: &[Offering]) -> Response {
    let practice = Practice::of(state).await;
    let mut practices: Vec<(String, String)> = offering
        .iter()
        .map(|o| (o.organization.slug.clone(), o.organization.name.clone()))
        .collect();
    practices.sort_by(|a, b| a.1.cmp(&b.1));
    render(PickPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
        practices,
    })
}

async fn not_offered(state: &AppState) -> Response {
    let practice = Practice::of(state).await;
    let mut response = render(NotOfferedPage {
        practice_name: practice.name,
        practice_phone: practice.phone,
    });
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}
