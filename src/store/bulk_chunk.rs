//! A chunk of the users a bulk action works through at a time, in id order, and what
//! it changes for each of them.

/// Users per chunk: tens of milliseconds of work, so progress comes often and a
/// cancel takes effect well within a second.
pub(super) const CHUNK: i64 = 2_000;

/// One selected user the action changes, with its entry's changes.
pub(super) struct Changed {
    pub id: i64,
    pub email: String,
    /// The user's newest entry, which theirs follows.
    pub prev: Option<i64>,
    /// As JSON.
    pub changes: String,
    pub tokens: i64,
}

/// One chunk: the last id it covers, how many selected users it held, and those of
/// them the action changes.
pub(super) struct Chunk {
    pub last: i64,
    pub selected: u64,
    pub changed: Vec<Changed>,
}
