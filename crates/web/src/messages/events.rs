//! New messages for staff without reloading (issue 16): when a patient writes, this process
//! tells the staff pages of that practice that are open, over server-sent events
//! (`GET /staff/messages/events`). Each event carries counts, never a patient's name or
//! words: how many conversations nobody has taken, and how many wait for an answer past
//! their due time. The staff header shows the first.
//!
//! The news travels inside one process; with several instances behind a balancer, each
//! stream also asks again every [`RECOUNT_EVERY`], so a message taken in by another
//! instance shows within that time. A stream ends when its session does (signed out, timed
//! out, or ended by an administrator): it looks at the session every [`SESSION_CHECK_EVERY`],
//! without keeping it alive.

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    http::StatusCode,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use domain::OrganizationId;
use futures_util::stream::{self, Stream};
use jiff::Timestamp;
use tokio::sync::broadcast;

use crate::{AppState, common::session::StaffUser};

/// How often a stream looks whether its session still lives.
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(2);
/// How often a stream counts again without news (news from other instances).
const RECOUNT_EVERY: Duration = Duration::from_secs(20);
/// A session's idle limit when it has none of its own (the policy's default for staff).
const DEFAULT_IDLE: jiff::SignedDuration = jiff::SignedDuration::from_mins(30);

/// The practices with news: a patient wrote. Cloned into every handler that needs it.
#[derive(Debug, Clone)]
pub struct MessageEvents(broadcast::Sender<OrganizationId>);

impl Default for MessageEvents {
    fn default() -> Self {
        // A stream that falls this far behind just counts again.
        Self(broadcast::channel(64).0)
    }
}

impl MessageEvents {
    /// A patient wrote to `organization`.
    pub fn notify(&self, organization: OrganizationId) {
        // Nobody listening is not an error.
        let _ = self.0.send(organization);
    }

    fn subscribe(&self) -> broadcast::Receiver<OrganizationId> {
        self.0.subscribe()
    }
}

/// The counts an event carries, as JSON.
async fn counts(state: &AppState, organization: OrganizationId) -> Option<String> {
    let unassigned = state.db.unassigned_threads(organization).await.ok()?;
    let overdue = state
        .db
        .overdue_threads(organization, Timestamp::now())
        .await
        .ok()?;
    Some(serde_json::json!({ "unassigned": unassigned, "overdue": overdue }).to_string())
}

/// Whether the session behind a stream still lives (read without refreshing it).
async fn session_lives(state: &AppState, token_hash: &str) -> bool {
    match state.db.session(token_hash).await {
        Ok(Some(session)) => {
            let now = Timestamp::now();
            let idle = session.idle.unwrap_or(DEFAULT_IDLE);
            now < session.expires_at && now.duration_since(session.last_seen_at) < idle
        }
        Ok(None) => false,
        // A database that cannot say now may say at the next look.
        Err(_) => true,
    }
}

/// What a stream waits on between events.
struct Listening {
    state: AppState,
    organization: OrganizationId,
    token_hash: String,
    news: broadcast::Receiver<OrganizationId>,
    /// The first event (the counts now) is not sent yet.
    first: bool,
}

enum Wake {
    News,
    Recount,
    SessionCheck,
    Ended,
}

impl Listening {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        if !self.first {
            let mut since_count = Duration::ZERO;
            loop {
                let wake = tokio::select! {
                    news = self.news.recv() => match news {
                        Ok(org) if org == self.organization => Wake::News,
                        Ok(_) => continue,
                        Err(broadcast::error::RecvError::Lagged(_)) => Wake::News,
                        Err(broadcast::error::RecvError::Closed) => Wake::Ended,
                    },
                    () = tokio::time::sleep(SESSION_CHECK_EVERY) => {
                        since_count += SESSION_CHECK_EVERY;
                        if since_count >= RECOUNT_EVERY { Wake::Recount } else { Wake::SessionCheck }
                    }
                };
                match wake {
                    Wake::Ended => return None,
                    Wake::SessionCheck => {
                        if !session_lives(&self.state, &self.token_hash).await {
                            return None;
                        }
                    }
                    Wake::News | Wake::Recount => {
                        if !session_lives(&self.state, &self.token_hash).await {
                            return None;
                        }
                        break;
                    }
                }
            }
        }
        self.first = false;
        let data = counts(&self.state, self.organization).await?;
        let event = Event::default().event("messages").data(data);
        Some((Ok(event), self))
    }
}

fn events(listening: Listening) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(listening, Listening::next)
}

/// `GET /staff/messages/events`: the practice's message counts now, and again whenever a
/// patient writes, until the session ends.
pub async fn stream(State(state): State<AppState>, user: StaffUser) -> Response {
    if !crate::staff::messages::may_work_messages(&user) {
        return (StatusCode::FORBIDDEN, crate::staff::messages::MAY_NOT).into_response();
    }
    let listening = Listening {
        news: state.message_events.subscribe(),
        organization: user.scope.organization(),
        token_hash: user.token_hash,
        state,
        first: true,
    };
    Sse::new(events(listening))
        .keep_alive(KeepAlive::default())
        .into_response()
}
