//! The error every scenario problem becomes: where (file or `--set`, line
//! and column), which key, and what is wrong and allowed. In a module of its
//! own so that reading (`load.rs`) and `--set` overrides (`overrides.rs`)
//! share it without importing each other. Never prints.

use std::fmt;

/// A problem with a scenario, located where possible. Shown with a "did
/// you mean" when an unknown word is close to an allowed one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ScenarioError {
    /// The file name, `--set KEY=VALUE`, or another origin.
    pub origin: String,
    /// 1-based line and column in the origin, where known.
    pub at: Option<(usize, usize)>,
    /// The dotted key at fault, where known.
    pub key: Option<String>,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", crate::names::clip_long_words(&self.origin))?;
        if let Some((l, c)) = self.at {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": ")?;
        if let Some(k) = &self.key {
            write!(f, "`{k}`: ")?;
        }
        write!(f, "{}", crate::names::clip_long_words(&crate::keys::did_you_mean_at(self.key.as_deref(), &self.message)))
    }
}

/// Something with a location in a source text.
pub trait Located {
    /// 1-based (line, column) of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize);
}

impl Located for str {
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.len());
        let before = &self[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rfind('\n').map_or(before.chars().count(), |p| before[p + 1..].chars().count()) + 1;
        (line, col)
    }
}
