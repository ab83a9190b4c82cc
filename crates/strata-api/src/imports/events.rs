//! An import's events as a server-sent event stream: `progress` while it loads (at most a few
//! a second), then one `done` or `failed` carrying the final status, and the end of the stream.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde_json::json;
use tokio::sync::watch;

use super::session::{ImportStatus, State};

/// The shortest time between two progress events.
const THROTTLE: Duration = Duration::from_millis(250);

/// The stream of `status`'s changes, from now until the import ends (at once if it has).
pub fn stream(status: watch::Receiver<ImportStatus>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let events = futures_util::stream::unfold(Some((status, None)), |watching| async move {
        let (mut status, mut last_sent): (_, Option<u64>) = watching?;
        if last_sent.is_some() {
            tokio::time::sleep(THROTTLE).await;
        }
        loop {
            let now = status.borrow_and_update().clone();
            match now.state {
                State::Done | State::Failed => {
                    let name = if now.state == State::Done { "done" } else { "failed" };
                    let event = Event::default().event(name).data(json!(now).to_string());
                    return Some((Ok(event), None));
                }
                State::Running if last_sent != Some(now.rows_done) => {
                    last_sent = Some(now.rows_done);
                    let data = json!({ "rows_done": now.rows_done, "rows_total": now.rows_total });
                    let event = Event::default().event("progress").data(data.to_string());
                    return Some((Ok(event), Some((status, last_sent))));
                }
                // The import was deleted: the stream ends.
                _ if status.changed().await.is_err() => return None,
                _ => {}
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}
