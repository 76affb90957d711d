//! An SMTP server that refuses every recipient for good (`550` to `RCPT TO`), as a real mail
//! server does for an address it has no mailbox for. maildev accepts everything, so the tests
//! of undeliverable email speak real SMTP to this one instead. One per test process, on
//! threads of its own (each test has its own runtime, which ends with the test); it keeps the
//! recipients it was offered, so that a test can see the conversation took place. Tests tell
//! theirs apart by address, as with maildev.

use std::{
    io::{BufRead, BufReader, Write},
    net::{TcpListener, TcpStream},
    sync::{Arc, Mutex, OnceLock},
};

/// The process's refusing server.
pub struct RefusingSmtp {
    port: u16,
    refused: Arc<Mutex<Vec<String>>>,
}

static SERVER: OnceLock<RefusingSmtp> = OnceLock::new();

/// The process's refusing server, started on first use.
pub fn refusing_smtp() -> &'static RefusingSmtp {
    SERVER.get_or_init(RefusingSmtp::start)
}

impl RefusingSmtp {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free local port");
        let port = listener.local_addr().expect("its address").port();
        let refused = Arc::new(Mutex::new(Vec::new()));
        let seen = refused.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || converse(stream, &seen));
            }
        });
        Self { port, refused }
    }

    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Whether `address` was offered as a recipient and refused (compared without regard to
    /// case).
    pub fn refused(&self, address: &str) -> bool {
        let wanted = format!("<{address}>");
        self.refused
            .lock()
            .expect("not poisoned")
            .iter()
            .any(|to| to.eq_ignore_ascii_case(&wanted))
    }
}

/// One SMTP session: greets, says yes to everything but recipients, which it refuses.
fn converse(stream: TcpStream, refused: &Mutex<Vec<String>>) {
    let Ok(reader) = stream.try_clone() else {
        return;
    };
    let mut writer = stream;
    if writer.write_all(b"220 refusing.test ESMTP\r\n").is_err() {
        return;
    }
    for line in BufReader::new(reader).lines() {
        let Ok(line) = line else { return };
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-refusing.test\r\n250 8BITMIME\r\n",
            "HELO" | "MAIL" | "RSET" | "NOOP" => b"250 2.0.0 OK\r\n",
            "RCPT" => {
                let to = line.split_once(':').map_or("", |(_, to)| to.trim());
                // "TO:<a@b> SIZE=..." keeps only the path.
                let to = to.split_whitespace().next().unwrap_or_default();
                refused.lock().expect("not poisoned").push(to.to_owned());
                b"550 5.1.1 No such mailbox here\r\n"
            }
            "DATA" => b"503 5.5.1 No valid recipients\r\n",
            "QUIT" => {
                let _ = writer.write_all(b"221 2.0.0 Bye\r\n");
                return;
            }
            _ => b"502 5.5.2 Command not recognized\r\n",
        };
        if writer.write_all(reply).is_err() {
            return;
        }
    }
}
