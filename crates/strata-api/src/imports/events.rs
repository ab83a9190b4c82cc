//! An import's events as a server-sent event stream: `progress` while it loads (at most a few
//! a second), then one `done` or `failed` carrying the final status, and the end of the stream.
//! An import that is not loading gets one `status` event with its status, and the stream ends;
//! one discarded while followed ends with `failed`.

use std::convert::Infallible;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde_json::json;
use tokio::sync::watch;

use super::session::{ImportStatus, State};
use crate::ApiError;

/// The shortest time between two progress events.
const THROTTLE: Duration = Duration::from_millis(250);

/// The stream of `status`'s changes, from now until the import ends (at once if it has, or
/// is not running).
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
                State::Previewed => {
                    let event = Event::default().event("status").data(json!(now).to_string());
                    return Some((Ok(event), None));
                }
                State::Running if status.changed().await.is_err() => {
                    let error = ApiError::new(StatusCode::GONE, "the import was discarded; nothing was written");
                    let now = ImportStatus { state: State::Failed, error: Some(error.problem()), ..now };
                    let event = Event::default().event("failed").data(json!(now).to_string());
                    return Some((Ok(event), None));
                }
                State::Running => {}
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}
