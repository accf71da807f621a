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

#[cfg(test)]
mod tests {
    use super::*;

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
