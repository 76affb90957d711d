//! Starting and stopping the HTTP server.

use std::{net::SocketAddr, sync::Arc};

use anyhow::Context;
use storage::Database;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use web::{AppState, WebSettings};

use crate::settings::Settings;

/// A server accepting requests in the background.
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Stops accepting connections and waits for requests in flight to finish.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await.context("the server task failed")??;
        Ok(())
    }

    /// Serves until `signal` resolves, then shuts down gracefully.
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> anyhow::Result<()> {
        signal.await;
        tracing::info!("shutting down: finishing requests in flight");
        self.shutdown().await
    }
}

/// Binds `settings.bind` (port 0 picks a free port) and serves the portal on `db`.
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
    let state = AppState {
        db,
        settings: Arc::new(WebSettings {
            base_url,
            bot_check: settings.bot_check,
        }),
        hasher: web::passwords::PasswordHasher::per_core(),
        key: settings.secret_key.clone(),
    };
    let app = web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    Ok(RunningServer { addr, stop, task })
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
