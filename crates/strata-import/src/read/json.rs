//! JSON: an array of objects, or one object per line (NDJSON). Keys become columns in the
//! order they are first seen; nested objects and arrays stay JSON (`jsonb`).
//!
//! The array is not loaded whole: a small scanner finds each element's bytes, and only that
//! element is parsed, so memory stays flat however large the file.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};

use serde_json::{Map, Value};

use super::{Counting, Records};
use crate::error::ImportError;
use crate::format::Format;
use crate::plan::Source;
use crate::row::{Cell, Row};

pub(crate) struct JsonRecords {
    input: BufReader<Counting<std::fs::File>>,
    array: bool,
    started: bool,
    finished: bool,
    element: Vec<u8>,
    /// The line of the element's first byte that is not white space (0 before it).
    element_line: u64,
    record: u64,
    line: u64,
    keys: Vec<String>,
    index: HashMap<String, usize>,
    text: String,
}

impl JsonRecords {
    pub(crate) fn new(file: Counting<std::fs::File>, source: &Source) -> JsonRecords {
        let keys = source.keys.clone();
        let index = keys.iter().enumerate().map(|(i, k)| (k.clone(), i)).collect();
        JsonRecords {
            input: BufReader::with_capacity(1 << 18, file),
            array: source.format == Format::Json,
            started: false,
            finished: false,
            element: Vec::new(),
            element_line: 0,
            record: 0,
            line: 1,
            keys,
            index,
            text: String::new(),
        }
    }

    /// The next element's bytes into `self.element`; `false` at the end of the array/file.
    fn next_element(&mut self) -> Result<bool, ImportError> {
        self.element.clear();
        self.element_line = 0;
        if self.array { self.next_array_element() } else { self.next_line() }
    }

    fn next_line(&mut self) -> Result<bool, ImportError> {
        loop {
            let mut line = Vec::new();
            if self.input.read_until(b'\n', &mut line)? == 0 {
                return Ok(false);
            }
            self.line += 1;
            if !line.iter().all(u8::is_ascii_whitespace) {
                self.element = line;
                return Ok(true);
            }
        }
    }

    /// Scans one element of the top-level array: strings and nesting are tracked so that only
    /// a comma or bracket at depth zero ends it.
    fn next_array_element(&mut self) -> Result<bool, ImportError> {
        if self.finished {
            return Ok(false);
        }
        if !self.started {
            match self.skip_whitespace()? {
                Some(b'[') => self.consume(),
                _ => {
                    return Err(
                        self.error("a JSON import must be an array of objects ([{...}, ...]) or one object per line")
                    );
                }
            }
            self.started = true;
        }
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        loop {
            let Some(byte) = self.peek()? else {
                return Err(self.error("the JSON array is not closed; the file may be cut off"));
            };
            if in_string {
                self.push_consume(byte);
                match (escaped, byte) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => depth -= 1,
                b']' => {
                    self.consume();
                    self.finished = true;
                    return Ok(!self.element.iter().all(u8::is_ascii_whitespace));
                }
                b',' if depth == 0 => {
                    self.consume();
                    return Ok(true);
                }
                _ => {}
            }
            self.push_consume(byte);
        }
    }

    fn skip_whitespace(&mut self) -> Result<Option<u8>, ImportError> {
        while let Some(byte) = self.peek()? {
            if !byte.is_ascii_whitespace() {
                return Ok(Some(byte));
            }
            self.line += u64::from(byte == b'\n');
            self.consume();
        }
        Ok(None)
    }

    fn peek(&mut self) -> Result<Option<u8>, ImportError> {
        Ok(self.input.fill_buf()?.first().copied())
    }

    fn consume(&mut self) {
        self.input.consume(1);
    }

    fn push_consume(&mut self, byte: u8) {
        if self.element_line == 0 && !byte.is_ascii_whitespace() {
            self.element_line = self.line;
        }
        if byte == b'\n' {
            self.line += 1;
        }
        self.element.push(byte);
        self.consume();
    }

    fn error(&self, message: &str) -> ImportError {
        ImportError::Json { line: self.line, message: message.to_string() }
    }

    fn column(&mut self, key: &str) -> usize {
        if let Some(&i) = self.index.get(key) {
            return i;
        }
        self.keys.push(key.to_string());
        self.index.insert(key.to_string(), self.keys.len() - 1);
        self.keys.len() - 1
    }
}

impl Records for JsonRecords {
    fn next(&mut self, row: &mut Row) -> Result<bool, ImportError> {
        // A leading byte order mark is not JSON.
        if !self.started && self.input.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
            self.input.consume(3);
        }
        if !self.next_element()? {
            return Ok(false);
        }
        self.started = true;
        self.record += 1;
        // An element of an array starts where its first byte is, not after the comma before it.
        let line = if self.array { self.element_line.max(1) } else { self.line - 1 };
        let object: Map<String, Value> = match serde_json::from_slice(&self.element) {
            Ok(Value::Object(object)) => object,
            Ok(_) => {
                return Err(ImportError::Json { line, message: format!("record {} is not an object", self.record) });
            }
            Err(err) => return Err(ImportError::Json { line, message: format!("record {}: {err}", self.record) }),
        };
        // `\u0000` is valid JSON that neither text nor jsonb can hold: refuse it here, with its
        // line, rather than have the server refuse the load.
        if memchr::memmem::find(&self.element, b"\\u0000").is_some() && object.values().any(holds_nul) {
            let message =
                format!("record {} holds a NUL character (\\u0000), which PostgreSQL cannot store", self.record);
            return Err(ImportError::Json { line, message });
        }
        let mut cells: Vec<Option<Value>> = vec![None; self.keys.len()];
        for (key, value) in object {
            let column = self.column(&key);
            if column >= cells.len() {
                cells.resize(column + 1, None);
            }
            cells[column] = Some(value);
        }
        row.start(line);
        for value in &cells {
            match value {
                None | Some(Value::Null) => row.push(Cell::Empty),
                Some(Value::Bool(b)) => row.push(Cell::Bool(*b)),
                Some(Value::Number(n)) => {
                    self.text.clear();
                    self.text.push_str(&n.to_string());
                    row.push(Cell::Number(&self.text));
                }
                Some(Value::String(s)) => row.push(Cell::Text(s)),
                Some(nested) => {
                    self.text = nested.to_string();
                    row.push(Cell::Json(&self.text));
                }
            }
        }
        Ok(true)
    }

    fn keys(&self) -> Option<&[String]> {
        Some(&self.keys)
    }
}

/// Whether a string in `value`, or a key of an object in it, holds a NUL character.
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(object) => object.iter().any(|(key, value)| key.contains('\0') || holds_nul(value)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}
