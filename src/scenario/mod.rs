//! The scenario: every input of a simulation, as read from a TOML file.
//!
//! A TOML key, its struct field and (where it is an outcome) its output column
//! share one snake_case name. Structs refuse unknown keys; every field has a
//! default documented in `docs/MODEL.md`. Reading and validation live in
//! `load.rs` and `validate.rs`; this file only declares the shape.

mod defaults;
pub mod error;
pub mod limits;
pub mod load;
pub mod overrides;
pub mod validate;

use serde::{Deserialize, Serialize};

pub use crate::interventions::{Cost, Funding, Group, Intervention, InterventionKind, Selection, Target};

pub use crate::model::rule::{RuleKeys, RuleKind};
pub use crate::network::generators::{GeneratorKeys, GeneratorKind};
pub use error::{Located, ScenarioError};
pub use load::{builtin, builtin_file, builtin_file_names, builtin_folder, builtin_names, parse_scenario};

/// A whole scenario: population, network, behaviour rule, context and the
/// strategies to compare.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name, used for the default output folder.
    pub name: String,
    /// What the scenario represents, in plain words.
    #[serde(default)]
    pub description: String,
    /// Months simulated (after burn-in).
    #[serde(default = "defaults::steps")]
    pub steps: u32,
    /// Master seed; replicate r of every strategy uses the same derived seed.
    #[serde(default = "defaults::seed", with = "limits::seed")]
    pub seed: u64,
    /// Replicates per strategy.
    #[serde(default = "defaults::replicates")]
    pub replicates: u32,
    #[serde(default)]
    pub population: Population,
    #[serde(default)]
    pub network: Network,
    #[serde(default)]
    pub rule: Rule,
    #[serde(default)]
    pub initial: Initial,
    #[serde(default)]
    pub backlash: Backlash,
    #[serde(default)]
    pub attitudes: Attitudes,
    #[serde(default)]
    pub context: Context,
    #[serde(default)]
    pub council: Council,
    /// Named intervention strategies. `baseline` has no interventions.
    #[serde(default = "defaults::strategies")]
    pub strategies: Vec<Strategy>,
    /// Channels switched on for the runs: all, unless a caller switches one
    /// off to measure what goes through it. Not a key of the file (never
    /// read or written by serde).
    #[serde(skip)]
    pub channels: crate::model::levers::Channels,
}

/// Who lives in the community.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Population {
    /// A flat population of this many agents with no villages or
    /// households, for reference models (needs a network generator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    /// Villages, each with one council.
    pub villages: u32,
    /// Households in each village.
    pub households_per_village: u32,
    /// Mean adults per household (at least 1).
    pub adults_per_household: f64,
    /// Share of households headed by a woman.
    pub female_headed: f64,
    /// Gatekeepers (traditional leaders, officials) per village.
    pub gatekeepers_per_village: u32,
    /// Religious leaders per village.
    pub religious_leaders_per_village: u32,
    /// Share of gatekeepers who are women.
    pub women_gatekeepers: f64,
    /// Share of households that are elite.
    pub elite: f64,
    /// Share of adults with a disability.
    pub disability: f64,
    /// Share of households that are marginalised (caste, ethnicity, minority).
    pub marginalised: f64,
    /// Share of adults who are youth (18-29).
    pub youth: f64,
    /// Share of adults who are elders.
    pub elder: f64,
}

/// How agents are tied to each other.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Network {
    /// `community` (generated villages) or `file` (an edge list).
    pub kind: NetworkKind,
    /// Mean number of peer ties per adult within the village.
    pub peer_degree: f64,
    /// Share of peer ties to the same gender.
    pub gender_homophily: f64,
    /// Share of peer ties within the same class (elite, ordinary, marginalised).
    pub class_homophily: f64,
    /// Mean ties per adult to adults of other villages.
    pub bridge_degree: f64,
    /// The keys of the generator `kind` names (`k`, `p`, `mean_degree`,
    /// `m`, `blocks`, `probs`: each generator's struct in its file under
    /// `src/network/generators/`); unknown keys are refused there
    /// (`deny_unknown_fields` does not combine with `flatten`).
    #[serde(flatten)]
    pub generator: GeneratorKeys,
    /// Edge list CSV (`source,target[,weight][,layer]`), for `kind = "file"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edges: Option<String>,
    /// Node attributes CSV, for `kind = "file"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<String>,
    /// Influence weight of each layer.
    pub weights: Weights,
}

/// Kinds of network: the generated community, a network read from files,
/// or one of the generators (listed once, in `network::generators`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkKind {
    Community,
    File,
    Generated(GeneratorKind),
}

impl NetworkKind {
    /// The TOML spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkKind::Community => "community",
            NetworkKind::File => "file",
            NetworkKind::Generated(g) => g.as_str(),
        }
    }

    /// Every kind, in the order messages list them.
    pub fn all() -> impl Iterator<Item = NetworkKind> {
        [NetworkKind::Community, NetworkKind::File].into_iter().chain(GeneratorKind::ALL.iter().map(|&g| NetworkKind::Generated(g)))
    }
}

impl Serialize for NetworkKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for NetworkKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let k = String::deserialize(d)?;
        NetworkKind::all().find(|n| n.as_str() == k).ok_or_else(|| {
            let all: Vec<String> = NetworkKind::all().map(|n| format!("`{}`", n.as_str())).collect();
            serde::de::Error::custom(format!("unknown variant `{k}`, expected one of {}", all.join(", ")))
        })
    }
}

/// Influence weight per tie layer.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    pub household: f64,
    pub peer: f64,
    /// A leader's weight for the members of the village (congregation and authority).
    pub leader: f64,
    /// A leader's attention to one member (members -> leader ties).
    pub member: f64,
    pub bridge: f64,
}

/// The behaviour rule: `kind`, the keys each rule alone reads (in its own
/// file under `src/model/rule/`), then the community model's keys.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Rule {
    /// `logit`: the community model; `threshold` and
    /// `memory_best_response`: reference models (see `model::rule`).
    pub kind: RuleKind,
    /// Every rule's own keys, flat in `[rule]` as users write them; unknown
    /// keys are refused there (`deny_unknown_fields` does not combine with
    /// `flatten`).
    #[serde(flatten)]
    pub own: RuleKeys,
    /// Choice sharpness of the logit rule.
    pub beta: f64,
    /// Monthly rate at which empirical expectations follow observation.
    pub empirical_rate: f64,
    /// Monthly rate at which normative expectations follow observation.
    pub normative_rate: f64,
    /// Monthly decay of fear.
    pub fear_decay: f64,
    /// Fear gained from the share of neighbours sanctioned.
    pub fear_gain: f64,
    /// Fear gained when sanctioned oneself.
    pub own_gain: f64,
    pub women: WomenRule,
    pub men: MenRule,
    /// Leaders' rule; keys left out take the leaders' defaults, not the men's.
    #[serde(deserialize_with = "defaults::leaders_rule")]
    pub leaders: MenRule,
}

/// A woman's utility of taking part.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WomenRule {
    pub attitude: f64,
    pub empirical: f64,
    pub normative: f64,
    pub fear: f64,
    pub theta_mean: f64,
    pub theta_sd: f64,
    /// Utility added when an active champion lives in her household.
    pub champion_support: f64,
}

/// A man's (or leader's) utility of supporting publicly.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MenRule {
    pub attitude: f64,
    pub normative: f64,
    pub fear: f64,
    pub theta_mean: f64,
    pub theta_sd: f64,
    /// How far below the support threshold opposition begins.
    pub opposition_margin: f64,
}

/// The state at month 0.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Initial {
    /// Months simulated before month 0 (no interventions, not recorded), so
    /// the community starts in the equilibrium of its own rules. Defaults to
    /// 120 for the `logit` rule and 0 for reference rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burn_in: Option<u32>,
    /// Agents acting at step 0, chosen at random (reference rules).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adopters: Option<u32>,
    /// How adopters are placed: `random`, or `cluster` (consecutive agents,
    /// neighbours on a ring).
    pub placement: Placement,
    /// Share of agents committed to the new choice: they always act.
    pub committed: f64,
    /// Share of women taking part before burn-in.
    pub participation: f64,
    pub women_attitude: Dist,
    pub men_attitude: Dist,
    pub gatekeeper_attitude: Dist,
    pub religious_leader_attitude: Dist,
    /// Initial fear of every agent.
    pub fear: f64,
}

/// Placement of initial adopters.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    Random,
    Cluster,
}

/// A Beta distribution on [0, 1] given by its mean and standard deviation.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Dist {
    pub mean: f64,
    pub sd: f64,
}

/// Sanctions against women who take part and men who support them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Backlash {
    /// Base probability that one opposing neighbour sanctions one woman in a month.
    pub rate: f64,
    /// How much backlash rises as participation runs ahead of the opponent's norm.
    pub reactivity: f64,
    /// Sanction multiplier of gatekeepers.
    pub gatekeeper: f64,
    /// Sanction multiplier of religious leaders.
    pub religious_leader: f64,
    /// Shield each active champion among her household and peers gives a woman.
    pub champion_shield: f64,
    /// Chance that a sanctioned champion drops out.
    pub champion_dropout: f64,
    /// Base probability that one opposing man sanctions one supporting man.
    pub ally_rate: f64,
    /// Sanction multiplier for a woman who sits in a reserved council seat.
    pub seat_holder: f64,
    /// Shares of sanction kinds (sum to 1).
    pub severity: Severity,
}

/// Kinds of sanction.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Severity {
    pub harassment: f64,
    pub stigma: f64,
    pub violence: f64,
}

/// Slow change of personal attitudes (Friedkin-Johnsen with internalisation).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Attitudes {
    /// Monthly pull toward neighbours' expressed approval (mu).
    pub influence: f64,
    /// Monthly pull toward one's own public behaviour (nu).
    pub internalisation: f64,
    /// Extra weight of an active champion's voice.
    pub champion_weight: f64,
    pub stubbornness: Stubbornness,
}

/// Anchoring to the initial attitude, by role.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Stubbornness {
    pub member: f64,
    pub gatekeeper: f64,
    pub religious_leader: f64,
}

/// The political and social context.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Context {
    /// How well protection and quotas are enforced.
    pub political_will: f64,
    /// Women need their household head's permission to take part.
    pub permission_required: bool,
    /// Chance that a woman refused permission takes part anyway.
    pub defiance: f64,
    /// Sanction multiplier for a woman who defied her household head.
    pub defiance_penalty: f64,
    /// Weight of the village council's visible participation in empirical expectations.
    pub council_visibility: f64,
    /// Month a conflict shock begins (none if absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict_start: Option<u32>,
    /// Relative rise of the backlash rate during conflict.
    pub conflict_backlash: f64,
    /// Rise of men's and leaders' thresholds during conflict.
    pub conflict_conservatism: f64,
    /// Participation level that counts as tipped.
    pub tipping_level: f64,
    /// Month the programme ends for summary outcomes; defaults to the latest
    /// `end` of any intervention in the scenario, so all strategies share it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub programme_end: Option<u32>,
}

/// The village council: its seats and how often it holds an open meeting.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Council {
    /// Seats on each village's council (reserved seats are some of these).
    pub seats: u32,
    /// Open meetings a year (1 to 12), spread evenly; women can attend only
    /// in a month with a meeting.
    pub meetings_per_year: u32,
    /// Chance a man who is not a gatekeeper attends a meeting held
    /// (gatekeepers attend every meeting).
    pub men_attendance: f64,
}

/// A named list of interventions.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default)]
    pub interventions: Vec<Intervention>,
}

impl Scenario {
    /// Find a strategy by name.
    pub fn strategy(&self, name: &str) -> Option<&Strategy> {
        self.strategies.iter().find(|s| s.name == name)
    }

    /// Month the programme ends for summary outcomes (see [`Context::programme_end`]).
    pub fn programme_end(&self) -> u32 {
        if let Some(e) = self.context.programme_end {
            return e.min(self.steps.saturating_sub(1));
        }
        self.strategies
            .iter()
            .flat_map(|s| &s.interventions)
            .filter(|i| i.params.is_programme() && i.start < self.steps)
            .map(|i| i.end.unwrap_or(self.steps.saturating_sub(1)))
            .max()
            .unwrap_or(self.steps.saturating_sub(1))
            .min(self.steps.saturating_sub(1))
    }

    /// Months of burn-in (resolved by validation).
    pub fn burn_in(&self) -> u32 {
        self.initial.burn_in.unwrap_or(0)
    }

    /// Adults in a generated community, approximately (for sizing).
    pub fn approx_agents(&self) -> f64 {
        if let Some(n) = self.population.size {
            return f64::from(n);
        }
        f64::from(self.population.villages) * f64::from(self.population.households_per_village) * self.population.adults_per_household
    }
}
