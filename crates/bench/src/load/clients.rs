//! The benchmark's HTTP clients: people signing in, people enrolling, and a probe that reads
//! pages needing no hashing. Each runs on the benchmark's own threads (named `bench-...`),
//! apart from the application's, so that their CPU time can be told apart.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use reqwest::{Client, StatusCode, header::LOCATION};
use sha2::{Digest, Sha256};

use super::seed::{Account, Invited, ORG_SLUG, PASSWORD};

/// One finished unit of work: a sign-in, a whole enrollment, or one probed page.
#[derive(Debug, Clone)]
pub struct Record {
    pub finished: Instant,
    pub latency: Duration,
    /// None when it worked; otherwise which step failed and how.
    pub failure: Option<String>,
    /// For the probe: which page.
    pub page: &'static str,
}

pub type Records = Arc<Mutex<Vec<Record>>>;

/// What a load thread did: each finished unit of work, and when the first client ran out of
/// work (the enrollments have a fixed number of invitations), if one did.
pub struct LoadOutcome {
    pub records: Vec<Record>,
    pub ran_out: Option<Instant>,
}

/// What the load threads do until told to stop.
#[derive(Clone)]
pub enum Workload {
    SignIns(Arc<Vec<Account>>),
    Enrollments(Arc<Vec<Invited>>),
}

/// A browser: no redirects followed (each step's answer is checked), cookies kept.
fn browser() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("a TLS-less HTTP client builds")
}

/// Runs `workload` with `concurrency` clients on a single-threaded runtime of its own,
/// named `bench-load`, until `stop`; answers each finished unit of work.
pub fn spawn_load(
    workload: Workload,
    base: String,
    concurrency: usize,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<anyhow::Result<LoadOutcome>> {
    std::thread::Builder::new()
        .name("bench-load".to_owned())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let records: Records = Arc::default();
            let ran_out: Arc<Mutex<Option<Instant>>> = Arc::default();
            runtime.block_on(async {
                let mut clients = tokio::task::JoinSet::new();
                for client in 0..concurrency {
                    let (base, stop, records) = (base.clone(), stop.clone(), records.clone());
                    match &workload {
                        Workload::SignIns(accounts) => {
                            let mine: Vec<Account> = accounts
                                .iter()
                                .skip(client)
                                .step_by(concurrency)
                                .cloned()
                                .collect();
                            clients.spawn(sign_in_client(base, mine, stop, records));
                        }
                        Workload::Enrollments(invited) => {
                            let mine: Vec<Invited> = invited
                                .iter()
                                .skip(client)
                                .step_by(concurrency)
                                .cloned()
                                .collect();
                            let ran_out = ran_out.clone();
                            clients.spawn(async move {
                                enrollment_client(base, mine, stop.clone(), records).await;
                                if !stop.load(Ordering::Relaxed) {
                                    ran_out
                                        .lock()
                                        .expect("not poisoned")
                                        .get_or_insert_with(Instant::now);
                                }
                            });
                        }
                    }
                }
                clients.join_all().await;
            });
            let records = std::mem::take(&mut *records.lock().expect("not poisoned"));
            let ran_out = *ran_out.lock().expect("not poisoned");
            Ok(LoadOutcome { records, ran_out })
        })
        .expect("a thread starts")
}

/// Signs in to its accounts in turn, with the right password, until stopped. Each sign-in
/// starts without a cookie, as on a new device, so each starts a new session.
async fn sign_in_client(
    base: String,
    accounts: Vec<Account>,
    stop: Arc<AtomicBool>,
    records: Records,
) {
    if accounts.is_empty() {
        return;
    }
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client builds");
    for account in accounts.iter().cycle() {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let started = Instant::now();
        let failure = match client
            .post(format!("{base}{}", account.path))
            .form(&[
                ("organization", ORG_SLUG),
                ("username", &account.username),
                ("password", PASSWORD),
            ])
            .send()
            .await
        {
            Ok(response) => expect_redirect(&response, account.lands_on).err(),
            Err(error) => Some(format!("sign-in: {error}")),
        };
        push(&records, started, failure, "");
    }
}

/// Enrolls its invited patients one after the other, each in a new browser, until stopped
/// or out of invitations.
async fn enrollment_client(
    base: String,
    invited: Vec<Invited>,
    stop: Arc<AtomicBool>,
    records: Records,
) {
    for patient in &invited {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let started = Instant::now();
        let failure = enroll(&base, patient).await.err();
        push(&records, started, failure, "");
    }
}

/// The whole journey from the letter's code to the welcome page, as a browser without
/// JavaScript follows it, except that the bot check is answered as the page's script does.
async fn enroll(base: &str, patient: &Invited) -> Result<(), String> {
    let browser = browser();
    let get = |path: &'static str| {
        let browser = browser.clone();
        let url = format!("{base}{path}");
        async move {
            let response = browser
                .get(url)
                .send()
                .await
                .map_err(|e| format!("GET {path}: {e}"))?;
            if response.status() != StatusCode::OK {
                return Err(format!("GET {path}: {}", response.status()));
            }
            response
                .text()
                .await
                .map_err(|e| format!("GET {path}: {e}"))
        }
    };
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        let url = format!("{base}{path}");
        async move {
            browser
                .post(url)
                .form(&form)
                .send()
                .await
                .map_err(|e| format!("POST {path}: {e}"))
        }
    };
    // Each form answers 303; the browser follows it (sometimes through another 303) to the
    // next step's page, which must be the expected one.
    let follow = |answer: reqwest::Response, expected: &'static str| {
        let browser = browser.clone();
        async move {
            let mut answer = answer;
            for _ in 0..4 {
                let from = answer.url().path().to_owned();
                if answer.status() != StatusCode::SEE_OTHER {
                    break;
                }
                let Some(location) = answer.headers().get(LOCATION).and_then(|l| l.to_str().ok())
                else {
                    break;
                };
                let url = format!("{base}{location}");
                answer = browser
                    .get(url)
                    .send()
                    .await
                    .map_err(|e| format!("GET {location} after {from}: {e}"))?;
            }
            if answer.status() == StatusCode::OK && answer.url().path() == expected {
                answer
                    .text()
                    .await
                    .map_err(|e| format!("GET {expected}: {e}"))
            } else {
                Err(format!(
                    "ended at {} with {}, expected {expected}",
                    answer.url().path(),
                    answer.status()
                ))
            }
        }
    };
    let activate_page = get("/activate").await?;
    let mut form = vec![("code", patient.code.clone()), ("website", String::new())];
    form.extend(solve_bot_check(&activate_page)?);
    follow(post("/activate", form).await?, "/enroll/identity").await?;

    let birth = patient.birth_date;
    let identity = vec![
        ("given", patient.given.clone()),
        ("family", patient.family.clone()),
        ("birth_month", birth.month().to_string()),
        ("birth_day", birth.day().to_string()),
        ("birth_year", birth.year().to_string()),
    ];
    // The access code is the year of birth: no step of its own after the identity step.
    follow(
        post("/enroll/identity", identity).await?,
        "/enroll/credentials",
    )
    .await?;

    let credentials = vec![
        ("username", patient.username.clone()),
        ("password", PASSWORD.to_owned()),
        ("confirmation", PASSWORD.to_owned()),
    ];
    // Saved, the patient goes straight on to the terms.
    let terms_page = follow(
        post("/enroll/credentials", credentials).await?,
        "/enroll/terms",
    )
    .await?;
    // The versions and the language shown go back with the acceptance.
    let mut accept = vec![
        ("accept_terms", "on".to_owned()),
        ("accept_privacy", "on".to_owned()),
    ];
    for name in ["terms_version", "privacy_version", "lang"] {
        let value = terms_page
            .split(&format!("name=\"{name}\" value=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .ok_or_else(|| format!("no {name} on the terms page"))?;
        accept.push((name, value.to_owned()));
    }
    follow(post("/enroll/terms", accept).await?, "/welcome").await?;
    Ok(())
}

/// Reads `pages` in turn, one request at a time with `pause` between them, until `until`,
/// on a thread and runtime of its own (`bench-probe`): the latency a person reading pages
/// would see.
pub fn spawn_probe(
    base: String,
    pages: &'static [&'static str],
    pause: Duration,
    until: Instant,
) -> std::thread::JoinHandle<anyhow::Result<Vec<Record>>> {
    std::thread::Builder::new()
        .name("bench-probe".to_owned())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let client = browser();
                let mut records = Vec::new();
                for &page in pages.iter().cycle() {
                    if Instant::now() >= until {
                        break;
                    }
                    let started = Instant::now();
                    let failure = match client.get(format!("{base}{page}")).send().await {
                        Ok(response) if response.status() == StatusCode::OK => {
                            response.bytes().await.err().map(|e| e.to_string())
                        }
                        Ok(response) => Some(format!("GET {page}: {}", response.status())),
                        Err(error) => Some(format!("GET {page}: {error}")),
                    };
                    records.push(Record {
                        finished: Instant::now(),
                        latency: started.elapsed(),
                        failure,
                        page,
                    });
                    tokio::time::sleep(pause).await;
                }
                Ok(records)
            })
        })
        .expect("a thread starts")
}

fn push(records: &Records, started: Instant, failure: Option<String>, page: &'static str) {
    records.lock().expect("not poisoned").push(Record {
        finished: Instant::now(),
        latency: started.elapsed(),
        failure,
        page,
    });
}

fn expect_redirect(response: &reqwest::Response, to: &str) -> Result<(), String> {
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|l| l.to_str().ok())
        .unwrap_or("");
    if response.status() == StatusCode::SEE_OTHER && location == to {
        Ok(())
    } else {
        Err(format!(
            "{}: {} to {location:?}, expected 303 to {to}",
            response.url().path(),
            response.status()
        ))
    }
}

/// The bot check of the form in `html`, answered as the page's script does: the first
/// number n from 0 with SHA-256(salt followed by n) equal to the challenge.
pub fn solve_bot_check(html: &str) -> Result<Vec<(&'static str, String)>, String> {
    let salt = attribute(html, "data-salt")?;
    let challenge = hex::decode(attribute(html, "data-challenge")?).map_err(|e| e.to_string())?;
    let max: u64 = attribute(html, "data-max")?
        .parse()
        .map_err(|_| "a bot-check maximum that is not a number")?;
    let number = (0..=max)
        .find(|n| Sha256::digest(format!("{salt}{n}")).as_slice() == challenge.as_slice())
        .ok_or("no bot-check solution in range")?;
    Ok(vec![
        ("bot_check", attribute(html, "name=\"bot_check\" value")?),
        ("bot_solution", number.to_string()),
    ])
}

fn attribute(html: &str, name: &str) -> Result<String, String> {
    let start = format!("{name}=\"");
    html.split(&start)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
        .ok_or_else(|| format!("no {name} in the page"))
}

/// What the default bot check costs a client written in Rust: the mean time to try
/// `max_number / 2` numbers, the average search.
pub fn bot_check_cost(max_number: u64) -> Duration {
    let challenge = Sha256::digest(b"never found");
    let started = Instant::now();
    let found = (0..max_number / 2)
        .any(|n| Sha256::digest(format!("benchmark-salt{n}")).as_slice() == challenge.as_slice());
    std::hint::black_box(found);
    started.elapsed()
}
