//! Which operating-system account runs the cluster.
//!
//! PostgreSQL refuses to run as root. When Strata itself runs as root, the cluster runs as the
//! `postgres` account (or `nobody`), and that account must be able to reach the data directory.

use std::ffi::CString;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use nix::unistd::{Gid, Uid, User, getgrouplist};

use super::EmbeddedError;

/// The account the cluster's processes run as.
#[derive(Debug, Clone)]
pub struct Account {
    /// The account's name, for messages.
    pub name: String,
    /// Its user id.
    pub uid: Uid,
    /// Its primary group id.
    pub gid: Gid,
    /// Whether this is another account than Strata's own (Strata runs as root).
    pub switch: bool,
}

impl Account {
    /// The current user, or `postgres`/`nobody` when running as root.
    pub fn for_cluster() -> Result<Account, EmbeddedError> {
        let uid = Uid::effective();
        if !uid.is_root() {
            let name = User::from_uid(uid).ok().flatten().map_or_else(|| uid.to_string(), |u| u.name);
            return Ok(Account { name, uid, gid: Gid::effective(), switch: false });
        }
        ["postgres", "nobody"]
            .iter()
            .find_map(|name| User::from_name(name).ok().flatten())
            .map(|user| Account { name: user.name, uid: user.uid, gid: user.gid, switch: true })
            .ok_or(EmbeddedError::NoAccount)
    }

    /// Checks that this account can traverse every directory down to `dir`, naming the first
    /// one that blocks it.
    pub fn check_can_reach(&self, dir: &Path) -> Result<(), EmbeddedError> {
        if !self.switch {
            return Ok(());
        }
        let groups = self.groups();
        let mut ancestors: Vec<&Path> = dir.ancestors().collect();
        ancestors.reverse();
        for ancestor in ancestors {
            let meta = std::fs::metadata(ancestor)
                .map_err(|source| EmbeddedError::io(format!("reading {}", ancestor.display()), source))?;
            let mode = meta.mode();
            let can_search = if meta.uid() == self.uid.as_raw() {
                mode & 0o100 != 0
            } else if groups.contains(&Gid::from_raw(meta.gid())) {
                mode & 0o010 != 0
            } else {
                mode & 0o001 != 0
            };
            if !can_search {
                return Err(EmbeddedError::Unreachable {
                    dir: dir.to_path_buf(),
                    blocking: PathBuf::from(ancestor),
                    account: self.name.clone(),
                });
            }
        }
        Ok(())
    }

    /// Gives `path` to this account, when the cluster runs as another account than Strata.
    pub fn own(&self, path: &Path) -> Result<(), EmbeddedError> {
        if self.switch {
            std::os::unix::fs::chown(path, Some(self.uid.as_raw()), Some(self.gid.as_raw()))
                .map_err(|source| EmbeddedError::io(format!("giving {} to {}", path.display(), self.name), source))?;
        }
        Ok(())
    }

    fn groups(&self) -> Vec<Gid> {
        CString::new(self.name.as_str())
            .ok()
            .and_then(|name| getgrouplist(&name, self.gid).ok())
            .unwrap_or_else(|| vec![self.gid])
    }
}
