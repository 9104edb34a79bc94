use std::collections::HashMap;

/// Whether making `parent` the parent of `group` would close a loop in the tree.
/// `parents` maps every group to its current parent.
pub fn creates_cycle(parents: &HashMap<i64, Option<i64>>, group: i64, parent: i64) -> bool {
    let mut current = Some(parent);
    let mut steps = 0;
    while let Some(g) = current {
        if g == group || steps > parents.len() {
            return true;
        }
        current = parents.get(&g).copied().flatten();
        steps += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> HashMap<i64, Option<i64>> {
        // 1 ─ 2 ─ 3, and 4 alone
        HashMap::from([(1, None), (2, Some(1)), (3, Some(2)), (4, None)])
    }

    #[test]
    fn detects_cycles() {
        let t = tree();
        assert!(creates_cycle(&t, 1, 1), "own parent");
        assert!(creates_cycle(&t, 1, 3), "grandchild as parent");
        assert!(creates_cycle(&t, 2, 3), "child as parent");
        assert!(!creates_cycle(&t, 3, 4));
        assert!(!creates_cycle(&t, 4, 3));
        assert!(!creates_cycle(&t, 3, 1));
    }
}
