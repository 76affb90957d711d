//! Starting and stopping the HTTP server.

use std::{net::SocketAddr, sync::Arc};

use anyhow::Context;
use storage::Database;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use web::{AppState, WebSettings};

use crate::{
    jobs::{RunningWorker, Worker, WorkerConfig},
    settings::Settings,
};

/// A server accepting requests in the background, with its jobs worker.
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    worker: RunningWorker,
}

impl RunningServer {
    /// Stops accepting connections and waits for requests in flight to finish; the jobs
    /// worker stops too, within a moment.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        let (served, ()) = tokio::join!(self.task, self.worker.stop());
        served.context("the server task failed")??;
        Ok(())
    }

    /// Serves until `signal` resolves, then shuts down gracefully.
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> anyhow::Result<()> {
        signal.await;
        tracing::info!("shutting down: finishing requests in flight");
        self.shutdown().await
    }
}

/// Binds `settings.bind` (port 0 picks a free port), serves the portal on `db`, and starts the
/// jobs worker that delivers its emails: over SMTP when `PORCHLIGHT_SMTP_URL` is set, else into
/// the mailbox that staff read at `/staff/mailbox`.
pub async fn start(settings: &Settings, db: Database) -> anyhow::Result<RunningServer> {
    let listener = TcpListener::bind(settings.bind)
        .await
        .with_context(|| format!("PORCHLIGHT_BIND: cannot listen on {}", settings.bind))?;
    let addr = listener.local_addr()?;
    let base_url = if settings.base_url.ends_with(":0") {
        format!("http://{addr}")
    } else {
        settings.base_url.clone()
    };
    let outbox = match &settings.smtp_url {
        Some(url) => mail::Outbox::smtp(url, &settings.mail_from)?,
        None => mail::Outbox::mailbox(db.clone()),
    };
    let worker = Worker {
        db: db.clone(),
        outbox: outbox.clone(),
        base_url: base_url.clone(),
        config: WorkerConfig {
            backoff: storage::Backoff {
                first_delay: settings.jobs_first_retry,
                ..storage::Backoff::default()
            },
            retention: settings.retention,
            ..WorkerConfig::polling_every(settings.jobs_poll)
        },
    }
    .spawn();
    let state = AppState::new(web::Shared {
        db,
        settings: Arc::new(WebSettings {
            base_url,
            bot_check: settings.bot_check,
            mailbox: outbox.keeps_mail(),
            portal_qr: std::sync::OnceLock::new(),
            webauthn: std::sync::OnceLock::new(),
            trusted_proxies: settings.trusted_proxies.clone(),
        }),
        hasher: web::passwords::PasswordHasher::new(settings.hash_threads),
        key: settings.secret_key.clone(),
        message_events: web::MessageEvents::default(),
    });
    let app = web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    Ok(RunningServer {
        addr,
        stop,
        task,
        worker,
    })
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
