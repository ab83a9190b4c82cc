//! Settings, layered: command-line flags > `STRATA_*` (and `DATABASE_URL`, `PG_BINDIR`)
//! environment variables > `strata.toml` > defaults.
//!
//! clap already merges flags with the environment; this module fills what is still unset from
//! the configuration file, then from defaults, once, into [`Database`] and [`Serve`] settings
//! that nothing changes afterwards.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;
use strata_db::ServerAddress;
use strata_db::embedded::{EmbeddedOptions, default_data_dir};

use crate::cli::{DatabaseArgs, ServeArgs};

/// The default listening address: loopback only, so a fresh install exposes nothing.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The configuration file looked for in the working directory.
const DEFAULT_FILE: &str = "strata.toml";

/// The contents of `strata.toml`. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address `serve` listens on.
    pub listen: Option<SocketAddr>,
    /// The embedded database's directory.
    pub data_dir: Option<PathBuf>,
    /// An external PostgreSQL server instead of the embedded one.
    pub database_url: Option<String>,
    /// PostgreSQL's server programs for the embedded database.
    pub pg_bindir: Option<PathBuf>,
    /// Log filter in `RUST_LOG` syntax (`RUST_LOG` itself wins).
    pub log: Option<String>,
}

impl FileConfig {
    /// Reads `explicit`, or `./strata.toml` when it exists, or nothing.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<FileConfig> {
        let path = match explicit {
            Some(path) => path,
            None if Path::new(DEFAULT_FILE).exists() => Path::new(DEFAULT_FILE),
            None => return Ok(FileConfig::default()),
        };
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        FileConfig::parse(&text).with_context(|| format!("invalid configuration file {}", path.display()))
    }

    fn parse(text: &str) -> anyhow::Result<FileConfig> {
        Ok(toml::from_str(text)?)
    }
}

/// Which PostgreSQL a command uses.
#[derive(Debug)]
#[allow(clippy::large_enum_variant, reason = "resolved once per command, never copied around")]
pub enum Database {
    /// A server named by URL.
    External(ServerAddress),
    /// The embedded cluster.
    Embedded(EmbeddedOptions),
}

impl Database {
    /// Resolves flags/environment over the file over the defaults.
    pub fn resolve(args: DatabaseArgs, file: &FileConfig) -> anyhow::Result<Database> {
        if let Some(url) = args.database_url.or_else(|| file.database_url.clone()) {
            return Ok(Database::External(ServerAddress::parse(&url)?));
        }
        let data_dir = args.data_dir.or_else(|| file.data_dir.clone()).unwrap_or_else(default_data_dir);
        let bindir = args.pg_bindir.or_else(|| file.pg_bindir.clone());
        Ok(Database::Embedded(EmbeddedOptions { bindir, ..EmbeddedOptions::new(data_dir) }))
    }
}

/// Everything `strata serve` needs.
#[derive(Debug)]
pub struct Serve {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Which PostgreSQL.
    pub database: Database,
}

impl Serve {
    /// Resolves `serve`'s arguments.
    pub fn resolve(args: ServeArgs, file: &FileConfig) -> anyhow::Result<Serve> {
        let listen = args.listen.or(file.listen).unwrap_or_else(|| DEFAULT_LISTEN.parse().expect("valid default"));
        Ok(Serve { listen, database: Database::resolve(args.database, file)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> FileConfig {
        FileConfig::parse(text).unwrap()
    }

    fn serve(args: ServeArgs, text: &str) -> Serve {
        Serve::resolve(args, &file(text)).unwrap()
    }

    fn no_flags() -> ServeArgs {
        ServeArgs { listen: None, database: DatabaseArgs::default() }
    }

    #[test]
    fn defaults_apply_when_nothing_is_said() {
        let settings = serve(no_flags(), "");
        assert_eq!(settings.listen.to_string(), DEFAULT_LISTEN);
        let Database::Embedded(options) = settings.database else { panic!("not embedded") };
        assert_eq!(options.data_dir, default_data_dir());
        assert!(options.durable);
    }

    #[test]
    fn the_file_overrides_defaults() {
        let settings = serve(no_flags(), "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/strata\"\n");
        assert_eq!(settings.listen.to_string(), "0.0.0.0:9000");
        let Database::Embedded(options) = settings.database else { panic!("not embedded") };
        assert_eq!(options.data_dir, PathBuf::from("/srv/strata"));
    }

    #[test]
    fn flags_and_environment_override_the_file() {
        let args = ServeArgs {
            listen: Some("127.0.0.1:7000".parse().unwrap()),
            database: DatabaseArgs { database_url: Some("postgres://u@h/db".into()), ..DatabaseArgs::default() },
        };
        let settings = serve(args, "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/strata\"\n");
        assert_eq!(settings.listen.to_string(), "127.0.0.1:7000");
        let Database::External(address) = settings.database else { panic!("not external") };
        assert_eq!(address.describe(), "u@h:5432/db");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = FileConfig::parse("lisen = \"x\"").unwrap_err();
        assert!(err.to_string().contains("unknown field `lisen`"), "{err}");
    }
}
