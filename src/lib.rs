//! normshift: an agent-based simulator of social-norm change in community
//! networks, for comparing strategies that raise women's participation in
//! public decision-making without harm.
//!
//! The library takes a validated [`scenario::Scenario`] and returns results;
//! it never parses arguments, prints, exits or picks file paths (that is
//! `src/main.rs` and `src/cli/`). See ARCHITECTURE.md for the code map.

pub mod budget;
pub mod calibrate;
pub mod compare;
pub mod explain;
pub mod interventions;
pub mod keys;
pub mod model;
pub mod names;
pub mod network;
pub mod outcomes;
pub mod output;
pub mod plot;
pub mod population;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod sensitivity;
pub mod sweep;
pub mod uncertainty;

#[cfg(test)]
mod architecture_examples {
    /// The examples in ARCHITECTURE.md's "How to add an intervention, a
    /// metric, a rule, a generator" are real, registered files of the crate
    /// (so compiled and tested), shown verbatim: if a file changes, this
    /// fails until the document shows it again.
    #[test]
    fn architecture_md_shows_real_files_verbatim() {
        let doc = include_str!("../ARCHITECTURE.md");
        let examples = [
            (
                "src/interventions/media.rs",
                include_str!("interventions/media.rs"),
                include_str!("interventions/mod.rs"),
                "    Media(media::Media),\n",
            ),
            (
                "src/model/rule/memory_best_response.rs",
                include_str!("model/rule/memory_best_response.rs"),
                include_str!("model/rule/mod.rs"),
                "    MemoryBestResponse(memory_best_response::MemoryBestResponse),\n",
            ),
            (
                "src/network/generators/ring.rs",
                include_str!("network/generators/ring.rs"),
                include_str!("network/generators/mod.rs"),
                "    Ring(ring::Ring),\n",
            ),
        ];
        for (path, text, registry, line) in examples {
            assert!(
                doc.contains(&format!("```rust\n{text}```\n")),
                "ARCHITECTURE.md no longer shows {path} verbatim: copy the file into its code block"
            );
            assert!(registry.contains(line), "the registry line of {path} is not `{}`", line.trim());
            assert!(doc.contains(&format!("`{}`", line.trim())), "ARCHITECTURE.md does not name the registry line `{}`", line.trim());
        }
    }
}
