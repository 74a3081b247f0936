//! Tasks written other ways than `- [ ]`: a table's status column, Logseq's `TODO` / `DONE`
//! markers, and the task boxes people mistype (`[]`, `[ x ]`).

/// Whether a task's source said it was done.
pub(crate) type Ticked = bool;

/// What a table cell says about its row's task: Some(ticked) for a status mark or word, None
/// for anything else. An empty cell is an open task when its column is a status column.
pub(crate) fn cell_status(cell: &str) -> Option<Ticked> {
    let cell = cell.trim();
    let bare = cell.trim_end_matches('\u{fe0f}');
    if let Some(ticked) = task_box(bare) {
        return Some(ticked);
    }
    match bare {
        "✅" | "✔" | "☑" | "✓" | "🗸" => return Some(true),
        "❌" | "✖" | "✗" | "✘" | "⬜" | "☐" | "🔲" | "⏳" | "❎" => return Some(false),
        _ => {}
    }
    match cell.to_lowercase().as_str() {
        "done" | "yes" | "y" | "complete" | "completed" | "ok" | "passed" | "pass" => Some(true),
        "no" | "n" | "pending" | "todo" | "to do" | "not done" | "open" | "failed" | "fail" | "blocked" | "in progress" => Some(false),
        _ => None,
    }
}

/// A whole cell that is a task box, well formed or not.
pub(crate) fn task_box(text: &str) -> Option<Ticked> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    match inner.trim() {
        "" => Some(false),
        "x" | "X" | "✓" | "✔" => Some(true),
        _ => None,
    }
}

/// The column of a table that says whether each row is done: every non-empty cell a status,
/// at least one of them written, and a header that is not a fill-in's label.
pub(crate) fn status_column(header: &[String], rows: &[Vec<String>]) -> Option<usize> {
    (0..header.len()).find(|&column| {
        let cells: Vec<&str> = rows.iter().map(|row| row.get(column).map_or("", |cell| cell.trim())).collect();
        let written = cells.iter().filter(|cell| !cell.is_empty()).count();
        written > 0 && cells.iter().all(|cell| cell.is_empty() || cell_status(cell).is_some())
    })
}

/// `TODO Check backups` (Logseq and Org keywords): the task's state and its text.
pub(crate) fn keyword_task(text: &str) -> Option<(Ticked, &str)> {
    let (word, rest) = text.split_once(' ')?;
    let ticked = match word {
        "DONE" => true,
        "TODO" | "DOING" | "NOW" | "LATER" | "WAITING" => false,
        _ => return None,
    };
    let rest = rest.trim_start();
    (!rest.is_empty()).then_some((ticked, rest))
}

/// A list item whose text begins with a box Markdown does not take as one (`[]`, `[ x ]`,
/// `[x ]`): the box as written, whether it is ticked, and the text after it.
pub(crate) fn malformed_box(text: &str) -> Option<(&str, Ticked, &str)> {
    let close = text.find(']')?;
    let written = &text[..=close];
    let ticked = task_box(written)?;
    let rest = text[close + 1..].trim_start();
    if rest.is_empty() || !text[close + 1..].starts_with(' ') {
        return None;
    }
    Some((written, ticked, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_marks_words_and_boxes() {
        for done in ["✅", "✔️", "[x]", "[ X ]", "Done", "yes"] {
            assert_eq!(cell_status(done), Some(true), "{done}");
        }
        for open in ["❌", "⬜", "[ ]", "[]", "No", "pending"] {
            assert_eq!(cell_status(open), Some(false), "{open}");
        }
        assert_eq!(cell_status("Riley"), None);
    }

    #[test]
    fn a_status_column_needs_a_mark_and_nothing_else() {
        let header = vec!["Check".to_string(), "Owner".into(), "Status".into()];
        let rows = vec![vec!["Backups".to_string(), "Sam".into(), "✅".into()], vec!["DNS".to_string(), String::new(), String::new()]];
        assert_eq!(status_column(&header, &rows), Some(2));
        let blank = vec![vec!["Backups".to_string(), String::new(), String::new()]];
        assert_eq!(status_column(&header, &blank), None, "a fill-in table is not a checklist");
    }

    #[test]
    fn keywords_and_mistyped_boxes() {
        assert_eq!(keyword_task("DONE Rotate keys"), Some((true, "Rotate keys")));
        assert_eq!(keyword_task("TODO  Page on-call"), Some((false, "Page on-call")));
        assert_eq!(keyword_task("Todo list"), None);
        assert_eq!(malformed_box("[] Smoke test"), Some(("[]", false, "Smoke test")));
        assert_eq!(malformed_box("[ x ] Smoke test"), Some(("[ x ]", true, "Smoke test")));
        assert_eq!(malformed_box("[link](http://x) text"), None);
        assert_eq!(malformed_box("[note] text"), None);
    }
}
