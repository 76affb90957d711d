//! The read benchmark's load generator: HTTP/1.1 keep-alive connections, each sending its next
//! request as soon as the previous answer is read (a closed loop, as wrk does), on threads of
//! their own named `bench-read` so that their CPU time is counted apart from the
//! application's. Lean on purpose: it shares the machine's cores with the server it measures.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU8, Ordering},
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::{
    Request, StatusCode, Uri,
    header::{COOKIE, HOST, HeaderValue},
};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Where a run stands; the clients read it after each answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    /// Answers are not counted: connections open, caches fill.
    WarmUp = 0,
    /// Answers are counted.
    Measure = 1,
    /// Clients finish the request in flight and stop.
    Stop = 2,
}

/// The phase, shared between the benchmark's main thread and its clients.
#[derive(Clone, Default)]
pub struct SharedPhase(Arc<AtomicU8>);

impl SharedPhase {
    pub fn set(&self, phase: Phase) {
        self.0.store(phase as u8, Ordering::Release);
    }

    fn get(&self) -> Phase {
        match self.0.load(Ordering::Acquire) {
            0 => Phase::WarmUp,
            1 => Phase::Measure,
            _ => Phase::Stop,
        }
    }
}

/// What to read, over how many connections, with which cookie on each.
pub struct Plan {
    pub server: SocketAddr,
    pub path: &'static str,
    /// Connection `i` sends `cookies[i % cookies.len()]` (none when empty).
    pub cookies: Vec<HeaderValue>,
    pub connections: usize,
    pub threads: usize,
}

/// What the clients saw while the phase was [`Phase::Measure`].
#[derive(Debug, Default)]
pub struct Tally {
    /// Each answered 200's latency, in microseconds.
    pub latencies_us: Vec<u32>,
    /// Answers other than 200, and requests that failed.
    pub failed: u64,
    pub first_failure: Option<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies_us.extend(other.latencies_us);
        self.failed += other.failed;
        if self.first_failure.is_none() {
            self.first_failure = other.first_failure;
        }
    }

    fn fail(&mut self, why: String) {
        self.failed += 1;
        self.first_failure.get_or_insert(why);
    }
}

/// Starts the clients: `plan.threads` threads, each with a single-threaded runtime driving
/// its share of the connections, until the phase is [`Phase::Stop`].
pub fn spawn(plan: Plan, phase: SharedPhase) -> std::thread::JoinHandle<anyhow::Result<Tally>> {
    let host = HeaderValue::from_str(&plan.server.to_string()).expect("an address is a header");
    let uri: Uri = plan.path.parse().expect("a path is a URI");
    let threads: Vec<_> = (0..plan.threads.max(1))
        .map(|thread| {
            let mine: Vec<Option<HeaderValue>> = (thread..plan.connections)
                .step_by(plan.threads.max(1))
                .map(|i| {
                    (!plan.cookies.is_empty()).then(|| plan.cookies[i % plan.cookies.len()].clone())
                })
                .collect();
            let (host, uri, phase, server) =
                (host.clone(), uri.clone(), phase.clone(), plan.server);
            std::thread::Builder::new()
                .name("bench-read".to_owned())
                .spawn(move || -> anyhow::Result<Tally> {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    runtime.block_on(async move {
                        let mut connections = tokio::task::JoinSet::new();
                        for cookie in mine {
                            let target = Target {
                                server,
                                host: host.clone(),
                                uri: uri.clone(),
                                cookie,
                            };
                            connections.spawn(connection(target, phase.clone()));
                        }
                        let mut tally = Tally::default();
                        for each in connections.join_all().await {
                            tally.merge(each);
                        }
                        Ok(tally)
                    })
                })
                .expect("a thread starts")
        })
        .collect();
    // One handle for all of them, so that the caller joins once.
    std::thread::Builder::new()
        .name("bench-read".to_owned())
        .spawn(move || {
            let mut tally = Tally::default();
            for thread in threads {
                let each = thread
                    .join()
                    .map_err(|_| anyhow::anyhow!("a client thread panicked"))??;
                tally.merge(each);
            }
            Ok(tally)
        })
        .expect("a thread starts")
}

/// Where one connection sends its requests.
struct Target {
    server: SocketAddr,
    host: HeaderValue,
    uri: Uri,
    cookie: Option<HeaderValue>,
}

type Sender = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

async fn connect(server: SocketAddr) -> anyhow::Result<Sender> {
    let stream = TcpStream::connect(server).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// One keep-alive connection in a closed loop; reconnects when the server closes it.
async fn connection(target: Target, phase: SharedPhase) -> Tally {
    let mut tally = Tally::default();
    let mut sender: Option<Sender> = None;
    loop {
        let now = phase.get();
        if now == Phase::Stop {
            return tally;
        }
        let ready = match sender.take() {
            Some(ready) if !ready.is_closed() => Ok(ready),
            _ => connect(target.server).await,
        };
        let started = Instant::now();
        let outcome = match ready {
            Ok(mut ready) => {
                let outcome = exchange(&mut ready, &target).await;
                if outcome.is_ok() {
                    sender = Some(ready);
                }
                outcome
            }
            Err(error) => Err(format!("connect: {error}")),
        };
        let latency = started.elapsed();
        // Counted when answered inside the measured window.
        if phase.get() == Phase::Measure {
            match outcome {
                Ok(()) => tally.latencies_us.push(micros(latency)),
                Err(why) => tally.fail(why),
            }
        } else if outcome.is_err() {
            // A refused connection would otherwise spin.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// One request and its whole answer; a failure unless it is a 200.
async fn exchange(sender: &mut Sender, target: &Target) -> Result<(), String> {
    let mut request = Request::new(Empty::<Bytes>::new());
    *request.uri_mut() = target.uri.clone();
    let headers = request.headers_mut();
    headers.insert(HOST, target.host.clone());
    if let Some(cookie) = &target.cookie {
        headers.insert(COOKIE, cookie.clone());
    }
    sender
        .ready()
        .await
        .map_err(|e| format!("connection: {e}"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("request: {e}"))?;
    let status = response.status();
    // Read the answer to its end, without keeping it.
    let mut body = response.into_body();
    while let Some(frame) = body.frame().await {
        frame.map_err(|e| format!("answer: {e}"))?;
    }
    if status == StatusCode::OK {
        Ok(())
    } else {
        Err(format!("{} answered {status}", target.uri))
    }
}

fn micros(latency: Duration) -> u32 {
    u32::try_from(latency.as_micros()).unwrap_or(u32::MAX)
}
