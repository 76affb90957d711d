//! `porchlight audit verify [--expect-head SEQ:MAC]`: checks the audit log's keyed chain.

use std::io::Write;

use storage::{AuditKey, ExpectedHead};

use crate::{open_database, settings::Settings};

/// Checks the chain (and, given `expected`, that the head recorded then is still there) and
/// reports on `out`; `Ok(false)` when it is broken.
pub async fn verify(
    settings: &Settings,
    expected: Option<&ExpectedHead>,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let db = open_database(settings).await?;
    let key = AuditKey::derive(&settings.secret_key);
    let check = db.check_audit_chain(&key, expected).await;
    let unsealed = db.unsealed_audit().await;
    db.close().await;
    let check = check?;
    let unsealed = unsealed?;
    if let Some(broken) = &check.broken {
        writeln!(
            out,
            "audit log BROKEN at row {}: {} ({} rows read)",
            broken.seq, broken.reason, check.rows
        )?;
        return Ok(false);
    }
    match &check.head {
        Some(head) => {
            writeln!(
                out,
                "audit log intact: {} rows; head {head} (row {}, MAC {})",
                check.rows, head.seq, head.mac
            )?;
            if let Some(expected) = expected {
                writeln!(
                    out,
                    "the head recorded earlier (row {}) is still in place",
                    expected.seq()
                )?;
            }
            writeln!(
                out,
                "keep the head elsewhere and pass it later as --expect-head {head}: that check \
                 shows whether rows were cut from the end"
            )?;
        }
        None => writeln!(out, "audit log intact: no rows yet")?,
    }
    if let Some(oldest) = unsealed.oldest {
        let age = jiff::Timestamp::now().duration_since(oldest);
        writeln!(
            out,
            "{} rows wait to be sealed (the oldest for {} s): a running server seals them \
             within a second; they are not yet covered by the chain",
            unsealed.rows,
            age.as_secs().max(0)
        )?;
    } else {
        writeln!(out, "no rows wait to be sealed")?;
    }
    Ok(true)
}
