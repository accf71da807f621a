//! Fuzz target: any bytes as a scenario file. The reader must refuse or
//! accept, never panic; an accepted scenario must save and read back to
//! itself. Never writes files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use normshift::scenario::parse_scenario;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(s) = parse_scenario(text, "fuzz.toml", &[]) {
        let saved = toml::to_string(&s).expect("a valid scenario saves");
        let back = parse_scenario(&saved, "saved", &[]).expect("a saved scenario reads back");
        assert_eq!(back, s);
    }
});
