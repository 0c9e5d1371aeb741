//! The one CSV writer of every export (search results, environment series, …): UTF-8 with a
//! byte-order mark so spreadsheets read Chinese, and text cells that a spreadsheet will
//! never run as a formula (a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'`).
//! Numbers are written as numbers, so a temperature of -3.5 stays a number.

use crate::error::{Error, Result};

/// One cell of a row.
#[derive(Clone, Copy, Debug)]
pub enum Cell<'a> {
    /// Text someone typed or a label: guarded against formula injection.
    Text(&'a str),
    /// A number (written as Rust prints it).
    Number(f64),
    /// A whole number.
    Int(i64),
}

/// Text that a spreadsheet shows as typed and never evaluates.
pub fn inert(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// Writes rows into a buffer; [`CsvWriter::finish`] hands the bytes out.
pub struct CsvWriter {
    w: ::csv::Writer<Vec<u8>>,
}

impl CsvWriter {
    /// A document that starts with the byte-order mark (the first chunk of an export).
    pub fn with_bom() -> Self {
        CsvWriter {
            w: ::csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec()),
        }
    }

    /// A document without the mark (or the rows of a streamed export after its first chunk).
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        CsvWriter {
            w: ::csv::Writer::from_writer(Vec::new()),
        }
    }

    /// A header row (column names are the program's own, never guarded).
    pub fn header(&mut self, names: &[&str]) -> Result<()> {
        self.w.write_record(names).map_err(internal)
    }

    /// One row.
    pub fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        let mut nums = Vec::with_capacity(cells.len());
        for c in cells {
            nums.push(match c {
                Cell::Text(s) => inert(s).into_owned(),
                Cell::Number(x) => x.to_string(),
                Cell::Int(x) => x.to_string(),
            });
        }
        self.w.write_record(&nums).map_err(internal)
    }

    /// The bytes written.
    pub fn finish(self) -> Result<Vec<u8>> {
        self.w.into_inner().map_err(|e| internal(e.into_error()))
    }
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("csv: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_starting_with_a_formula_sign_are_inert() {
        for s in ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "\t=x"] {
            assert_eq!(inert(s), format!("'{s}"));
        }
        assert_eq!(inert("景德镇 = kiln"), "景德镇 = kiln");
    }

    #[test]
    fn numbers_keep_their_sign() {
        let mut w = CsvWriter::new();
        w.row(&[Cell::Text("-S1"), Cell::Number(-3.5), Cell::Int(-2)])
            .unwrap();
        assert_eq!(
            String::from_utf8(w.finish().unwrap()).unwrap(),
            "'-S1,-3.5,-2\n"
        );
    }

    #[test]
    fn a_document_starts_with_the_byte_order_mark() {
        let mut w = CsvWriter::with_bom();
        w.header(&["a", "b"]).unwrap();
        assert!(w.finish().unwrap().starts_with(b"\xEF\xBB\xBFa,b\n"));
    }
}
