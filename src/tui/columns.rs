//! Which columns of the user table a window shows, and where: shared by the view (to
//! draw) and by `update` (to know which column a click hit).
//!
//! The email always shows and is the last to shrink: up to [`EMAIL_ROOM`] columns it
//! is never cut while another column shows. The others join in order of importance
//! until the next one does not fit — the sorted column first (so its arrow shows),
//! then Last, First, Last login, Groups, Tags, Created — and keep their place from
//! left to right.

use crate::store::SortField;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Email,
    First,
    Last,
    Groups,
    Tags,
    Created,
    LastLogin,
}

/// Columns an email gets before any other column is shown.
pub const EMAIL_ROOM: u16 = 30;

/// Left of each row: the selection marker `▶ `.
pub const MARKER: u16 = 2;

/// Between two columns.
pub const GAP: u16 = 1;

impl Column {
    /// Left to right on screen.
    const ORDER: [Column; 7] = [
        Column::Email,
        Column::First,
        Column::Last,
        Column::Groups,
        Column::Tags,
        Column::Created,
        Column::LastLogin,
    ];

    /// After the email (and the sorted column), in the order they join a wider window.
    const IMPORTANCE: [Column; 6] = [
        Column::Last,
        Column::First,
        Column::LastLogin,
        Column::Groups,
        Column::Tags,
        Column::Created,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Column::Email => "Email",
            Column::First => "First",
            Column::Last => "Last",
            Column::Groups => "Groups",
            Column::Tags => "Tags",
            Column::Created => "Created",
            Column::LastLogin => "Last login",
        }
    }

    pub fn sort_field(self) -> Option<SortField> {
        match self {
            Column::Email => Some(SortField::Email),
            Column::First => Some(SortField::FirstName),
            Column::Last => Some(SortField::LastName),
            Column::Created => Some(SortField::Created),
            Column::LastLogin => Some(SortField::LastLogin),
            Column::Groups | Column::Tags => None,
        }
    }

    /// The least room the column takes: its title, with the sort arrow when sorted.
    fn min_width(self, sorted: bool) -> u16 {
        let title = self.title().len() as u16 + if sorted { 2 } else { 0 };
        let content = match self {
            Column::Email => EMAIL_ROOM,
            Column::First | Column::Last => 10,
            Column::Groups => 12,
            // "never", "11mo ago"
            Column::Created | Column::LastLogin => 8,
            Column::Tags => 4,
        };
        title.max(content)
    }
}

/// One shown column: where it starts (from the left edge of the row, after the
/// selection marker) and how wide it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub column: Column,
    pub x: u16,
    pub width: u16,
}

/// The columns shown in `width` screen columns of row (inside the borders, marker
/// included), left to right.
pub fn layout(width: u16, sort: SortField) -> Vec<Placed> {
    let room = width.saturating_sub(MARKER);
    let sorted = |c: Column| c.sort_field() == Some(sort);
    let mut chosen = vec![Column::Email];
    let mut used = Column::Email.min_width(false).min(room);
    let candidates = Column::IMPORTANCE
        .iter()
        .filter(|c| sorted(**c))
        .chain(Column::IMPORTANCE.iter().filter(|c| !sorted(**c)));
    for &column in candidates {
        let need = GAP + column.min_width(sorted(column));
        if used + need > room {
            break;
        }
        used += need;
        chosen.push(column);
    }
    let mut widths: Vec<(Column, u16)> = Column::ORDER
        .iter()
        .filter(|c| chosen.contains(c))
        .map(|&c| {
            let w = if c == Column::Email {
                c.min_width(false).min(room)
            } else {
                c.min_width(sorted(c))
            };
            (c, w)
        })
        .collect();
    // What is left goes to the email, and to the groups when they show (3 : 2).
    let extra = room - used;
    let groups_extra = if chosen.contains(&Column::Groups) {
        extra * 2 / 5
    } else {
        0
    };
    for (c, w) in &mut widths {
        match c {
            Column::Email => *w += extra - groups_extra,
            Column::Groups => *w += groups_extra,
            _ => {}
        }
    }
    let mut x = MARKER;
    widths
        .into_iter()
        .map(|(column, width)| {
            let placed = Placed { column, x, width };
            x += width + GAP;
            placed
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(width: u16, sort: SortField) -> Vec<Column> {
        layout(width, sort).iter().map(|p| p.column).collect()
    }

    #[test]
    fn every_column_shows_from_96_columns_and_fills_the_row_exactly() {
        for sort in SortField::ALL {
            // A 96-column window: 94 inside the borders.
            let placed = layout(94, sort);
            assert_eq!(placed.len(), Column::ORDER.len(), "{sort:?}");
            let last = placed.last().unwrap();
            assert_eq!(last.x + last.width, 94, "{sort:?}");
            let wider = layout(116, sort);
            assert_eq!(wider.last().unwrap().x + wider.last().unwrap().width, 116);
        }
        assert!(layout(93, SortField::LastLogin).len() < Column::ORDER.len());
    }

    #[test]
    fn the_email_keeps_its_room_and_others_hide_by_importance() {
        use Column::*;
        // 40-column window: 38 inside the borders; nothing else fits beside 30.
        assert_eq!(shown(38, SortField::Email), vec![Email]);
        assert_eq!(layout(38, SortField::Email)[0].width, 36);
        assert_eq!(shown(48, SortField::Email), vec![Email, Last]);
        assert_eq!(
            shown(78, SortField::Email),
            vec![Email, First, Last, Groups, LastLogin]
        );
        for width in [38, 48, 58, 78, 100] {
            let email = layout(width, SortField::Email)[0];
            assert!(email.width >= EMAIL_ROOM, "{width}: {email:?}");
        }
    }

    #[test]
    fn the_sorted_column_shows_before_less_important_ones() {
        use Column::*;
        assert_eq!(shown(48, SortField::Created), vec![Email, Created]);
        assert!(shown(78, SortField::Created).contains(&Created));
        assert_eq!(shown(38, SortField::Created), vec![Email]);
    }

    #[test]
    fn a_tiny_window_still_places_the_email_inside_it() {
        let placed = layout(10, SortField::Email);
        assert_eq!(placed.len(), 1);
        assert_eq!(placed[0].x + placed[0].width, 10);
    }
}
