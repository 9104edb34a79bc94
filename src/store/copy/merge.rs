//! `xusers copy --merge`: a database's applications, groups, devices and users brought
//! into one in use, matched by name (applications, groups, devices) and by email
//! within their application (users), the target's ids kept. Users go through the
//! import's rules (store/import.rs), so a user in both is failed, skipped or updated as
//! `users import --on-conflict` does it; tokens, failed logins and the source's audit
//! log stay behind, and the target's log records what the merge did. One transaction:
//! a refused or failed merge leaves the target as it was.

use std::collections::HashMap;
use std::convert::Infallible;

use super::tables::{Cell, Kind, Table};
use super::{CopyProgress, Reader};
use crate::auth::PasswordHash;
use crate::domain::{Email, Field, FieldError, Profile, TagKey};
use crate::store::audit::{Changes, Record, Target};
use crate::store::import::{ImportOptions, ImportReport, ImportUser, OnConflict};
use crate::store::{AppId, Result, StoreError};

#[derive(Debug, Clone)]
pub struct MergeOptions {
    /// The source as the target's audit log names it (without its password).
    pub origin: String,
    pub on_conflict: OnConflict,
}

/// What a merge did with one kind of thing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub added: u64,
    /// In both, and changed: a user the source's (`--on-conflict update`), a device
    /// tied to more groups.
    pub updated: u64,
    /// In both and left as the target had it (users: skipped).
    pub kept: u64,
}

/// What a merge did, per kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeReport {
    pub applications: Tally,
    pub groups: Tally,
    pub devices: Tally,
    pub users: Tally,
}

/// The progress step of a merge's users.
pub const MERGING_USERS: &str = "merging users";

/// An application of the source, with the settings a new one takes.
pub(crate) struct SourceApp {
    id: i64,
    pub name: String,
    pub user_limit: Option<i64>,
    pub lockout_failures: i64,
    pub lockout_secs: i64,
}

struct SourceUser {
    id: i64,
    app: i64,
    email: String,
    hash: String,
    first_name: String,
    last_name: String,
    created: i64,
    last_login: i64,
}

/// What a merge takes of the source, read in one snapshot.
pub(crate) struct SourceData {
    apps: Vec<SourceApp>,
    /// id → (application, name, parent).
    groups: HashMap<i64, (i64, String, Option<i64>)>,
    /// (id, application, name).
    devices: Vec<(i64, i64, String)>,
    /// device → its groups.
    device_groups: HashMap<i64, Vec<i64>>,
    users: Vec<SourceUser>,
    /// user → its groups.
    memberships: HashMap<i64, Vec<i64>>,
    /// user → its tags.
    tags: HashMap<i64, Vec<(String, String)>>,
}

use Kind::{Int, Text};

const APPS: Table = Table {
    name: "applications",
    columns: &[
        ("id", Int),
        ("name", Text),
        ("user_limit", Int),
        ("lockout_failures", Int),
        ("lockout_secs", Int),
    ],
    derived: false,
};
const GROUPS: Table = Table {
    name: "groups",
    columns: &[
        ("id", Int),
        ("app_id", Int),
        ("name", Text),
        ("parent_id", Int),
    ],
    derived: false,
};
const DEVICES: Table = Table {
    name: "devices",
    columns: &[("id", Int), ("app_id", Int), ("name", Text)],
    derived: false,
};
const GROUP_DEVICES: Table = Table {
    name: "group_devices",
    columns: &[("group_id", Int), ("device_id", Int)],
    derived: false,
};
const USERS: Table = Table {
    name: "users",
    columns: &[
        ("id", Int),
        ("app_id", Int),
        ("email", Text),
        ("password_hash", Text),
        ("first_name", Text),
        ("last_name", Text),
        ("created_at", Int),
        ("last_login", Int),
    ],
    derived: false,
};
const MEMBERSHIPS: Table = Table {
    name: "memberships",
    columns: &[("user_id", Int), ("group_id", Int)],
    derived: false,
};
const USER_TAGS: Table = Table {
    name: "user_tags",
    columns: &[("user_id", Int), ("key", Text), ("value", Text)],
    derived: false,
};

fn int(cell: &Cell) -> Option<i64> {
    match cell {
        Cell::Int(v) => *v,
        _ => unreachable!("an integer column"),
    }
}

fn text(cell: &Cell) -> String {
    match cell {
        Cell::Text(v) => v.clone().unwrap_or_default(),
        _ => unreachable!("a text column"),
    }
}

/// A NOT NULL integer column's value.
fn number(cell: &Cell) -> i64 {
    int(cell).unwrap_or_default()
}

impl SourceData {
    pub(super) fn read(reader: &mut dyn Reader) -> Result<SourceData> {
        let mut data = SourceData {
            apps: Vec::new(),
            groups: HashMap::new(),
            devices: Vec::new(),
            device_groups: HashMap::new(),
            users: Vec::new(),
            memberships: HashMap::new(),
            tags: HashMap::new(),
        };
        reader.each(&APPS, &mut |r| {
            data.apps.push(SourceApp {
                id: number(&r[0]),
                name: text(&r[1]),
                user_limit: int(&r[2]),
                lockout_failures: number(&r[3]),
                lockout_secs: number(&r[4]),
            });
            Ok(())
        })?;
        reader.each(&GROUPS, &mut |r| {
            let group = (number(&r[1]), text(&r[2]), int(&r[3]));
            data.groups.insert(number(&r[0]), group);
            Ok(())
        })?;
        reader.each(&DEVICES, &mut |r| {
            data.devices
                .push((number(&r[0]), number(&r[1]), text(&r[2])));
            Ok(())
        })?;
        reader.each(&GROUP_DEVICES, &mut |r| {
            let device = data.device_groups.entry(number(&r[1])).or_default();
            device.push(number(&r[0]));
            Ok(())
        })?;
        reader.each(&USERS, &mut |r| {
            data.users.push(SourceUser {
                id: number(&r[0]),
                app: number(&r[1]),
                email: text(&r[2]),
                hash: text(&r[3]),
                first_name: text(&r[4]),
                last_name: text(&r[5]),
                created: number(&r[6]),
                last_login: number(&r[7]),
            });
            Ok(())
        })?;
        reader.each(&MEMBERSHIPS, &mut |r| {
            let user = data.memberships.entry(number(&r[0])).or_default();
            user.push(number(&r[1]));
            Ok(())
        })?;
        reader.each(&USER_TAGS, &mut |r| {
            let user = data.tags.entry(number(&r[0])).or_default();
            user.push((text(&r[1]), text(&r[2])));
            Ok(())
        })?;
        Ok(data)
    }

    fn group_name(&self, id: i64) -> &str {
        &self.groups[&id].1
    }

    /// The application's groups, each after its parent, as (name, parent's name).
    fn groups_of(&self, app: i64) -> Vec<(&str, Option<&str>)> {
        let depth = |mut id: i64| {
            let mut depth = 0;
            while let Some(parent) = self.groups[&id].2 {
                (id, depth) = (parent, depth + 1);
            }
            depth
        };
        let mut groups: Vec<(usize, i64)> = (self.groups.iter())
            .filter(|(_, (group_app, ..))| *group_app == app)
            .map(|(id, _)| (depth(*id), *id))
            .collect();
        groups.sort_unstable();
        (groups.into_iter())
            .map(|(_, id)| {
                let parent = self.groups[&id].2.map(|p| self.group_name(p));
                (self.group_name(id), parent)
            })
            .collect()
    }

    /// The user as an import row: a value the target's rules refuse (which one kept
    /// by an older version may be) is a problem of the row, as in a file.
    fn import_row(&self, line: usize, user: &SourceUser) -> ImportUser {
        let mut broken = Vec::new();
        let mut problem = |field: Field, message: String| {
            broken.push(FieldError::new(field, message));
        };
        let email = Email::parse(&user.email)
            .map_err(|m| problem(Field::Email, m))
            .ok();
        let hash = PasswordHash::parse(&user.hash)
            .map_err(|m| problem(Field::Password, m))
            .ok();
        let mut tags = std::collections::BTreeMap::new();
        for (i, (key, value)) in self.tags.get(&user.id).into_iter().flatten().enumerate() {
            match TagKey::parse(key) {
                Ok(key) => {
                    tags.insert(key, value.clone());
                }
                Err(m) => problem(Field::TagKey(i), m),
            }
        }
        let groups = (self.memberships.get(&user.id).into_iter().flatten())
            .map(|group| self.group_name(*group).to_string())
            .collect();
        let name = |name: &str| (!name.is_empty()).then(|| name.to_string());
        ImportUser {
            line,
            broken,
            email,
            profile: Profile {
                first_name: name(&user.first_name),
                last_name: name(&user.last_name),
                groups,
                tags,
            },
            group_parents: Vec::new(),
            gives_password: true,
            hash,
            created: Some(user.created),
            last_login: Some(user.last_login),
        }
    }
}

/// How a device of the source was merged.
pub(crate) enum DeviceMerged {
    Added,
    /// In both, and now tied to groups it was not.
    Tied,
    Kept,
}

/// The entry of an application a merge made, as `apps add` records one.
pub(crate) fn app_created(app: &SourceApp) -> Changes {
    Changes::default()
        .with("name", None::<String>, app.name.as_str())
        .with("user_limit", None::<i64>, app.user_limit)
        .with("lockout_failures", None::<i64>, app.lockout_failures)
        .with("lockout_seconds", None::<i64>, app.lockout_secs)
}

/// What became of a device, from whether it was made and its groups before and
/// after, and the entry that records it (`devices add`'s or `devices link`'s; none
/// when nothing changed).
pub(crate) fn device_outcome(
    app: AppId,
    (device, name): (i64, &str),
    made: bool,
    before: Vec<String>,
    after: Vec<String>,
) -> (DeviceMerged, Option<Record>) {
    let target = Target::new("device", Some(device), name);
    if made {
        let changes = Changes::default().with("name", None::<String>, name).with(
            "groups",
            Vec::<String>::new(),
            after,
        );
        let record = Record::new(Some(app), "device.create", target, changes);
        (DeviceMerged::Added, Some(record))
    } else if before != after {
        let changes = Changes::default().with("groups", before, after);
        let record = Record::new(Some(app), "device.link", target, changes);
        (DeviceMerged::Tied, Some(record))
    } else {
        (DeviceMerged::Kept, None)
    }
}

/// What a merge writes on its target, inside its one transaction: each backend's own
/// SQL, so that the rules of a merge ([`merge`]) are written once.
pub(crate) trait MergeWrites {
    /// The application of that name, made with the source's settings when missing
    /// (recorded as `apps add` does); whether it was made.
    fn application(&mut self, app: &SourceApp) -> Result<(AppId, bool)>;
    /// The group, made under `parent` when missing (an existing one keeps its place);
    /// whether it was made.
    fn group(&mut self, app: AppId, name: &str, parent: Option<&str>) -> Result<bool>;
    /// The device, made when missing, tied to `groups` (recorded as `devices add` and
    /// `devices link` do).
    fn device(&mut self, app: AppId, name: &str, groups: &[&str]) -> Result<DeviceMerged>;
    /// Imports the application's users by the import's rules, each with its entries.
    fn users(
        &mut self,
        app: AppId,
        users: &mut dyn Iterator<Item = ImportUser>,
        options: &ImportOptions,
    ) -> Result<ImportReport>;
    /// Appends the merge's summary entry.
    fn summary(&mut self, record: Record) -> Result<()>;
}

/// How many refused users a refusal names.
const NAMED: usize = 3;

/// Merges `source` into the target that `writes` writes; an `Err` (among them a
/// refusal naming the users that cannot be merged) is to roll it all back.
pub(crate) fn merge(
    source: &SourceData,
    writes: &mut dyn MergeWrites,
    options: &MergeOptions,
    progress: &mut dyn FnMut(CopyProgress),
) -> Result<MergeReport> {
    let mut report = MergeReport::default();
    let import = ImportOptions {
        origin: options.origin.clone(),
        on_conflict: options.on_conflict,
        create_groups: false,
        partial: false,
        dry_run: false,
    };
    let total = source.users.len() as u64;
    let mut done = 0;
    let mut refused: Vec<(&str, Vec<FieldError>)> = Vec::new();
    for app in &source.apps {
        let (id, added) = writes.application(app)?;
        count(&mut report.applications, added);
        for (name, parent) in source.groups_of(app.id) {
            let added = writes.group(id, name, parent)?;
            count(&mut report.groups, added);
        }
        for (device, _, name) in source.devices.iter().filter(|d| d.1 == app.id) {
            let groups: Vec<&str> = (source.device_groups.get(device).into_iter().flatten())
                .map(|group| source.group_name(*group))
                .collect();
            match writes.device(id, name, &groups)? {
                DeviceMerged::Added => report.devices.added += 1,
                DeviceMerged::Tied => report.devices.updated += 1,
                DeviceMerged::Kept => report.devices.kept += 1,
            }
        }
        let users: Vec<&SourceUser> = source.users.iter().filter(|u| u.app == app.id).collect();
        let mut rows = users.iter().enumerate().map(|(line, user)| {
            done += 1;
            progress(CopyProgress {
                step: MERGING_USERS,
                done,
                total,
            });
            source.import_row(line, user)
        });
        let imported = writes.users(id, &mut rows, &import)?;
        report.users.added += imported.created;
        report.users.updated += imported.updated;
        report.users.kept += imported.skipped;
        for (line, problems) in imported.failed {
            refused.push((users[line].email.as_str(), problems));
        }
    }
    if !refused.is_empty() {
        return Err(refusal(&refused));
    }
    let users = report.users;
    let changes = Changes::default()
        .with("added", 0, users.added)
        .with("updated", 0, users.updated)
        .with("skipped", 0, users.kept);
    let target = Target::new("merge", None, format!("merged from {}", options.origin));
    writes.summary(Record::new(None, "merge", target, changes))?;
    Ok(report)
}

fn count(tally: &mut Tally, added: bool) {
    match added {
        true => tally.added += 1,
        false => tally.kept += 1,
    }
}

/// Why the merge is refused: how many users cannot be merged, and the first few with
/// their problems (shown inert: the source's emails are any text it holds).
fn refusal(refused: &[(&str, Vec<FieldError>)]) -> StoreError {
    let named: Vec<String> = (refused.iter().take(NAMED))
        .map(|(email, problems)| {
            let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
            let named = format!("{email} ({})", problems.join("; "));
            crate::inert::inert(&named).into_owned()
        })
        .collect();
    let more = match refused.len().saturating_sub(NAMED) {
        0 => String::new(),
        n => format!(" and {} more", indicatif::HumanCount(n as u64)),
    };
    let n = refused.len();
    StoreError::Unusable(format!(
        "{} {} of the source cannot be merged: {}{more}",
        indicatif::HumanCount(n as u64),
        if n == 1 { "user" } else { "users" },
        named.join(", ")
    ))
}

/// The rows of an import that never fails to read.
pub(crate) fn readable(
    users: &mut dyn Iterator<Item = ImportUser>,
) -> impl Iterator<Item = std::result::Result<ImportUser, Infallible>> + '_ {
    users.map(Ok)
}

/// The report of an import whose rows could all be read.
pub(crate) fn imported(
    report: Result<std::result::Result<ImportReport, Infallible>>,
) -> Result<ImportReport> {
    report.map(|read| match read {
        Ok(report) => report,
        Err(never) => match never {},
    })
}
