//! Argon2id password hashing on a few dedicated threads, one per core, each reusing a work area
//! while sign-ins keep coming and running at a lower scheduling priority than the threads that
//! serve pages: sign-ins can neither starve page serving nor exhaust memory, and they still have
//! the whole machine when nothing else needs it.
//!
//! The hashing threads run under Linux's SCHED_IDLE policy: a thread of normal priority that
//! becomes ready (a page request arriving) is always preferred to them, and they still have
//! every core that nothing else needs, so the hash rate on an otherwise idle machine is
//! unchanged. (How soon the kernel switches is its own affair: on the project's machine a woken
//! thread may still wait for the next scheduler tick; see docs/PERFORMANCE.md.)

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
        mpsc,
    },
    time::Duration,
};

use anyhow::Context;
use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::{Output, ParamsString, SaltString},
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{OnceCell, Semaphore, oneshot};

/// A unit of hashing work, run on a hashing thread with that thread's work area.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// Hashes and verifies passwords with OWASP's Argon2id parameters (19 MiB, 2 passes).
#[derive(Clone)]
pub struct PasswordHasher {
    /// One permit per hashing thread: callers wait here, first come first served, and a caller
    /// that gives up (a closed connection) leaves the queue without costing a hash.
    permits: Arc<Semaphore>,
    /// To the hashing threads; they end when the last clone of the hasher is dropped.
    jobs: mpsc::Sender<Job>,
    /// How many 19 MiB work areas the threads hold now: one each at most, kept between
    /// hashes while sign-ins keep coming ([`KEEP_IDLE_AREA`]). Allocating a fresh one for
    /// every hash left the allocator holding hundreds of MB (measured by `porchlight-bench
    /// load` with 64 callers: 464 MB resident, against 46 MB).
    work_areas: Arc<AtomicUsize>,
    /// A hash of nothing in particular, verified against when the account does not exist so
    /// that an unknown username costs the same time as a known one.
    dummy: Arc<OnceCell<String>>,
}

impl PasswordHasher {
    /// A hasher with `threads` dedicated hashing threads (at least one).
    pub fn new(threads: usize) -> Self {
        Self::keeping_idle_areas_for(threads, KEEP_IDLE_AREA)
    }

    /// [`PasswordHasher::new`], a thread freeing its work area once no hash came for `keep`.
    fn keeping_idle_areas_for(threads: usize, keep: Duration) -> Self {
        let threads = threads.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let work_areas = Arc::new(AtomicUsize::new(0));
        for index in 0..threads {
            let (queue, work_areas) = (queue.clone(), work_areas.clone());
            // Failing to start a thread leaves fewer threads; with none at all, every hash
            // fails with an error rather than the process panicking.
            let started = std::thread::Builder::new()
                .name(format!("porchlight-hash-{index}"))
                .spawn(move || hashing_thread(&queue, &work_areas, keep));
            if let Err(error) = started {
                tracing::error!(%error, "could not start a password hashing thread");
            }
        }
        Self {
            permits: Arc::new(Semaphore::new(threads)),
            jobs,
            work_areas,
            dummy: Arc::new(OnceCell::new()),
        }
    }

    /// One hashing thread per core.
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

    /// Runs `job` on a hashing thread, with that thread's work area, once a thread is free.
    async fn with_work_area<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Vec<Block>) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        // The permit goes with the job: a caller that gives up (a closed connection) does not
        // free its place while its hash still runs.
        let permit = self.permits.clone().acquire_owned().await?;
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |area| {
            // The caller may have gone; its answer is then of no use to anyone.
            let _ = reply.send(job(area));
            drop(permit);
        });
        self.jobs
            .send(job)
            .map_err(|_| anyhow::anyhow!("no password hashing thread is running"))?;
        answer.await.context("the password hashing thread failed")?
    }

    /// How many work areas exist (each is 19 MiB): at most one per hashing thread.
    pub fn work_areas(&self) -> usize {
        self.work_areas.load(Ordering::Relaxed)
    }
}

/// How long a hashing thread keeps its work area after its last hash. A burst of sign-ins
/// reuses it; a server between bursts does not hold 19 MiB per core for nothing (two of them
/// were most of the memory a server reading records used).
const KEEP_IDLE_AREA: Duration = Duration::from_secs(1);

/// A hashing thread: lowers its own priority, then runs jobs until the hasher is dropped, with
/// a work area allocated for the first job and kept for the next ones until none came for
/// `keep`.
fn hashing_thread(queue: &Mutex<mpsc::Receiver<Job>>, work_areas: &AtomicUsize, keep: Duration) {
    lower_priority();
    let mut area: Vec<Block> = Vec::new();
    loop {
        // Only the waiting thread holds the lock; a job received, it lets the next one wait.
        let received = queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .recv_timeout(keep);
        let job = match received {
            Ok(job) => job,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if !area.is_empty() {
                    area = Vec::new();
                    work_areas.fetch_sub(1, Ordering::Relaxed);
                }
                // A moment away from the queue, so that a thread waiting for it gets its turn
                // to wait there, and to free its own area.
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if area.is_empty() {
            area = vec![Block::default(); params().block_count()];
            work_areas.fetch_add(1, Ordering::Relaxed);
        }
        // A job that panicked has already answered (its reply was dropped with it); the
        // thread goes on with the next one.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut area)));
    }
}

/// Puts the calling thread under SCHED_IDLE (see the module docs); on Linux a scheduling
/// policy belongs to the thread, not the process. Elsewhere, or if the kernel refuses, hashing
/// runs at the normal priority (still one thread per core).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: `param` outlives the call, which only reads it; 0 names the calling thread.
        let refused = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) } != 0;
        if refused {
            tracing::warn!(
                error = %std::io::Error::last_os_error(),
                "could not lower the password hashing thread's priority"
            );
        }
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

    /// The hashing threads run at a lower priority than the threads serving pages, so that
    /// a page request never waits for a hash's time slice.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashes_below_the_priority_of_page_serving() {
        fn policy() -> i32 {
            // SAFETY: 0 names the calling thread; nothing else is passed.
            unsafe { libc::sched_getscheduler(0) }
        }
        let hasher = PasswordHasher::new(1);
        let hashing = hasher.with_work_area(|_| Ok(policy())).await.unwrap();
        assert_eq!(hashing, libc::SCHED_IDLE);
        assert_eq!(
            policy(),
            libc::SCHED_OTHER,
            "the caller's thread is left alone"
        );
    }

    /// A job that panics fails its own caller only: the thread goes on hashing.
    #[tokio::test]
    async fn a_panicking_job_leaves_the_thread_running() {
        let hasher = PasswordHasher::new(1);
        let failed = hasher
            .with_work_area(|_| -> anyhow::Result<()> { panic!("on purpose") })
            .await;
        assert!(failed.is_err());
        let hash = hasher.hash("correct horse battery".into()).await.unwrap();
        assert!(
            hasher
                .verify("correct horse battery".into(), hash)
                .await
                .unwrap()
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

    /// Between bursts of sign-ins the threads free their work areas, and the next hash
    /// allocates one again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn frees_the_work_areas_when_no_hash_comes() {
        let keep = Duration::from_millis(100);
        let hasher = PasswordHasher::keeping_idle_areas_for(2, keep);
        let stored = hasher.hash("correct horse battery".into()).await.unwrap();
        let mut callers = tokio::task::JoinSet::new();
        for _ in 0..4 {
            let (hasher, stored) = (hasher.clone(), stored.clone());
            callers
                .spawn(async move { hasher.verify("correct horse battery".into(), stored).await });
        }
        while let Some(verified) = callers.join_next().await {
            assert!(verified.unwrap().unwrap());
        }
        assert!(hasher.work_areas() >= 1);
        // Each thread waits for the queue in turn: both are idle after a few rounds of `keep`.
        let mut waited = Duration::ZERO;
        while hasher.work_areas() > 0 {
            assert!(
                waited < Duration::from_secs(10),
                "{} work areas kept",
                hasher.work_areas()
            );
            tokio::time::sleep(keep).await;
            waited += keep;
        }
        // The next hash allocates a work area again.
        assert!(
            hasher
                .verify("correct horse battery".into(), stored)
                .await
                .unwrap()
        );
    }
}
