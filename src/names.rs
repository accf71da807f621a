//! The one naming rule for names that become file or folder names: the
//! scenario's `name` (the default output folder `results/<name>/`) and each
//! strategy's `name` (columns of tables, GIF file names such as
//! `village_<strategy>.gif`). `check` in `src/scenario` applies it to the
//! scenario, and the CLI applies it again before it builds any path from a
//! name, so no name can lead a file outside the output folder.
//!
//! The rule: 1 to [`MAX_NAME_LEN`] characters, each an ASCII letter, digit,
//! `_`, `-` or `.`, the first a letter, digit or `_`. So no `/` or `\`, no
//! `..` or `.` as a whole name, no hidden (`.x`) or option-like (`-x`) name,
//! no spaces, quotes, commas or newlines (which would also break a CSV
//! cell), and no name long enough to exhaust a file system's name limit.
//! Pure: never touches the file system.

/// Longest allowed name, in characters (file systems allow 255 bytes per
/// name; a results file adds a prefix and a suffix to it).
pub const MAX_NAME_LEN: usize = 64;

/// The rule in words, for error messages.
pub const NAME_RULE: &str = "1 to 64 characters, each an ASCII letter, digit, `_`, `-` or `.`, starting with a letter, digit or `_`";

/// A name that breaks the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} name `{shown}` is not allowed: {why}; a name is {NAME_RULE}")]
pub struct NameError {
    /// What was named ("scenario", "strategy", ...).
    pub kind: String,
    /// The name, cut to a readable length with control characters escaped.
    pub shown: String,
    /// Which part of the rule it breaks.
    pub why: String,
}

/// Whether `name` follows the naming rule; `kind` says what it names, for
/// the message.
pub fn check_name(kind: &str, name: &str) -> Result<(), NameError> {
    let fail = |why: String| {
        let mut shown: String = name.chars().take(40).flat_map(char::escape_debug).collect();
        if name.chars().count() > 40 {
            shown.push_str("...");
        }
        Err(NameError { kind: kind.to_string(), shown, why })
    };
    if name.is_empty() {
        return fail("it is empty".into());
    }
    let len = name.chars().count();
    if len > MAX_NAME_LEN {
        return fail(format!("it has {len} characters"));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))) {
        return fail(format!("it contains {}", describe(c)));
    }
    if name.starts_with(['.', '-']) {
        return fail(format!("it starts with `{}`", &name[..1]));
    }
    Ok(())
}

fn describe(c: char) -> String {
    match c {
        '/' | '\\' => format!("`{c}`, a path separator"),
        ' ' => "a space".into(),
        c if c.is_control() => format!("the control character {}", c.escape_debug()),
        c => format!("`{c}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_use_pass() {
        for n in ["default", "watts-2002", "quota_only", "a", "x.y", "_tmp", "0", &"a".repeat(MAX_NAME_LEN)] {
            assert_eq!(check_name("scenario", n), Ok(()), "{n}");
        }
    }

    #[test]
    fn names_that_could_leave_a_folder_or_break_a_table_fail() {
        let long = "a".repeat(MAX_NAME_LEN + 1);
        for n in ["", ".", "..", "../../victim", "/etc", "a/b", "a\\b", ".hidden", "-rf", "a b", "a,b", "a\"b", "a\nb", "é", &long] {
            let e = check_name("strategy", n).unwrap_err();
            assert!(e.to_string().starts_with("strategy name `"), "{e}");
            assert!(!e.to_string().contains('\n'), "{e}");
        }
        assert!(check_name("scenario", "a/b").unwrap_err().why.contains("path separator"));
    }
}
