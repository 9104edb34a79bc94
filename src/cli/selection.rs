//! Which users a command acts on — `--scope --group --tag --filter --sort --desc` —
//! and reading them a page at a time (used by `users list` and `users export`), and the
//! `--sort` and `KEY=VALUE` parsers. A leaf: it uses no other command's module.

use clap::{Args, ValueEnum};

use super::Failure;
use crate::domain::TagKey;
use crate::store::{Application, Scope, Sort, SortField, Store, TagFilter, UserQuery, UserRow};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum ScopeArg {
    All,
    Grouped,
    Ungrouped,
}

/// Which users a command acts on: the same options for listing and exporting.
#[derive(Debug, Args)]
pub struct Selection {
    /// Which users: all, in at least one group, or in none
    #[arg(long, value_enum, default_value = "all", conflicts_with = "group")]
    pub(super) scope: ScopeArg,
    /// Only members of this group or of any group below it (as the console's members
    /// view shows them)
    #[arg(long, value_name = "NAME")]
    pub(super) group: Option<String>,
    /// With --group: only its direct members, not those of its subgroups
    #[arg(long, requires = "group")]
    pub(super) direct: bool,
    /// Only users with this tag (KEY) or this tag value (KEY=VALUE); repeatable
    /// (--has-tag too, as the commands that change users spell it)
    #[arg(long, visible_alias = "has-tag", value_name = "KEY[=VALUE]")]
    pub(super) tag: Vec<String>,
    /// Text that the email, first or last name must contain (any case)
    #[arg(long, value_name = "TEXT")]
    pub(super) filter: Option<String>,
    /// Sort by email, first, last, created or last-login
    #[arg(long, default_value = "email", value_parser = parse_sort)]
    pub(super) sort: SortField,
    /// Sort in descending order
    #[arg(long)]
    pub(super) desc: bool,
}

impl Selection {
    pub fn query(&self, store: &Store, app: &Application) -> Result<UserQuery, Failure> {
        let tags: Vec<TagFilter> = self.tag.iter().map(|t| TagFilter::parse(t)).collect();
        // A key no tag can have would only ever select nobody: it is a mistake.
        let bad_keys: Vec<String> = (self.tag.iter().zip(&tags))
            .filter_map(|(term, tag)| {
                let problem = TagKey::parse(&tag.key).err()?;
                Some(format!("--tag {term:?}: {problem}"))
            })
            .collect();
        if !bad_keys.is_empty() {
            return Err(Failure {
                code: 2,
                lines: bad_keys,
            });
        }
        let scope = match (&self.group, self.scope) {
            (Some(name), _) => {
                let id = store.group_named(app.id, name)?;
                if self.direct {
                    Scope::Group(id)
                } else {
                    Scope::GroupTree(id)
                }
            }
            (None, ScopeArg::All) => Scope::All,
            (None, ScopeArg::Grouped) => Scope::Grouped,
            (None, ScopeArg::Ungrouped) => Scope::Ungrouped,
        };
        Ok(UserQuery {
            scope,
            tags,
            sort: Sort {
                field: self.sort,
                descending: self.desc,
            },
            ..Default::default()
        }
        .filter(self.filter.as_deref().unwrap_or("")))
    }
}

/// Hands the query's users to `each` a page at a time, at most `limit` in all.
pub fn for_each_page(
    store: &Store,
    app: &Application,
    query: &UserQuery,
    limit: usize,
    each: impl FnMut(Vec<UserRow>) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let selection = crate::store::Selection::of_query(query.clone());
    store.for_each_selected(app.id, &selection, query.sort, limit, each)
}

pub fn parse_sort(s: &str) -> Result<SortField, String> {
    SortField::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = SortField::ALL.iter().map(|f| f.name()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

pub fn parse_tag(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("'{s}' must be KEY=VALUE"))
}
