//! Bot-check challenges already answered: each is accepted once, across restarts and
//! instances (see `domain::bot_check`).

use jiff::Timestamp;

use crate::{Database, database::dispatch};

impl Database {
    /// Records a challenge's fingerprint as used until `expires_at`. Answers `false` when it
    /// was used before (a replay). The insert is atomic, so of two requests racing with one
    /// challenge exactly one wins. Now and then rows past their expiry are removed: they could
    /// not be replayed anyway.
    pub async fn spend_bot_challenge(
        &self,
        fingerprint: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> anyhow::Result<bool> {
        let inserted = dispatch!(&self.handle, |pool| {
            sqlx::query(
                "INSERT INTO bot_challenges (fingerprint, expires_at) VALUES ($1, $2) \
                 ON CONFLICT (fingerprint) DO NOTHING",
            )
            .bind(fingerprint)
            .bind(expires_at.as_second())
            .execute(pool)
            .await?
            .rows_affected()
        });
        // Fingerprints are uniformly random: about one use in sixteen tidies up.
        if fingerprint.starts_with('0') {
            self.prune_bot_challenges(now).await?;
        }
        Ok(inserted == 1)
    }

    /// Removes the fingerprints of challenges that have expired; answers how many.
    pub async fn prune_bot_challenges(&self, now: Timestamp) -> anyhow::Result<u64> {
        let removed = dispatch!(&self.handle, |pool| {
            sqlx::query("DELETE FROM bot_challenges WHERE expires_at <= $1")
                .bind(now.as_second())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(removed)
    }

    /// How many fingerprints are kept (for tests and the operations page).
    pub async fn count_bot_challenges(&self) -> anyhow::Result<i64> {
        let (count,): (i64,) = dispatch!(&self.handle, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM bot_challenges")
                .fetch_one(pool)
                .await?
        });
        Ok(count)
    }
}
