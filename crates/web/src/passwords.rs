//! Argon2id password hashing on a bounded pool of blocking threads: about one hash per core at
//! a time, each reusing a work area allocated once, so that sign-ins can neither starve page
//! serving nor exhaust memory.

use std::sync::{Arc, Mutex};

use anyhow::Context;
use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::{Output, ParamsString, SaltString},
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{OnceCell, Semaphore};

/// Hashes and verifies passwords with OWASP's Argon2id parameters (19 MiB, 2 passes).
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Argon2's 19 MiB work areas, one per permit at most, kept between hashes. Allocating a
    /// fresh one for every hash left the allocator holding hundreds of MB (measured by
    /// `porchlight-bench load` with 64 callers: 464 MB resident, against 46 MB reused).
    work_areas: Arc<Mutex<Vec<Vec<Block>>>>,
    /// A hash of nothing in particular, verified against when the account does not exist so
    /// that an unknown username costs the same time as a known one.
    dummy: Arc<OnceCell<String>>,
}

impl PasswordHasher {
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            work_areas: Arc::default(),
            dummy: Arc::new(OnceCell::new()),
        }
    }

    /// One hash at a time per core.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        self.with_work_area(move |area| {
            let mut salt = [0u8; 16];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut salt);
            let salt_string = SaltString::encode_b64(&salt)
                .map_err(|e| anyhow::anyhow!("salt encoding failed: {e}"))?;
            let params = params();
            let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
                argon2(params.clone())
                    .hash_password_into_with_memory(
                        password.expose_secret().as_bytes(),
                        &salt,
                        out,
                        area.as_mut_slice(),
                    )
                    .map_err(Into::into)
            })
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
            let hash = PasswordHash {
                algorithm: Algorithm::Argon2id.ident(),
                version: Some(Version::V0x13.into()),
                params: ParamsString::try_from(&params)
                    .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?,
                salt: Some(salt_string.as_salt()),
                hash: Some(output),
            };
            Ok(hash.to_string())
        })
        .await
    }

    pub async fn verify(&self, password: SecretString, stored: String) -> anyhow::Result<bool> {
        self.with_work_area(move |area| {
            let parsed = PasswordHash::new(&stored)
                .map_err(|e| anyhow::anyhow!("stored hash is malformed: {e}"))?;
            let malformed = |e: &dyn std::fmt::Display| anyhow::anyhow!("stored hash: {e}");
            let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|e| malformed(&e))?;
            let version = parsed
                .version
                .map(Version::try_from)
                .transpose()
                .map_err(|e| malformed(&e))?
                .unwrap_or_default();
            let params = Params::try_from(&parsed).map_err(|e| malformed(&e))?;
            let expected = parsed.hash.context("stored hash has no output")?;
            let mut salt = [0u8; 64];
            let salt = parsed
                .salt
                .context("stored hash has no salt")?
                .decode_b64(&mut salt)
                .map_err(|e| malformed(&e))?;
            // A hash made with larger parameters than today's needs a larger area.
            if area.len() < params.block_count() {
                area.resize(params.block_count(), Block::default());
            }
            let computed = Output::init_with(expected.len(), |out| {
                Argon2::new(algorithm, version, params)
                    .hash_password_into_with_memory(
                        password.expose_secret().as_bytes(),
                        salt,
                        out,
                        area.as_mut_slice(),
                    )
                    .map_err(Into::into)
            })
            .map_err(|e| malformed(&e))?;
            // Output's equality is constant-time.
            Ok(computed == expected)
        })
        .await
    }

    /// Runs `job` on a blocking thread once a permit is free, with a work area: one kept from
    /// an earlier hash, or (only while fewer than one per permit exist) a new one.
    async fn with_work_area<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Vec<Block>) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let _permit = self.permits.acquire().await?;
        let areas = self.work_areas.clone();
        tokio::task::spawn_blocking(move || {
            let taken = areas.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let mut area = taken.unwrap_or_else(|| vec![Block::default(); params().block_count()]);
            let result = job(&mut area);
            areas.lock().unwrap_or_else(|e| e.into_inner()).push(area);
            result
        })
        .await
        .context("the hashing thread failed")?
    }

    /// How many work areas exist (each is 19 MiB): at most one per permit.
    pub fn work_areas(&self) -> usize {
        self.work_areas
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }
}

impl PasswordHasher {
    /// Verifies `password` against the account's hash, or against a dummy hash when there is
    /// no account: both cost one Argon2id computation, and the second always fails.
    pub async fn verify_or_dummy(
        &self,
        password: SecretString,
        stored: Option<String>,
    ) -> anyhow::Result<bool> {
        match stored {
            Some(stored) => self.verify(password, stored).await,
            None => {
                let dummy = self
                    .dummy
                    .get_or_try_init(|| self.hash(SecretString::from("porchlight-dummy-password")))
                    .await?
                    .clone();
                self.verify(password, dummy).await?;
                Ok(false)
            }
        }
    }
}

fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("OWASP parameters are valid")
}

fn argon2(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_only_the_right_password() {
        let hasher = PasswordHasher::new(1);
        let hash = hasher.hash("correct horse battery".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("correct horse battery".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("wrong horse battery".into(), hash)
                .await
                .unwrap()
        );
    }

    /// The hashes are standard PHC strings: the argon2 crate's own hashing and verifying
    /// agree with ours both ways.
    #[tokio::test]
    async fn agrees_with_the_argon2_crate() {
        use argon2::{PasswordHasher as _, PasswordVerifier as _};
        let hasher = PasswordHasher::new(1);
        let ours = hasher.hash("correct horse battery".into()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            argon2(params())
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let theirs = argon2(params())
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert!(
            hasher
                .verify("correct horse battery".into(), theirs.clone())
                .await
                .unwrap()
        );
        assert!(!hasher.verify("correct horse".into(), theirs).await.unwrap());
        // A hash made with other parameters (older, heavier) still verifies.
        let heavier = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(32 * 1024, 3, 1, None).unwrap(),
        )
        .hash_password(b"correct horse battery", &salt)
        .unwrap()
        .to_string();
        assert!(
            hasher
                .verify("correct horse battery".into(), heavier)
                .await
                .unwrap()
        );
        assert!(
            hasher
                .verify(
                    "correct horse battery".into(),
                    "$argon2id$v=19$nonsense".into()
                )
                .await
                .is_err()
        );
    }

    /// However many callers wait, there are never more work areas than permits: each hash
    /// reuses one instead of allocating 19 MiB.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reuses_at_most_one_work_area_per_permit() {
        let hasher = PasswordHasher::new(2);
        let stored = hasher.hash("correct horse battery".into()).await.unwrap();
        let mut callers = tokio::task::JoinSet::new();
        for _ in 0..12 {
            let (hasher, stored) = (hasher.clone(), stored.clone());
            callers.spawn(async move {
                hasher
                    .verify("correct horse battery".into(), stored)
                    .await
                    .unwrap()
            });
        }
        while let Some(verified) = callers.join_next().await {
            assert!(verified.unwrap());
        }
        let areas = hasher.work_areas();
        assert!((1..=2).contains(&areas), "{areas} work areas");
    }
}
