//! The `normshift` command: parse arguments, run, print the error chain,
//! exit with 0 on success, 2 on bad input, 1 on any other failure.

fn main() {
    std::process::exit(normshift_cli::main());
}

#[path = "cli/mod.rs"]
mod normshift_cli;
