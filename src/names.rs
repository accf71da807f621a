//! The one rule for names a user gives (scenario, strategy and intervention
//! names): they become folder names, file names, CSV cells and figure
//! labels, so they must be safe in all of them. Pure: never touches files.
//!
//! The rule: 1 to [`MAX_NAME_LEN`] characters, each an ASCII letter, a
//! digit, `_`, `-` or `.`, and not starting with `.` or `-` (so `.`, `..`,
//! hidden and option-like names are refused). No `/`, `\`, space, quote, comma or newline
//! can appear, so a name can never leave the output folder or break a table.

/// Most characters a name may have.
pub const MAX_NAME_LEN: usize = 64;

/// The rule in words, for messages and docs (kept equal to what
/// [`check_name`] applies).
pub const NAME_RULE: &str =
    "a name has 1 to 64 characters, each an ASCII letter, a digit, `_`, `-` or `.`, and does not start with `.` or `-`";

/// Why a name breaks the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty; {NAME_RULE}")]
    Empty,
    #[error("the name has {len} characters; {NAME_RULE}")]
    TooLong { len: usize },
    #[error("the name starts with `{0}`; {NAME_RULE}")]
    Leading(char),
    #[error("the name has {what} at character {position}; {NAME_RULE}")]
    BadChar {
        /// The character, described (`/`, a space, a newline, U+00E9).
        what: String,
        /// 1-based position in characters.
        position: usize,
    },
}

fn describe(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\n' => "a newline".into(),
        '\r' => "a carriage return".into(),
        '\t' => "a tab".into(),
        c if c.is_control() || !c.is_ascii() => format!("the character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}

/// Check `name` against the rule (see [`NAME_RULE`]).
pub fn check_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    let len = name.chars().count();
    if len > MAX_NAME_LEN {
        return Err(NameError::TooLong { len });
    }
    for (i, c) in name.chars().enumerate() {
        if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
            return Err(NameError::BadChar { what: describe(c), position: i + 1 });
        }
    }
    // `.` would allow `.`, `..` and hidden names; `-` an option-like name.
    if let Some(c @ ('.' | '-')) = name.chars().next() {
        return Err(NameError::Leading(c));
    }
    Ok(())
}

/// Longest run of non-space characters shown whole in a message.
pub const MAX_SHOWN: usize = 200;

/// `text` for a message: each run of more than [`MAX_SHOWN`] non-space
/// characters (a pasted value, a long `--set`) cut to its first 80, with a
/// note of its full length, so an error never echoes a whole huge value.
pub fn clip_long_words(text: &str) -> String {
    if text.len() <= MAX_SHOWN {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len().min(4096));
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let n = word.chars().count();
        if n > MAX_SHOWN {
            out.extend(word.chars().take(80));
            out.push_str(&format!("… ({n} characters in all)"));
        } else {
            out.push_str(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass() {
        for n in ["default", "quota_only", "elite-vs-inclusive", "v1.2", "a", &"x".repeat(MAX_NAME_LEN)] {
            assert_eq!(check_name(n), Ok(()), "{n}");
        }
    }

    #[test]
    fn unsafe_names_are_refused_with_the_reason() {
        assert_eq!(check_name(""), Err(NameError::Empty));
        assert_eq!(check_name(".."), Err(NameError::Leading('.')));
        assert_eq!(check_name(".x"), Err(NameError::Leading('.')));
        assert_eq!(check_name("-rf"), Err(NameError::Leading('-')));
        assert_eq!(check_name(&"x".repeat(MAX_NAME_LEN + 1)), Err(NameError::TooLong { len: MAX_NAME_LEN + 1 }));
        for (n, what, pos) in [
            ("../../victim", "`/`", 3),
            ("/abs", "`/`", 1),
            ("a b", "a space", 2),
            ("a\nb", "a newline", 2),
            ("q\"uote", "`\"`", 2),
            ("c,omma", "`,`", 2),
            ("a\\b", "`\\`", 2),
            ("café", "the character U+00E9", 4),
        ] {
            let e = check_name(n).unwrap_err();
            assert_eq!(e, NameError::BadChar { what: what.into(), position: pos }, "{n}");
            assert!(e.to_string().contains(NAME_RULE), "{e}");
        }
    }

    #[test]
    fn the_message_states_the_rule_the_code_applies() {
        // Every printable ASCII character: allowed exactly when the rule says.
        for b in 0x20u8..0x7f {
            let c = b as char;
            let n = format!("a{c}");
            let said = c.is_ascii_alphanumeric() || "_-.".contains(c);
            assert_eq!(check_name(&n).is_ok(), said, "{n:?}");
        }
        assert!(NAME_RULE.contains(&MAX_NAME_LEN.to_string()));
    }

    #[test]
    fn long_values_are_clipped_in_messages() {
        let long = "x".repeat(100_000);
        let m = clip_long_words(&format!("--set name={long}: `name`: bad"));
        assert!(m.len() < 200 && m.contains("(100006 characters in all)") && m.ends_with(" `name`: bad"), "{m}");
        assert_eq!(clip_long_words("short words stay as they are"), "short words stay as they are");
    }
}
