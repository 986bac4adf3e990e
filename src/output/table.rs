//! Laying out a table in a width: which columns stay, how wide each is, and
//! drawing it with borders (`table`) or without (`column`). One line per
//! row, always: cells are cut with `…`, never wrapped, and a cell that looks
//! like an id is never cut.

use super::text::{looks_like_id, pad, truncate, width};

/// How a table is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Box-drawing borders.
    Boxed,
    /// Columns aligned with spaces, no borders (for grep and awk).
    Plain,
}

impl Style {
    fn overhead(self, columns: usize) -> usize {
        match self {
            Self::Boxed => 3 * columns + 1,
            Self::Plain => 2 * columns.saturating_sub(1),
        }
    }
}

/// A text column is not cut narrower than this (unless its text is shorter).
const NARROWEST: usize = 8;

/// Columns of a priority below this (a name, an id, a state) are kept, cut
/// if need be, while others can go.
const ESSENTIAL: u8 = 3;

/// A table to lay out: headers, cells (one line each, already made safe),
/// and for each column its priority (`None`: never dropped).
pub struct Grid {
    /// Column headers.
    pub headers: Vec<String>,
    /// Column priorities: the highest number is dropped first when even the
    /// narrowest layout does not fit.
    pub priorities: Vec<Option<u8>>,
    /// Rows of cells, one per column.
    pub rows: Vec<Vec<String>>,
}

impl Grid {
    /// Draws the grid in `style`, fitted to `width` when given.
    pub fn draw(mut self, style: Style, width: Option<usize>) -> String {
        let mut natural = self.natural_widths();
        let mut floors = self.floors(&natural);
        if let Some(width) = width {
            // Whole cells in fewer columns read better than cut ones: the
            // extras go before anything is cut, the essentials (name, id,
            // state) only when even cut cells do not fit.
            loop {
                let columns = self.headers.len();
                let whole = natural.iter().sum::<usize>() + style.overhead(columns) <= width;
                let cut = floors.iter().sum::<usize>() + style.overhead(columns) <= width;
                let drop = match (whole, cut) {
                    (true, _) => None,
                    (false, true) => self.least_needed(ESSENTIAL),
                    (false, false) => self.least_needed(0),
                };
                let Some(drop) = drop.filter(|_| columns > 1) else {
                    break;
                };
                self.remove(drop);
                natural.remove(drop);
                floors.remove(drop);
            }
        }
        let widths = match width {
            Some(width) => allot(
                &natural,
                &floors,
                width.saturating_sub(style.overhead(natural.len())),
            ),
            None => natural,
        };
        match style {
            Style::Boxed => self.boxed(&widths),
            Style::Plain => self.plain(&widths),
        }
    }

    fn natural_widths(&self) -> Vec<usize> {
        (0..self.headers.len())
            .map(|at| {
                self.rows
                    .iter()
                    .map(|row| width(&row[at]))
                    .chain([width(&self.headers[at])])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// How narrow each column may get: ids whole, text down to [`NARROWEST`].
    fn floors(&self, natural: &[usize]) -> Vec<usize> {
        (0..self.headers.len())
            .map(|at| {
                let header = self.headers[at].to_ascii_lowercase();
                if header == "id" || header.ends_with("id") {
                    return natural[at];
                }
                let widest_id = self
                    .rows
                    .iter()
                    .filter(|row| looks_like_id(&row[at]))
                    .map(|row| width(&row[at]))
                    .max()
                    .unwrap_or(0);
                natural[at].min(NARROWEST).max(widest_id)
            })
            .collect()
    }

    /// The droppable column needed least (highest priority number, the
    /// rightmost among equals) among those of priority `from` or more.
    fn least_needed(&self, from: u8) -> Option<usize> {
        self.priorities
            .iter()
            .enumerate()
            .filter_map(|(at, priority)| priority.filter(|p| *p >= from).map(|p| (p, at)))
            .max()
            .map(|(_, at)| at)
    }

    fn remove(&mut self, at: usize) {
        self.headers.remove(at);
        self.priorities.remove(at);
        for row in &mut self.rows {
            row.remove(at);
        }
    }

    fn boxed(&self, widths: &[usize]) -> String {
        let rule = |left: &str, fill: &str, middle: &str, right: &str| {
            let segments: Vec<String> = widths.iter().map(|w| fill.repeat(w + 2)).collect();
            format!("{left}{}{right}\n", segments.join(middle))
        };
        let line = |cells: &[String]| {
            let cells: Vec<String> = cells
                .iter()
                .zip(widths)
                .map(|(cell, w)| pad(&truncate(cell, *w), *w))
                .collect();
            format!("│ {} │\n", cells.join(" ┆ "))
        };
        let mut out = rule("┌", "─", "┬", "┐");
        out.push_str(&line(&self.headers));
        out.push_str(&rule("╞", "═", "╪", "╡"));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out.push_str(&rule("└", "─", "┴", "┘"));
        out
    }

    fn plain(&self, widths: &[usize]) -> String {
        let line = |cells: &[String]| {
            let last = cells.len().saturating_sub(1);
            let mut text = String::new();
            for (at, (cell, w)) in cells.iter().zip(widths).enumerate() {
                let cut = truncate(cell, *w);
                if at == last {
                    text.push_str(&cut);
                } else {
                    text.push_str(&pad(&cut, *w));
                    text.push_str("  ");
                }
            }
            let mut text = text.trim_end().to_string();
            text.push('\n');
            text
        };
        let mut out = line(&self.headers);
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

/// Widths for columns whose full widths are `natural` within `room`
/// columns: each at least its floor; the space left shared fairly, the
/// narrow columns served whole first.
fn allot(natural: &[usize], floors: &[usize], room: usize) -> Vec<usize> {
    if natural.iter().sum::<usize>() <= room {
        return natural.to_vec();
    }
    let mut widths = floors.to_vec();
    let fixed: usize = floors.iter().sum();
    let mut left = room.saturating_sub(fixed);
    let mut order: Vec<usize> = (0..natural.len())
        .filter(|&at| natural[at] > floors[at])
        .collect();
    order.sort_by_key(|&at| natural[at] - floors[at]);
    let mut count = order.len();
    for at in order {
        let share = left / count.max(1);
        let extra = (natural[at] - floors[at]).min(share);
        widths[at] += extra;
        left -= extra;
        count -= 1;
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(headers: &[&str], rows: &[&[&str]], priorities: &[Option<u8>]) -> Grid {
        Grid {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            priorities: priorities.to_vec(),
            rows: rows
                .iter()
                .map(|row| row.iter().map(|c| c.to_string()).collect())
                .collect(),
        }
    }

    #[test]
    fn a_table_that_fits_is_drawn_whole() {
        let text = grid(
            &["name", "state"],
            &[&["web", "Running"]],
            &[Some(0), Some(1)],
        )
        .draw(Style::Boxed, Some(80));
        assert_eq!(
            text,
            "┌──────┬─────────┐\n│ name ┆ state   │\n╞══════╪═════════╡\n│ web  ┆ Running │\n└──────┴─────────┘\n"
        );
    }

    #[test]
    fn long_text_is_cut_and_ids_kept_whole() {
        let id = "6d5b069b-4268-4c7c-810f-2793c2ac44fb";
        let long = "a very long description that cannot possibly fit";
        let text = grid(&["description", "id"], &[&[long, id]], &[None, None])
            .draw(Style::Boxed, Some(60));
        for line in text.lines() {
            assert!(width(line) <= 60, "{line}");
        }
        assert!(text.contains(id) && text.contains('…'), "{text}");
    }

    #[test]
    fn the_least_needed_columns_go_when_even_narrow_does_not_fit() {
        let id = "6d5b069b-4268-4c7c-810f-2793c2ac44fb";
        let text = grid(
            &["name", "template", "id"],
            &[&["web-01", "Debian 7 (64-bit) with a long name", id]],
            &[Some(0), Some(5), Some(1)],
        )
        .draw(Style::Plain, Some(46));
        assert_eq!(text, format!("name    id\nweb-01  {id}\n"));
    }

    #[test]
    fn plain_columns_align_without_trailing_spaces() {
        let text = grid(&["a", "bb"], &[&["xxx", ""], &["y", "z"]], &[None, None])
            .draw(Style::Plain, None);
        assert_eq!(text, "a    bb\nxxx\ny    z\n");
    }
}
