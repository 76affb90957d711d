//! The append-only audit log. Rows are numbered without gaps, and each carries a MAC (HMAC-SHA256
//! under a key kept outside the database) over its number, its content and the previous row's
//! MAC, so that an edited, inserted or deleted row breaks the chain, even for someone who can
//! write to the database. Rows cut from the end are caught against a head recorded elsewhere.

use domain::{OrganizationId, PatientId, SecretKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{
    Database, ReadTx, Tx,
    audit_pending::{CHAIN_LOCK, PendingRow},
    database::{Handle, dispatch},
};

/// Who did something.
#[derive(Debug, Clone)]
pub enum AuditActor {
    /// The system itself: an import, a job, a command-line tool.
    System(String),
    Staff(domain::StaffId),
    Patient(PatientId),
}

impl AuditActor {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            AuditActor::System(_) => "system",
            AuditActor::Staff(_) => "staff",
            AuditActor::Patient(_) => "patient",
        }
    }

    pub(crate) fn id(&self) -> String {
        match self {
            AuditActor::System(name) => name.clone(),
            AuditActor::Staff(id) => id.to_string(),
            AuditActor::Patient(id) => id.to_string(),
        }
    }
}

/// One thing that happened to patient data.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub organization: Option<OrganizationId>,
    pub actor: AuditActor,
    /// What was done, e.g. `import.bundle`, `patient.read`.
    pub action: String,
    pub patient: Option<PatientId>,
    /// What was touched, e.g. `Observation` or a page name.
    pub subject: Option<String>,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    /// Free text without PHI: ids and counts only.
    pub detail: Option<String>,
}

pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How a row is chained, as stored in `chain_version`.
/// Rows written before migration 0028: a SHA-256 anyone could recompute.
const UNKEYED: i16 = 0;
/// An HMAC-SHA256 under the [`AuditKey`], over the row's number, content and the previous
/// row's MAC.
pub(crate) const KEYED: i16 = 1;

/// The key the audit chain is sealed under. It is derived from the server's secret key and
/// never stored in the database: whoever can write to the database can still edit, insert or
/// delete rows, but cannot compute the MACs that would hide it.
#[derive(Clone)]
pub struct AuditKey(std::sync::Arc<[u8; 32]>);

impl AuditKey {
    /// The derivation label: a key of its own, apart from the server key's other uses.
    const PURPOSE: &'static str = "audit-chain";

    pub fn derive(secret: &SecretKey) -> Self {
        let bytes =
            hex::decode(secret.keyed_hash(Self::PURPOSE, "v1")).expect("keyed_hash answers hex");
        let key: [u8; 32] = bytes.try_into().expect("an HMAC-SHA256 is 32 bytes");
        Self(std::sync::Arc::new(key))
    }

    /// The MAC of row `seq` with `fields`, chained to the previous row's `prev_mac` (or
    /// hash, for the first keyed row after unkeyed ones; [`GENESIS`] for the first row). A
    /// pure function: the writer and the checker (and a later sealer) compute it the same way.
    /// The row's number is covered, so that renumbered rows do not pass for a gapless log.
    pub(crate) fn chain_mac(&self, seq: i64, prev_mac: &str, fields: &HashedFields) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.0.as_slice())
            .expect("HMAC accepts keys of any length");
        let seq = seq.to_string();
        for field in [seq.as_str(), prev_mac]
            .into_iter()
            .chain(fields.in_order())
        {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field.as_bytes());
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey([redacted])")
    }
}

/// The newest row of the chain: published (in the log and the metrics) and kept elsewhere,
/// it shows later whether rows were cut from the end (`audit verify --expect-head`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: i64,
    /// The row's MAC (its SHA-256 for a row written before the chain was keyed).
    pub mac: String,
}

impl std::fmt::Display for AuditHead {
    /// `SEQ:MAC`, the form `audit verify --expect-head` reads.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.mac)
    }
}

/// A head recorded earlier, that the chain must still hold: `SEQ:MAC`, where MAC may be cut
/// to its first 12 or more hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedHead {
    seq: i64,
    mac_prefix: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpectedHeadError {
    #[error("expected SEQ:MAC, as `audit verify` prints the head (got '{0}')")]
    Shape(String),
    #[error("the row number must be a whole number from 1 up (got '{0}')")]
    Seq(String),
    #[error("the MAC must be 12 to 64 hex digits (got '{0}')")]
    Mac(String),
}

impl ExpectedHead {
    /// The fewest hex digits of a MAC accepted: 48 bits, too many to guess.
    pub const MIN_DIGITS: usize = 12;

    pub fn parse(text: &str) -> Result<Self, ExpectedHeadError> {
        let text = text.trim();
        let (seq, mac) = text
            .split_once(':')
            .ok_or_else(|| ExpectedHeadError::Shape(text.to_owned()))?;
        let seq = seq
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| ExpectedHeadError::Seq(seq.to_owned()))?;
        let mac = mac.trim().to_ascii_lowercase();
        if !(Self::MIN_DIGITS..=64).contains(&mac.len())
            || !mac.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(ExpectedHeadError::Mac(mac));
        }
        Ok(Self {
            seq,
            mac_prefix: mac,
        })
    }

    pub fn seq(&self) -> i64 {
        self.seq
    }

    fn matches(&self, mac: &str) -> bool {
        mac.starts_with(&self.mac_prefix)
    }
}

impl Tx {
    /// Records `entry` as part of this use case, taking no lock and reading nothing back: the
    /// row is inserted with the writes, committed together or not at all, and waits in
    /// `audit_pending` until [`Database::seal_audit`] chains it.
    pub async fn append_audit(&mut self, entry: &AuditEntry) -> anyhow::Result<()> {
        self.insert_pending_audit(std::slice::from_ref(&PendingRow::now(entry)))
            .await
    }
}

impl ReadTx {
    /// Records that this read happened: the row is written when the read commits.
    pub async fn append_audit(&mut self, entry: &AuditEntry) -> anyhow::Result<()> {
        self.rows.push(PendingRow::now(entry));
        Ok(())
    }
}

/// What a row's hash covers, as text, the same whether the row is being written or checked.
pub(crate) struct HashedFields {
    at: String,
    organization: String,
    actor_kind: String,
    actor_id: String,
    action: String,
    patient: String,
    subject: String,
    client_addr: String,
    request_id: String,
    detail: String,
}

impl HashedFields {
    #[cfg(test)]
    fn of(at: &jiff::Timestamp, entry: &AuditEntry) -> Self {
        Self {
            at: at.to_string(),
            organization: entry
                .organization
                .map(|o| o.to_string())
                .unwrap_or_default(),
            actor_kind: entry.actor.kind().to_owned(),
            actor_id: entry.actor.id(),
            action: entry.action.clone(),
            patient: entry.patient.map(|p| p.to_string()).unwrap_or_default(),
            subject: entry.subject.clone().unwrap_or_default(),
            client_addr: entry.client_addr.clone().unwrap_or_default(),
            request_id: entry.request_id.clone().unwrap_or_default(),
            detail: entry.detail.clone().unwrap_or_default(),
        }
    }

    pub(crate) fn stored(row: &AuditContent) -> Self {
        Self {
            at: row.at.to_jiff().to_string(),
            organization: row
                .organization_id
                .map(|o| OrganizationId::from_uuid(o).to_string())
                .unwrap_or_default(),
            actor_kind: row.actor_kind.clone(),
            actor_id: row.actor_id.clone().unwrap_or_default(),
            action: row.action.clone(),
            patient: row
                .patient_id
                .map(|p| PatientId::from_uuid(p).to_string())
                .unwrap_or_default(),
            subject: row.subject.clone().unwrap_or_default(),
            client_addr: row.client_addr.clone().unwrap_or_default(),
            request_id: row.request_id.clone().unwrap_or_default(),
            detail: row.detail.clone().unwrap_or_default(),
        }
    }

    fn in_order(&self) -> [&str; 10] {
        [
            &self.at,
            &self.organization,
            &self.actor_kind,
            &self.actor_id,
            &self.action,
            &self.patient,
            &self.subject,
            &self.client_addr,
            &self.request_id,
            &self.detail,
        ]
    }

    /// The unkeyed chain of rows written before migration 0028: SHA-256 over the previous
    /// row's hash and each field, each prefixed by its length so that no two different rows
    /// hash the same text. Checked, never written any more.
    fn unkeyed_hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        for field in std::iter::once(prev_hash).chain(self.in_order()) {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
        hex::encode(hasher.finalize())
    }
}

/// What an audit row says, as stored: what its MAC covers.
#[derive(FromRow)]
pub(crate) struct AuditContent {
    pub(crate) at: jiff_sqlx::Timestamp,
    pub(crate) organization_id: Option<Uuid>,
    pub(crate) actor_kind: String,
    pub(crate) actor_id: Option<String>,
    pub(crate) action: String,
    pub(crate) patient_id: Option<Uuid>,
    pub(crate) subject: Option<String>,
    pub(crate) client_addr: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) detail: Option<String>,
}

/// A sealed row of the chain.
#[derive(FromRow)]
struct AuditRow {
    seq: i64,
    #[sqlx(flatten)]
    content: AuditContent,
    prev_hash: String,
    row_hash: String,
    chain_version: i16,
}

/// What checking the audit chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheck {
    /// Rows read, up to the first break or to the end.
    pub rows: u64,
    /// The newest row when the chain is whole: kept elsewhere, it shows later whether rows
    /// were cut from the end, which a chain alone cannot.
    pub head: Option<AuditHead>,
    pub broken: Option<AuditBreak>,
}

/// The first row at which the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditBreak {
    pub seq: i64,
    pub reason: BreakReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakReason {
    /// The row's content does not give its MAC: it was edited (or the key is not the
    /// portal's).
    Edited,
    /// The row does not name the row before it: rows were removed or inserted between.
    Unlinked,
    /// Numbers are missing before the row: rows `from..=to` were removed.
    Missing { from: i64, to: i64 },
    /// An unkeyed row whose old hash holds: the portal keyed every such row when the chain
    /// was keyed (migration 0028) and writes none since, so it was rewritten by someone
    /// without the key.
    Unkeyed,
    /// The row does not hold the MAC recorded for it as a head earlier: the log was
    /// rewritten from here.
    NotTheRecordedHead,
    /// The log ends before the head recorded earlier: rows after `newest` were cut from
    /// the end (0: every row).
    Cut { newest: i64 },
    /// A `chain_version` this version of Porchlight does not write.
    UnknownVersion(i16),
}

impl std::fmt::Display for BreakReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BreakReason::Edited => f.write_str(
                "its content does not match its MAC (the row was changed, or the secret key \
                 is not the portal's)",
            ),
            BreakReason::Unlinked => {
                f.write_str("it does not follow the row before it (rows were removed or inserted)")
            }
            BreakReason::Missing { from, to } if from == to => {
                write!(f, "row {from} before it is missing (rows were removed)")
            }
            BreakReason::Missing { from, to } => {
                write!(
                    f,
                    "rows {from} to {to} before it are missing (rows were removed)"
                )
            }
            BreakReason::Unkeyed => {
                f.write_str("it carries no MAC (the row was rewritten by someone without the key)")
            }
            BreakReason::NotTheRecordedHead => f.write_str(
                "it is not the row recorded as the head earlier (the log was rewritten from \
                 here)",
            ),
            BreakReason::Cut { newest: 0 } => f.write_str(
                "it was recorded as the head earlier, but the log is empty (every row was \
                 cut)",
            ),
            BreakReason::Cut { newest } => write!(
                f,
                "it was recorded as the head earlier, but the log ends at row {newest} (rows \
                 were cut from the end)"
            ),
            BreakReason::UnknownVersion(version) => write!(
                f,
                "its chain version {version} is not one Porchlight writes (the row was changed)"
            ),
        }
    }
}

/// One row of the log, as a reader asking "what was recorded since?" needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditedAction {
    /// The entry's number, in the order entries were inserted (not the chain's `seq`, given
    /// when the entry is sealed).
    pub entry: i64,
    /// `system`, `staff` or `patient`.
    pub actor_kind: String,
    pub action: String,
    pub patient: Option<PatientId>,
}

/// Rows read per query while checking the chain.
const CHECK_PAGE: i64 = 2_000;

impl Database {
    /// The newest entry's number, sealed or not, 0 when there is none: what is appended later
    /// is read with [`Database::audit_since`]. Entry numbers are never reused.
    pub async fn audit_head(&self) -> anyhow::Result<i64> {
        let (sealed, waiting): (Option<i64>, Option<i64>) = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT (SELECT MAX(entry_id) FROM audit_log), (SELECT MAX(id) FROM audit_pending)",
            )
            .fetch_one(pool)
            .await?
        });
        Ok(sealed.max(waiting).unwrap_or(0))
    }

    /// The entries appended after `entry`, sealed or not, oldest first (for tests that check
    /// what a request recorded: it scans the sealed rows without an index).
    pub async fn audit_since(&self, entry: i64) -> anyhow::Result<Vec<AuditedAction>> {
        let rows: Vec<(i64, String, String, Option<Uuid>)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as(
                "SELECT entry_id, actor_kind, action, patient_id FROM audit_log \
                 WHERE entry_id > $1 \
                 UNION ALL SELECT id, actor_kind, action, patient_id FROM audit_pending \
                 WHERE id > $1 ORDER BY 1",
            )
            .bind(entry)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(entry, actor_kind, action, patient)| AuditedAction {
                entry,
                actor_kind,
                action,
                patient: patient.map(PatientId::from_uuid),
            })
            .collect())
    }

    /// The newest row of the chain, if any: what the worker publishes.
    pub async fn audit_chain_head(&self) -> anyhow::Result<Option<AuditHead>> {
        let row: Option<(i64, String)> = dispatch!(&self.handle, |pool| {
            sqlx::query_as("SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(seq, mac)| AuditHead { seq, mac }))
    }

    /// Reads the whole audit log in order and checks each row: its number follows the one
    /// before, it links to the row before, and its MAC under `key` matches its content. With
    /// `expected`, a head recorded earlier, the log must still hold that row unchanged.
    /// Stops at the first break.
    pub async fn check_audit_chain(
        &self,
        key: &AuditKey,
        expected: Option<&ExpectedHead>,
    ) -> anyhow::Result<AuditCheck> {
        let mut check = AuditCheck {
            rows: 0,
            head: None,
            broken: None,
        };
        let mut prev_hash = GENESIS.to_owned();
        let mut prev_seq: Option<i64> = None;
        // The first row without a MAC whose old hash holds: a break, unless an older break
        // in the old chain comes after it.
        let mut first_unkeyed: Option<i64> = None;
        let mut after = i64::MIN;
        let broken = 'rows: loop {
            let rows: Vec<AuditRow> = dispatch!(&self.handle, |pool| {
                sqlx::query_as(
                    "SELECT seq, at, organization_id, actor_kind, actor_id, action, patient_id, \
                     subject, client_addr, request_id, detail, prev_hash, row_hash, chain_version \
                     FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after)
                .bind(CHECK_PAGE)
                .fetch_all(pool)
                .await?
            });
            let Some(last) = rows.last() else {
                break 'rows None;
            };
            after = last.seq;
            for row in &rows {
                check.rows += 1;
                if let Some(first) = first_unkeyed
                    && row.chain_version != UNKEYED
                {
                    break 'rows Some(AuditBreak {
                        seq: first,
                        reason: BreakReason::Unkeyed,
                    });
                }
                if let Some(reason) = row_break(key, row, prev_seq, &prev_hash) {
                    break 'rows Some(AuditBreak {
                        seq: row.seq,
                        reason,
                    });
                }
                if let Some(expected) = expected
                    && expected.seq == row.seq
                    && !expected.matches(&row.row_hash)
                {
                    break 'rows Some(AuditBreak {
                        seq: row.seq,
                        reason: BreakReason::NotTheRecordedHead,
                    });
                }
                if row.chain_version == UNKEYED {
                    first_unkeyed.get_or_insert(row.seq);
                }
                prev_hash.clone_from(&row.row_hash);
                prev_seq = Some(row.seq);
            }
        };
        let broken = broken.or_else(|| {
            first_unkeyed.map(|seq| AuditBreak {
                seq,
                reason: BreakReason::Unkeyed,
            })
        });
        let newest = prev_seq.unwrap_or(0);
        check.broken = broken.or_else(|| {
            // A head recorded past the end: the rows after the end were cut.
            expected.filter(|e| e.seq > newest).map(|e| AuditBreak {
                seq: e.seq,
                reason: BreakReason::Cut { newest },
            })
        });
        if check.broken.is_none() {
            check.head = prev_seq.map(|seq| AuditHead {
                seq,
                mac: prev_hash,
            });
        }
        Ok(check)
    }
}

/// Why `row` breaks the chain after the row numbered `prev_seq` with `prev_hash`, if it does.
fn row_break(
    key: &AuditKey,
    row: &AuditRow,
    prev_seq: Option<i64>,
    prev_hash: &str,
) -> Option<BreakReason> {
    let fields = HashedFields::stored(&row.content);
    match row.chain_version {
        KEYED => {
            let expected_seq = prev_seq.map_or(1, |seq| seq + 1);
            if row.seq > expected_seq {
                Some(BreakReason::Missing {
                    from: expected_seq,
                    to: row.seq - 1,
                })
            } else if row.prev_hash != prev_hash {
                Some(BreakReason::Unlinked)
            } else if key.chain_mac(row.seq, &row.prev_hash, &fields) != row.row_hash {
                Some(BreakReason::Edited)
            } else {
                None
            }
        }
        // Rows written before the chain was keyed were keyed when migration 0028 ran, unless
        // their old hashes did not hold then: name what broke them (the caller reports an
        // unkeyed row whose old hash holds: it was rewritten without the key since).
        UNKEYED if row.prev_hash != prev_hash => Some(BreakReason::Unlinked),
        UNKEYED if fields.unkeyed_hash(&row.prev_hash) != row.row_hash => Some(BreakReason::Edited),
        UNKEYED => None,
        other => Some(BreakReason::UnknownVersion(other)),
    }
}

impl Database {
    /// Whether migration 0028, which keys the audit chain, had run before (false for a new
    /// database, whose migrations table does not exist yet).
    pub(crate) async fn audit_chain_keyed(&self) -> bool {
        let applied: Result<(i64,), sqlx::Error> = dispatch!(&self.handle, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations WHERE version = 28")
                .fetch_one(pool)
                .await
        });
        matches!(applied, Ok((n,)) if n > 0)
    }

    /// Keys the rows written before the chain was keyed, once, as migration 0028 runs: if
    /// their old SHA-256 chain holds, each is renumbered without gaps (PostgreSQL's sequence
    /// skipped numbers on rollback) and sealed under the audit key; if it does not, they are
    /// left as they are, so that `audit verify` names the broken row.
    pub(crate) async fn key_earlier_audit_rows(&self) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        if let Handle::Postgres(tx) = &mut tx.handle {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(CHAIN_LOCK)
                .execute(&mut **tx)
                .await?;
        }
        let mut prev_hash = GENESIS.to_owned();
        let mut after = i64::MIN;
        let mut rows = 0u64;
        loop {
            let page = tx.unkeyed_audit_rows(after).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for row in &page {
                if row.prev_hash != prev_hash
                    || HashedFields::stored(&row.content).unkeyed_hash(&row.prev_hash)
                        != row.row_hash
                {
                    tracing::error!(
                        seq = row.seq,
                        "the audit log was broken before its chain could be keyed; \
                         `porchlight audit verify` names the row"
                    );
                    return Ok(());
                }
                prev_hash.clone_from(&row.row_hash);
                rows += 1;
            }
        }
        if rows == 0 {
            return Ok(());
        }
        let key = tx.audit_key.clone().ok_or_else(|| {
            anyhow::anyhow!(
                "the audit log's earlier rows must be keyed under the secret key; this \
                 connection has none"
            )
        })?;
        // Renumbering downwards in order never meets a number still in use.
        let mut prev_mac = GENESIS.to_owned();
        let mut seq = 0;
        loop {
            let page = tx.unkeyed_audit_rows(i64::MIN).await?;
            if page.is_empty() {
                break;
            }
            for row in &page {
                seq += 1;
                let mac = key.chain_mac(seq, &prev_mac, &HashedFields::stored(&row.content));
                dispatch!(&mut tx.handle, |tx| {
                    sqlx::query(
                        "UPDATE audit_log SET seq = $1, prev_hash = $2, row_hash = $3, \
                         chain_version = $4 WHERE seq = $5 AND chain_version = $6",
                    )
                    .bind(seq)
                    .bind(&prev_mac)
                    .bind(&mac)
                    .bind(KEYED)
                    .bind(row.seq)
                    .bind(UNKEYED)
                    .execute(&mut **tx)
                    .await?;
                });
                prev_mac = mac;
            }
        }
        tx.commit().await?;
        tracing::info!(
            rows,
            "keyed the audit rows written before the chain was keyed"
        );
        Ok(())
    }
}

impl Tx {
    /// A page of unkeyed audit rows after `after`, in order.
    async fn unkeyed_audit_rows(&mut self, after: i64) -> anyhow::Result<Vec<AuditRow>> {
        Ok(dispatch!(&mut self.handle, |tx| {
            sqlx::query_as(
                "SELECT seq, at, organization_id, actor_kind, actor_id, action, patient_id, \
                 subject, client_addr, request_id, detail, prev_hash, row_hash, chain_version \
                 FROM audit_log WHERE chain_version = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            )
            .bind(UNKEYED)
            .bind(after)
            .bind(CHECK_PAGE)
            .fetch_all(&mut **tx)
            .await?
        }))
    }
}

#[cfg(test)]
mod tests {
    //! The chain against someone who can write to the database but has not the key, on both
    //! backends (PostgreSQL when `PORCHLIGHT_TEST_POSTGRES_URL` is set).

    use super::*;
    use crate::testing::Scratch;

    fn key() -> AuditKey {
        Scratch::audit_key()
    }

    fn entry(n: usize) -> AuditEntry {
        AuditEntry {
            organization: None,
            actor: AuditActor::System("test".to_owned()),
            action: "test.action".to_owned(),
            patient: Some(PatientId::new()),
            subject: Some("Observation".to_owned()),
            client_addr: Some("192.0.2.7".to_owned()),
            request_id: None,
            detail: Some(format!("row {n}")),
        }
    }

    /// Appends `count` rows and seals them.
    async fn append(db: &Database, count: usize) {
        for n in 0..count {
            let mut tx = db.begin().await.unwrap();
            tx.append_audit(&entry(n)).await.unwrap();
            tx.commit().await.unwrap();
        }
        db.seal_all_audit().await.unwrap();
    }

    /// Someone with write access gets past the append-only triggers.
    async fn unguard(db: &Database) {
        let sql = match db.backend() {
            crate::Backend::Sqlite => {
                "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
            }
            crate::Backend::Postgres => {
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;"
            }
        };
        db.execute_admin(sql).await.unwrap();
    }

    async fn all_rows(db: &Database) -> Vec<AuditRow> {
        dispatch!(&db.handle, |pool| {
            sqlx::query_as(
                "SELECT seq, at, organization_id, actor_kind, actor_id, action, patient_id, \
                 subject, client_addr, request_id, detail, prev_hash, row_hash, chain_version \
                 FROM audit_log ORDER BY seq",
            )
            .fetch_all(pool)
            .await
            .unwrap()
        })
    }

    /// The attack of issue 12: with rows edited and removed, every row is renumbered and its
    /// chain recomputed, by `rechain` (previous hash, number, row → new hash and version).
    async fn rewrite_chain(db: &Database, rechain: impl Fn(&str, i64, &AuditRow) -> (String, i16)) {
        let mut prev = GENESIS.to_owned();
        for (n, row) in all_rows(db).await.iter().enumerate() {
            let seq = n as i64 + 1;
            let (hash, version) = rechain(&prev, seq, row);
            dispatch!(&db.handle, |pool| {
                sqlx::query(
                    "UPDATE audit_log SET seq = $1, prev_hash = $2, row_hash = $3, \
                     chain_version = $4 WHERE seq = $5",
                )
                .bind(seq)
                .bind(&prev)
                .bind(&hash)
                .bind(version)
                .bind(row.seq)
                .execute(pool)
                .await
                .unwrap();
            });
            prev = hash;
        }
    }

    async fn check(db: &Database, expected: Option<&str>) -> AuditCheck {
        let expected = expected.map(|e| ExpectedHead::parse(e).unwrap());
        db.check_audit_chain(&key(), expected.as_ref())
            .await
            .unwrap()
    }

    async fn each_backend<F: AsyncFn(&Database)>(test: F) {
        for backend in [crate::Backend::Sqlite, crate::Backend::Postgres] {
            if backend == crate::Backend::Postgres
                && std::env::var("PORCHLIGHT_TEST_POSTGRES_URL").is_err()
            {
                eprintln!("PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set");
                continue;
            }
            let scratch = Scratch::migrated(backend).await;
            test(&scratch.db).await;
            scratch.finish().await;
        }
    }

    #[tokio::test]
    async fn an_intact_chain_passes_and_names_its_head() {
        each_backend(async |db: &Database| {
            append(db, 5).await;
            let intact = check(db, None).await;
            assert_eq!(intact.rows, 5);
            assert_eq!(intact.broken, None);
            let head = intact.head.clone().unwrap();
            assert_eq!(head.seq, 5);
            assert_eq!(db.audit_chain_head().await.unwrap(), Some(head.clone()));
            // The head recorded now still holds after more rows, whole or cut to 12 digits.
            append(db, 2).await;
            let later = check(db, Some(&head.to_string())).await;
            assert_eq!((later.rows, later.broken), (7, None));
            let short = format!("{}:{}", head.seq, &head.mac[..12]);
            assert_eq!(check(db, Some(&short)).await.broken, None);
            // Another key does not verify it: the MACs are keyed.
            let other = AuditKey::derive(&SecretKey::parse(&"x".repeat(40)).unwrap());
            let foreign = db.check_audit_chain(&other, None).await.unwrap();
            assert_eq!(
                foreign.broken,
                Some(AuditBreak {
                    seq: 1,
                    reason: BreakReason::Edited
                })
            );
        })
        .await;
    }

    #[tokio::test]
    async fn rows_edited_and_removed_then_rehashed_without_the_key_are_caught() {
        each_backend(async |db: &Database| {
            append(db, 6).await;
            let head = check(db, None).await.head.unwrap();
            unguard(db).await;
            db.execute_admin("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 2")
                .await
                .unwrap();
            db.execute_admin("DELETE FROM audit_log WHERE seq = 4")
                .await
                .unwrap();
            // Recomputed as the unkeyed chain was: every row passes its old hash...
            rewrite_chain(db, |prev, _, row| {
                (
                    HashedFields::stored(&row.content).unkeyed_hash(prev),
                    UNKEYED,
                )
            })
            .await;
            let unkeyed = check(db, None).await;
            assert_eq!(unkeyed.broken.map(|b| b.reason), Some(BreakReason::Unkeyed));
            assert_eq!(unkeyed.head, None);
            // ...or sealed under a key of the attacker's: no MAC holds.
            let guess = AuditKey::derive(&SecretKey::parse(&"g".repeat(40)).unwrap());
            rewrite_chain(db, |prev, seq, row| {
                (
                    guess.chain_mac(seq, prev, &HashedFields::stored(&row.content)),
                    KEYED,
                )
            })
            .await;
            let guessed = check(db, None).await;
            assert_eq!(
                guessed.broken,
                Some(AuditBreak {
                    seq: 1,
                    reason: BreakReason::Edited
                })
            );
            // And the head recorded before no longer holds either.
            let against_head = check(db, Some(&head.to_string())).await;
            assert!(against_head.broken.is_some());
        })
        .await;
    }

    #[tokio::test]
    async fn a_removed_middle_row_is_a_gap_and_an_edited_row_is_named() {
        each_backend(async |db: &Database| {
            append(db, 6).await;
            unguard(db).await;
            db.execute_admin("UPDATE audit_log SET client_addr = '198.51.100.1' WHERE seq = 5")
                .await
                .unwrap();
            assert_eq!(
                check(db, None).await.broken,
                Some(AuditBreak {
                    seq: 5,
                    reason: BreakReason::Edited
                })
            );
            db.execute_admin("DELETE FROM audit_log WHERE seq = 3")
                .await
                .unwrap();
            let gap = check(db, None).await;
            assert_eq!(
                gap.broken,
                Some(AuditBreak {
                    seq: 4,
                    reason: BreakReason::Missing { from: 3, to: 3 }
                })
            );
            assert_eq!(
                gap.broken.unwrap().reason.to_string(),
                "row 3 before it is missing (rows were removed)"
            );
            assert_eq!(gap.rows, 3, "rows read up to the break");
        })
        .await;
    }

    #[tokio::test]
    async fn rows_cut_from_the_end_are_caught_against_the_recorded_head() {
        each_backend(async |db: &Database| {
            append(db, 6).await;
            let head = check(db, None).await.head.unwrap();
            let wrong = format!("6:{}", "0".repeat(64));
            assert_eq!(
                check(db, Some(&wrong)).await.broken,
                Some(AuditBreak {
                    seq: 6,
                    reason: BreakReason::NotTheRecordedHead
                })
            );
            unguard(db).await;
            db.execute_admin("DELETE FROM audit_log WHERE seq > 4")
                .await
                .unwrap();
            // The chain alone cannot tell...
            let alone = check(db, None).await;
            assert_eq!((alone.rows, alone.broken), (4, None));
            // ...the head recorded earlier does.
            assert_eq!(
                check(db, Some(&head.to_string())).await.broken,
                Some(AuditBreak {
                    seq: 6,
                    reason: BreakReason::Cut { newest: 4 }
                })
            );
            // Rows appended by the portal since do not hide the cut: row 6 is not the same.
            append(db, 3).await;
            assert_eq!(
                check(db, Some(&head.to_string())).await.broken,
                Some(AuditBreak {
                    seq: 6,
                    reason: BreakReason::NotTheRecordedHead
                })
            );
        })
        .await;
    }

    /// Rows written before migration 0028, as the unkeyed chain wrote them (PostgreSQL's
    /// sequence skipped numbers).
    async fn write_unkeyed(db: &Database, numbers: &[i64]) {
        let mut prev = GENESIS.to_owned();
        for (n, seq) in numbers.iter().enumerate() {
            let at = jiff::Timestamp::now()
                .round(jiff::Unit::Microsecond)
                .unwrap();
            let entry = entry(n);
            let hash = HashedFields::of(&at, &entry).unkeyed_hash(&prev);
            dispatch!(&db.handle, |pool| {
                sqlx::query(
                    "INSERT INTO audit_log (seq, at, actor_kind, actor_id, action, patient_id, \
                     subject, client_addr, detail, prev_hash, row_hash, chain_version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0)",
                )
                .bind(seq)
                .bind(jiff_sqlx::ToSqlx::to_sqlx(at))
                .bind(entry.actor.kind())
                .bind(entry.actor.id())
                .bind(&entry.action)
                .bind(entry.patient.map(|p| p.as_uuid()))
                .bind(&entry.subject)
                .bind(&entry.client_addr)
                .bind(&entry.detail)
                .bind(&prev)
                .bind(&hash)
                .execute(pool)
                .await
                .unwrap();
            });
            prev = hash;
        }
    }

    #[tokio::test]
    async fn rows_from_before_the_key_are_keyed_once_if_their_old_chain_holds() {
        each_backend(async |db: &Database| {
            write_unkeyed(db, &[1, 2, 4, 5, 9]).await;
            db.key_earlier_audit_rows().await.unwrap();
            let keyed = check(db, None).await;
            assert_eq!((keyed.rows, keyed.broken.clone()), (5, None));
            assert_eq!(keyed.head.unwrap().seq, 5, "renumbered without gaps");
            let details: Vec<_> = all_rows(db)
                .await
                .into_iter()
                .map(|r| r.content.detail)
                .collect();
            let expected: Vec<_> = (0..5).map(|n| Some(format!("row {n}"))).collect();
            assert_eq!(details, expected, "content and order unchanged");
            append(db, 1).await;
            assert_eq!(check(db, None).await.broken, None);
            // An edited row that is neither the keying's update nor a new row is refused.
            let refused = db
                .execute_admin("UPDATE audit_log SET detail = 'x' WHERE seq = 2")
                .await;
            assert!(refused.is_err());
        })
        .await;
    }

    #[tokio::test]
    async fn rows_from_before_the_key_with_a_broken_chain_are_left_for_verify_to_name() {
        each_backend(async |db: &Database| {
            write_unkeyed(db, &[1, 2, 3]).await;
            unguard(db).await;
            db.execute_admin("UPDATE audit_log SET detail = 'changed' WHERE seq = 2")
                .await
                .unwrap();
            db.key_earlier_audit_rows().await.unwrap();
            assert_eq!(
                check(db, None).await.broken,
                Some(AuditBreak {
                    seq: 2,
                    reason: BreakReason::Edited
                })
            );
        })
        .await;
    }

    /// The detail of every row waiting to be sealed.
    async fn waiting_details(db: &Database) -> Vec<String> {
        dispatch!(&db.handle, |pool| {
            sqlx::query_scalar("SELECT detail FROM audit_pending ORDER BY id")
                .fetch_all(pool)
                .await
                .unwrap()
        })
    }

    /// One read of `n`: audited, committed.
    async fn read(db: &Database, n: usize) -> anyhow::Result<()> {
        let mut tx = db.begin_read().await?;
        dispatch!(&mut tx.handle, |tx| {
            sqlx::query("SELECT COUNT(*) FROM audit_log")
                .execute(&mut **tx)
                .await?;
        });
        tx.append_audit(&entry(n)).await?;
        tx.commit().await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_finishing_together_share_a_commit_and_return_once_their_row_is_written() {
        each_backend(async |db: &Database| {
            let reads: Vec<_> = (0..64)
                .map(|n| {
                    let db = db.clone();
                    tokio::spawn(async move {
                        read(&db, n).await.unwrap();
                        // Returned: the row is committed, whoever's batch carried it.
                        let written = waiting_details(&db).await;
                        assert!(
                            written.contains(&format!("row {n}")),
                            "row {n}: {written:?}"
                        );
                    })
                })
                .collect();
            for read in reads {
                read.await.unwrap();
            }
            assert_eq!(waiting_details(db).await.len(), 64);
            let batches = db.audit_batch.batches();
            assert!(batches < 64, "{batches} commits for 64 reads");

            // Sealed in the order they were written, numbered from 1, the chain whole.
            let order = waiting_details(db).await;
            assert_eq!(db.seal_all_audit().await.unwrap(), 64);
            assert!(waiting_details(db).await.is_empty());
            let sealed: Vec<_> = all_rows(db)
                .await
                .into_iter()
                .map(|r| r.content.detail.unwrap())
                .collect();
            assert_eq!(sealed, order);
            let check = check(db, None).await;
            assert_eq!((check.rows, check.broken), (64, None));
        })
        .await;
    }

    #[tokio::test]
    async fn a_read_whose_audit_row_cannot_be_written_fails() {
        each_backend(async |db: &Database| {
            db.execute_admin("DROP TABLE audit_pending").await.unwrap();
            let failed = read(db, 1)
                .await
                .expect_err("no answer without its audit row");
            assert!(
                format!("{failed:#}").contains("could not write audit rows"),
                "{failed:#}"
            );
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_sealers_at_once_seal_each_row_once_in_one_unbroken_chain() {
        each_backend(async |db: &Database| {
            for round in 0..4 {
                let writes: Vec<_> = (0..50)
                    .map(|n| {
                        let db = db.clone();
                        tokio::spawn(async move {
                            let mut tx = db.begin().await.unwrap();
                            tx.append_audit(&entry(round * 100 + n)).await.unwrap();
                            tx.commit().await.unwrap();
                        })
                    })
                    .collect();
                // Two instances' sealers, small rounds, while rows keep coming.
                let sealers: Vec<_> = (0..2)
                    .map(|_| {
                        let db = db.clone();
                        tokio::spawn(async move {
                            let mut sealed = 0;
                            for _ in 0..20 {
                                sealed += db.seal_audit(7).await.unwrap();
                            }
                            sealed
                        })
                    })
                    .collect();
                for write in writes {
                    write.await.unwrap();
                }
                for sealer in sealers {
                    sealer.await.unwrap();
                }
            }
            db.seal_all_audit().await.unwrap();
            let rows = all_rows(db).await;
            assert_eq!(rows.len(), 200);
            let details: std::collections::HashSet<_> = rows
                .iter()
                .map(|r| r.content.detail.clone().unwrap())
                .collect();
            assert_eq!(details.len(), 200, "each row sealed once");
            let check = check(db, None).await;
            assert_eq!((check.rows, check.broken), (200, None));
            assert_eq!(db.unsealed_audit().await.unwrap().rows, 0);
        })
        .await;
    }

    #[test]
    fn expected_heads_are_parsed_with_clear_errors() {
        let mac = "ab".repeat(32);
        assert_eq!(
            ExpectedHead::parse(&format!(" 42:{mac} ")).unwrap().seq(),
            42
        );
        assert!(ExpectedHead::parse("42:ABCDEF012345").is_ok());
        assert_eq!(
            ExpectedHead::parse("42"),
            Err(ExpectedHeadError::Shape("42".into()))
        );
        assert_eq!(
            ExpectedHead::parse("0:abcdef012345"),
            Err(ExpectedHeadError::Seq("0".into()))
        );
        assert_eq!(
            ExpectedHead::parse("7:abc"),
            Err(ExpectedHeadError::Mac("abc".into()))
        );
        assert_eq!(
            ExpectedHead::parse("7:zzzzzzzzzzzz"),
            Err(ExpectedHeadError::Mac("zzzzzzzzzzzz".into()))
        );
    }

    #[test]
    fn the_mac_covers_the_number_the_link_and_each_field() {
        let at = jiff::Timestamp::UNIX_EPOCH;
        let fields = HashedFields::of(&at, &entry(1));
        let mac = key().chain_mac(3, GENESIS, &fields);
        assert_eq!(mac.len(), 64);
        assert_eq!(mac, key().chain_mac(3, GENESIS, &fields));
        assert_ne!(mac, key().chain_mac(4, GENESIS, &fields));
        assert_ne!(mac, key().chain_mac(3, &"1".repeat(64), &fields));
        assert_ne!(
            mac,
            key().chain_mac(3, GENESIS, &HashedFields::of(&at, &entry(2)))
        );
    }
}
