//! [`Format`]: which reader a file needs, from its name or its first bytes.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// The file formats Strata imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text; the delimiter is sniffed unless given.
    Csv,
    /// Tab-separated text.
    Tsv,
    /// Excel 2007+ workbook.
    Xlsx,
    /// Excel 97–2003 workbook.
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// A JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl Format {
    /// The format a file name suggests.
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match extension.as_str() {
            "csv" | "txt" => Format::Csv,
            "tsv" | "tab" => Format::Tsv,
            "xlsx" | "xlsm" => Format::Xlsx,
            "xls" => Format::Xls,
            "ods" => Format::Ods,
            "json" => Format::Json,
            "ndjson" | "jsonl" => Format::Ndjson,
            _ => return None,
        })
    }

    /// The format the first bytes show: zip (XLSX or ODS), OLE (XLS), JSON, else delimited text.
    pub fn sniff(head: &[u8]) -> Format {
        if head.starts_with(b"PK\x03\x04") {
            // An ODS names its MIME type in the first, uncompressed entry.
            let ods = memchr::memmem::find(head, b"application/vnd.oasis.opendocument.spreadsheet").is_some();
            return if ods { Format::Ods } else { Format::Xlsx };
        }
        if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return Format::Xls;
        }
        let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        match text.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => Format::Json,
            Some(b'{') => Format::Ndjson,
            _ => Format::Csv,
        }
    }

    /// Whether this is a workbook read through calamine.
    pub fn is_spreadsheet(self) -> bool {
        matches!(self, Format::Xlsx | Format::Xls | Format::Ods)
    }

    /// Whether this is JSON.
    pub fn is_json(self) -> bool {
        matches!(self, Format::Json | Format::Ndjson)
    }

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
        }
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Format, String> {
        Format::from_path(Path::new(&format!("x.{text}")))
            .filter(|_| !text.contains('.'))
            .ok_or_else(|| format!("unknown format {text:?}; use csv, tsv, xlsx, xls, ods, json or ndjson"))
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_contents_tell_the_format() {
        assert_eq!(Format::from_path(Path::new("Orders 2024.CSV")), Some(Format::Csv));
        assert_eq!(Format::from_path(Path::new("a.jsonl")), Some(Format::Ndjson));
        assert_eq!(Format::from_path(Path::new("noextension")), None);
        assert_eq!(Format::sniff(b"PK\x03\x04...."), Format::Xlsx);
        assert_eq!(Format::sniff(b"\xEF\xBB\xBF [{\"a\":1}]"), Format::Json);
        assert_eq!(Format::sniff(b"{\"a\":1}\n{\"a\":2}"), Format::Ndjson);
        assert_eq!(Format::sniff(b"a,b\n1,2"), Format::Csv);
        assert_eq!("tsv".parse::<Format>(), Ok(Format::Tsv));
        assert!("x.csv".parse::<Format>().is_err());
    }
}
