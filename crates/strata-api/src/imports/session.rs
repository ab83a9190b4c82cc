//! The import sessions a server holds, by id: each an uploaded file, the user's options, the
//! current plan with the user's column choices, and the state of its load (a `watch` channel,
//! so the events stream sees every change).
//!
//! Sessions idle for [`IDLE_LIMIT`] are dropped (with their file) the next time any session is
//! looked up; a running load is never dropped.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use strata_db::load::Loaded;
use strata_import::{ColumnType, ImportOptions, Phase, Plan, Progress};
use strata_sql::QualifiedName;
use tokio::sync::watch;
use tokio::task::AbortHandle;
use utoipa::ToSchema;

use crate::ApiError;
use crate::error::Problem;

/// How long an untouched import is kept.
pub const IDLE_LIMIT: Duration = Duration::from_secs(3600);

/// The import sessions of a server.
#[derive(Clone)]
pub struct Sessions {
    sessions: Arc<Mutex<HashMap<String, Arc<Session>>>>,
    idle_limit: Duration,
}

impl Default for Sessions {
    fn default() -> Sessions {
        Sessions { sessions: Arc::default(), idle_limit: IDLE_LIMIT }
    }
}

impl Sessions {
    /// Adds `session`.
    pub fn insert(&self, session: Session) -> Arc<Session> {
        let session = Arc::new(session);
        self.lock().insert(session.id.clone(), session.clone());
        session
    }

    /// The import `id` of `db`.`schema`; 404 if there is none (or it expired).
    pub fn get(&self, db: &str, schema: &str, id: &str) -> Result<Arc<Session>, ApiError> {
        let sessions = self.lock();
        match sessions.get(id) {
            Some(session) if session.db == db && session.schema == schema => {
                *session.last_used.lock().expect("last use lock") = Instant::now();
                Ok(session.clone())
            }
            _ => Err(unknown(id)),
        }
    }

    /// Removes the import `id`, stopping its load if one runs; 404 if there is none.
    pub fn remove(&self, db: &str, schema: &str, id: &str) -> Result<(), ApiError> {
        self.get(db, schema, id)?;
        let removed = self.lock().remove(id).ok_or_else(|| unknown(id))?;
        if let Some(task) = removed.task.lock().expect("task lock").take() {
            task.abort();
        }
        Ok(())
    }

    /// The map, after dropping idle sessions.
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Session>>> {
        let mut sessions = self.sessions.lock().expect("import sessions lock");
        sessions.retain(|_, session| !session.expired(self.idle_limit));
        sessions
    }
}

/// Why an import in `state` cannot change or start, if it cannot.
fn refusal(state: State) -> Result<(), ApiError> {
    match state {
        State::Running => Err(ApiError::conflict("the import is running; wait for it to finish")),
        State::Done => Err(ApiError::conflict("the import is done; upload the file again to import it anew")),
        State::Previewed | State::Failed => Ok(()),
    }
}

fn unknown(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "there is no import {id:?} here (uploads expire after an hour idle); upload the file again"
    ))
}

/// One upload on its way to becoming a table.
pub struct Session {
    /// Its id (a random UUID).
    pub id: String,
    /// The database it imports into.
    pub db: String,
    /// The schema it imports into.
    pub schema: String,
    /// The uploaded file's name.
    pub file_name: String,
    file: tempfile::TempPath,
    last_used: Mutex<Instant>,
    draft: Mutex<Draft>,
    status: watch::Sender<ImportStatus>,
    task: Mutex<Option<AbortHandle>>,
}

impl Session {
    /// A session over the spooled `file`, planned as `draft`.
    pub fn new(
        db: String,
        schema: String,
        file_name: String,
        file: tempfile::TempPath,
        draft: Draft,
    ) -> Result<Session, ApiError> {
        let id = random_uuid()?;
        let status = ImportStatus {
            id: id.clone(),
            state: State::Previewed,
            rows_done: 0,
            rows_total: draft.plan.rows,
            table: None,
            warnings: draft.plan.warnings.clone(),
            error: None,
        };
        Ok(Session {
            id,
            db,
            schema,
            file_name,
            file,
            last_used: Mutex::new(Instant::now()),
            draft: Mutex::new(draft),
            status: watch::channel(status).0,
            task: Mutex::new(None),
        })
    }

    /// The spooled file.
    pub fn path(&self) -> &Path {
        &self.file
    }

    /// The options, plan and column choices as they stand.
    pub fn draft(&self) -> Draft {
        self.draft.lock().expect("draft lock").clone()
    }

    /// Replaces the draft; the import is back to `previewed`. 409 while it runs or once done.
    pub fn set_draft(&self, draft: Draft) -> Result<(), ApiError> {
        let mut outcome = Ok(());
        self.status.send_if_modified(|status| {
            outcome = refusal(status.state);
            if outcome.is_ok() {
                status.state = State::Previewed;
                status.rows_total = draft.plan.rows;
                status.warnings = draft.plan.warnings.clone();
                status.error = None;
                *self.draft.lock().expect("draft lock") = draft;
            }
            outcome.is_ok()
        });
        outcome
    }

    /// 409 unless the import can still be changed or committed (previewed, or failed).
    pub fn editable(&self) -> Result<(), ApiError> {
        refusal(self.status.borrow().state)
    }

    /// Marks the import running, unless it already runs or is done (409).
    pub fn begin(&self, rows_total: u64) -> Result<(), ApiError> {
        let mut outcome = Ok(());
        self.status.send_if_modified(|status| {
            outcome = refusal(status.state);
            if outcome.is_ok() {
                *status = ImportStatus {
                    state: State::Running,
                    rows_done: 0,
                    rows_total,
                    table: None,
                    error: None,
                    ..status.clone()
                };
            }
            outcome.is_ok()
        });
        outcome
    }

    /// Remembers the running load, so deleting the import stops it.
    pub fn running(&self, task: AbortHandle) {
        *self.task.lock().expect("task lock") = Some(task);
    }

    /// Records a load's progress.
    pub fn progress(&self, progress: Progress) {
        if progress.phase == Phase::Loading {
            self.status.send_modify(|status| status.rows_done = progress.rows);
        }
    }

    /// Records how the load ended: the table and rows written, or the error.
    pub fn finish(&self, result: Result<(QualifiedName, Loaded), ApiError>) {
        self.task.lock().expect("task lock").take();
        self.status.send_modify(|status| match result {
            Ok((table, loaded)) => {
                status.state = State::Done;
                status.rows_done = loaded.rows;
                status.warnings.extend(loaded.unmapped_warning(&table));
                status.table = Some(table.name.as_str().to_string());
            }
            Err(error) => {
                status.state = State::Failed;
                status.error = Some(error.problem());
            }
        });
    }

    /// The status as it stands.
    pub fn status(&self) -> ImportStatus {
        self.status.borrow().clone()
    }

    /// A receiver of every status change.
    pub fn subscribe(&self) -> watch::Receiver<ImportStatus> {
        self.status.subscribe()
    }

    fn expired(&self, limit: Duration) -> bool {
        let idle = self.last_used.lock().expect("last use lock").elapsed();
        idle > limit && self.status.borrow().state != State::Running
    }
}

/// What the user decided so far: the options given, the plan they produced, and a choice per
/// planned column.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The options the user gave (the rest sniffed).
    pub options: ImportOptions,
    /// The plan, with every column the file has.
    pub plan: Plan,
    /// Per column of `plan`: its name, type, and whether it is left out.
    pub choices: Vec<Choice>,
}

/// The user's choice for one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The column's name in the table.
    pub name: String,
    /// Its type.
    pub column_type: ColumnType,
    /// Whether it is left out.
    pub skip: bool,
}

impl Draft {
    /// A draft that takes the plan as it is.
    pub fn new(options: ImportOptions, plan: Plan) -> Draft {
        let choices = plan
            .columns
            .iter()
            .map(|c| Choice { name: c.name.clone(), column_type: c.column_type, skip: false })
            .collect();
        Draft { options, plan, choices }
    }

    /// The plan to load: the columns not skipped, renamed and retyped as chosen.
    pub fn load_plan(&self) -> Plan {
        let mut plan = self.plan.clone();
        plan.sample.clear();
        plan.columns = self
            .plan
            .columns
            .iter()
            .zip(&self.choices)
            .filter(|(_, choice)| !choice.skip)
            .map(|(column, choice)| {
                let mut column = column.clone();
                column.name = choice.name.clone();
                column.column_type = choice.column_type;
                if choice.column_type.is_date_like() && column.date_order.is_none() {
                    column.date_order = Some(self.plan.date_order);
                }
                column
            })
            .collect();
        plan
    }
}

/// Where an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Uploaded and planned; columns and options may change.
    Previewed,
    /// Loading.
    Running,
    /// Loaded and committed.
    Done,
    /// The load failed; nothing was written. The import may be adjusted and committed again.
    Failed,
}

/// An import's state and progress.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportStatus {
    /// The import's id.
    pub id: String,
    /// Where it is.
    pub state: State,
    /// Rows loaded so far.
    pub rows_done: u64,
    /// Rows the file has.
    pub rows_total: u64,
    /// The table written, once done.
    pub table: Option<String>,
    /// Things the user should know about the file and the load.
    pub warnings: Vec<String>,
    /// Why it failed (with `line` and `column` when known), if it did.
    pub error: Option<Problem>,
}

/// A random (version 4) UUID.
fn random_uuid() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|err| ApiError::internal(format!("no randomness for an import id: {err}")))?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(sessions: &Sessions) -> (Arc<Session>, std::path::PathBuf) {
        let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        std::io::Write::write_all(&mut file, b"a,b\n1,2\n").unwrap();
        let path = file.path().to_path_buf();
        let plan = strata_import::plan(&path, &ImportOptions::default(), &mut |_| {}).unwrap();
        let draft = Draft::new(ImportOptions::default(), plan);
        let session = Session::new("db".into(), "public".into(), "a.csv".into(), file.into_temp_path(), draft);
        (sessions.insert(session.unwrap()), path)
    }

    #[test]
    fn idle_imports_expire_with_their_file_but_running_ones_stay() {
        let sessions = Sessions { idle_limit: Duration::ZERO, ..Sessions::default() };
        let (idle, idle_file) = session(&sessions);
        let (running, _) = session(&sessions);
        running.begin(1).unwrap();
        let (idle_id, running_id) = (idle.id.clone(), running.id.clone());
        drop(idle);
        std::thread::sleep(Duration::from_millis(5));
        assert!(sessions.get("db", "public", &idle_id).is_err());
        assert!(!idle_file.exists(), "the upload is deleted with its import");
        assert!(sessions.get("db", "public", &running_id).is_ok());
        assert!(sessions.get("other", "public", &running_id).is_err(), "an import belongs to its database");
    }

    #[test]
    fn ids_are_version_4_uuids() {
        let (a, b) = (random_uuid().unwrap(), random_uuid().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }
}
