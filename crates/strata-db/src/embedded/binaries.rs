//! Finding the PostgreSQL server binaries (`postgres`, `initdb`) on this machine.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::EmbeddedError;

/// The directory holding `postgres` and `initdb`, with the major version they report.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// The directory, such as `/usr/lib/postgresql/15/bin`.
    pub bindir: PathBuf,
    /// The major version of that `postgres`, such as 15.
    pub major: u32,
}

impl Binaries {
    /// Looks for the binaries, in order: `explicit` (from `PG_BINDIR`), `pg_config --bindir`,
    /// `/usr/lib/postgresql/*/bin` (newest first), `/usr/local/pgsql/bin`, then `PATH`.
    pub fn find(explicit: Option<&Path>) -> Result<Binaries, EmbeddedError> {
        if let Some(dir) = explicit {
            return Binaries::in_dir(dir)
                .ok_or_else(|| EmbeddedError::BinariesNotFound { looked_in: format!("PG_BINDIR={}", dir.display()) });
        }
        candidates().iter().find_map(|dir| Binaries::in_dir(dir)).ok_or_else(|| EmbeddedError::BinariesNotFound {
            looked_in: "pg_config --bindir, /usr/lib/postgresql/*/bin, /usr/local/pgsql/bin \
                            and PATH"
                .to_string(),
        })
    }

    /// The path of one binary in [`Binaries::bindir`].
    pub fn path(&self, name: &str) -> PathBuf {
        self.bindir.join(name)
    }

    fn in_dir(dir: &Path) -> Option<Binaries> {
        if !dir.join("initdb").is_file() {
            return None;
        }
        let output = Command::new(dir.join("postgres")).arg("--version").output().ok()?;
        let major = parse_major(&String::from_utf8_lossy(&output.stdout))?;
        Some(Binaries { bindir: dir.to_path_buf(), major })
    }
}

fn candidates() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        dirs.push(PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse().ok()?;
            Some((major, entry.path().join("bin")))
        })
        .collect();
    debian.sort_by_key(|(major, _)| std::cmp::Reverse(*major));
    dirs.extend(debian.into_iter().map(|(_, dir)| dir));
    dirs.push(PathBuf::from("/usr/local/pgsql/bin"));
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs
}

/// Reads the major version from `postgres (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)`.
fn parse_major(version: &str) -> Option<u32> {
    let number = version.split_whitespace().find(|word| word.starts_with(|c: char| c.is_ascii_digit()))?;
    number.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_major_versions() {
        assert_eq!(parse_major("postgres (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)"), Some(15));
        assert_eq!(parse_major("postgres (PostgreSQL) 17beta2"), Some(17));
        assert_eq!(parse_major("postgres (PostgreSQL) 9.6.24"), Some(9));
        assert_eq!(parse_major("garbage"), None);
    }

    #[test]
    fn a_directory_without_binaries_is_refused_with_a_hint() {
        let err = Binaries::find(Some(Path::new("/nonexistent"))).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("PG_BINDIR=/nonexistent"), "{message}");
        assert!(message.contains("DATABASE_URL"), "{message}");
    }
}
