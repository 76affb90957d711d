//! The raw Argon2id hash rate of this machine, for the same parameters the application uses:
//! plain argon2 on every core (the baseline: the most the hardware does), and the
//! application's own bounded pool with many callers waiting.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context;
use argon2::{Argon2, Block, Params, PasswordHash};
use web::passwords::PasswordHasher;

use super::stats::{self, CpuSnapshot, CpuUse};

/// One measured hashing pass.
pub struct HashPass {
    pub label: String,
    pub hashes: u64,
    pub elapsed: Duration,
    pub peak_mb: f64,
    /// Resident memory once the pass is over: what the process kept.
    pub rss_after_mb: f64,
    pub cpu: CpuUse,
}

impl HashPass {
    pub fn per_second(&self) -> f64 {
        self.hashes as f64 / self.elapsed.as_secs_f64()
    }

    /// Hashes per second of CPU time the pass used.
    pub fn per_cpu_second(&self) -> f64 {
        self.per_second() / self.cpu.app
    }
}

/// A hash the application made, and what it takes to recompute it outside the application.
pub struct AppHash {
    pub password: String,
    pub stored: String,
    params: Params,
    salt: Vec<u8>,
    expected: Vec<u8>,
}

impl AppHash {
    /// Hashes `password` through the application's hasher and reads its parameters back from
    /// the PHC string, so the baseline cannot drift from what the application does.
    pub fn new(password: &str) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        let stored = runtime.block_on(PasswordHasher::new(1).hash(password.to_owned().into()))?;
        let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(
            parsed.algorithm.as_str() == "argon2id",
            "the application hashes with {}",
            parsed.algorithm
        );
        let params = Params::try_from(&parsed).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut salt = [0u8; 64];
        let salt = parsed
            .salt
            .context("the stored hash has a salt")?
            .decode_b64(&mut salt)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .to_vec();
        let expected = parsed
            .hash
            .context("the stored hash has an output")?
            .as_bytes()
            .to_vec();
        Ok(Self {
            password: password.to_owned(),
            stored,
            params,
            salt,
            expected,
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "Argon2id m={} KiB, t={}, p={}",
            self.params.m_cost(),
            self.params.t_cost(),
            self.params.p_cost()
        )
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            self.params.clone(),
        )
    }
}

/// Plain argon2 on one thread per core for `seconds`: with each thread's work area allocated
/// once and reused (`reuse`), or allocated afresh for every hash as `hash_password` does.
pub fn plain(hash: &AppHash, seconds: Duration, reuse: bool) -> anyhow::Result<HashPass> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let argon2 = hash.argon2();
    // The same output as the application's hash: the same parameters, checked.
    let mut out = vec![0u8; hash.expected.len()];
    argon2
        .hash_password_into(hash.password.as_bytes(), &hash.salt, &mut out)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(out == hash.expected, "plain argon2 differs from the app's");

    stats::reset_peak_memory();
    let cpu_before = CpuSnapshot::now();
    let started = Instant::now();
    let deadline = started + seconds;
    let done = Arc::new(AtomicU64::new(0));
    std::thread::scope(|scope| {
        for _ in 0..cores {
            let (argon2, done) = (argon2.clone(), done.clone());
            let mut out = vec![0u8; hash.expected.len()];
            scope.spawn(move || {
                let mut blocks = reuse.then(|| vec![Block::default(); hash.params.block_count()]);
                loop {
                    let result = match blocks.as_mut() {
                        Some(blocks) => argon2.hash_password_into_with_memory(
                            hash.password.as_bytes(),
                            &hash.salt,
                            &mut out,
                            blocks.as_mut_slice(),
                        ),
                        None => argon2.hash_password_into(
                            hash.password.as_bytes(),
                            &hash.salt,
                            &mut out,
                        ),
                    };
                    if result.is_err() || Instant::now() > deadline {
                        break;
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    let cpu = cpu_before.until(&CpuSnapshot::now());
    Ok(HashPass {
        label: format!(
            "plain argon2, {cores} threads (one per core), work area {}",
            if reuse { "reused" } else { "new per hash" }
        ),
        hashes: done.load(Ordering::Relaxed),
        elapsed: seconds,
        peak_mb: stats::peak_memory_mb(),
        rss_after_mb: stats::resident_memory_mb(),
        cpu,
    })
}

/// The application's hasher (`PasswordHasher::per_core`, as `server::start` builds it by
/// default) with `callers` tasks verifying at once, on a runtime like the application's.
pub fn app_pool(hash: &AppHash, seconds: Duration, callers: usize) -> anyhow::Result<HashPass> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("porchlight-app")
        .enable_all()
        .build()?;
    let hasher = PasswordHasher::per_core();
    stats::reset_peak_memory();
    let cpu_before = CpuSnapshot::now();
    let deadline = Instant::now() + seconds;
    let done = Arc::new(AtomicU64::new(0));
    runtime.block_on(async {
        let mut callers_set = tokio::task::JoinSet::new();
        for _ in 0..callers {
            let (hasher, done) = (hasher.clone(), done.clone());
            let (password, stored) = (hash.password.clone(), hash.stored.clone());
            callers_set.spawn(async move {
                loop {
                    let verified = hasher
                        .verify(password.clone().into(), stored.clone())
                        .await?;
                    anyhow::ensure!(verified, "the app's hasher refused its own hash");
                    if Instant::now() > deadline {
                        return Ok(());
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        while let Some(result) = callers_set.join_next().await {
            result??;
        }
        anyhow::Ok(())
    })?;
    let cpu = cpu_before.until(&CpuSnapshot::now());
    let peak_mb = stats::peak_memory_mb();
    let rss_after_mb = stats::resident_memory_mb();
    runtime.shutdown_timeout(Duration::from_secs(5));
    Ok(HashPass {
        label: format!("the app's pool (PasswordHasher::per_core), {callers} callers"),
        hashes: done.load(Ordering::Relaxed),
        elapsed: seconds,
        peak_mb,
        rss_after_mb,
        cpu,
    })
}
