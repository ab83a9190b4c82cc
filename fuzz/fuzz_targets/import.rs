//! libFuzzer's entry point for the import pipeline; the work is in `strata_fuzz::import`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| strata_fuzz::import(data));
