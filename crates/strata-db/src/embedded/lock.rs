//! The data directory lock: one Strata process owns a cluster at a time.
//!
//! The lock is an `flock` on `strata.lock`, so the kernel releases it when its owner dies,
//! however it dies: a lock can never be stale. The file records the owner's pid and the
//! cluster's socket directory, which is how a second command finds a running cluster.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

use super::EmbeddedError;

/// Ownership of a data directory, held until dropped.
#[derive(Debug)]
pub struct DataDirLock {
    file: Flock<File>,
}

/// Who holds a data directory's lock, as recorded in its lock file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The owning process.
    pub pid: u32,
    /// Where its cluster listens.
    pub socket_dir: PathBuf,
}

/// The outcome of trying to take the lock.
#[derive(Debug)]
pub enum Acquired {
    /// This process owns the data directory now.
    Owned(DataDirLock),
    /// Another live process owns it.
    Busy(Owner),
}

impl DataDirLock {
    /// Tries to take the lock on `path` without waiting.
    pub fn try_acquire(path: &Path) -> Result<Acquired, EmbeddedError> {
        let io = |source| EmbeddedError::io(format!("opening the lock file {}", path.display()), source);
        let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).map_err(io)?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(file) => Ok(Acquired::Owned(DataDirLock { file })),
            Err((mut file, Errno::EWOULDBLOCK)) => {
                let mut text = String::new();
                file.read_to_string(&mut text).map_err(io)?;
                Ok(Acquired::Busy(parse_owner(&text).unwrap_or(Owner { pid: 0, socket_dir: PathBuf::new() })))
            }
            Err((_, errno)) => Err(io(errno.into())),
        }
    }

    /// Records this process as the owner, listening in `socket_dir`.
    pub fn record(&mut self, socket_dir: &Path) -> Result<(), EmbeddedError> {
        let io = |source| EmbeddedError::io("writing the lock file".to_string(), source);
        let file: &mut File = &mut self.file;
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        writeln!(file, "{}\n{}", std::process::id(), socket_dir.display()).map_err(io)?;
        file.sync_data().map_err(io)
    }
}

fn parse_owner(text: &str) -> Option<Owner> {
    let mut lines = text.lines();
    let pid = lines.next()?.trim().parse().ok()?;
    let socket_dir = PathBuf::from(lines.next()?);
    Some(Owner { pid, socket_dir })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_owner_sees_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("strata.lock");
        let Acquired::Owned(mut lock) = DataDirLock::try_acquire(&path).unwrap() else { panic!("not owned") };
        lock.record(Path::new("/run/x")).unwrap();

        let Acquired::Busy(owner) = DataDirLock::try_acquire(&path).unwrap() else { panic!("taken twice") };
        assert_eq!(owner, Owner { pid: std::process::id(), socket_dir: PathBuf::from("/run/x") });

        drop(lock);
        assert!(matches!(DataDirLock::try_acquire(&path).unwrap(), Acquired::Owned(_)));
    }
}
