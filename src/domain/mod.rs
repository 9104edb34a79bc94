//! Plain types and rules, no I/O.

mod email;
mod error;
mod group;
mod moment;
mod password;
mod sort_key;
mod suggest;
mod tag;
mod text;
mod user;

pub use email::{Email, email_key};
pub use error::{Errors, Field, FieldError};
pub use group::creates_cycle;
pub use moment::{parse_time, rfc3339_ms};
pub use password::{Password, PasswordInput};
pub use sort_key::name_sort_key;
pub use suggest::{KeySuggestion, holds_in_order, rank_tag_keys};
pub use tag::{TagKey, tag_value};
pub use text::{MAX_TEXT_CHARS, optional_text, required_text};
pub use user::{NewUser, Profile, UserChanges, UserDraft};
