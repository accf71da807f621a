//! The keys of a table, taken from the serde struct that reads it, so that
//! no key list is ever written by hand; and reading one struct from some
//! keys of a flat table, naming the key at fault. Shared by the
//! intervention kinds, the decision rules and the network generators. Pure:
//! never does I/O.

use serde::Deserializer;
use serde::de::DeserializeOwned;
use std::fmt;

/// The field names serde reads for `T` (a struct), in declaration order.
pub fn fields<T: DeserializeOwned>() -> &'static [&'static str] {
    #[derive(Debug)]
    struct Stop;
    impl fmt::Display for Stop {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("probe")
        }
    }
    impl std::error::Error for Stop {}
    impl serde::de::Error for Stop {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    struct Probe<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = Stop;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            *self.0 = fields;
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let mut out: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut out));
    out
}

/// Read `T` (whose every field has a default) from `table`; on failure,
/// the key whose value fails alone and serde's message.
pub fn read<T: DeserializeOwned>(table: &toml::Table) -> Result<T, (String, String)> {
    T::deserialize(toml::Value::Table(table.clone())).map_err(|e| {
        let key = table
            .iter()
            .find(|(k, v)| T::deserialize(toml::Value::Table(toml::Table::from_iter([((*k).clone(), (*v).clone())]))).is_err())
            .map_or_else(String::new, |(k, _)| k.clone());
        (key, e.message().trim().to_string())
    })
}

/// The message of a key error inside a flattened table (`[rule]`,
/// `[network]`): `` `key` in [section]: message ``, which
/// `scenario::load` finds again to report the key's line and column.
pub fn own_error(section: &str, key: &str, message: &str) -> String {
    format!("`{key}` in [{section}]: {message}")
}

/// The section, key and message of a message made by [`own_error`].
pub fn parse_own_error(message: &str) -> Option<(&str, &str, &str)> {
    let rest = message.strip_prefix('`')?;
    let (key, rest) = rest.split_once("` in [")?;
    let (section, message) = rest.split_once("]: ")?;
    Some((section, key, message))
}

/// A message that names an unknown word and then the words allowed
/// (serde's "unknown field `rat`, expected one of `rate`, ...", or ours,
/// "unknown kind `champons`; allowed: dialogue, male_champions, ...") with
/// "; did you mean `rate`?" added when one allowed word is close to the
/// unknown one: a typo (at most a third of its letters wrong, at least
/// one), another case, or a part of the word ("champions" for
/// "male_champions"). Any other message comes back unchanged.
pub fn did_you_mean(message: &str) -> String {
    did_you_mean_at(None, message)
}

/// [`did_you_mean`] for a message about `key` (dotted), which may name the
/// unknown word only in its key: an intervention's "is not used by
/// `dialogue`; it takes: kind, ..., effect" for `...interventions.0.efect`.
pub fn did_you_mean_at(key: Option<&str>, message: &str) -> String {
    let Some(suggestion) = closest_allowed(message, key) else { return message.to_string() };
    // Before a closing parenthetical that says where, if any.
    match message.rfind(" (") {
        Some(at) if message.ends_with(')') && at > message.find("unknown ").unwrap_or(0) => {
            format!("{}; did you mean `{suggestion}`?{}", &message[..at], &message[at..])
        }
        _ => format!("{message}; did you mean `{suggestion}`?"),
    }
}

fn closest_allowed<'m>(message: &'m str, key: Option<&'m str>) -> Option<&'m str> {
    if message.contains("did you mean") {
        return None;
    }
    let (word, after) = match message.find("unknown ") {
        // "unknown <what> `word`, ... the allowed words".
        Some(at) => {
            let rest = &message[at + "unknown ".len()..];
            let open = rest.find('`')?;
            if rest[..open].trim_end().contains(' ') {
                return None;
            }
            let word = &rest[open + 1..];
            let close = word.find('`')?;
            (&word[..close], &word[close + 1..])
        }
        // An intervention's key that its kind does not read ("is not used
        // by `dialogue`; it takes: ..."): the word is the key's last part.
        None if message.starts_with("is not used by") => (key?.rsplit('.').next()?, message.split_once("it takes: ")?.1),
        None => return None,
    };
    let after = after.rfind(" (").filter(|_| after.ends_with(')')).map_or(after, |k| &after[..k]);
    let quoted: Vec<&str> = after.split('`').skip(1).step_by(2).collect();
    let allowed: Vec<&str> = if quoted.len() > 1 {
        quoted
    } else {
        let list = ["one of ", "allowed: ", ": "].iter().find_map(|m| after.rfind(m).map(|k| &after[k + m.len()..])).unwrap_or(after);
        list.split(',').map(|w| w.trim().trim_end_matches(['.', ';'])).filter(|w| !w.is_empty()).collect()
    };
    let lower = word.to_lowercase();
    let score = |cand: &str| -> Option<usize> {
        let c = cand.to_lowercase();
        if c == lower {
            return Some(0);
        }
        let d = strsim::levenshtein(&lower, &c);
        // (A word of one or two letters is close to every short key.)
        if lower.chars().count() >= 3 && d <= (lower.chars().count() / 3).max(1) {
            return Some(d);
        }
        let part = lower.chars().count() >= 4 && (c.contains(&lower) || lower.contains(&c)) && c.chars().count() >= 4;
        // A typo in one part of a compound word: "champons" for "male_champions".
        let typo_in_part = c.split('_').any(|w| w.chars().count() >= 4 && strsim::levenshtein(&lower, w) <= (w.chars().count() / 4).max(1));
        (part || typo_in_part).then_some(d)
    };
    allowed.into_iter().filter(|c| *c != word).filter_map(|c| score(c).map(|d| (d, c))).min_by_key(|&(d, _)| d).map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_allowed_words_are_suggested() {
        let serde = "unknown field `rat`, expected one of `rate`, `reactivity`, `ally_rate`";
        assert_eq!(did_you_mean(serde), format!("{serde}; did you mean `rate`?"));
        let ours = "unknown kind `champions`; allowed: dialogue, male_champions, quota (strategy `a`, intervention 0)";
        assert_eq!(
            did_you_mean(ours),
            "unknown kind `champions`; allowed: dialogue, male_champions, quota; did you mean `male_champions`? (strategy `a`, intervention 0)"
        );
        let typo = "unknown kind `champons`; allowed: dialogue, male_champions";
        assert!(did_you_mean(typo).ends_with("did you mean `male_champions`?"), "{}", did_you_mean(typo));
        let dist = "unknown distribution `Unifrm`; use one of uniform, triangular, normal";
        assert!(did_you_mean(dist).ends_with("did you mean `uniform`?"), "{}", did_you_mean(dist));
        let iv =
            "is not used by `dialogue`; it takes: kind, name, start, end, target, cost, effect (strategy `a`, intervention 0 `dialogue`)";
        assert_eq!(
            did_you_mean_at(Some("strategies.1.interventions.0.efect"), iv),
            "is not used by `dialogue`; it takes: kind, name, start, end, target, cost, effect; did you mean `effect`? (strategy `a`, intervention 0 `dialogue`)"
        );
        assert_eq!(did_you_mean(iv), iv);
        // A one-letter word suggests nothing.
        let short = "unknown field `n`, expected one of `k`, `p`, `m`";
        assert_eq!(did_you_mean(short), short);
        // Nothing close, or no list: unchanged.
        let far = "unknown field `zzz`, expected one of `rate`, `severity`";
        assert_eq!(did_you_mean(far), far);
        assert_eq!(did_you_mean("`steps`: 3 is too small"), "`steps`: 3 is too small");
        assert_eq!(did_you_mean(&did_you_mean(serde)), did_you_mean(serde));
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields, default)]
    #[allow(dead_code)]
    struct Two {
        a: u32,
        b: f64,
    }

    impl Default for Two {
        fn default() -> Self {
            Two { a: 1, b: 0.5 }
        }
    }

    #[test]
    fn fields_come_from_the_struct_and_errors_name_their_key() {
        assert_eq!(fields::<Two>(), ["a", "b"]);
        let t: toml::Table = toml::from_str("a = 2\nb = \"x\"\n").unwrap();
        assert_eq!(read::<Two>(&t).unwrap_err().0, "b");
        let m = own_error("rule", "memory", "is bad");
        assert_eq!(parse_own_error(&m), Some(("rule", "memory", "is bad")));
    }
}
