//! Sniffing what the user did not say: the encoding and the delimiter.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8};

/// How much of the file sniffing looks at.
pub(crate) const SAMPLE_BYTES: usize = 64 * 1024;

/// The delimiters sniffing tries, in order of preference when they score the same.
const DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// The encoding of a file whose first bytes are `head`: the BOM's, else UTF-8 when the sample is
/// valid UTF-8, else chardetng's guess.
pub(crate) fn encoding(head: &[u8]) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(head) {
        return encoding;
    }
    match std::str::from_utf8(head) {
        Ok(_) => UTF_8,
        // An error only in the last, cut-off character is still UTF-8.
        Err(err) if err.error_len().is_none() => UTF_8,
        Err(_) => {
            let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
            detector.feed(head, false);
            guess(detector)
        }
    }
}

/// chardetng's guess over the whole file, for when a sample that looked like UTF-8 was not.
/// The file is fed a buffer at a time, so memory stays flat however large it is.
pub(crate) fn encoding_of_file(path: &Path) -> std::io::Result<&'static Encoding> {
    let mut file = File::open(path)?;
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    let mut buffer = vec![0; 1 << 20];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        detector.feed(&buffer[..read], false);
    }
    Ok(guess(detector))
}

fn guess(mut detector: EncodingDetector) -> &'static Encoding {
    detector.feed(&[], true);
    detector.guess(None, Utf8Detection::Allow)
}

/// The delimiter under which the sample's records have the most consistent number (> 1) of
/// fields; `,` when none splits the lines.
pub(crate) fn delimiter(sample: &str) -> u8 {
    // The last line may be cut off by the sample's end.
    let sample = match sample.rfind(['\n', '\r']) {
        Some(end) if end + 1 < sample.len() => &sample[..end + 1],
        _ => sample,
    };
    let mut best = (0.0, b',');
    for candidate in DELIMITERS {
        let score = consistency(sample, candidate);
        if score > best.0 {
            best = (score, candidate);
        }
    }
    best.1
}

/// The share of records having the most common field count, weighted up slightly for more
/// fields; 0 when that count is 1.
fn consistency(sample: &str, delimiter: u8) -> f64 {
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(sample.as_bytes());
    let mut counts: Vec<(usize, usize)> = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut total = 0;
    while total < 200 && reader.read_byte_record(&mut record).unwrap_or(false) {
        total += 1;
        match counts.iter_mut().find(|(fields, _)| *fields == record.len()) {
            Some((_, seen)) => *seen += 1,
            None => counts.push((record.len(), 1)),
        }
    }
    let Some(&(fields, seen)) = counts.iter().max_by_key(|(fields, seen)| (*seen, *fields)) else { return 0.0 };
    if fields < 2 {
        return 0.0;
    }
    seen as f64 / total as f64 + (fields as f64).ln() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_sniffed_from_consistent_rows() {
        assert_eq!(delimiter("a,b,c\n1,2,3\n4,5,6\n"), b',');
        assert_eq!(delimiter("a;b;c\n1,5;2;3\n4;5,5;6\n"), b';');
        assert_eq!(delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(delimiter("a|b|c\n1|2|3\n"), b'|');
        assert_eq!(delimiter("name\nAna\nBen\n"), b',');
        assert_eq!(delimiter("\"a,x\";b\n\"1,2\";3\n\"4,5\";6\n"), b';', "quoted commas do not count");
        assert_eq!(delimiter("a,b\n1,2\n3,4\n5,"), b',', "a cut-off last line is ignored");
    }

    #[test]
    fn encodings_from_boms_and_contents() {
        assert_eq!(encoding(b"\xEF\xBB\xBFname\n"), UTF_8);
        assert_eq!(encoding(b"\xFF\xFEn\0a\0"), encoding_rs::UTF_16LE);
        assert_eq!(encoding(b"\xFE\xFF\0n\0a"), encoding_rs::UTF_16BE);
        assert_eq!(encoding("café,Zoë\n".as_bytes()), UTF_8);
        assert_eq!(encoding(&"café".as_bytes()[..4]), UTF_8, "a cut-off character");
        let latin = b"name,city\nJos\xe9,S\xe3o Paulo\nFran\xe7ois,Montr\xe9al\nM\xfcller,K\xf6ln\n";
        assert_eq!(encoding(latin), encoding_rs::WINDOWS_1252);
    }
}
