//! The import sessions a server holds, by id: each an uploaded file, the user's options, the
//! current plan with the user's column choices, and the state of its load (a `watch` channel,
//! so the events stream sees every change).
//!
//! A server holds at most [`MAX_SESSIONS`] imports and [`MAX_HELD_BYTES`] of their files.
//! Sessions idle for [`IDLE_LIMIT`] are dropped (with their file) by a sweep every
//! [`SWEEP_EVERY`], or sooner when any session is looked up; a running load is never dropped. A
//! load that finishes deletes its file at once.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

use axum::http::StatusCode;

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

/// How often idle imports are looked for.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The most imports a server holds at once.
pub const MAX_SESSIONS: usize = 32;

/// The most bytes of uploads a server holds at once.
pub const MAX_HELD_BYTES: u64 = 16 << 30;

type SessionMap = HashMap<String, Arc<Session>>;

/// The import sessions of a server.
#[derive(Clone)]
pub struct Sessions {
    sessions: Arc<Mutex<SessionMap>>,
    idle_limit: Duration,
    sweep_every: Duration,
    max_sessions: usize,
    max_bytes: u64,
    /// Set once the sweep task runs (it starts with the first import, inside the runtime).
    sweeping: Arc<OnceLock<()>>,
}

impl Default for Sessions {
    fn default() -> Sessions {
        Sessions {
            sessions: Arc::default(),
            idle_limit: IDLE_LIMIT,
            sweep_every: SWEEP_EVERY,
            max_sessions: MAX_SESSIONS,
            max_bytes: MAX_HELD_BYTES,
            sweeping: Arc::default(),
        }
    }
}

impl Sessions {
    /// How many more bytes an upload may spool; 429 when the server holds as many imports as
    /// it may, 507 when their files fill the budget.
    pub fn room(&self) -> Result<u64, ApiError> {
        let sessions = self.live();
        if sessions.len() >= self.max_sessions {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "the server holds {} imports, the most it keeps at once; finish or discard one \
                     (DELETE .../imports/{{id}}), or wait until one expires after an hour idle",
                    self.max_sessions
                ),
            ));
        }
        let held: u64 = sessions.values().map(|s| s.bytes).sum();
        match self.max_bytes.checked_sub(held).filter(|&room| room > 0) {
            Some(room) => Ok(room),
            None => Err(self.full()),
        }
    }

    /// 507: the uploads held fill the budget.
    pub fn full(&self) -> ApiError {
        ApiError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            format!(
                "the uploads the server holds would pass {} GiB, the most it keeps at once; finish or discard \
                 other imports (DELETE .../imports/{{id}}), or import this file with `strata import`",
                self.max_bytes >> 30
            ),
        )
    }

    /// Adds `session`, unless the server is full since [`Sessions::room`] was asked (429 or
    /// 507; the session and its file are dropped then).
    pub fn insert(&self, session: Session) -> Result<Arc<Session>, ApiError> {
        self.start_sweeping();
        let room = self.room()?;
        if session.bytes > room {
            return Err(self.full());
        }
        let session = Arc::new(session);
        self.live().insert(session.id.clone(), session.clone());
        Ok(session)
    }

    /// The import `id` of `db`.`schema`; 404 if there is none (or it expired).
    pub fn get(&self, db: &str, schema: &str, id: &str) -> Result<Arc<Session>, ApiError> {
        let sessions = self.live();
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
        let removed = self.live().remove(id).ok_or_else(|| unknown(id))?;
        if let Some(task) = removed.task.lock().expect("task lock").take() {
            task.abort();
        }
        Ok(())
    }

    /// The map, after dropping idle sessions.
    fn live(&self) -> MutexGuard<'_, SessionMap> {
        expire(&self.sessions, self.idle_limit)
    }

    /// Starts, once, a task that drops idle sessions every [`SWEEP_EVERY`] until the server's
    /// sessions are gone. (Not in `default`: a state may be made outside a runtime.)
    fn start_sweeping(&self) {
        self.sweeping.get_or_init(|| {
            let sessions: Weak<Mutex<SessionMap>> = Arc::downgrade(&self.sessions);
            let (idle_limit, sweep_every) = (self.idle_limit, self.sweep_every);
            tokio::spawn(async move {
                let mut every = tokio::time::interval(sweep_every);
                loop {
                    every.tick().await;
                    let Some(sessions) = sessions.upgrade() else { return };
                    drop(expire(&sessions, idle_limit));
                }
            });
        });
    }
}

/// `sessions` locked, after dropping those idle longer than `idle_limit`.
fn expire(sessions: &Mutex<SessionMap>, idle_limit: Duration) -> MutexGuard<'_, SessionMap> {
    let mut sessions = sessions.lock().expect("import sessions lock");
    sessions.retain(|_, session| !session.expired(idle_limit));
    sessions
}

/// Why an import in `state` cannot change or start, if it cannot.
fn refusal(state: State) -> Result<(), ApiError> {
    match state {
        State::Running => Err(ApiError::conflict("the import is running; wait for it to finish")),
        State::Done => Err(done()),
        State::Previewed | State::Failed => Ok(()),
    }
}

fn done() -> ApiError {
    ApiError::conflict("the import is done; upload the file again to import it anew")
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
    /// The spooled file, until a load finishes.
    file: Mutex<Option<tempfile::TempPath>>,
    /// The spooled file's size.
    bytes: u64,
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
        let bytes =
            std::fs::metadata(&file).map_err(|err| ApiError::internal(format!("an upload's size: {err}")))?.len();
        let status = ImportStatus {
            id: id.clone(),
            state: State::Previewed,
            rows_done: 0,
            rows_total: draft.plan.rows,
            table: None,
            action: None,
            warnings: draft.plan.warnings.clone(),
            error: None,
        };
        Ok(Session {
            id,
            db,
            schema,
            file_name,
            file: Mutex::new(Some(file)),
            bytes,
            last_used: Mutex::new(Instant::now()),
            draft: Mutex::new(draft),
            status: watch::channel(status).0,
            task: Mutex::new(None),
        })
    }

    /// The spooled file; 409 once a load finished and deleted it.
    pub fn path(&self) -> Result<PathBuf, ApiError> {
        let file = self.file.lock().expect("file lock");
        file.as_ref().map(|file| file.to_path_buf()).ok_or_else(done)
    }

    /// The options, plan and column choices as they stand.
    pub fn draft(&self) -> Draft {
        self.draft.lock().expect("draft lock").clone()
    }

    /// Replaces the draft read as `base`; the import is back to `previewed`. 409 while it runs,
    /// once done, or if the draft changed since `base` was read (two changes at once).
    pub fn set_draft(&self, base: &Draft, mut draft: Draft) -> Result<(), ApiError> {
        let mut outcome = Ok(());
        self.status.send_if_modified(|status| {
            let mut current = self.draft.lock().expect("draft lock");
            outcome = refusal(status.state).and_then(|()| {
                if current.generation != base.generation {
                    let reason = "the import changed while this change was made; look at it again and redo the change";
                    return Err(ApiError::conflict(reason));
                }
                Ok(())
            });
            if outcome.is_ok() {
                status.state = State::Previewed;
                status.rows_total = draft.plan.rows;
                status.warnings = draft.plan.warnings.clone();
                status.error = None;
                draft.generation = current.generation + 1;
                *current = draft;
            }
            outcome.is_ok()
        });
        outcome
    }

    /// 409 unless the import can still be changed or committed (previewed, or failed).
    pub fn editable(&self) -> Result<(), ApiError> {
        refusal(self.status.borrow().state)
    }

    /// Marks the import running with what `prepare` makes of its draft, read under the same
    /// lock as the state changes, so no change slips in between. 409 if it already runs or is
    /// done; `prepare`'s error leaves the import as it was.
    pub fn begin<T>(&self, prepare: impl FnOnce(&Draft) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let mut outcome = Err(done());
        self.status.send_if_modified(|status| {
            let draft = self.draft.lock().expect("draft lock");
            outcome = refusal(status.state).and_then(|()| prepare(&draft));
            if outcome.is_ok() {
                *status = ImportStatus {
                    state: State::Running,
                    rows_done: 0,
                    rows_total: draft.plan.rows,
                    table: None,
                    action: None,
                    error: None,
                    ..status.clone()
                };
            }
            outcome.is_ok()
        });
        outcome
    }

    /// Runs `load` on a task of its own, which deleting the import stops, and records how it
    /// ends: a panic fails the import instead of leaving it running.
    pub fn spawn<F>(self: &Arc<Session>, load: F)
    where
        F: Future<Output = Result<Committed, ApiError>> + Send + 'static,
    {
        let task = tokio::spawn(load);
        *self.task.lock().expect("task lock") = Some(task.abort_handle());
        let session = self.clone();
        tokio::spawn(async move {
            match task.await {
                Ok(result) => session.finish(result),
                Err(err) if err.is_panic() => {
                    session.finish(Err(ApiError::internal(format!("the import task failed unexpectedly: {err}"))))
                }
                // Stopped because the import was discarded: nobody is left to tell.
                Err(_) => {}
            }
        });
    }

    /// Records a load's progress.
    pub fn progress(&self, progress: Progress) {
        if progress.phase == Phase::Loading {
            self.status.send_modify(|status| status.rows_done = progress.rows);
        }
    }

    /// Records how the load ended: the table and rows written and the action (the upload is
    /// deleted then), or the error (the upload stays for another try).
    fn finish(&self, result: Result<Committed, ApiError>) {
        self.task.lock().expect("task lock").take();
        if result.is_ok() {
            self.file.lock().expect("file lock").take();
        }
        self.status.send_modify(|status| match result {
            Ok(Committed { table, loaded, action }) => {
                status.state = State::Done;
                status.action = Some(action);
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

/// A load committed: the table written, what was done, and the action it was.
pub struct Committed {
    /// The table.
    pub table: QualifiedName,
    /// The rows written.
    pub loaded: Loaded,
    /// The action's id.
    pub action: i64,
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
    /// How many changes were made before this draft; a change made from an older one is refused.
    pub generation: u64,
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
        Draft { options, plan, choices, generation: 0 }
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
    /// The import's action, once done (to undo it by).
    pub action: Option<i64>,
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

    fn session() -> (Session, std::path::PathBuf) {
        let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        std::io::Write::write_all(&mut file, b"a,b\n1,2\n").unwrap();
        let path = file.path().to_path_buf();
        let plan = strata_import::plan(&path, &ImportOptions::default(), &mut |_| {}).unwrap();
        let draft = Draft::new(ImportOptions::default(), plan);
        let session = Session::new("db".into(), "public".into(), "a.csv".into(), file.into_temp_path(), draft);
        (session.unwrap(), path)
    }

    fn session_in(sessions: &Sessions) -> (Arc<Session>, std::path::PathBuf) {
        let (session, path) = session();
        (sessions.insert(session).unwrap(), path)
    }

    /// The status once it is no longer `running`.
    async fn settled(session: &Session) -> ImportStatus {
        let mut status = session.subscribe();
        let wait = status.wait_for(|status| status.state != State::Running);
        tokio::time::timeout(Duration::from_secs(10), wait).await.expect("the load ends").unwrap().clone()
    }

    #[tokio::test]
    async fn idle_imports_expire_with_their_file_but_running_ones_stay() {
        let sessions = Sessions { idle_limit: Duration::ZERO, ..Sessions::default() };
        let (idle, idle_file) = session_in(&sessions);
        let (running, _) = session_in(&sessions);
        running.begin(|_| Ok(())).unwrap();
        let (idle_id, running_id) = (idle.id.clone(), running.id.clone());
        drop(idle);
        std::thread::sleep(Duration::from_millis(5));
        assert!(sessions.get("db", "public", &idle_id).is_err());
        assert!(!idle_file.exists(), "the upload is deleted with its import");
        assert!(sessions.get("db", "public", &running_id).is_ok());
        assert!(sessions.get("other", "public", &running_id).is_err(), "an import belongs to its database");
    }

    #[tokio::test]
    async fn the_sweep_drops_idle_imports_without_any_lookup() {
        let every = Duration::from_millis(10);
        let sessions = Sessions { idle_limit: Duration::ZERO, sweep_every: every, ..Sessions::default() };
        let (idle, idle_file) = session_in(&sessions);
        drop(idle);
        std::thread::sleep(Duration::from_millis(5));
        tokio::time::sleep(every * 5).await;
        assert!(!idle_file.exists(), "the sweep deleted the idle upload");
        assert!(sessions.sessions.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_server_holds_a_bounded_number_of_imports_and_bytes() {
        let sessions = Sessions { max_sessions: 1, ..Sessions::default() };
        session_in(&sessions);
        let refused = sessions.insert(session().0).err().expect("a second import is refused");
        assert_eq!(refused.problem().status, 429);
        assert!(refused.problem().detail.contains("holds 1 imports"), "{}", refused.problem().detail);
        assert_eq!(sessions.room().unwrap_err().problem().status, 429);

        let sessions = Sessions { max_bytes: 4, ..Sessions::default() };
        let refused = sessions.insert(session().0).err().expect("an upload past the budget is refused");
        assert_eq!(refused.problem().status, 507);
        assert!(refused.problem().detail.contains("discard"), "{}", refused.problem().detail);
        assert_eq!(sessions.room().unwrap(), 4, "nothing is held");
    }

    #[tokio::test]
    async fn a_finished_load_deletes_the_upload_and_a_failed_one_keeps_it() {
        let sessions = Sessions::default();
        let (failing, failing_file) = session_in(&sessions);
        failing.begin(|_| Ok(())).unwrap();
        failing.spawn(async { Err(ApiError::unprocessable("bad line")) });
        assert_eq!(settled(&failing).await.state, State::Failed);
        assert!(failing_file.exists(), "a failed import may be tried again");

        let (loading, file) = session_in(&sessions);
        loading.begin(|_| Ok(())).unwrap();
        let table = QualifiedName::new(strata_sql::Ident::new("public").unwrap(), strata_sql::Ident::new("a").unwrap());
        let loaded = Loaded { rows: 1, id_column: None, unmapped: Vec::new() };
        loading.spawn(async move { Ok(Committed { table, loaded, action: 7 }) });
        let done = settled(&loading).await;
        assert_eq!((done.state, done.action), (State::Done, Some(7)));
        assert!(!file.exists(), "the upload is deleted once loaded");
        assert_eq!(loading.path().unwrap_err().problem().status, 409);
    }

    #[tokio::test]
    async fn a_load_that_panics_fails_the_import() {
        let (session, _file) = session_in(&Sessions::default());
        session.begin(|_| Ok(())).unwrap();
        session.spawn(async { panic!("the loader broke") });
        let status = settled(&session).await;
        assert_eq!(status.state, State::Failed);
        assert_eq!(status.error.expect("an error").status, 500);
    }

    #[tokio::test]
    async fn a_change_made_from_a_stale_draft_is_refused() {
        let (session, _file) = session_in(&Sessions::default());
        let base = session.draft();
        let renamed = |name: &str| {
            let mut draft = base.clone();
            draft.choices[0].name = name.into();
            draft
        };
        session.set_draft(&base, renamed("first")).unwrap();
        let refused = session.set_draft(&base, renamed("second")).unwrap_err();
        assert_eq!(refused.problem().status, 409);
        assert!(refused.problem().detail.contains("changed while"), "{}", refused.problem().detail);
        assert_eq!(session.draft().choices[0].name, "first");
        let current = session.draft();
        session.set_draft(&current, renamed("third")).unwrap();
        assert_eq!(session.draft().choices[0].name, "third");
    }

    #[tokio::test]
    async fn begin_loads_the_draft_as_it_is_then_and_leaves_a_refused_one_previewed() {
        let (session, _file) = session_in(&Sessions::default());
        let base = session.draft();
        let mut changed = base.clone();
        changed.choices[0].name = "changed".into();
        session.set_draft(&base, changed).unwrap();
        let refused = session.begin(|_| Err::<(), _>(ApiError::bad_parameter("mapping", "no such column")));
        assert_eq!(refused.unwrap_err().problem().status, 400);
        assert_eq!(session.status().state, State::Previewed);
        let plan = session.begin(|draft| Ok(draft.load_plan())).unwrap();
        assert_eq!(plan.columns[0].name, "changed");
        assert_eq!(session.status().state, State::Running);
        assert_eq!(session.set_draft(&session.draft(), base).unwrap_err().problem().status, 409);
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
