//! Names: column names from headers, the surrogate key's name, a table name from a file name.
//!
//! Headers are kept as the user wrote them (trimmed), since PostgreSQL takes any name when it is
//! quoted: `Order Date` stays `Order Date`. Only what PostgreSQL cannot hold is changed, and
//! every change is reported.

use std::collections::HashSet;
use std::path::Path;

use strata_sql::MAX_IDENT_BYTES;

/// Column names for `width` columns from header texts (or `column_1..N` without a header):
/// trimmed, NUL-free, empty → `column_N`, over 63 bytes → cut on a character boundary,
/// duplicates → `Name_2`, `Name_3`. Changes are added to `warnings`.
pub fn column_names(header: Option<&[String]>, width: usize, warnings: &mut Vec<String>) -> Vec<String> {
    let mut taken = HashSet::new();
    let mut names = Vec::with_capacity(width);
    let mut cut = Vec::new();
    for index in 0..width {
        let raw = header.and_then(|h| h.get(index)).map(|h| h.replace('\0', "")).unwrap_or_default();
        let trimmed = raw.trim();
        let mut name = if trimmed.is_empty() { format!("column_{}", index + 1) } else { trimmed.to_string() };
        if name.len() > MAX_IDENT_BYTES {
            name = truncate(&name, MAX_IDENT_BYTES).to_string();
            cut.push(name.clone());
        }
        let name = unique(&name, &taken);
        taken.insert(name.clone());
        names.push(name);
    }
    if !cut.is_empty() {
        warnings.push(format!(
            "{} column names were longer than PostgreSQL's 63 bytes and were shortened: {}",
            cut.len(),
            cut.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
        ));
    }
    names
}

/// The surrogate key's name: `id`, or `_id` (`_id_2`, …) when a column is already called `id`.
pub fn id_column_name(columns: &[String]) -> String {
    let taken: HashSet<String> = columns.iter().cloned().collect();
    if !taken.contains("id") {
        return "id".to_string();
    }
    unique("_id", &taken)
}

/// A readable table name from a file name: its stem, trimmed (`Orders 2024.csv` →
/// `Orders 2024`); `import` when nothing is left; cut to 63 bytes.
pub fn table_name_from_path(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().replace('\0', "")).unwrap_or_default();
    let stem = stem.trim();
    if stem.is_empty() || stem == "-" {
        return "import".to_string();
    }
    truncate(stem, MAX_IDENT_BYTES).to_string()
}

/// `name`, or `name_2`, `name_3`, … whichever is not taken; suffixes never push a name past 63
/// bytes.
pub fn unique(name: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(name) {
        return name.to_string();
    }
    (2..)
        .map(|n| {
            let suffix = format!("_{n}");
            format!("{}{suffix}", truncate(name, MAX_IDENT_BYTES - suffix.len()))
        })
        .find(|candidate| !taken.contains(candidate))
        .expect("some suffix is free")
}

fn truncate(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(header: &[&str]) -> (Vec<String>, Vec<String>) {
        let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        let mut warnings = Vec::new();
        (column_names(Some(&header), header.len(), &mut warnings), warnings)
    }

    #[test]
    fn headers_become_readable_unique_names() {
        let (names, warnings) = names(&[" Name ", "Name", "", "name", "Name", r#""; drop table x; --"#]);
        assert_eq!(names, ["Name", "Name_2", "column_3", "name", "Name_3", r#""; drop table x; --"#]);
        assert!(warnings.is_empty());
    }

    #[test]
    fn long_headers_are_cut_on_character_boundaries_and_reported() {
        let long = "é".repeat(40);
        let (names, warnings) = names(&[&long, &long]);
        assert_eq!(names[0], "é".repeat(31));
        assert_eq!(names[1], format!("{}_2", "é".repeat(30)));
        assert!(names.iter().all(|n| n.len() <= 63));
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn headerless_files_number_their_columns() {
        let mut warnings = Vec::new();
        assert_eq!(column_names(None, 3, &mut warnings), ["column_1", "column_2", "column_3"]);
    }

    #[test]
    fn the_key_steps_aside_for_an_id_column() {
        assert_eq!(id_column_name(&["Name".into()]), "id");
        assert_eq!(id_column_name(&["id".into()]), "_id");
        assert_eq!(id_column_name(&["id".into(), "_id".into()]), "_id_2");
        assert_eq!(id_column_name(&["ID".into()]), "id");
    }

    #[test]
    fn table_names_come_from_file_stems() {
        assert_eq!(table_name_from_path(Path::new("/data/Orders 2024.csv")), "Orders 2024");
        assert_eq!(table_name_from_path(Path::new("-")), "import");
        assert_eq!(table_name_from_path(Path::new("archive.tar.csv")), "archive.tar");
    }
}
