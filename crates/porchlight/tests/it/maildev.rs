//! The SMTP sink: one maildev (from npm, in `node_modules`) per test process, started on first
//! use on free ports, read through its HTTP API. Tests tell their messages apart by recipient
//! address, so each test writes to addresses of its own.

use std::{
    net::TcpListener,
    path::Path,
    process::{Child, ChildStdin, Command, Stdio},
    time::Duration,
};

use tokio::sync::OnceCell;

/// A running maildev.
pub struct Maildev {
    pub smtp_port: u16,
    pub web_port: u16,
    /// The wrapper shell kills maildev when this pipe closes, which the operating system does
    /// when the test process exits, however it exits: statics are never dropped.
    _lifeline: ChildStdin,
    /// The wrapper shell, held so that it is not left unowned; it ends with maildev.
    _wrapper: Child,
}

/// One message as maildev received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub from: String,
    pub json: serde_json::Value,
}

static MAILDEV: OnceCell<Maildev> = OnceCell::const_new();

/// The process's maildev, started on first use.
pub async fn maildev() -> &'static Maildev {
    MAILDEV.get_or_init(Maildev::start).await
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free local port")
        .port()
}

impl Maildev {
    async fn start() -> Self {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/.bin/maildev");
        assert!(
            bin.exists(),
            "maildev, the tests' SMTP sink, is missing: run `npm ci` at the repository root"
        );
        let (smtp_port, web_port) = (free_port(), free_port());
        let mut wrapper = Command::new("sh")
            .arg("-c")
            // maildev in the background; when our end of stdin closes, `read` returns and the
            // wrapper stops it.
            .arg(r#""$0" "$@" & pid=$!; read _; kill "$pid""#)
            .arg(&bin)
            .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1", "--silent"])
            .args([
                "--smtp",
                &smtp_port.to_string(),
                "--web",
                &web_port.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("maildev starts");
        let lifeline = wrapper.stdin.take().expect("the wrapper's stdin");
        let maildev = Self {
            smtp_port,
            web_port,
            _lifeline: lifeline,
            _wrapper: wrapper,
        };
        maildev.wait_until_ready().await;
        maildev
    }

    async fn wait_until_ready(&self) {
        let client = reqwest::Client::new();
        for _ in 0..300 {
            let web = client
                .get(format!("http://127.0.0.1:{}/api/healthz", self.web_port))
                .send()
                .await;
            let smtp = tokio::net::TcpStream::connect(("127.0.0.1", self.smtp_port)).await;
            if web.is_ok_and(|r| r.status().is_success()) && smtp.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("maildev did not answer within 30 seconds");
    }

    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    /// Every message received so far for `to` (compared without regard to case), oldest first.
    pub async fn messages_to(&self, to: &str) -> Vec<ReceivedMail> {
        let all: Vec<serde_json::Value> =
            reqwest::get(format!("http://127.0.0.1:{}/api/email", self.web_port))
                .await
                .expect("maildev's API answers")
                .json()
                .await
                .expect("maildev's API answers JSON");
        all.into_iter()
            .filter(|mail| {
                mail["to"].as_array().is_some_and(|recipients| {
                    recipients.iter().any(|r| {
                        r["address"]
                            .as_str()
                            .is_some_and(|a| a.eq_ignore_ascii_case(to))
                    })
                })
            })
            .map(|json| ReceivedMail {
                subject: json["subject"].as_str().unwrap_or_default().to_owned(),
                text: json["text"].as_str().unwrap_or_default().to_owned(),
                html: json["html"].as_str().unwrap_or_default().to_owned(),
                from: json["from"][0]["address"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                json,
            })
            .collect()
    }

    /// Waits (up to a minute: the machine may be busy) for a message to `to` whose subject
    /// contains `subject`.
    pub async fn wait_for(&self, to: &str, subject: &str) -> ReceivedMail {
        for _ in 0..600 {
            if let Some(mail) = self
                .messages_to(to)
                .await
                .into_iter()
                .find(|mail| mail.subject.contains(subject))
            {
                return mail;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let subjects: Vec<_> = self
            .messages_to(to)
            .await
            .into_iter()
            .map(|m| m.subject)
            .collect();
        panic!("no email to {to} about '{subject}' arrived; received: {subjects:?}");
    }
}
