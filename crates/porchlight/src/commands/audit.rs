//! `porchlight audit verify`: checks the audit log's hash chain.

use std::io::Write;

use crate::{open_database, settings::Settings};

/// Checks the chain and reports on `out`; `Ok(false)` when it is broken.
pub async fn verify(settings: &Settings, out: &mut impl Write) -> anyhow::Result<bool> {
    let db = open_database(settings).await?;
    let check = db.check_audit_chain().await;
    db.close().await;
    let check = check?;
    match (&check.broken, &check.head) {
        (Some(broken), _) => {
            writeln!(
                out,
                "audit log BROKEN at row {}: {} ({} rows read)",
                broken.seq, broken.reason, check.rows
            )?;
            Ok(false)
        }
        (None, Some((seq, hash))) => {
            writeln!(
                out,
                "audit log intact: {} rows; newest row {seq}, hash {hash}",
                check.rows
            )?;
            writeln!(
                out,
                "keep the newest row's hash elsewhere: a later check shows whether rows were \
                 cut from the end"
            )?;
            Ok(true)
        }
        (None, None) => {
            writeln!(out, "audit log intact: no rows yet")?;
            Ok(true)
        }
    }
}
