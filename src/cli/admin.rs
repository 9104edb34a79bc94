//! Groups, devices and applications from the command line.

use clap::{Args, Subcommand};
use serde::Serialize;

use super::output::{outln, print_json, print_table};
use super::{Failure, Format};
use crate::inert::inert;
use crate::store::{Application, LoginPolicy, Store};

#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    /// The group tree with member and device counts
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add a group, at the top or under a parent
    Add {
        name: String,
        /// The parent group (none: at the top)
        #[arg(long, value_name = "P")]
        parent: Option<String>,
    },
    /// Rename a group
    Rename { old: String, new: String },
    /// Put a group under another one, or at the top (cycles are refused)
    Move(MoveArgs),
    /// Delete a group: members and devices stay, child groups move up to its parent
    Delete { name: String },
}

#[derive(Debug, Args)]
pub struct MoveArgs {
    name: String,
    /// The new parent
    #[arg(
        long,
        value_name = "P",
        required_unless_present = "root",
        conflicts_with = "root"
    )]
    parent: Option<String>,
    /// Make it a top-level group
    #[arg(long)]
    root: bool,
}

#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// Every device with the groups it is tied to
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add a device, tied to groups
    Add {
        name: String,
        /// A group that reaches the device; repeatable
        #[arg(long, value_name = "G")]
        group: Vec<String>,
    },
    /// Tie a device to a group
    Link {
        name: String,
        /// The group
        #[arg(long, value_name = "G")]
        group: String,
    },
    /// Untie a device from a group
    Unlink {
        name: String,
        /// The group
        #[arg(long, value_name = "G")]
        group: String,
    },
    /// Delete a device
    Delete { name: String },
}

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// Every application with its number of users, its limit and its login lockout
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add an application
    Add {
        name: String,
        /// At most this many users (none: no limit)
        #[arg(long, value_name = "N")]
        user_limit: Option<u64>,
    },
    /// Set or remove an application's user limit
    SetLimit {
        name: String,
        /// A number of users, or `none`
        #[arg(value_parser = parse_limit)]
        limit: Limit,
    },
    /// Set how many failed logins within how many minutes lock an email out
    /// (for that long; 10 in 15 by default)
    SetLockout {
        name: String,
        /// Failed logins that lock an email out (1–1000)
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
        failures: u32,
        /// The window, in minutes, over which failures count (1–10080)
        #[arg(long, value_name = "M", value_parser = clap::value_parser!(i64).range(1..=10080))]
        minutes: i64,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct Limit(Option<u64>);

fn parse_limit(s: &str) -> Result<Limit, String> {
    match s {
        "none" => Ok(Limit(None)),
        n => n
            .parse()
            .map(|n| Limit(Some(n)))
            .map_err(|_| format!("'{s}' is neither a number of users nor 'none'")),
    }
}

#[derive(Serialize)]
struct GroupJson {
    name: String,
    parent: Option<String>,
    members: u64,
    devices: u64,
}

#[derive(Serialize)]
struct DeviceJson {
    name: String,
    groups: Vec<String>,
}

#[derive(Serialize)]
struct AppJson {
    name: String,
    users: u64,
    user_limit: Option<u64>,
    lockout: LockoutJson,
}

#[derive(Serialize)]
struct LockoutJson {
    failures: u32,
    minutes: i64,
}

pub fn groups(store: &mut Store, app: &Application, cmd: GroupsCommand) -> Result<(), Failure> {
    let id = app.id;
    match cmd {
        GroupsCommand::List { format } => {
            let groups = store.group_summaries(id)?;
            match format {
                Format::Json => {
                    let name_of = |pid| {
                        groups
                            .iter()
                            .find(|g| g.group.id == pid)
                            .map(|g| g.group.name.clone())
                    };
                    let json: Vec<GroupJson> = groups
                        .iter()
                        .map(|g| GroupJson {
                            name: g.group.name.clone(),
                            parent: g.group.parent_id.and_then(name_of),
                            members: g.members,
                            devices: g.devices,
                        })
                        .collect();
                    return print_json(&json);
                }
                Format::Table => print_table(
                    &["GROUP", "MEMBERS", "DEVICES"],
                    groups
                        .iter()
                        .map(|g| {
                            vec![
                                format!("{}{}", "  ".repeat(g.depth), inert(&g.group.name)),
                                g.members.to_string(),
                                g.devices.to_string(),
                            ]
                        })
                        .collect(),
                )?,
            }
        }
        GroupsCommand::Add { name, parent } => {
            let group = store.create_group(id, &name, parent.as_deref())?;
            outln!("Added group {}", inert(&group.name))?;
        }
        GroupsCommand::Rename { old, new } => {
            store.rename_group(id, &old, &new)?;
            outln!("Renamed {} to {}", inert(&old), inert(new.trim()))?;
        }
        GroupsCommand::Move(args) => {
            store.set_group_parent(id, &args.name, args.parent.as_deref())?;
            match args.parent {
                Some(parent) => outln!("Moved {} under {}", inert(&args.name), inert(&parent))?,
                None => outln!("Moved {} to the top", inert(&args.name))?,
            }
        }
        GroupsCommand::Delete { name } => {
            store.delete_group(id, &name)?;
            outln!("Deleted group {}", inert(&name))?;
        }
    }
    Ok(())
}

pub fn devices(store: &mut Store, app: &Application, cmd: DevicesCommand) -> Result<(), Failure> {
    let id = app.id;
    match cmd {
        DevicesCommand::List { format } => {
            let devices = store.devices(id)?;
            match format {
                Format::Json => {
                    let json: Vec<DeviceJson> = devices
                        .into_iter()
                        .map(|d| DeviceJson {
                            name: d.name,
                            groups: d.groups,
                        })
                        .collect();
                    return print_json(&json);
                }
                Format::Table => print_table(
                    &["DEVICE", "GROUPS"],
                    devices
                        .iter()
                        .map(|d| {
                            vec![
                                inert(&d.name).into_owned(),
                                inert(&d.groups.join(", ")).into_owned(),
                            ]
                        })
                        .collect(),
                )?,
            }
        }
        DevicesCommand::Add { name, group } => {
            let groups: Vec<&str> = group.iter().map(String::as_str).collect();
            store.create_device(id, &name, &groups)?;
            outln!("Added device {}", inert(name.trim()))?;
        }
        DevicesCommand::Link { name, group } => {
            store.link_device(id, &name, &group, true)?;
            outln!("Tied {} to {}", inert(&name), inert(&group))?;
        }
        DevicesCommand::Unlink { name, group } => {
            store.link_device(id, &name, &group, false)?;
            outln!("Untied {} from {}", inert(&name), inert(&group))?;
        }
        DevicesCommand::Delete { name } => {
            store.delete_device(id, &name)?;
            outln!("Deleted device {}", inert(&name))?;
        }
    }
    Ok(())
}

pub fn apps(store: &mut Store, cmd: AppsCommand) -> Result<(), Failure> {
    match cmd {
        AppsCommand::List { format } => {
            let apps = store.applications()?;
            match format {
                Format::Json => {
                    let json: Vec<AppJson> = apps
                        .into_iter()
                        .map(|(a, users)| AppJson {
                            lockout: LockoutJson {
                                failures: a.login_policy.max_failures,
                                minutes: a.login_policy.window_secs / 60,
                            },
                            name: a.name,
                            users,
                            user_limit: a.user_limit,
                        })
                        .collect();
                    return print_json(&json);
                }
                Format::Table => print_table(
                    &["APPLICATION", "USERS", "LIMIT", "LOCKOUT"],
                    apps.iter()
                        .map(|(a, users)| {
                            vec![
                                inert(&a.name).into_owned(),
                                users.to_string(),
                                a.user_limit.map_or("none".into(), |l| l.to_string()),
                                format!(
                                    "{} failures in {} min",
                                    a.login_policy.max_failures,
                                    a.login_policy.window_secs / 60
                                ),
                            ]
                        })
                        .collect(),
                )?,
            }
        }
        AppsCommand::Add { name, user_limit } => {
            let app = store.create_application(&name, user_limit)?;
            outln!("Added application {}", inert(&app.name))?;
        }
        AppsCommand::SetLimit { name, limit } => {
            let app = store.existing_application(&name)?;
            store.set_user_limit(app.id, limit.0)?;
            match limit.0 {
                Some(n) => outln!("{} may have up to {n} users", inert(&name))?,
                None => outln!("{} has no user limit", inert(&name))?,
            }
        }
        AppsCommand::SetLockout {
            name,
            failures,
            minutes,
        } => {
            let app = store.existing_application(&name)?;
            let policy = LoginPolicy {
                max_failures: failures,
                window_secs: minutes * 60,
            };
            store.set_login_policy(app.id, policy)?;
            outln!(
                "{}: {failures} failed logins within {minutes} minutes lock an email out",
                inert(&name)
            )?;
        }
    }
    Ok(())
}
