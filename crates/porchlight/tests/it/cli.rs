//! The `porchlight` binary: settings errors, import output and exit codes, staff accounts,
//! graceful shutdown.

use std::{
    io::{BufRead, BufReader, Write},
    process::{Command, Output, Stdio},
    time::Duration,
};

use crate::harness::{TEST_SECRET_KEY, TestApp, each_backend, generated_bundles, synthea_dir};

fn porchlight(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_porchlight"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORCHLIGHT_DATABASE_URL", database_url)
        .env("PORCHLIGHT_SECRET_KEY", TEST_SECRET_KEY)
        .stdin(Stdio::null());
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The numbers on the report line of one resource type.
fn report_line(stdout: &str, rtype: &str) -> Vec<u64> {
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(rtype))
        .unwrap_or_else(|| panic!("no {rtype} line in:\n{stdout}"));
    line.split_whitespace()
        .skip(1)
        .map(|n| n.parse().unwrap())
        .collect()
}

fn staff_add(app: &TestApp, args: &[&str], password: &str) -> Output {
    let mut child = porchlight(app.database_url())
        .args(["staff", "add"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

/// The shared Synthea data's published counts, through the command line.
mod synthea {
    use super::*;

    each_backend! {
        needs synthea;

        async fn import_reports_counts_and_a_second_run_adds_nothing(app) {
            let first = porchlight(app.database_url()).arg("import").arg(synthea_dir()).output().unwrap();
            let stdout = text(&first.stdout);
            assert!(first.status.success(), "{stdout}\n{}", text(&first.stderr));
            // imported, updated, unchanged, skipped
            assert_eq!(report_line(&stdout, "Patient"), [57, 0, 0, 0]);
            assert_eq!(report_line(&stdout, "Observation"), [7464, 0, 0, 0]);
            assert!(stdout.contains("58 files imported, 0 failed"), "{stdout}");

            let second = porchlight(app.database_url()).arg("import").arg(synthea_dir()).output().unwrap();
            let stdout = text(&second.stdout);
            assert!(second.status.success());
            assert_eq!(report_line(&stdout, "Patient"), [0, 0, 57, 0]);
            assert_eq!(report_line(&stdout, "total")[..2], [0, 0]);
        }
    }
}

each_backend! {
    async fn import_of_generated_bundles_reports_counts_and_a_second_run_adds_nothing(app) {
        let (dir, _) = generated_bundles(3);
        let first = porchlight(app.database_url()).arg("import").arg(dir.path()).output().unwrap();
        let stdout = text(&first.stdout);
        assert!(first.status.success(), "{stdout}\n{}", text(&first.stderr));
        // imported, updated, unchanged, skipped
        assert_eq!(report_line(&stdout, "Patient"), [3, 0, 0, 0]);
        assert!(report_line(&stdout, "Observation")[0] > 0, "{stdout}");
        assert!(stdout.contains("3 files imported, 0 failed"), "{stdout}");

        let second = porchlight(app.database_url()).arg("import").arg(dir.path()).output().unwrap();
        let stdout = text(&second.stdout);
        assert!(second.status.success());
        assert_eq!(report_line(&stdout, "Patient"), [0, 0, 3, 0]);
        assert_eq!(report_line(&stdout, "total")[..2], [0, 0]);
    }

    async fn import_exits_non_zero_naming_a_truncated_file(app) {
        let (dir, _) = generated_bundles(2);
        let truncated = dir.path().join("patient-000002.json");
        let whole = std::fs::read(&truncated).unwrap();
        std::fs::write(&truncated, &whole[..whole.len() - 100]).unwrap();
        let output = porchlight(app.database_url()).arg("import").arg(dir.path()).output().unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = text(&output.stderr);
        assert!(stderr.contains("patient-000002.json") && stderr.contains("not valid JSON"), "{stderr}");
        assert!(!stderr.contains("patient-000001.json"), "{stderr}");
        assert_eq!(report_line(&text(&output.stdout), "Patient"), [1, 0, 0, 0]);
    }

    async fn audit_verify_finds_a_changed_row_and_a_removed_one(app) {
        let (dir, _) = generated_bundles(3);
        let import = porchlight(app.database_url()).arg("import").arg(dir.path()).output().unwrap();
        assert!(import.status.success(), "{}", text(&import.stderr));
        let verify = || porchlight(app.database_url()).args(["audit", "verify"]).output().unwrap();

        let intact = verify();
        let stdout = text(&intact.stdout);
        assert!(intact.status.success(), "{stdout}\n{}", text(&intact.stderr));
        let rows: u64 = stdout
            .strip_prefix("audit log intact: ")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{stdout}"));
        assert!(rows >= 3, "{stdout}");

        // Someone with write access to the database gets past the append-only trigger.
        let unguard = match app.db.backend() {
            storage::Backend::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
            storage::Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;",
        };
        app.db.execute_admin(unguard).await.unwrap();
        let second = "(SELECT seq FROM audit_log ORDER BY seq LIMIT 1 OFFSET 1)";
        let seq_of = |output: &Output| {
            let stdout = text(&output.stdout);
            stdout
                .strip_prefix("audit log BROKEN at row ")
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.parse::<i64>().ok())
                .unwrap_or_else(|| panic!("{stdout}"))
        };

        app.db
            .execute_admin(&format!("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = {second}"))
            .await
            .unwrap();
        let edited = verify();
        assert_eq!(edited.status.code(), Some(1), "{}", text(&edited.stdout));
        assert!(text(&edited.stdout).contains("was changed"), "{}", text(&edited.stdout));
        let edited_seq = seq_of(&edited);

        app.db.execute_admin(&format!("DELETE FROM audit_log WHERE seq = {second}")).await.unwrap();
        let removed = verify();
        assert_eq!(removed.status.code(), Some(1));
        assert!(text(&removed.stdout).contains("rows were removed"), "{}", text(&removed.stdout));
        // The row after the removed one is the first that no longer links.
        assert!(seq_of(&removed) > edited_seq, "{}", text(&removed.stdout));
    }

    async fn the_demo_names_patients_of_its_database_to_try_and_how_to_start_over(app) {
        let printed = demo_printout(&app);
        let password = printed
            .iter()
            .find_map(|l| l.trim().strip_prefix("administrator  admin / "))
            .unwrap_or_else(|| panic!("no administrator line: {printed:#?}"))
            .to_owned();
        let suggestions: Vec<(String, jiff::civil::Date, String)> = printed
            .iter()
            .skip_while(|l| !l.trim_start().starts_with("patients to try"))
            .skip(1)
            .take_while(|l| l.starts_with("    "))
            .map(|l| {
                let (name, rest) = l.trim().split_once(" born ").unwrap_or_else(|| panic!("{l}"));
                let (date, how) = rest.split_at(rest.find(" by ").unwrap_or_else(|| panic!("{l}")));
                let date = jiff::civil::Date::strptime("%B %d, %Y", date.trim()).unwrap_or_else(|e| panic!("{l}: {e}"));
                (name.trim().to_owned(), date, how.trim().to_owned())
            })
            .collect();
        assert!((3..=5).contains(&suggestions.len()), "{printed:#?}");
        assert!(suggestions.iter().any(|(_, _, how)| how.starts_with("by email")), "{printed:#?}");
        assert!(suggestions.iter().any(|(_, _, how)| how.starts_with("by printed letter")), "{printed:#?}");

        // Each is a real patient of the demo practice, as its administrator finds them.
        let staff = crate::fixtures::patient_browser();
        let signed_in = staff.post(app.url("/staff/sign-in"))
            .form(&[("organization", "demo"), ("username", "admin"), ("password", password.as_str())])
            .send().await.unwrap();
        assert_eq!(signed_in.status(), reqwest::StatusCode::SEE_OTHER, "the printed sign-in works");
        let today = jiff::Zoned::now().date();
        for (name, born, how) in &suggestions {
            let found: serde_json::Value = staff.get(app.url(&format!("/api/v1/patients?q={born}")))
                .send().await.unwrap().json().await.unwrap();
            let patient = found["patients"].as_array().unwrap().iter()
                .find(|p| format!("{} {}", p["given_names"].as_str().unwrap(), p["family_name"].as_str().unwrap()) == *name)
                .unwrap_or_else(|| panic!("{name}, born {born}, is not in the demo practice: {found}"));
            assert_eq!(patient["deceased"], false, "{name}");
            assert!(born.saturating_add(jiff::Span::new().years(18)) <= today, "{name} is an adult");
            assert_eq!(patient["email"].is_string(), how.starts_with("by email"), "{name}: {how}");
            let detail: serde_json::Value = staff.get(app.url(&format!("/api/v1/patients/{}", patient["id"].as_str().unwrap())))
                .send().await.unwrap().json().await.unwrap();
            assert_eq!(detail["portal"]["status"], "not-invited", "{name}: {detail}");
            assert!(detail["portal"]["not_invitable"].is_null(), "{name}: {detail}");
        }

        let start_over = printed.iter().find_map(|l| l.trim().strip_prefix("start over")).expect("a start-over line").trim().to_owned();
        match app.db.backend() {
            storage::Backend::Sqlite => {
                let path = app.database_url().trim_start_matches("sqlite://");
                assert!(start_over.contains(&format!("delete {path}")), "{start_over}");
            }
            storage::Backend::Postgres => assert!(start_over.contains("drop the PostgreSQL database"), "{start_over}"),
        }
    }

    async fn staff_accounts_are_added_with_a_password_from_stdin(app) {
        let output = staff_add(&app, &["Alice.Admin", "--role", "administrator", "--password-stdin"], "a long enough passphrase");
        assert!(output.status.success(), "{}", text(&output.stderr));
        assert!(text(&output.stdout).contains("created administrator 'alice.admin'"));

        let again = staff_add(&app, &["alice.admin", "--role", "clinician", "--password-stdin"], "another long passphrase");
        assert!(!again.status.success());
        assert!(text(&again.stderr).contains("'alice.admin' is already taken"), "{}", text(&again.stderr));

        let short = staff_add(&app, &["bob", "--role", "clinician", "--password-stdin"], "short");
        assert!(!short.status.success());
        assert!(text(&short.stderr).contains("at least 12 characters"));

        let role = staff_add(&app, &["bob", "--role", "janitor", "--password-stdin"], "a long enough passphrase");
        assert!(!role.status.success());
        assert!(text(&role.stderr).contains("--role: unknown role 'janitor'"), "{}", text(&role.stderr));
    }
}

/// What `porchlight demo` prints on the app's database, up to "stop with Ctrl-C"; the demo
/// is then stopped (the test reaches the same database through the app's own server).
fn demo_printout(app: &TestApp) -> Vec<String> {
    let mut child = porchlight(app.database_url())
        .env("PORCHLIGHT_BIND", "127.0.0.1:0")
        .args(["demo", "--patients", "30", "--seed", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = Vec::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        let done = line.contains("stop with Ctrl-C");
        printed.push(line);
        if done {
            break;
        }
    }
    // (Graceful shutdown has its own test; this one may stop the demo as it starts serving.)
    child.kill().unwrap();
    child.wait().unwrap();
    printed
}

#[test]
fn bad_settings_stop_start_up_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/p.db", dir.path().display());
    let cases = [
        (
            "PORCHLIGHT_BIND",
            "everywhere",
            "PORCHLIGHT_BIND: expected an address and port",
        ),
        (
            "PORCHLIGHT_DATABASE_URL",
            "mysql://db/p",
            "PORCHLIGHT_DATABASE_URL: expected a URL",
        ),
        (
            "PORCHLIGHT_BASE_URL",
            "portal",
            "PORCHLIGHT_BASE_URL: expected an address",
        ),
        (
            "PORCHLIGHT_SMTP_URL",
            "mail.example.org",
            "PORCHLIGHT_SMTP_URL: expected a URL",
        ),
        (
            "PORCHLIGHT_SECRET_KEY",
            "tiny",
            "PORCHLIGHT_SECRET_KEY: the secret key must be at least 32",
        ),
    ];
    for (name, value, expected) in cases {
        let output = porchlight(&url)
            .env(name, value)
            .arg("migrate")
            .output()
            .unwrap();
        assert!(!output.status.success(), "{name}={value} was accepted");
        let stderr = text(&output.stderr);
        assert!(stderr.contains(expected), "{name}: {stderr}");
    }
    let output = porchlight("postgres://127.0.0.1/x")
        .env_remove("PORCHLIGHT_SECRET_KEY")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(text(&output.stderr).contains("required with PostgreSQL"));
}

#[test]
fn unknown_settings_are_warned_about_by_name_and_files_and_flags_layer() {
    let dir = tempfile::tempdir().unwrap();
    let from_env = format!("sqlite://{}/env.db", dir.path().display());
    let from_file = format!("sqlite://{}/file.db", dir.path().display());
    let from_flag = format!("sqlite://{}/flag.db", dir.path().display());
    let config = dir.path().join("porchlight.toml");
    std::fs::write(
        &config,
        format!("database_url = \"{from_file}\"\nbind = \"127.0.0.1:0\"\n"),
    )
    .unwrap();

    // The environment overrides the file.
    let output = porchlight(&from_env)
        .env("PORCHLIGHT_DATABSE_URL", "typo")
        .args(["--config", config.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("PORCHLIGHT_DATABSE_URL"),
        "{}",
        text(&output.stderr)
    );
    assert!(dir.path().join("env.db").exists() && !dir.path().join("file.db").exists());

    // A flag overrides both.
    let output = porchlight(&from_env)
        .args([
            "--config",
            config.to_str().unwrap(),
            "--database-url",
            &from_flag,
            "migrate",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(dir.path().join("flag.db").exists());

    // The file alone.
    let output = porchlight(&from_env)
        .env_remove("PORCHLIGHT_DATABASE_URL")
        .args(["--config", config.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(dir.path().join("file.db").exists());

    let bad_file = dir.path().join("bad.toml");
    std::fs::write(&bad_file, "database_url = [1, 2]\nlisten = 3\n").unwrap();
    let output = porchlight(&from_env)
        .args(["--config", bad_file.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("bad.toml"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn sigterm_shuts_the_server_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/p.db", dir.path().display());
    let mut child = porchlight(&url)
        .env("PORCHLIGHT_BIND", "127.0.0.1:0")
        .arg("serve")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Logs are JSON lines when not on a terminal; the "serving" line carries the address.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut addr = None;
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        let log: serde_json::Value = serde_json::from_str(&line).expect("log lines are JSON");
        if log["fields"]["message"] == "serving" {
            addr = log["fields"]["addr"].as_str().map(str::to_owned);
            break;
        }
        line.clear();
    }
    let addr = addr.expect("the server says where it listens");
    assert_eq!(status_of(&format!("http://{addr}/healthz")), 200);
    // A reset link's token must not reach the logs.
    let token = "LiveResetToken0123456789abcdefghijklmnopq";
    assert_eq!(status_of(&format!("http://{addr}/reset/{token}")), 410);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exited with {status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let rest: Vec<String> = stderr.lines().map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
    // The request was logged as JSON, with its request id.
    let access = rest
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|log| log["span"]["route"] == "/healthz")
        .expect("an access-log line for /healthz");
    assert!(
        rest.iter()
            .any(|l| l.contains(r#""route":"/reset/{token}""#)),
        "the reset is logged by its route: {rest:?}"
    );
    assert!(!rest.iter().any(|l| l.contains(token)), "{rest:?}");
    assert_eq!(
        access["span"]["request_id"].as_str().map(str::len),
        Some(36),
        "{access}"
    );
}

/// A GET from a synchronous test, answering the status code.
fn status_of(url: &str) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async { reqwest::get(url).await.unwrap().status().as_u16() })
}

mod match_command {
    use super::*;

    fn run_match(app: &TestApp, input: &str) -> Vec<serde_json::Value> {
        let mut child = porchlight(app.database_url())
            .arg("match")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", text(&output.stderr));
        text(&output.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON out"))
            .collect()
    }

    each_backend! {
        async fn the_matcher_answers_every_line(app) {
            let (dir, patients) = generated_bundles(1);
            let import = porchlight(app.database_url()).arg("import").arg(dir.path()).output().unwrap();
            assert!(import.status.success());
            let patient = &patients[0];
            let (given, family, birth) = (&patient.given[0], &patient.family, patient.birth_date.to_string());
            let (ssn, mrn) = (&patient.ssn, &patient.mrn);
            // Upper case is what typing looks like.
            let typed_given = given.to_uppercase();
            let typed_family = family.as_str();
            let birth = birth.as_str();
            let lines = [
                json_line(&typed_given, typed_family, birth, &format!(r#","ssn_last4":"{}""#, &ssn[ssn.len() - 4..])),
                json_line(&typed_given, typed_family, birth, &format!(r#","mrn":"{mrn}""#)),
                json_line(&typed_given, typed_family, birth, ""),
                json_line(&typed_given, typed_family, "1900-01-01", &format!(r#","mrn":"{mrn}""#)),
                json_line(&typed_given, typed_family, "01/02/1980", ""),
                "not json".to_owned(),
                json_line(&typed_given, typed_family, birth, r#","org":"elsewhere""#),
                // Two letters of the family name transposed, the SSN digits right.
                json_line(&typed_given, &transposed(typed_family), birth, &format!(r#","ssn_last4":"{}""#, &ssn[ssn.len() - 4..])),
            ];
            let answers = run_match(&app, &(lines.join("\n") + "\n"));
            assert_eq!(answers.len(), lines.len(), "one answer per line");
            assert_eq!(answers[0]["outcome"], "match", "{}", answers[0]);
            assert_eq!(answers[0]["mrn"], mrn.as_str());
            assert!(answers[0]["patient_id"].as_str().is_some_and(|id| id.len() == 36));
            assert!(answers[0]["score"].as_f64().is_some_and(|s| s > 0.5));
            assert_eq!(answers[1]["outcome"], "match");
            assert_eq!(answers[2]["outcome"], "no_match", "a name and birth date alone never match");
            assert_eq!(answers[2]["refused"], "no match: no MRN, SSN digits or ZIP code was given to confirm the chart");
            assert_eq!(answers[3]["outcome"], "no_match");
            for (i, expected) in [(4, "date of birth"), (5, "not a claim"), (6, "no organization 'elsewhere'")] {
                assert_eq!(answers[i]["outcome"], "invalid");
                assert!(answers[i]["error"].as_str().unwrap().contains(expected), "{}", answers[i]);
            }
            assert_eq!(answers[7]["outcome"], "match", "{}", answers[7]);
            assert_eq!(answers[7]["mrn"], mrn.as_str());
        }
    }

    /// The name with its second and third letters exchanged.
    fn transposed(name: &str) -> String {
        let mut chars: Vec<char> = name.chars().collect();
        let at = (1..chars.len().saturating_sub(1))
            .find(|&i| chars[i] != chars[i + 1])
            .unwrap();
        chars.swap(at, at + 1);
        chars.into_iter().collect()
    }

    fn json_line(given: &str, family: &str, birth: &str, extra: &str) -> String {
        format!(r#"{{"given":"{given}","family":"{family}","birth_date":"{birth}"{extra}}}"#)
    }
}

fn org(app: &TestApp, args: &[&str]) -> Output {
    porchlight(app.database_url())
        .arg("org")
        .args(args)
        .output()
        .unwrap()
}

/// `porchlight org add` and `org list`.
mod organizations {
    use super::*;

    each_backend! {
        async fn organizations_are_added_and_listed_from_the_command_line(app) {
            let added = org(&app, &["add", "oak", "--name", "Oak Family Practice", "--phone", "(555) 010-2000", "--time-zone", "America/Chicago"]);
            assert!(added.status.success(), "{}", text(&added.stderr));
            assert!(text(&added.stdout).contains("created organization 'oak' (Oak Family Practice)"), "{}", text(&added.stdout));
            let oak = app.db.organization_by_slug("oak").await.unwrap().expect("stored");
            assert_eq!((oak.name.as_str(), oak.phone.as_deref()), ("Oak Family Practice", Some("(555) 010-2000")));
            assert_eq!(app.db.practice_time_zone(oak.id).await.unwrap().unwrap().name(), "America/Chicago");
            assert_eq!(app.db.count_audit("organization.create").await.unwrap(), 1);

            // Without a zone or a phone: the server's zone applies until an administrator sets one.
            let elm = org(&app, &["add", "elm", "--name", "Elm Clinic"]);
            assert!(elm.status.success(), "{}", text(&elm.stderr));
            let listed = org(&app, &["list"]);
            assert!(listed.status.success(), "{}", text(&listed.stderr));
            let lines: Vec<String> = text(&listed.stdout).lines().map(str::to_owned).collect();
            assert!(lines.contains(&"oak\tOak Family Practice\t(555) 010-2000\tAmerica/Chicago".to_owned()), "{lines:?}");
            assert!(lines.contains(&"elm\tElm Clinic\t-\t-".to_owned()), "{lines:?}");
            let slugs: Vec<&str> = lines.iter().map(|l| l.split('\t').next().unwrap()).collect();
            let mut sorted = slugs.clone();
            sorted.sort_unstable();
            assert_eq!(slugs, sorted, "listed by slug");

            // A second practice is usable at once, whatever ran before.
            let staff = staff_add(&app, &["dana", "--role", "front-desk", "--password-stdin", "--org", "oak"], "a long enough passphrase");
            assert!(staff.status.success(), "{}", text(&staff.stderr));
            assert!(text(&staff.stdout).contains("in organization 'oak'"));

            // Refusals name what to fix and leave nothing behind.
            let taken = org(&app, &["add", "oak", "--name", "Another Oak"]);
            assert!(!taken.status.success());
            assert!(text(&taken.stderr).contains("there is already an organization 'oak'"), "{}", text(&taken.stderr));
            assert_eq!(app.db.organization_by_slug("oak").await.unwrap().unwrap().name, "Oak Family Practice");
            for (slug, words) in [("Oak Street", "lower-case letters"), ("9lives", "a letter first"), ("x", "2 to 40 characters"), ("pine-", "no hyphen at the end")] {
                let refused = org(&app, &["add", slug, "--name", "Some Clinic"]);
                assert!(!refused.status.success(), "{slug}");
                let stderr = text(&refused.stderr);
                assert!(stderr.contains("SLUG:") && stderr.contains(words), "{slug}: {stderr}");
            }
            let zone = org(&app, &["add", "pine", "--name", "Pine Clinic", "--time-zone", "Mars/Olympus"]);
            assert!(!zone.status.success());
            assert!(text(&zone.stderr).contains("--time-zone: \"Mars/Olympus\" is not a time zone we know"), "{}", text(&zone.stderr));
            let name = org(&app, &["add", "pine", "--name", "   "]);
            assert!(!name.status.success());
            assert!(text(&name.stderr).contains("--name:"), "{}", text(&name.stderr));
            assert!(app.db.organization_by_slug("pine").await.unwrap().is_none());
            assert_eq!(app.db.count_audit("organization.create").await.unwrap(), 2);
        }
    }
}
