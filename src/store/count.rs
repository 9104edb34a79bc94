//! Counting from the filter's own indexes where they alone answer: the tag index
//! names the users with a tag, the search index those holding a term of up to three
//! characters (a three-character term is one trigram; the trigrams a shorter one
//! begins name exactly its users, see plan.rs); the count is the size of their
//! intersection. Neither index knows applications or scopes, so this serves the All
//! pane while one application holds every user — the usual case, and the one where
//! counting row by row costs most — and a large group's members view, its members
//! tested in the member set (member_set.rs).

use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::member_set::member_test;
use super::plan::{
    FEW_FOR_PAGE, FTS_USERS, Few, MIN_SEARCH_CHARS, Short, TAG_KEY_USERS, TAG_VALUE_USERS, quoted,
};
use super::subtree::group_test;
use super::{AppId, Result, Scope, SqliteStore, UserQuery};

/// Above this many haystacks a short term is counted row by row instead: its
/// trigrams' lists would be as long to merge.
const SHORT_TERM_LIMIT: i64 = 200_000;

/// What the search index says about all of a query's text terms at once.
enum Text {
    /// Some term is in no haystack.
    Nothing,
    /// An FTS5 query matching exactly the haystacks holding every term.
    Exactly(String),
    /// The index can only narrow the terms down (a term of four or more characters is
    /// its trigrams, in any order), or a short term is in too many haystacks.
    Unknown,
}

impl SqliteStore {
    /// The query's match count when the indexes answer it alone, else `None`.
    pub(crate) fn count_from_indexes(
        &self,
        app: AppId,
        q: &UserQuery,
        few: Few,
    ) -> Result<Option<u64>> {
        // A large group's members are counted among the users the indexes name by
        // testing each in the member set (a group and its members are always of one
        // application).
        let mut members = Vec::new();
        if let Some((group, subgroups)) = q.scope.group() {
            if q.filters_nothing() {
                return self.count_members(group, subgroups).map(Some);
            }
            // The indexes answer exactly: the set pays for itself from the group size
            // a page reads it at, where reading memberships row by row would not.
            let few = Few {
                members: few.members.min(FEW_FOR_PAGE.members),
                ..few
            };
            match self.group_plan(q, few)? {
                (_, Some(params)) => members = params.to_vec(),
                (_, None) => return Ok(None),
            }
        } else if q.scope != Scope::All || !self.holds_every_user(app)? {
            return Ok(None);
        }
        let mut selects = Vec::new();
        let mut params = Vec::new();
        let mut select = |[id, users]: [&str; 2], mut values: Vec<Value>| {
            let test = match members.is_empty() {
                true => String::new(),
                false => format!(" AND {}", member_test(id)),
            };
            selects.push(format!("SELECT {id} FROM {users}{test}"));
            params.append(&mut values);
            params.extend(members.iter().cloned());
        };
        if !q.text.is_empty() {
            match self.exact_text(&q.text)? {
                Text::Nothing => return Ok(Some(0)),
                Text::Unknown => return Ok(None),
                Text::Exactly(expr) => select(FTS_USERS, vec![Value::Text(expr)]),
            }
        }
        for tag in &q.tags {
            let key = Value::Text(tag.key.clone());
            match &tag.value {
                Some(value) => select(TAG_VALUE_USERS, vec![key, Value::Text(value.clone())]),
                None => select(TAG_KEY_USERS, vec![key]),
            }
        }
        if selects.is_empty() {
            return Ok(None);
        }
        let sql = format!("SELECT count(*) FROM ({})", selects.join(" INTERSECT "));
        Ok(Some(
            self.conn
                .prepare_cached(&sql)?
                .query_row(params_from_iter(params), |r| r.get(0))?,
        ))
    }

    /// A group's members (with its subgroups', each user once) from the membership
    /// index alone: a group and its members are always of one application.
    fn count_members(&self, group: i64, subgroups: bool) -> Result<u64> {
        let sql = format!(
            "SELECT count(DISTINCT m.user_id) FROM memberships m WHERE {}",
            group_test(subgroups, false)
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([group], |r| r.get(0))?)
    }

    fn holds_every_user(&self, app: AppId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT NOT EXISTS (SELECT 1 FROM applications WHERE id != ?1 AND user_count > 0)",
            )?
            .query_row([app.0], |r| r.get(0))?)
    }

    /// A three-character term is one trigram, and a shorter one the trigrams it
    /// begins: for those the index is exact.
    fn exact_text(&self, text: &[String]) -> Result<Text> {
        let mut groups = Vec::new();
        for term in text {
            let chars = term.chars().count();
            if chars > MIN_SEARCH_CHARS {
                return Ok(Text::Unknown);
            }
            if chars == MIN_SEARCH_CHARS {
                groups.push(quoted(term));
                continue;
            }
            match self.short_term(term, SHORT_TERM_LIMIT)? {
                Short::Absent => return Ok(Text::Nothing),
                Short::Few(trigrams) => groups.push(format!("({})", trigrams.join(" OR "))),
                Short::Many => return Ok(Text::Unknown),
            }
        }
        Ok(Text::Exactly(groups.join(" AND ")))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{DEFAULT_APP, Scope, SeedUser, SqliteStore, UserQuery};
    use crate::auth::PasswordHash;
    use crate::domain::Password;

    /// Without a filter no index names the users: every pane is counted, not an
    /// empty intersection.
    #[test]
    fn an_unfiltered_count_counts_every_user_of_the_pane() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let app = store.application(DEFAULT_APP).unwrap().id;
        let group = store.create_group(app, "G", None).unwrap().id;
        let hash = PasswordHash::new(&Password::parse("s3cret-pass").unwrap());
        let users = (0..3).map(|i| SeedUser {
            email: format!("u{i}@x.io"),
            first_name: String::new(),
            last_name: String::new(),
            groups: if i == 0 { vec![group] } else { vec![] },
            tags: vec![],
            created_at: 1_800_000_000,
            last_login: 0,
        });
        store.insert_seed_users(app, users, &hash, |_| ()).unwrap();
        for (scope, n) in [
            (Scope::All, 3),
            (Scope::Grouped, 1),
            (Scope::Ungrouped, 2),
            (Scope::GroupTree(group), 1),
        ] {
            let q = UserQuery {
                scope,
                ..UserQuery::default()
            };
            assert_eq!(store.count_users(app, &q).unwrap(), n, "{scope:?}");
        }
    }
}
