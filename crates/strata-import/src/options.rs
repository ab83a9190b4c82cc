//! [`ImportOptions`]: what the user said, before anything is decided.

use encoding_rs::Encoding;

use crate::format::Format;
use crate::types::DateOrder;

/// The user's choices. `None` means "find out from the file"; [`crate::plan`] turns these into
/// a resolved [`crate::Plan`].
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The format; from the file name or contents when `None`.
    pub format: Option<Format>,
    /// The sheet of a workbook; the first non-empty one when `None`.
    pub sheet: Option<String>,
    /// The delimiter of a text file; sniffed when `None`.
    pub delimiter: Option<u8>,
    /// The text encoding; from the BOM or detected when `None`.
    pub encoding: Option<&'static Encoding>,
    /// Whether the first row names the columns; sniffed when `None`.
    pub header: Option<bool>,
    /// The day/month order for ambiguous date columns; `default_date_order` when `None`.
    pub date_order: Option<DateOrder>,
    /// The fallback for ambiguous dates (from the locale, else month first).
    pub default_date_order: DateOrder,
}

impl ImportOptions {
    /// Reads an encoding label such as `utf-8`, `latin1`, `windows-1252`, `utf-16le`.
    pub fn parse_encoding(label: &str) -> Result<&'static Encoding, String> {
        Encoding::for_label(label.trim().as_bytes())
            .ok_or_else(|| format!("unknown encoding {label:?}; try utf-8, windows-1252, latin1, utf-16le, shift_jis"))
    }

    /// Reads a delimiter: one character (`;`), or `tab`/`\t`.
    pub fn parse_delimiter(text: &str) -> Result<u8, String> {
        match text {
            "tab" | "\\t" | "\t" => Ok(b'\t'),
            _ if text.len() == 1 && text.is_ascii() && text != "\"" && text != "\n" && text != "\r" => {
                Ok(text.as_bytes()[0])
            }
            _ => Err(format!("the delimiter must be one ASCII character other than a quote or newline, not {text:?}")),
        }
    }
}
