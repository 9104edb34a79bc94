//! The group tree as read, and which of its groups show, in what order: the
//! expanded branches, or with a filter every group whose name matches and the
//! ancestors that lead to it.

use std::collections::HashSet;

use crate::store::{Device, GroupSummary};

/// The groups of an application, parents before children, and its devices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupTree {
    pub groups: Vec<GroupSummary>,
    pub devices: Vec<Device>,
}

impl GroupTree {
    /// The names of group `id`'s subgroups, at every depth below it.
    pub fn subgroups(&self, id: i64) -> Vec<String> {
        let Some(at) = self.groups.iter().position(|g| g.group.id == id) else {
            return Vec::new();
        };
        let depth = self.groups[at].depth;
        (self.groups[at + 1..].iter())
            .take_while(|g| g.depth > depth)
            .map(|g| g.group.name.clone())
            .collect()
    }
}

/// A group on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeRow {
    /// Index into the tree's groups.
    pub index: usize,
    pub has_children: bool,
    /// Whether its children show (always, under a filter, for a group on a path).
    pub open: bool,
    /// Whether the filter matched it (rather than showing it as an ancestor).
    pub matched: bool,
}

/// The rows that show: `groups` in tree order (parents first, each followed by its
/// subtree), `expanded` the open groups' ids, `filter` lower-cased text.
pub fn visible_rows(
    groups: &[GroupSummary],
    expanded: &HashSet<i64>,
    filter: &str,
) -> Vec<TreeRow> {
    let has_children = |i: usize| {
        groups
            .get(i + 1)
            .is_some_and(|next| next.depth > groups[i].depth)
    };
    if filter.is_empty() {
        let mut rows = Vec::new();
        // Below a closed group, everything deeper than it is hidden.
        let mut hidden_below: Option<usize> = None;
        for (i, g) in groups.iter().enumerate() {
            if hidden_below.is_some_and(|d| g.depth > d) {
                continue;
            }
            hidden_below = None;
            let open = expanded.contains(&g.group.id);
            if !open {
                hidden_below = Some(g.depth);
            }
            rows.push(TreeRow {
                index: i,
                has_children: has_children(i),
                open: open && has_children(i),
                matched: false,
            });
        }
        return rows;
    }
    let matched: Vec<bool> = groups
        .iter()
        .map(|g| g.group.name.to_lowercase().contains(filter))
        .collect();
    // A group shows when it matches or a group of its subtree does: each match
    // shows the path of groups above it.
    let mut shows = vec![false; groups.len()];
    let mut path: Vec<usize> = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        while path.last().is_some_and(|p| groups[*p].depth >= g.depth) {
            path.pop();
        }
        if matched[i] {
            shows[i] = true;
            for p in &path {
                shows[*p] = true;
            }
        }
        path.push(i);
    }
    let mut rows: Vec<TreeRow> = (0..groups.len())
        .filter(|i| shows[*i])
        .map(|i| TreeRow {
            index: i,
            has_children: has_children(i),
            open: false,
            matched: matched[i],
        })
        .collect();
    // A group shows open when the row after it is one of its subgroups.
    for k in 0..rows.len().saturating_sub(1) {
        rows[k].open = groups[rows[k + 1].index].depth > groups[rows[k].index].depth;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Group;

    /// Acme > (Sales > EMEA, Support), Labs
    fn groups() -> Vec<GroupSummary> {
        [
            ("Acme", 0),
            ("Sales", 1),
            ("EMEA", 2),
            ("Support", 1),
            ("Labs", 0),
        ]
        .iter()
        .enumerate()
        .map(|(i, (name, depth))| GroupSummary {
            group: Group {
                id: i as i64 + 1,
                name: name.to_string(),
                parent_id: None,
            },
            depth: *depth,
            members: 0,
            with_subgroups: 0,
            devices: 0,
            version: 1,
        })
        .collect()
    }

    fn names(rows: &[TreeRow]) -> Vec<&'static str> {
        let all = ["Acme", "Sales", "EMEA", "Support", "Labs"];
        rows.iter().map(|r| all[r.index]).collect()
    }

    #[test]
    fn closed_groups_hide_their_subtrees() {
        let g = groups();
        assert_eq!(
            names(&visible_rows(&g, &HashSet::new(), "")),
            ["Acme", "Labs"]
        );
        let open = HashSet::from([1]);
        let rows = visible_rows(&g, &open, "");
        assert_eq!(names(&rows), ["Acme", "Sales", "Support", "Labs"]);
        assert!(rows[0].open && rows[1].has_children && !rows[1].open);
        let open = HashSet::from([1, 2]);
        assert_eq!(
            names(&visible_rows(&g, &open, "")),
            ["Acme", "Sales", "EMEA", "Support", "Labs"]
        );
        // An open group under a closed one stays hidden.
        let open = HashSet::from([2]);
        assert_eq!(names(&visible_rows(&g, &open, "")), ["Acme", "Labs"]);
    }

    #[test]
    fn the_filter_keeps_the_ancestors_of_every_match() {
        let g = groups();
        let rows = visible_rows(&g, &HashSet::new(), "em");
        assert_eq!(names(&rows), ["Acme", "Sales", "EMEA"]);
        assert_eq!(
            rows.iter().map(|r| r.matched).collect::<Vec<_>>(),
            [false, false, true]
        );
        let rows = visible_rows(&g, &HashSet::new(), "s");
        assert_eq!(names(&rows), ["Acme", "Sales", "Support", "Labs"]);
        assert!(
            rows[0].open && !rows[1].open,
            "EMEA does not match: Sales shows closed"
        );
        assert!(visible_rows(&g, &HashSet::new(), "zzz").is_empty());
    }
}
