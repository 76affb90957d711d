//! Self-enrollment: a patient signs up without an invitation, where the practice's policy
//! allows it (`EnrollmentPolicy::offers_self_enrollment`).
//!
//! The form asks for the legal name, the date of birth, the MRN where the policy asks, and the
//! last 4 digits of the SSN where that is the access code (a year of birth is not asked
//! again: the date of birth holds it), behind the bot check and the
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
use domain::bot_check::BotCheckError;
use domain::{
    PatientId,
    invitation::{NotInvitable, check_invitable},
    matching::{
        self, ChartIdentity, ClaimForm, Comparison, FieldResult, IdentityClaim, NameRelation,
        SearchOutcome, compare, search,
    },
    policy::{AccessCodeKind, EnrollmentPolicy},
};
use jiff::Timestamp;
use serde::Deserialize;
use storage::{NewSelfEnrollment, Organization, SelfEnrollmentCandidate, SelfEnrollmentError};

use crate::{
    AppState,
    common::{
        pages::{Practice, no_store, render},
        session,
    },
    enrollment::{
        access_code::malformed_message,
        bot_check::{self, BotAnswer, BotCheckFailure, BotField},
        enroll::{
            ENROLLMENT_SESSION, StepCount, THROTTLE_WINDOW, asks_access_code,
            set_enrollment_cookie, too_many_tries,
        },
        identity::{field_error, invalid, mismatch_text},
    },
    error::{OrTrouble, PageError},
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
    /// The SSN's last 4 digits are asked on the form; the birth year never is, the date of
    /// birth being there already.
    ask_access_code: bool,
    step: StepCount,
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
pub(crate) struct Offering {
    pub(crate) organization: Organization,
    pub(crate) policy: EnrollmentPolicy,
}

/// The practices of this deployment that offer self-enrollment.
pub(crate) async fn offerings(state: &AppState) -> anyhow::Result<Vec<Offering>> {
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
pub async fn show(
    State(state): State<AppState>,
    Query(choice): Query<Choice>,
) -> Result<Response, PageError> {
    let mut offering = offerings(&state)
        .await
        .or_trouble("could not read the enrollment policies")?;
    let chosen = match choice.practice.as_deref() {
        Some(slug) => offering.iter().position(|o| o.organization.slug == slug),
        None if offering.len() == 1 => Some(0),
        None => None,
    };
    Ok(match chosen {
        Some(index) => {
            let chosen = offering.swap_remove(index);
            let bot = BotField::fresh(&state, Timestamp::now());
            let mut response = page(&chosen, StartForm::default(), Vec::new(), None, bot);
            no_store(&mut response);
            response
        }
        None if offering.is_empty() => not_offered(&state).await,
        None => pick(&state, &offering).await,
    })
}

/// `POST /enroll/start`.
#[tracing::instrument(skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Form(form): Form<StartForm>,
) -> Result<Response, PageError> {
    let now = Timestamp::now();
    let offering = offerings(&state)
        .await
        .or_trouble("could not read the enrollment policies")?;
    let Some(chosen) = offering
        .into_iter()
        .find(|o| o.organization.slug == form.practice)
    else {
        return Ok(not_offered(&state).await);
    };
    let birth_date = format!(
        "{:0>4}-{:0>2}-{:0>2}",
        form.birth_year.trim(),
        form.birth_month.trim(),
        form.birth_day.trim()
    );
    let sign_up = SignUp {
        given: &form.given,
        family: &form.family,
        birth_date: &birth_date,
        mrn: &form.mrn,
        access_code: &form.access_code,
        honeypot: &form.website,
        bot: &form.bot,
    };
    let outcome = sign_up_without_invitation(&state, &chosen, client, sign_up)
        .await
        .or_trouble("could not run a self-enrollment")?;
    let again = |form: StartForm, errors, problem: Option<&str>, bot| {
        let mut form = form;
        // The access code is never shown again.
        form.access_code.clear();
        let mut response = invalid(page(&chosen, form, errors, problem.map(str::to_owned), bot));
        no_store(&mut response);
        response
    };
    Ok(match outcome {
        SignUpOutcome::Started(token) => {
            let mut response = Redirect::to("/enroll/credentials").into_response();
            set_enrollment_cookie(&state, &mut response, &token);
            response
        }
        SignUpOutcome::Throttled => {
            let bot = BotField::again(&state, &form.bot.bot_check, now);
            again(form, Vec::new(), Some(too_many_tries().as_str()), bot)
        }
        SignUpOutcome::Invalid(errors) => {
            let bot = BotField::again(&state, &form.bot.bot_check, now);
            again(form, errors, None, bot)
        }
        SignUpOutcome::BotRefused(refusal) => {
            let bot = BotField::after_refusal(&state, &form.bot, &refusal, now);
            again(
                form,
                Vec::new(),
                Some(bot_check::message(&refusal).as_str()),
                bot,
            )
        }
        // The refusal page is the empty form with the one message: nothing on it depends on
        // what was typed or on why it was refused (and a shared computer keeps no one's
        // details on screen).
        SignUpOutcome::Refused(message) => {
            let bot = BotField::fresh(&state, now);
            again(StartForm::default(), Vec::new(), Some(&message), bot)
        }
    })
}

/// What someone typed to sign up without an invitation, the birth date as `YYYY-MM-DD`.
pub(crate) struct SignUp<'a> {
    pub(crate) given: &'a str,
    pub(crate) family: &'a str,
    pub(crate) birth_date: &'a str,
    pub(crate) mrn: &'a str,
    /// Year of birth or SSN digits, per the policy.
    pub(crate) access_code: &'a str,
    /// The honeypot: people never fill it.
    pub(crate) honeypot: &'a str,
    pub(crate) bot: &'a BotAnswer,
}

/// What a sign-up without an invitation led to.
pub(crate) enum SignUpOutcome {
    /// Too many refusals from this address lately.
    Throttled,
    /// Fields to fix, each named; the bot check was not spent.
    Invalid(Vec<(&'static str, String)>),
    BotRefused(BotCheckError),
    /// The one answer for every refusal, whatever the reason (a review item for staff).
    Refused(String),
    /// One confident match: the enrollment session's token, at the credentials step.
    Started(String),
}

/// Self-enrollment for the page and the API alike, at the practice `chosen`. In order: the
/// per-address throttle, the honeypot, the fields, the bot check, then the matcher.
#[tracing::instrument(skip_all, err)]
pub(crate) async fn sign_up_without_invitation(
    state: &AppState,
    chosen: &Offering,
    client: SocketAddr,
    sign_up: SignUp<'_>,
) -> anyhow::Result<SignUpOutcome> {
    let attempt = Attempt {
        state,
        chosen,
        client,
        bucket: format!("self-enroll-address:{}", client.ip()),
        now: Timestamp::now(),
    };
    attempt.run(&sign_up).await
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
    /// No chart came close.
    NoMatch,
    /// The one chart that came close, refused by this rule of the matcher.
    Rule(matching::Refusal),
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
            Self::NoMatch => "no match: no chart born that day has a name near the one typed",
            Self::Rule(rule) => rule.describe(),
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
    async fn run(&self, sign_up: &SignUp<'_>) -> anyhow::Result<SignUpOutcome> {
        let state = self.state;
        let failures = state
            .db
            .recent_failures(&self.bucket, self.now, THROTTLE_WINDOW)
            .await?;
        if failures >= SELF_ENROLL_FAILURES {
            return Ok(SignUpOutcome::Throttled);
        }
        if !sign_up.honeypot.is_empty() {
            // A robot: the answer a person with wrong details gets, and no review item.
            let left = self.count_failure().await?;
            return Ok(SignUpOutcome::Refused(self.mismatch(left)));
        }
        let claim = match self.parse(sign_up) {
            Ok(claim) => claim,
            Err(errors) => return Ok(SignUpOutcome::Invalid(errors)),
        };
        match bot_check::check(state, sign_up.bot, self.now).await {
            Ok(_) => {}
            Err(BotCheckFailure::Refused(refusal)) => {
                if bot_check::looks_automated(&refusal) {
                    self.count_failure().await?;
                }
                return Ok(SignUpOutcome::BotRefused(refusal));
            }
            Err(BotCheckFailure::Unexpected(error)) => return Err(error),
        }
        match self.enroll(&claim).await? {
            Ok(token) => Ok(SignUpOutcome::Started(token)),
            Err((refusal, candidate, fields)) => Ok(SignUpOutcome::Refused(
                self.refuse(&claim, refusal, candidate, fields).await?,
            )),
        }
    }

    /// The typed fields as a claim, or the errors to show next to them.
    fn parse(&self, sign_up: &SignUp<'_>) -> Result<IdentityClaim, Vec<(&'static str, String)>> {
        let policy = &self.chosen.policy;
        let mut errors = Vec::new();
        let mrn = sign_up.mrn.trim();
        if policy.mrn_required && mrn.is_empty() {
            errors.push(("mrn", crate::common::i18n::t("error-mrn-required")));
        }
        let code = sign_up.access_code.trim();
        let code_well_formed = code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit());
        if asks_access_code(policy.access_code) && !code_well_formed {
            errors.push((
                "access_code",
                malformed_message(policy.access_code).to_owned(),
            ));
        }
        let claim = IdentityClaim::parse(ClaimForm {
            given: sign_up.given,
            family: sign_up.family,
            birth_date: sign_up.birth_date,
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
        let matched = match search(claim, &charts, policy.search_rules(), hasher) {
            SearchOutcome::Match { index, .. } => index,
            SearchOutcome::Ambiguous => return Ok(Err((Refusal::Ambiguous, None, None))),
            SearchOutcome::NoMatch { nearest } => {
                // Staff see the one chart that came close, with the rule that refused it.
                let Some(nearest) = nearest else {
                    return Ok(Err((Refusal::NoMatch, None, None)));
                };
                let index = nearest.index;
                return Ok(Err((
                    Refusal::Rule(nearest.refused),
                    Some(PatientId::from_uuid(candidates[index].id)),
                    Some(fields_json(&comparisons[index])),
                )));
            }
        };
        let candidate = &candidates[matched];
        let patient = PatientId::from_uuid(candidate.id);
        let comparison = &comparisons[matched];
        let fields = comparison.fields;
        let refused = |refusal| Ok(Err((refusal, Some(patient), Some(fields_json(comparison)))));
        let code_matches = match policy.access_code {
            // Not asked: the chart was found by the date of birth typed, year and all.
            AccessCodeKind::BirthYear => true,
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

    /// The one answer for every refusal, after a review item for staff.
    async fn refuse(
        &self,
        claim: &IdentityClaim,
        refusal: Refusal,
        patient: Option<PatientId>,
        fields: Option<serde_json::Value>,
    ) -> anyhow::Result<String> {
        tracing::info!(reason = refusal.as_str(), "self-enrollment refused");
        let left = self.count_failure().await?;
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
        self.state
            .db
            .refuse_self_enrollment(
                self.chosen.organization.id,
                patient,
                &detail,
                Some(&client_addr),
            )
            .await?;
        Ok(self.mismatch(left))
    }

    /// Counts a refused try from this address; answers the tries left.
    async fn count_failure(&self) -> anyhow::Result<i64> {
        let failures = self
            .state
            .db
            .record_failure(&self.bucket, self.now, THROTTLE_WINDOW)
            .await?;
        Ok(i64::from(SELF_ENROLL_FAILURES) - i64::from(failures))
    }

    /// The one message for every refusal: nothing in it depends on what was typed or on why.
    fn mismatch(&self, left: i64) -> String {
        let phone = self
            .chosen
            .organization
            .phone
            .clone()
            .unwrap_or_else(|| crate::common::i18n::t("the-practice"));
        mismatch_text(&phone, left.max(0))
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

/// How each field compared, for staff: the names with how they differed ("one letter off",
/// "a nickname"), so that a chart with a misspelled name can be corrected.
fn fields_json(comparison: &Comparison) -> serde_json::Value {
    let fields = &comparison.fields;
    let evidence = &comparison.evidence;
    let label = |result: FieldResult| match result {
        FieldResult::Match => "matched",
        FieldResult::Mismatch => "differed",
        FieldResult::NotCompared => "not compared",
    };
    let name = |relation: NameRelation| match relation {
        NameRelation::Same => "matched",
        NameRelation::Nickname => "differed: a nickname of the chart's",
        NameRelation::Partial => "differed: part of the chart's, or with a word more",
        NameRelation::Typo => "differed: one letter off",
        NameRelation::SoundsAlike => "differed: sounds the same, spelled differently",
        NameRelation::Different => "differed",
    };
    let (given, family) = if evidence.names_swapped {
        let swapped = "differed: first and last name swapped";
        (swapped, swapped)
    } else {
        (name(evidence.given), name(evidence.family))
    };
    let birth_date = if evidence.birth_date_day_month_swapped {
        "differed: day and month swapped"
    } else {
        label(fields.birth_date)
    };
    serde_json::json!({
        "given": given,
        "family": family,
        "birth_date": birth_date,
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
        ask_access_code: asks_access_code(chosen.policy.access_code),
        step: StepCount::SELF_START,
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
