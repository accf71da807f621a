//! Decision rules, one file per rule, like the intervention kinds: each
//! rule's file holds its typed parameters (a serde struct whose `Default`
//! is the rule's defaults; the keys of `[rule]` that only it reads), their
//! valid ranges ([`DecisionRule::check`]), what it needs from the world
//! (thresholds, memory, scratch) and its step ([`DecisionRule::step`]).
//! The `rules!` registry below lists the rules once and derives
//! [`RuleKind`] (the `kind` spelling), [`RuleKeys`] (every rule's own keys,
//! read from and written to the flat `[rule]` table), the chosen [`Rule`]
//! and the dispatch (a `match`, no trait objects). Adding a rule: its file,
//! one registry line, its test.
//!
//! | rule | step | carries |
//! |---|---|---|
//! | `logit` (the community model) | [`step::step`] | village aggregates ([`Villages`], shared with the programme) |
//! | `threshold` | [`threshold::threshold_step_counted`] | acting neighbours ([`threshold::Counts`]) |
//! | `memory_best_response` | [`memory_best_response::memory_step`] | nothing (memories are in [`State::memory`]) |
//!
//! Never imports `interventions/`; never does I/O.

use super::step::{self, Villages};
use super::{Levers, Params, Public, State, World, public, stance};
use crate::keys::{fields, own_error};
use crate::rng::Stream;
use crate::scenario::Scenario;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// What one step of a rule reads and writes.
pub struct Step<'a> {
    pub world: &'a World,
    pub params: &'a Params,
    pub levers: &'a Levers,
    pub villages: &'a mut Villages,
    pub carry: &'a mut Carry,
    pub cur: &'a State,
    pub next: &'a mut State,
    pub seed: u64,
    /// Step counter of the random streams.
    pub t: u32,
    pub parallel: bool,
}

/// What every decision rule provides. Defaults cover the reference rules.
pub trait DecisionRule: Clone + fmt::Debug + PartialEq + Default + Serialize + DeserializeOwned {
    /// The TOML spelling of `rule.kind`.
    const NAME: &'static str;

    /// Values missing or out of range, for a flat population of `size`
    /// agents (if any): `Err((key, message))`, the key within `[rule]`
    /// (dotted for a list entry, `thresholds.3`).
    fn check(&self, size: Option<u32>) -> Result<(), (String, String)>;

    /// Months of burn-in when `initial.burn_in` is not given.
    fn burn_in(&self) -> u32 {
        0
    }

    /// Whether it is the community model: starts from
    /// `initial.participation` and refuses the reference rules' start
    /// (`initial.adopters`, `initial.committed`).
    fn community(&self) -> bool {
        false
    }

    /// Agent `i`'s fixed threshold θ, drawn from its own stream `rng`;
    /// `group` is the (mean, sd) of the community model's θ for its group.
    fn theta(&self, _i: usize, _group: (f64, f64), _rng: &mut Stream) -> f32 {
        0.0
    }

    /// Whether it keeps a memory word per agent in [`State::memory`].
    fn keeps_memory(&self) -> bool {
        false
    }

    /// Scratch bytes of a run beyond the step's own (for
    /// [`footprint`](super::init::footprint)), given agents, ties and
    /// whether the network was read from files.
    fn scratch_bytes(&self, _agents: f64, _ties: f64, _loaded: bool) -> f64 {
        0.0
    }

    /// Whether its step asks if a loaded or community network is
    /// symmetric ([`World::symmetric`]).
    fn wants_symmetry(&self) -> bool {
        false
    }

    /// One step: read `cx.cur`, write `cx.next`.
    fn step(&self, cx: Step<'_>);
}

/// A value outside `lo..=hi` at `key`.
pub fn range(key: &str, v: f64, lo: f64, hi: f64) -> Result<(), (String, String)> {
    if v.is_finite() && v >= lo && v <= hi { Ok(()) } else { Err((key.to_string(), format!("{v} is out of range; allowed: {lo} to {hi}"))) }
}

/// The registry: one line per rule, `Variant(file::Struct)`. Generates the
/// modules, [`RuleKind`], [`RuleKeys`], [`Rule`] and its dispatch.
macro_rules! rules {
    ($($variant:ident($module:ident::$ty:ident)),* $(,)?) => {
        $(pub mod $module;)*

        /// Kinds of decision rule, in registry order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum RuleKind {
            $($variant),*
        }

        impl RuleKind {
            /// Every rule, in registry order.
            pub const ALL: &'static [RuleKind] = &[$(RuleKind::$variant),*];

            /// The TOML spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(RuleKind::$variant => <$module::$ty as DecisionRule>::NAME),*
                }
            }

            /// The keys of `[rule]` this rule alone reads, in declaration order.
            pub fn keys(self) -> &'static [&'static str] {
                match self {
                    $(RuleKind::$variant => fields::<$module::$ty>()),*
                }
            }
        }

        /// Every rule's own keys of `[rule]`, each rule's at its defaults
        /// unless given. Only the chosen rule's are read; validation refuses
        /// another rule's key set away from its default. All are written
        /// out, in registry order, so `scenario.toml` stays as before.
        #[derive(Clone, Debug, Default, PartialEq, Serialize)]
        pub struct RuleKeys {
            $(#[serde(flatten)] pub $module: $module::$ty,)*
        }

        impl RuleKeys {
            /// The parameters of rule `kind`.
            pub fn of(&self, kind: RuleKind) -> Rule<'_> {
                match kind {
                    $(RuleKind::$variant => Rule::$variant(&self.$module)),*
                }
            }

            /// The first key of a rule other than `kind` set away from its
            /// default, and its rule's name.
            pub fn foreign(&self, kind: RuleKind) -> Option<(&'static str, &'static str)> {
                $(
                    if kind != RuleKind::$variant && self.$module != <$module::$ty>::default() {
                        let key = differing(&self.$module, &<$module::$ty>::default());
                        return Some((key, <$module::$ty as DecisionRule>::NAME));
                    }
                )*
                None
            }

            fn from_table(t: toml::Table) -> Result<RuleKeys, String> {
                if let Some(k) = t.keys().find(|k| !RuleKind::ALL.iter().any(|r| r.keys().contains(&k.as_str()))) {
                    let all: Vec<&str> = RuleKind::ALL.iter().flat_map(|r| r.keys().iter().copied()).collect();
                    // The community model's keys, from its defaults written out.
                    let community: Vec<String> = toml::Table::try_from(crate::scenario::Rule::default())
                        .map(|t| t.keys().filter(|c| *c != "kind" && !all.contains(&c.as_str())).cloned().collect())
                        .unwrap_or_default();
                    return Err(own_error("rule", k, &format!(
                        "unknown field `{k}`; [rule] takes `kind`, the community model's keys ({}) and the rules' own keys: {}",
                        community.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                        all.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                    )));
                }
                let mut out = RuleKeys::default();
                $(
                    let mine: toml::Table = t.iter().filter(|(k, _)| fields::<$module::$ty>().contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
                    out.$module = crate::keys::read(&mine).map_err(|(k, m)| own_error("rule", &k, &m))?;
                )*
                Ok(out)
            }
        }

        /// The chosen rule with its parameters (borrowed from the scenario).
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum Rule<'a> {
            $($variant(&'a $module::$ty)),*
        }

        impl Rule<'_> {
            /// Its kind.
            pub fn kind(self) -> RuleKind {
                match self { $(Rule::$variant(_) => RuleKind::$variant),* }
            }
            /// See [`DecisionRule::check`].
            pub fn check(self, size: Option<u32>) -> Result<(), (String, String)> {
                match self { $(Rule::$variant(r) => r.check(size)),* }
            }
            /// See [`DecisionRule::burn_in`].
            pub fn burn_in(self) -> u32 {
                match self { $(Rule::$variant(r) => r.burn_in()),* }
            }
            /// See [`DecisionRule::community`].
            pub fn community(self) -> bool {
                match self { $(Rule::$variant(r) => r.community()),* }
            }
            /// See [`DecisionRule::theta`].
            pub fn theta(self, i: usize, group: (f64, f64), rng: &mut Stream) -> f32 {
                match self { $(Rule::$variant(r) => r.theta(i, group, rng)),* }
            }
            /// See [`DecisionRule::keeps_memory`].
            pub fn keeps_memory(self) -> bool {
                match self { $(Rule::$variant(r) => r.keeps_memory()),* }
            }
            /// See [`DecisionRule::scratch_bytes`].
            pub fn scratch_bytes(self, agents: f64, ties: f64, loaded: bool) -> f64 {
                match self { $(Rule::$variant(r) => r.scratch_bytes(agents, ties, loaded)),* }
            }
            /// See [`DecisionRule::wants_symmetry`].
            pub fn wants_symmetry(self) -> bool {
                match self { $(Rule::$variant(r) => r.wants_symmetry()),* }
            }
            fn step(self, cx: Step<'_>) {
                match self { $(Rule::$variant(r) => r.step(cx)),* }
            }
        }
    };
}

rules! {
    Logit(logit::Logit),
    Threshold(threshold::Threshold),
    MemoryBestResponse(memory_best_response::MemoryBestResponse),
}

/// The first key whose value differs between two values of one struct.
fn differing<T: Serialize + DeserializeOwned>(a: &T, b: &T) -> &'static str {
    let table = |x: &T| toml::Table::try_from(x).unwrap_or_default();
    let (ta, tb) = (table(a), table(b));
    fields::<T>().iter().copied().find(|k| ta.get(*k) != tb.get(*k)).unwrap_or("kind")
}

impl Rule<'_> {
    /// The rule of a validated scenario.
    pub fn of(s: &Scenario) -> Rule<'_> {
        s.rule.own.of(s.rule.kind)
    }
}

impl<'de> Deserialize<'de> for RuleKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = toml::Table::deserialize(d)?;
        RuleKeys::from_table(t).map_err(serde::de::Error::custom)
    }
}

impl Serialize for RuleKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RuleKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let k = String::deserialize(d)?;
        RuleKind::ALL.iter().copied().find(|r| r.as_str() == k).ok_or_else(|| {
            let all: Vec<String> = RuleKind::ALL.iter().map(|r| format!("`{}`", r.as_str())).collect();
            serde::de::Error::custom(format!("unknown variant `{k}`, expected one of {}", all.join(", ")))
        })
    }
}

/// Whether a neighbour acts, for the reference rules: a woman taking part
/// or a man supporting (interventions refresh what neighbours see with the community model's
/// flags, which tell the two apart).
#[inline(always)]
pub(crate) fn acts(p: &Public) -> bool {
    p.flags & (public::ACTS | public::SUPPORTS) != 0
}

/// Make an agent of a reference rule act (`on`) or not.
pub(crate) fn set(c: &mut super::Core, pb: &mut Public, on: bool) {
    c.stance = if on { stance::ACTS } else { stance::NEITHER };
    pb.expr = if on { 1.0 } else { 0.5 };
    pb.flags = public::WOMAN | if on { public::ACTS } else { 0 };
}

/// What a rule keeps between steps of one run, apart from the state.
#[derive(Clone, Debug, Default)]
pub struct Carry {
    /// Acting neighbours of each agent (threshold rule; built on first use).
    pub counts: threshold::Counts,
}

/// Advance `cur` by one step of `rule` into `next`. `t` is the step
/// counter of the random streams; `levers` and `villages` are read (and
/// `villages` updated) by the community model only.
#[allow(clippy::too_many_arguments)]
pub fn advance(
    rule: Rule<'_>,
    world: &World,
    params: &Params,
    levers: &Levers,
    villages: &mut Villages,
    carry: &mut Carry,
    cur: &State,
    next: &mut State,
    seed: u64,
    t: u32,
    parallel: bool,
) {
    rule.step(Step { world, params, levers, villages, carry, cur, next, seed, t, parallel });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lists_come_from_each_rules_struct() {
        assert_eq!(RuleKind::Logit.keys(), [] as [&str; 0]);
        assert_eq!(RuleKind::Threshold.keys(), ["threshold", "threshold_sd", "thresholds", "relative", "permanent"]);
        assert_eq!(RuleKind::MemoryBestResponse.keys(), ["memory"]);
        assert_eq!(RuleKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(), ["logit", "threshold", "memory_best_response"]);
    }

    #[test]
    fn another_rules_key_away_from_its_default_is_named() {
        let mut keys = RuleKeys::default();
        assert_eq!(keys.foreign(RuleKind::Logit), None);
        keys.memory_best_response.memory = Some(4);
        assert_eq!(keys.foreign(RuleKind::Logit), Some(("memory", "memory_best_response")));
        assert_eq!(keys.foreign(RuleKind::MemoryBestResponse), None);
        keys.threshold.permanent = true;
        assert_eq!(keys.foreign(RuleKind::MemoryBestResponse), Some(("permanent", "threshold")));
    }

    #[test]
    fn unknown_and_mistyped_keys_are_named() {
        let t = |s: &str| -> toml::Table { toml::from_str(s).unwrap() };
        let e = RuleKeys::from_table(t("memroy = 3")).unwrap_err();
        assert_eq!(crate::keys::parse_own_error(&e).map(|x| x.1), Some("memroy"), "{e}");
        let e = RuleKeys::from_table(t("memory = \"x\"")).unwrap_err();
        assert_eq!(crate::keys::parse_own_error(&e).map(|x| x.1), Some("memory"), "{e}");
        let k = RuleKeys::from_table(t("memory = 3\nrelative = false")).unwrap();
        assert_eq!(k.memory_best_response.memory, Some(3));
        assert!(!k.threshold.relative);
    }
}
