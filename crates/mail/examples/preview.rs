//! Prints one message as it would be sent, for reading and for pasting into a mail client:
//! `cargo run -p mail --example preview -- invitation es text` (messages: invitation,
//! reminder, welcome, self-welcome (an account made without an invitation), locked, reset,
//! changed; languages: en, es; formats: text, html).

use mail::{
    InvitationMail, Language, LockedMail, Message, PasswordChangedMail, PasswordResetMail,
    Practice, ReadyList, WelcomeMail, render,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg =
        |n: usize, default: &'static str| args.get(n).map_or(default, String::as_str).to_owned();
    let practice = Practice {
        name: "Maple Street Clinic".to_owned(),
        phone: Some("(555) 010-4477".to_owned()),
    };
    let invitation = InvitationMail {
        first_name: "Lucia".to_owned(),
        practice: practice.clone(),
        link: "https://portal.example.org/enroll/EXAMPLE-TOKEN".to_owned(),
        expires_on: jiff::civil::date(2026, 3, 20),
        ready: ReadyList {
            record_number: true,
            ssn_last4: false,
        },
    };
    let message = match arg(0, "invitation").as_str() {
        "reminder" => Message::InvitationReminder(invitation),
        "welcome" => Message::Welcome(WelcomeMail {
            first_name: "Lucia".to_owned(),
            practice,
            portal_url: "https://portal.example.org/".to_owned(),
            not_me_link: None,
        }),
        "self-welcome" => Message::Welcome(WelcomeMail {
            first_name: "Lucia".to_owned(),
            practice,
            portal_url: "https://portal.example.org/".to_owned(),
            not_me_link: Some("https://portal.example.org/not-me/EXAMPLE-TOKEN".to_owned()),
        }),
        "locked" => Message::InvitationLocked(LockedMail {
            first_name: "Lucia".to_owned(),
            practice,
        }),
        "reset" => Message::PasswordReset(PasswordResetMail {
            first_name: "Lucia".to_owned(),
            practice,
            username: "lucia.r".to_owned(),
            link: "https://portal.example.org/reset/EXAMPLE-TOKEN".to_owned(),
            valid_minutes: 30,
        }),
        "changed" => Message::PasswordChanged(PasswordChangedMail {
            first_name: "Lucia".to_owned(),
            practice,
        }),
        _ => Message::Invitation(invitation),
    };
    let rendered = render(&message, Language::for_tag(Some(&arg(1, "en")))).expect("renders");
    println!("Subject: {}\n", rendered.subject);
    match arg(2, "text").as_str() {
        "html" => println!("{}", rendered.html),
        _ => println!("{}", rendered.text),
    }
}
