//! `porchlight match`: the enrollment identity matcher over JSON lines, for staff look-ups and
//! audits. One JSON line out for every line in; bad input is answered, never fatal.

use std::io::{BufRead, Write};

use domain::matching::{ChartIdentity, ClaimForm, IdentityClaim, SearchOutcome, search};
use serde::Deserialize;
use serde_json::{Value, json};
use storage::{Database, Organization};

use crate::{open_database, settings::Settings};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    given: String,
    family: String,
    birth_date: String,
    #[serde(default)]
    ssn_last4: Option<String>,
    #[serde(default)]
    mrn: Option<String>,
    #[serde(default)]
    postal_code: Option<String>,
    #[serde(default)]
    org: Option<String>,
}

/// Reads claims from `input` and writes one outcome per line to `output`.
pub async fn run(
    settings: &Settings,
    input: impl BufRead,
    mut output: impl Write,
) -> anyhow::Result<()> {
    let db = open_database(settings).await?;
    let organizations = db.organizations().await?;
    for line in input.lines() {
        let line = line?;
        let answer = match_line(&db, settings, &organizations, &line).await;
        writeln!(output, "{answer}")?;
        output.flush()?;
    }
    crate::close_database(&db).await;
    Ok(())
}

async fn match_line(
    db: &Database,
    settings: &Settings,
    organizations: &[Organization],
    line: &str,
) -> Value {
    let invalid = |error: String| json!({ "outcome": "invalid", "error": error });
    let parsed: Line = match serde_json::from_str(line) {
        Ok(parsed) => parsed,
        Err(error) => return invalid(format!("not a claim: {error}")),
    };
    let organization = match (&parsed.org, organizations) {
        (Some(slug), _) => match organizations.iter().find(|o| &o.slug == slug) {
            Some(org) => org,
            None => return invalid(format!("org: there is no organization '{slug}'")),
        },
        (None, [only]) => only,
        (None, []) => {
            return invalid("there is no organization yet: import patients first".to_owned());
        }
        (None, _) => {
            return invalid("org: this database has several organizations; name one".to_owned());
        }
    };
    let claim = IdentityClaim::parse(ClaimForm {
        given: &parsed.given,
        family: &parsed.family,
        birth_date: &parsed.birth_date,
        mrn: parsed.mrn.as_deref(),
        ssn_last4: parsed.ssn_last4.as_deref(),
        postal_code: parsed.postal_code.as_deref(),
    });
    let claim = match claim {
        Ok(claim) => claim,
        Err(error) => return invalid(error.to_string()),
    };
    let candidates = match db
        .match_candidates(
            organization.id,
            &claim.candidate_birth_dates(),
            "match-command",
        )
        .await
    {
        Ok(candidates) => candidates,
        Err(error) => return invalid(format!("the database could not be searched: {error:#}")),
    };
    let charts: Vec<ChartIdentity> = candidates
        .iter()
        .map(|c| ChartIdentity {
            given: c
                .given_names
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            family: c.family_name.clone(),
            birth_date: c.birth_date.to_jiff(),
            mrn: c.mrn.clone(),
            ssn_last4_hash: c.ssn_last4_hash.clone(),
            postal_code: c.postal_code.clone(),
        })
        .collect();
    let rules = match db.enrollment_policy(organization.id).await {
        Ok(policy) => policy.search_rules(),
        Err(error) => return invalid(format!("the policy could not be read: {error:#}")),
    };
    match search(&claim, &charts, rules, |digits| {
        domain::ssn_last4_hash(&settings.secret_key, digits)
    }) {
        SearchOutcome::Match { index, score } => json!({
            "outcome": "match",
            "patient_id": candidates[index].id,
            "mrn": candidates[index].mrn,
            "score": score,
        }),
        SearchOutcome::NoMatch { nearest } => json!({
            "outcome": "no_match",
            "score": 0.0,
            "refused": nearest.map(|nearest| nearest.refused.describe()),
        }),
        SearchOutcome::Ambiguous => json!({ "outcome": "ambiguous" }),
    }
}
