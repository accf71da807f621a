//! Fuzz target: any bytes as a node file and an edge file (split at the
//! first 0xFF byte). The network reader must refuse or read, never panic.
//! Never writes files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use normshift::network::file::load_checked;
use normshift::scenario::Weights;

fuzz_target!(|data: &[u8]| {
    let (nodes, edges) = match data.iter().position(|&b| b == 0xFF) {
        Some(k) => (&data[..k], &data[k + 1..]),
        None => (data, &b"source,target\n"[..]),
    };
    if let Ok(l) = load_checked(nodes, "n.csv", edges, "e.csv", &Weights::default()) {
        assert_eq!(l.csr.nodes(), l.agents.len());
    }
});
