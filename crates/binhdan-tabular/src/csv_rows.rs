//! Reading CSV: the delimiter sniffed from the first lines, line endings and blank lines as
//! officials' files have them, and the records streamed as rows.

use std::io::{self, BufRead, Read};

use super::{Cell, Row, TabularError};

/// Counts the candidate delimiters of one line outside quotes.
fn delimiter_counts(line: &[u8]) -> [usize; 3] {
    let mut counts = [0; 3];
    let mut quoted = false;
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    counts
}

/// The delimiter of a CSV from its first lines: the one that a single line (normally the
/// header) has most of. A title line with a comma in it (`DANH SÁCH …, XÃ …`) does not
/// outweigh a header of many semicolons. Ties go to the comma.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let mut best = [0usize; 3];
    for line in head.split(|b| *b == b'\n').take(10) {
        let counts = delimiter_counts(line);
        for (b, c) in best.iter_mut().zip(counts) {
            *b = (*b).max(c);
        }
    }
    match best {
        [c, s, t] if s > c && s >= t => b';',
        [c, s, t] if t > c && t > s => b'\t',
        _ => b',',
    }
}

/// Feeds the csv reader lines it numbers as a spreadsheet does: `\r\n` and a lone `\r`
/// become `\n`, and an empty line becomes a line of one space (the csv reader would skip it
/// without counting it; a blank row is skipped later, after being counted). An empty line
/// inside a quoted cell thus gains a space, and a cell's `\r\n` becomes `\n`.
struct LineFilter<R> {
    inner: R,
    at_line_start: bool,
    after_cr: bool,
}

impl<R: BufRead> LineFilter<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            at_line_start: true,
            after_cr: false,
        }
    }
}

impl<R: BufRead> Read for LineFilter<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.len() < 2 {
            // Room for a space and a line end is needed; the csv reader asks for more.
            return Ok(0);
        }
        let input = self.inner.fill_buf()?;
        let mut used = 0;
        let mut written = 0;
        while used < input.len() && written + 2 <= out.len() {
            // Copy the run up to the next line end at once.
            let rest = &input[used..];
            let room = out.len() - written - 1;
            let run = rest
                .iter()
                .take(room)
                .position(|b| matches!(b, b'\n' | b'\r'))
                .unwrap_or(rest.len().min(room));
            if run > 0 {
                out[written..written + run].copy_from_slice(&rest[..run]);
                written += run;
                used += run;
                self.at_line_start = false;
                self.after_cr = false;
                continue;
            }
            let b = rest[0];
            used += 1;
            if b == b'\n' && self.after_cr {
                self.after_cr = false;
                continue;
            }
            self.after_cr = b == b'\r';
            if self.at_line_start {
                out[written] = b' ';
                written += 1;
            }
            out[written] = b'\n';
            written += 1;
            self.at_line_start = true;
        }
        self.inner.consume(used);
        if written == 0 && used > 0 {
            // Only a swallowed `\n` was read: go on rather than signal the end.
            return self.read(out);
        }
        Ok(written)
    }
}

pub(crate) struct CsvSource {
    reader: csv::Reader<LineFilter<Box<dyn BufRead + Send>>>,
    record: csv::ByteRecord,
    pub(crate) delimiter: u8,
    /// Line breaks inside quoted cells so far: physical lines that are not spreadsheet rows.
    inner_breaks: u64,
    /// The stream failed; no more rows.
    failed: bool,
}

impl CsvSource {
    pub(crate) fn new<R: BufRead + Send + 'static>(mut reader: R) -> Result<Self, TabularError> {
        let head = reader.fill_buf()?;
        let bom = head.starts_with(b"\xEF\xBB\xBF");
        let delimiter = sniff_delimiter(if bom { &head[3..] } else { head });
        if bom {
            reader.consume(3);
        }
        let boxed: Box<dyn BufRead + Send> = Box::new(reader);
        Ok(Self {
            reader: csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .flexible(true)
                .has_headers(false)
                .from_reader(LineFilter::new(boxed)),
            record: csv::ByteRecord::new(),
            delimiter,
            inner_breaks: 0,
            failed: false,
        })
    }

    pub(crate) fn next_row(&mut self) -> Option<Result<Row, TabularError>> {
        loop {
            if self.failed {
                return None;
            }
            let read = self.reader.read_byte_record(&mut self.record);
            let to_row = |line: u64, breaks: u64| {
                usize::try_from(line.saturating_sub(breaks)).unwrap_or(usize::MAX)
            };
            match read {
                Ok(false) => return None,
                Err(e) => {
                    let line = e
                        .position()
                        .map_or_else(|| self.reader.position().line(), csv::Position::line);
                    if let csv::ErrorKind::Io(_) = e.kind() {
                        // The stream itself failed: nothing more can be read.
                        self.failed = true;
                    }
                    return Some(Err(TabularError::Csv {
                        row: to_row(line, self.inner_breaks),
                        detail: e.to_string(),
                    }));
                }
                Ok(true) => {}
            }
            // The filter leaves no blank line for the csv reader to skip and only `\n` line
            // ends, so a record's first line is exact; less the breaks inside earlier cells,
            // it is the spreadsheet's row.
            let line = self
                .record
                .position()
                .map_or_else(|| self.reader.position().line(), csv::Position::line);
            let row = to_row(line, self.inner_breaks);
            #[allow(clippy::naive_bytecount)] // a few dozen bytes a record
            let breaks = self
                .record
                .as_slice()
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.inner_breaks += u64::try_from(breaks).unwrap_or(0);
            if self
                .record
                .iter()
                .all(|c| c.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            let mut cells = Vec::with_capacity(self.record.len());
            for field in &self.record {
                match std::str::from_utf8(field) {
                    Ok("") => cells.push(Cell::Empty),
                    Ok(s) => cells.push(Cell::Text(s.to_owned())),
                    Err(_) => return Some(Err(TabularError::NotUtf8 { row })),
                }
            }
            while cells.last().is_some_and(Cell::is_blank) {
                cells.pop();
            }
            return Some(Ok(Row { number: row, cells }));
        }
    }
}
