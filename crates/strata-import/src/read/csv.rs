//! Delimited text: CSV, TSV, any one-byte delimiter, in any encoding encoding_rs knows.
//!
//! UTF-8 is read as bytes and checked field by field; other encodings are decoded to UTF-8 on
//! the fly. The `csv` crate handles quoting, embedded newlines and `\n`, `\r\n` or lone `\r`
//! line endings.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{BufReader, Read};
use std::rc::Rc;

use csv::{ByteRecord, ReaderBuilder};
use encoding_rs::UTF_8;
use encoding_rs_io::DecodeReaderBytesBuilder;

use super::{Counting, Records};
use crate::error::ImportError;
use crate::plan::Source;
use crate::row::Row;

pub(crate) struct CsvRecords {
    reader: csv::Reader<LineBreaks<Box<dyn Read>>>,
    record: ByteRecord,
    encoding: &'static str,
    lines: Lines,
}

impl CsvRecords {
    pub(crate) fn new(file: Counting<std::fs::File>, source: &Source) -> Result<CsvRecords, ImportError> {
        let input: Box<dyn Read> = if source.encoding == UTF_8 {
            // The csv crate skips a UTF-8 byte order mark itself.
            Box::new(BufReader::with_capacity(1 << 18, file))
        } else {
            Box::new(DecodeReaderBytesBuilder::new().encoding(Some(source.encoding)).build(file))
        };
        let lines = Lines::default();
        let reader = ReaderBuilder::new()
            .delimiter(source.delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 18)
            .from_reader(LineBreaks { inner: input, lines: lines.clone(), offset: 0, after_cr: false });
        Ok(CsvRecords { reader, record: ByteRecord::new(), encoding: source.encoding.name(), lines })
    }
}

impl Records for CsvRecords {
    fn next(&mut self, row: &mut Row) -> Result<bool, ImportError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => return Ok(false),
            Ok(true) => {}
            Err(err) => {
                let line = self.lines.line_at(err.position().map_or(0, |p| p.byte()));
                return Err(match err.into_kind() {
                    csv::ErrorKind::Io(err) => ImportError::Io(err),
                    other => ImportError::Csv { line, message: format!("{other:?}") },
                });
            }
        }
        let line = self.lines.line_at(self.record.position().map_or(0, |p| p.byte()));
        if memchr::memchr(0, self.record.as_slice()).is_some() {
            return Err(ImportError::Nul { line, encoding: self.encoding });
        }
        // Fields split at ASCII bytes, so a valid record slices into valid fields.
        let text = std::str::from_utf8(self.record.as_slice())
            .map_err(|_| ImportError::Encoding { line, encoding: self.encoding })?;
        row.start(line);
        row.push_fields(text, (0..self.record.len()).filter_map(|i| self.record.range(i)));
        Ok(true)
    }
}

/// Line numbers by byte offset. The csv crate counts only `\n` as a line break, so a file with
/// lone `\r` line endings (old Mac exports) would be all "line 1"; `LineBreaks` notes every
/// break (`\n`, `\r\n`, lone `\r`) as the parser reads ahead, and records ask for their line
/// in order, so only the breaks in the parser's buffer are kept.
#[derive(Clone, Default)]
struct Lines(Rc<RefCell<LineState>>);

#[derive(Default)]
struct LineState {
    /// Offsets just past each break not yet passed by a record.
    pending: VecDeque<u64>,
    /// Breaks already passed.
    passed: u64,
}

impl Lines {
    /// The 1-based line of the byte at `offset` (offsets only grow).
    fn line_at(&self, offset: u64) -> u64 {
        let mut state = self.0.borrow_mut();
        while state.pending.front().is_some_and(|&end| end <= offset) {
            state.pending.pop_front();
            state.passed += 1;
        }
        state.passed + 1
    }
}

struct LineBreaks<R> {
    inner: R,
    lines: Lines,
    offset: u64,
    after_cr: bool,
}

impl<R: Read> Read for LineBreaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut state = self.lines.0.borrow_mut();
        for at in memchr::memchr2_iter(b'\n', b'\r', &buf[..n]) {
            let end = self.offset + at as u64 + 1;
            let crlf = buf[at] == b'\n' && (if at == 0 { self.after_cr } else { buf[at - 1] == b'\r' });
            if crlf {
                // The \r already counted this break; it ends after the \n.
                if let Some(last) = state.pending.back_mut() {
                    *last = end;
                }
            } else {
                state.pending.push_back(end);
            }
        }
        if n > 0 {
            self.after_cr = buf[n - 1] == b'\r';
        }
        self.offset += n as u64;
        Ok(n)
    }
}
