//! Command-line interface: argument definitions and dispatch. All printing,
//! exiting, environment and file-path decisions live here and in the
//! sibling files, never in the library.
mod calibrate;
mod compare;
mod explain;
mod files;
mod folder;
mod input;
mod journal;
mod limits;
mod patterns;
mod plot;
mod progress;
mod report;
mod run;
mod runner;
mod saved;
mod sensitivity;
mod serve;
mod stop;
mod sweep;
mod uncertain;
mod validate;

use clap::{Parser, Subcommand};
use std::fmt;

/// An error in what the user gave us (exit code 2).
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// A long job stopped by the user (exit code 130); its folder can be resumed.
#[derive(Debug)]
pub struct Interrupted(pub String);

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Interrupted {}

/// Shorthand for a bad-input error.
pub fn bad(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(msg.into()))
}

#[derive(Parser, Debug)]
#[command(name = "normshift", version, about = "Simulate social-norm change and compare strategies that raise women's participation in public decision-making.", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options shared by commands that read a scenario.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ScenarioArgs {
    /// Scenario file, or the name of a built-in scenario (see `normshift scenarios`). Default: the built-in `default`.
    pub scenario: Option<String>,
    /// Override any scenario value: a dotted key and a value, e.g. `--set backlash.rate=0.1` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario's strategies and write time series, run summaries and a manifest.
    Run(run::RunArgs),
    /// Compare strategies with baseline on the same replicates: gains with intervals, cost, harms.
    Compare(compare::CompareArgs),
    /// Sweep parameters over a grid, Latin hypercube or Sobol design; resumable, shardable.
    Sweep(sweep::SweepArgs),
    /// Merge the shard folders of one sweep, sensitivity analysis or comparison over priors
    ///
    /// A calibration's shards are taken in by `normshift calibrate --merge`, round by round.
    Merge(sweep::MergeArgs),
    /// Sobol' sensitivity indices of outcomes to scenario values varied over ranges.
    Sensitivity(sensitivity::SensitivityArgs),
    /// Fit the scenario's [uncertain] priors to observed targets (ABC-SMC); resumable.
    Calibrate(calibrate::CalibrateArgs),
    /// Validate a scenario and print it with every default written out.
    Check {
        #[command(flatten)]
        scenario: ScenarioArgs,
    },
    /// Draw the figures and the report of a results folder (PNG, SVG, GIF and report.html).
    Plot(plot::PlotArgs),
    /// Reproduce the classic reference models at full size and write docs/validation.md.
    Validate(validate::ValidateArgs),
    /// List the built-in scenarios.
    Scenarios,
    /// A local web app: compare strategies in a form, play a village month by month.
    Serve(serve::ServeArgs),
    /// Print a built-in scenario, to start your own from it.
    Show {
        /// Name of the built-in scenario.
        name: String,
    },
}

/// `text` cut at a word boundary to at most `width` characters, with an ellipsis.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return format!("{text}.");
    }
    let mut out = String::new();
    for word in text.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > width - 3 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.trim_end_matches([',', ';', ':']).to_string() + "..."
}

/// Run the command line; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match dispatch(cli) {
        Ok(()) => 0,
        Err(e) => {
            stop::settle_job_manifest(e.downcast_ref::<Interrupted>().is_some());
            // A value echoed in a message is cut if it is huge (`--set name=<100 KB>`).
            eprintln!("error: {}", normshift::names::clip_long_words(&e.to_string()));
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {}", normshift::names::clip_long_words(&cause.to_string()));
            }
            if e.downcast_ref::<BadInput>().is_some() {
                2
            } else if e.downcast_ref::<Interrupted>().is_some() {
                130
            } else {
                1
            }
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    if matches!(
        cli.command,
        Command::Run(_) | Command::Compare(_) | Command::Sweep(_) | Command::Sensitivity(_) | Command::Merge(_) | Command::Calibrate(_)
    ) {
        stop::watch_signals();
    } else if matches!(
        cli.command,
        Command::Check { .. } | Command::Show { .. } | Command::Scenarios | Command::Plot(_) | Command::Validate(_)
    ) {
        stop::exit_on_signal();
    }
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => sweep::merge(args),
        Command::Sensitivity(args) => sensitivity::sensitivity(args),
        Command::Calibrate(args) => calibrate::calibrate(args),
        Command::Compare(args) => compare::compare_cmd(args),
        Command::Validate(args) => validate::validate(args),
        Command::Plot(args) => plot::plot_cmd(args),
        Command::Serve(args) => serve::serve(args),
        Command::Check { scenario } => {
            let input = input::load(&scenario, &input::Adjust::default())?;
            print!("{}", input::resolved_toml(&input.scenario)?);
            // The priors too, so that the printout saved is the whole scenario.
            print!("{}", input::priors_toml(&input));
            eprintln!(
                "{}: valid; {} strategies, {} replicates, {} months, about {:.0} adults",
                input.origin,
                input.scenario.strategies.len(),
                input.scenario.replicates,
                input.scenario.steps,
                input.agents_hint()
            );
            if !input.priors.is_empty() {
                let fitted =
                    input.priors.list.iter().filter(|p| matches!(p.dist, normshift::uncertainty::prior::Dist::Posterior { .. })).count();
                eprintln!(
                    "{}: {} priors in [uncertain]{}{}; `compare` draws them (`--no-uncertainty` compares at the point values above)",
                    input.origin,
                    input.priors.list.len(),
                    if fitted > 0 { format!(", {fitted} of them from a fitted posterior file") } else { String::new() },
                    if input.priors.fixed.is_empty() {
                        String::new()
                    } else {
                        format!(" (fixed by --set: {})", input.priors.fixed.join(", "))
                    }
                );
            }
            if input.scenario.strategy(compare::BASELINE).is_none() {
                eprintln!(
                    "warning: {}: no strategy named `baseline`: `compare` needs one (and refuses this scenario); `run`, `sweep` and `sensitivity` do not",
                    input.origin
                );
            }
            Ok(())
        }
        Command::Scenarios => {
            for name in normshift::scenario::builtin_names() {
                let s = normshift::scenario::parse_scenario(normshift::scenario::builtin(name).unwrap_or_default(), name, &[])
                    .map_err(|e| anyhow::anyhow!("built-in scenario {name} is invalid: {e}"))?;
                let first = s.description.split(". ").next().unwrap_or_default().trim_end_matches('.');
                println!("{name:<28} {}", fit(first, 50));
            }
            Ok(())
        }
        Command::Show { name } => match normshift::scenario::builtin(&name) {
            Some(text) => {
                print!("{}", input::shown_builtin(&name, text));
                Ok(())
            }
            None => {
                let names: Vec<&str> = normshift::scenario::builtin_names().collect();
                Err(bad(format!("no built-in scenario named `{name}`; the built-in scenarios are: {}", names.join(", "))))
            }
        },
    }
}
