//! Runs the import fuzz target once over every file in the given directories (or files), on
//! stable Rust and without libFuzzer: `cargo run --bin replay -- corpus/import regressions`.
//! Every panic is reported with its file; the exit status is 1 if any input panicked.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut inputs = Vec::new();
    for arg in std::env::args_os().skip(1) {
        if let Err(err) = collect(Path::new(&arg), &mut inputs) {
            eprintln!("replay: cannot read {}: {err}", Path::new(&arg).display());
            return ExitCode::from(2);
        }
    }
    inputs.sort();
    let mut panicked = Vec::new();
    for input in &inputs {
        let data = match std::fs::read(input) {
            Ok(data) => data,
            Err(err) => {
                eprintln!("replay: cannot read {}: {err}", input.display());
                return ExitCode::from(2);
            }
        };
        // The panic hook has already printed the message (and the backtrace with RUST_BACKTRACE).
        if std::panic::catch_unwind(|| strata_fuzz::import(&data)).is_err() {
            eprintln!("replay: {} panicked", input.display());
            panicked.push(input);
        }
    }
    let _ = std::fs::remove_file(strata_fuzz::scratch_file());
    println!("replay: {} inputs, {} panicked", inputs.len(), panicked.len());
    if panicked.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Adds `path`, or the files directly in it, skipping dot files such as `.gitkeep`.
fn collect(path: &Path, inputs: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !path.is_dir() {
        inputs.push(path.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if entry.file_type()?.is_file() && !hidden {
            inputs.push(entry.path());
        }
    }
    Ok(())
}
