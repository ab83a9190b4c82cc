//! Spawning the postmaster so that it never outlives Strata.
//!
//! The child is started from a dedicated thread that lives exactly as long as the child:
//! `PR_SET_PDEATHSIG` fires when the *thread* that forked a process exits, not the process, so a
//! short-lived thread (a tokio blocking worker, say) would kill PostgreSQL at a random moment.
//! The signal is SIGINT, PostgreSQL's "fast shutdown": it ends sessions, writes a checkpoint
//! and exits, so even a `kill -9` of Strata leaves a clean cluster behind.
//!
//! The child gets its own process group, so a Ctrl-C in the terminal reaches only Strata, which
//! then stops PostgreSQL in order.

// `pre_exec` is the only way to run `prctl` between fork and exec.
#![allow(unsafe_code)]

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, getppid};

use super::account::Account;

/// How long a fast shutdown may take before Strata escalates to an immediate one.
const FAST_SHUTDOWN: Duration = Duration::from_secs(30);
/// How long an immediate shutdown may take before Strata kills the postmaster.
const IMMEDIATE_SHUTDOWN: Duration = Duration::from_secs(5);

/// A running postmaster, supervised by its own thread.
#[derive(Debug)]
pub struct Postmaster {
    pid: Pid,
    exit: Receiver<io::Result<ExitStatus>>,
    exited: bool,
}

/// Makes `command` run as `account`, in its own process group, from `/`.
pub fn run_as(command: &mut Command, account: &Account) {
    command.current_dir("/").process_group(0);
    if account.switch {
        command.uid(account.uid.as_raw()).gid(account.gid.as_raw());
    }
}

impl Postmaster {
    /// Starts `command` (already prepared with [`run_as`]) from a supervisor thread.
    pub fn spawn(mut command: Command) -> io::Result<Postmaster> {
        let parent = Pid::this();
        // SAFETY: the closure only makes async-signal-safe system calls (prctl, getppid) and
        // allocates nothing. It runs after std has switched user ids, which matters because a
        // change of credentials clears the parent-death signal.
        unsafe {
            command.pre_exec(move || {
                nix::sys::prctl::set_pdeathsig(Signal::SIGINT)?;
                // Strata may have died between fork and prctl; then nobody would stop us.
                if getppid() != parent {
                    return Err(io::Error::other("Strata exited while PostgreSQL was starting"));
                }
                Ok(())
            });
        }
        let (started_tx, started_rx) = mpsc::channel();
        let (exit_tx, exit) = mpsc::channel();
        std::thread::Builder::new().name("postgres-supervisor".into()).spawn(move || match command.spawn() {
            Ok(mut child) => {
                let _ = started_tx.send(Ok(child.id()));
                let _ = exit_tx.send(child.wait());
            }
            Err(err) => {
                let _ = started_tx.send(Err(err));
            }
        })?;
        let pid = started_rx.recv().map_err(|_| io::Error::other("the supervisor thread died"))??;
        let pid = Pid::from_raw(i32::try_from(pid).map_err(io::Error::other)?);
        Ok(Postmaster { pid, exit, exited: false })
    }

    /// The postmaster's process id.
    pub fn pid(&self) -> u32 {
        self.pid.as_raw().unsigned_abs()
    }

    /// Whether the postmaster has exited, and how.
    pub fn try_exit_status(&mut self) -> Option<io::Result<ExitStatus>> {
        let status = self.exit.try_recv().ok()?;
        self.exited = true;
        Some(status)
    }

    /// Stops the postmaster: fast shutdown, then immediate, then SIGKILL. Blocks until it is gone.
    pub fn stop(&mut self) {
        if self.exited {
            return;
        }
        for (signal, patience) in
            [(Signal::SIGINT, FAST_SHUTDOWN), (Signal::SIGQUIT, IMMEDIATE_SHUTDOWN), (Signal::SIGKILL, Duration::MAX)]
        {
            if kill(self.pid, signal).is_err() {
                break;
            }
            match self.exit.recv_timeout(patience) {
                Ok(_) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    tracing::warn!(pid = self.pid(), ?signal, "PostgreSQL did not stop in time; escalating");
                }
            }
        }
        self.exited = true;
    }
}

impl Drop for Postmaster {
    fn drop(&mut self) {
        self.stop();
    }
}
