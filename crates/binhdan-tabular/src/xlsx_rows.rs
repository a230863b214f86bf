//! Reading an XLSX worksheet through calamine's cell reader, row by row, each cell as the
//! file had it.

use binhdan_core::people::Date;
use calamine::{DataRef, XlsxCellReader};

use super::{Cell, Row, Source, TabularError, xlsx_error};

/// Columns of a worksheet: Excel stops at XFD (16,384). A cell reference beyond it (which a
/// crafted file can hold, `ZZZZZZ1`) would otherwise make a row of billions of empty cells.
const MAX_COLUMNS: u32 = 16_384;

pub(crate) struct XlsxRows<'a> {
    pub(crate) cells: XlsxCellReader<'a, Source>,
    /// A cell read past the end of the previous row: `(row, column, value)`.
    pub(crate) pending: Option<(u32, u32, Cell)>,
    pub(crate) done: bool,
}

fn xlsx_cell(value: &DataRef<'_>) -> Cell {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Cell::Text(s.clone())
        }
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            // 29/02/1900, Excel's day that never was, stays a number.
            Date::new(i32::from(y), u32::from(m), u32::from(d))
                .map_or(Cell::Number(dt.as_f64()), Cell::Date)
        }
        DataRef::DateTime(dt) => Cell::Number(dt.as_f64()),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

impl XlsxRows<'_> {
    fn next_cell(&mut self) -> Result<Option<(u32, u32, Cell)>, TabularError> {
        if let Some(p) = self.pending.take() {
            return Ok(Some(p));
        }
        match self.cells.next_cell() {
            Ok(Some(c)) => {
                let (r, col) = c.get_position();
                if col >= MAX_COLUMNS {
                    return Err(TabularError::Xlsx {
                        detail: format!(
                            "row {}: a cell beyond the last column a worksheet has (XFD)",
                            u64::from(r) + 1
                        ),
                    });
                }
                Ok(Some((r, col, xlsx_cell(c.get_value()))))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(xlsx_error(&e)),
        }
    }

    pub(crate) fn next_row(&mut self) -> Option<Result<Row, TabularError>> {
        while !self.done {
            let mut current: Option<(u32, Vec<Cell>)> = None;
            loop {
                let next = match self.next_cell() {
                    Ok(n) => n,
                    Err(e) => {
                        self.done = true;
                        return Some(Err(e));
                    }
                };
                let Some((r, col, cell)) = next else {
                    self.done = true;
                    break;
                };
                let (row, cells) = current.get_or_insert_with(|| (r, Vec::new()));
                if *row != r {
                    self.pending = Some((r, col, cell));
                    break;
                }
                let col = usize::try_from(col).unwrap_or(usize::MAX);
                if col >= cells.len() {
                    if cell.is_blank() {
                        continue;
                    }
                    cells.resize(col, Cell::Empty);
                    cells.push(cell);
                } else {
                    cells[col] = cell;
                }
            }
            if let Some((r, mut cells)) = current {
                while cells.last().is_some_and(Cell::is_blank) {
                    cells.pop();
                }
                if !cells.is_empty() {
                    return Some(Ok(Row {
                        number: usize::try_from(r).unwrap_or(usize::MAX - 1) + 1,
                        cells,
                    }));
                }
            }
        }
        None
    }
}
