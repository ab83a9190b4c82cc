//! Delimited text: CSV, TSV, any one-byte delimiter, in any encoding encoding_rs knows.
//!
//! UTF-8 is read as bytes and checked field by field; other encodings are decoded to UTF-8 on
//! the fly. The `csv` crate handles quoting, embedded newlines and `\n`, `\r\n` or lone `\r`
//! line endings.

use std::io::{BufReader, Read};

use csv::{ByteRecord, ReaderBuilder};
use encoding_rs::UTF_8;
use encoding_rs_io::DecodeReaderBytesBuilder;

use super::{Counting, Records};
use crate::error::ImportError;
use crate::plan::Source;
use crate::row::Row;

pub(crate) struct CsvRecords {
    reader: csv::Reader<Box<dyn Read>>,
    record: ByteRecord,
    encoding: &'static str,
}

impl CsvRecords {
    pub(crate) fn new(file: Counting<std::fs::File>, source: &Source) -> Result<CsvRecords, ImportError> {
        let input: Box<dyn Read> = if source.encoding == UTF_8 {
            // The csv crate skips a UTF-8 byte order mark itself.
            Box::new(BufReader::with_capacity(1 << 18, file))
        } else {
            Box::new(DecodeReaderBytesBuilder::new().encoding(Some(source.encoding)).build(file))
        };
        let reader = ReaderBuilder::new()
            .delimiter(source.delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 18)
            .from_reader(input);
        Ok(CsvRecords { reader, record: ByteRecord::new(), encoding: source.encoding.name() })
    }
}

impl Records for CsvRecords {
    fn next(&mut self, row: &mut Row) -> Result<bool, ImportError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => return Ok(false),
            Ok(true) => {}
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line());
                return Err(match err.into_kind() {
                    csv::ErrorKind::Io(err) => ImportError::Io(err),
                    other => ImportError::Csv { line, message: format!("{other:?}") },
                });
            }
        }
        let line = self.record.position().map_or(0, |p| p.line());
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
