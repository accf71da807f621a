//! Fuzz target: any text as `--set KEY=VALUE` overrides (one per line) on
//! the built-in default scenario. Refused or accepted, never a panic.
//! Never writes files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use normshift::scenario::{builtin, parse_scenario};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let sets: Vec<String> = text.lines().take(8).map(String::from).collect();
    let _ = parse_scenario(builtin("default").unwrap_or_default(), "default", &sets);
});
