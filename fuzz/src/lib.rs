//! Fuzzing Strata's import pipeline: sniffing, parsing, type inference and binary COPY
//! encoding, from arbitrary bytes. Errors are expected answers; a panic is a bug, because user
//! input never panics.
//!
//! [`import`] is the whole fuzz target. libFuzzer calls it through `fuzz_targets/import.rs`
//! (`cargo fuzz run import`), and the `replay` binary calls it on stable Rust for every file of
//! the seed corpus and the regressions, so a machine without nightly still runs them.
//!
//! An input is two bytes of [`Choices`] followed by the file's contents:
//!
//! ```text
//! byte 0   bits 0-2  format: 1 csv, 2 tsv, 3 json, 4 ndjson, 5 xlsx, else sniffed
//!          bits 3-4  header: 1 yes, 2 no, else sniffed
//!          bits 5-6  date order: 1 dmy, 2 mdy, 3 ymd, 0 the default
//!          bit  7    encode with a leading row number (`Leading::RowNumber`), else `Nothing`
//! byte 1   delimiter: the byte itself when `ImportOptions::parse_delimiter` accepts it
//!          (ASCII, not a quote or newline), else sniffed (0x80 and up, say)
//! byte 2.. the file
//! ```
//!
//! For example, `00 ff` followed by `a,b\n1,2\n` imports a CSV with every choice left to
//! sniffing; `09 3b` followed by the same bytes forces CSV with `;` and a header row.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use strata_import::{DateOrder, Format, ImportOptions, Leading};

/// What the first two bytes of an input choose: the options a user could give.
#[derive(Debug, Clone)]
pub struct Choices {
    /// What `plan` gets.
    pub options: ImportOptions,
    /// What `encode` writes before each row's columns. `Leading::Line` is not chosen: it
    /// differs from `RowNumber` only in the number written.
    pub leading: Leading,
}

impl Choices {
    /// Splits an input into its choices and the file's contents; `None` when it is too short
    /// to hold the two option bytes.
    pub fn split(data: &[u8]) -> Option<(Choices, &[u8])> {
        let [flags, delimiter, contents @ ..] = data else { return None };
        let format = match flags & 0b111 {
            1 => Some(Format::Csv),
            2 => Some(Format::Tsv),
            3 => Some(Format::Json),
            4 => Some(Format::Ndjson),
            5 => Some(Format::Xlsx),
            _ => None,
        };
        let header = match (flags >> 3) & 0b11 {
            1 => Some(true),
            2 => Some(false),
            _ => None,
        };
        let date_order = match (flags >> 5) & 0b11 {
            1 => Some(DateOrder::Dmy),
            2 => Some(DateOrder::Mdy),
            3 => Some(DateOrder::Ymd),
            _ => None,
        };
        // Only delimiters a user can give: the CLI and the API both go through parse_delimiter.
        let delimiter = ImportOptions::parse_delimiter(char::from(*delimiter).encode_utf8(&mut [0; 4])).ok();
        let options = ImportOptions { format, delimiter, header, date_order, ..ImportOptions::default() };
        let leading = if flags & 0x80 != 0 { Leading::RowNumber } else { Leading::Nothing };
        Some((Choices { options, leading }, contents))
    }
}

/// Runs one input through `plan` and, when that succeeds, `encode` into a sink that drops the
/// bytes. Returns nothing: errors are fine, and a panic is the finding.
pub fn import(data: &[u8]) {
    let Some((choices, contents)) = Choices::split(data) else { return };
    let path = scratch_file();
    // Not a finding when it fails, but then nothing is being tested: stop loudly.
    overwrite(path, contents).expect("the fuzz input's scratch file is writable");
    let Ok(plan) = strata_import::plan(path, &choices.options, &mut |_| {}) else { return };
    let _ = strata_import::encode(path, &plan, choices.leading, &mut |_chunk| Ok(()), &mut |_| {});
}

/// Replaces the file's contents in place. Not `fs::write`: on ext4, truncating a file to zero
/// and writing it again makes `close` flush it to disk (`auto_da_alloc`), which took 2-3 ms,
/// ten times the import itself.
fn overwrite(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(false).open(path)?;
    file.write_all(contents)?;
    file.set_len(contents.len() as u64)
}

/// The file each input is written to: one per process, rewritten for every input, so that
/// millions of runs do not churn the file system. It has no extension, so the format comes
/// from the options or the contents, never from the name.
pub fn scratch_file() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| std::env::temp_dir().join(format!("strata-fuzz-import-{}", std::process::id())))
}
