//! Renders an error message against its input like a compiler: gutter, source line, carets.

use crate::span::Span;
use std::fmt;

/// An error message with the input it concerns, the primary span (drawn with
/// `^`), optional labelled secondary spans (drawn with `-`) and notes (drawn with `=`
/// under the source lines, aligned with the gutter).
///
/// ```text
/// error: unclosed '(': expected ')', found end of input
///   |
/// 1 | (status eq 'x'
///   | -             ^
///   | |
///   | opened here
///   = in $filter
/// ```
///
/// Columns count characters, not bytes, so carets stay aligned on non-ASCII
/// input; an empty span (such as the end of the input) still gets one caret.
#[derive(Clone, Debug)]
pub struct Report<'a> {
    input: &'a str,
    message: String,
    span: Span,
    labels: Vec<(Span, String)>,
    notes: Vec<String>,
}

impl<'a> Report<'a> {
    /// A report of `message` at `span` in `input`.
    pub fn new(input: &'a str, message: impl Into<String>, span: Span) -> Report<'a> {
        Report {
            input,
            message: message.into(),
            span,
            labels: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds a secondary span with a short label.
    pub fn label(mut self, span: Span, text: impl Into<String>) -> Report<'a> {
        self.labels.push((span, text.into()));
        self
    }

    /// Adds a note, a line of help drawn under the source lines (`= note`).
    pub fn note(mut self, text: impl Into<String>) -> Report<'a> {
        self.notes.push(text.into());
        self
    }

    /// Adds `text` as a note when there is one.
    pub(crate) fn maybe_note(self, text: Option<impl Into<String>>) -> Report<'a> {
        match text {
            Some(text) => self.note(text),
            None => self,
        }
    }

    /// The one-line message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// The largest char boundary at or below `offset`, within the input.
fn clamp(input: &str, offset: usize) -> usize {
    let mut o = offset.min(input.len());
    while !input.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// One line of the input: its number, byte range and text.
struct Line<'a> {
    number: usize,
    start: usize,
    text: &'a str,
}

fn lines(input: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (number, text) in input.split('\n').enumerate() {
        out.push(Line {
            number: number + 1,
            start,
            text: text.strip_suffix('\r').unwrap_or(text),
        });
        start += text.len() + 1;
    }
    out
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        let all = lines(self.input);
        let line_of = |offset: usize| {
            let offset = clamp(self.input, offset);
            all.iter().rposition(|l| l.start <= offset).unwrap_or(0)
        };
        // Which lines carry a mark: (line index, start col, end col, marker char, label).
        let mut marks: Vec<(usize, usize, usize, char, Option<&str>)> = Vec::new();
        let add = |span: Span, marker: char| {
            let i = line_of(span.start);
            let line = &all[i];
            let start = clamp(self.input, span.start);
            let end = clamp(self.input, span.end.max(span.start));
            let line_end = line.start + line.text.len();
            let col = self.input[line.start..start].chars().count();
            let width = self.input[start..end.min(line_end).max(start)]
                .chars()
                .count()
                .max(1);
            (i, col, col + width, marker)
        };
        let (i, a, b, m) = add(self.span, '^');
        marks.push((i, a, b, m, None));
        for (span, text) in &self.labels {
            let (i, a, b, m) = add(*span, '-');
            marks.push((i, a, b, m, Some(text.as_str())));
        }
        let mut shown: Vec<usize> = marks.iter().map(|m| m.0).collect();
        shown.sort_unstable();
        shown.dedup();
        let gutter = all[*shown.last().unwrap_or(&0)].number.to_string().len();
        let pad = " ".repeat(gutter);
        writeln!(f, "{pad} |")?;
        for &i in &shown {
            let line = &all[i];
            writeln!(f, "{:>gutter$} | {}", line.number, line.text)?;
            let on_line: Vec<_> = marks.iter().filter(|m| m.0 == i).collect();
            let width = on_line.iter().map(|m| m.2).max().unwrap_or(0);
            let mut row = vec![' '; width];
            // Draw secondary marks first so the primary caret wins on overlap.
            for m in on_line.iter().rev() {
                for c in &mut row[m.1..m.2] {
                    *c = m.3;
                }
            }
            let row: String = row.into_iter().collect();
            writeln!(f, "{pad} | {}", row.trim_end())?;
            for m in on_line.iter().filter(|m| m.4.is_some()) {
                let indent = " ".repeat(m.1);
                writeln!(f, "{pad} | {indent}|")?;
                writeln!(f, "{pad} | {indent}{}", m.4.unwrap_or_default())?;
            }
        }
        for note in &self.notes {
            writeln!(f, "{pad} = {note}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_at_end_of_input() {
        let r = Report::new(
            "status eq",
            "expected a value, found end of input",
            Span::at(9),
        );
        assert_eq!(
            r.to_string(),
            "error: expected a value, found end of input\n  |\n1 | status eq\n  |          ^\n"
        );
    }

    #[test]
    fn label_and_caret_on_one_line() {
        let r =
            Report::new("(a eq 1", "unclosed", Span::at(7)).label(Span::new(0, 1), "opened here");
        assert_eq!(
            r.to_string(),
            "error: unclosed\n  |\n1 | (a eq 1\n  | -      ^\n  | |\n  | opened here\n"
        );
    }

    #[test]
    fn notes_follow_the_gutter_of_the_lines_shown() {
        let input = "a eq 1\n\n\n\n\n\n\n\n\nand b";
        let r = Report::new(input, "here", Span::new(17, 18))
            .note("first")
            .maybe_note(None::<&str>)
            .maybe_note(Some("second"));
        assert_eq!(
            r.to_string(),
            "error: here\n   |\n10 | and b\n   |   ^\n   = first\n   = second\n"
        );
    }

    #[test]
    fn columns_count_characters() {
        let r = Report::new("név eq 'é' x", "boom", Span::new(13, 14));
        assert_eq!(
            r.to_string(),
            "error: boom\n  |\n1 | név eq 'é' x\n  |            ^\n"
        );
    }

    #[test]
    fn multi_line_input_shows_the_right_line() {
        let r = Report::new("a eq 1\nand b", "here", Span::new(11, 12));
        assert_eq!(r.to_string(), "error: here\n  |\n2 | and b\n  |     ^\n");
    }

    #[test]
    fn spans_off_char_boundaries_do_not_panic() {
        let r = Report::new("é", "x", Span::new(1, 99));
        assert!(r.to_string().contains('^'));
    }
}
