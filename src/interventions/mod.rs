//! Interventions (MODEL.md section 5): the kinds a strategy can use, and a
//! strategy compiled for one run into a [`Programme`] that acts once a
//! month, before agents perceive.
//!
//! **One file per kind.** Each kind's file holds its typed parameters (a
//! serde struct whose `Default` is the kind's defaults), their valid ranges
//! ([`Kind::check`]), whom it may reach ([`Kind::eligible`]), its cost and
//! its monthly effect ([`Kind::apply`]) on the levers the step reads
//! ([`Levers`]) or on the current state. The `kinds!` registry below lists
//! the kinds once; it derives [`InterventionKind`], the per-kind
//! [`Params`] and the dispatch of every [`Kind`] method (a `match`, no
//! trait objects). Adding a kind: its file, one registry line, its test.
//!
//! A scenario keeps the flat form users write (`kind = "..."` and the
//! kind's keys side by side); [`Intervention`] reads it in two steps: the
//! common keys and `kind` first, then the kind's own struct from the rest
//! of the same table, refusing any key that struct does not declare.
//!
//! Target selection happens once, when the programme is built, so the month
//! loop allocates nothing. This module never imports the scenario module,
//! never does I/O, and is never imported by `model/`.

pub mod targeting;

use crate::keys::fields;
use crate::model::step::Villages;
use crate::model::{State, World};
use crate::rng::{StepKey, purpose_of};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

pub use crate::model::levers::{Channel, Levers};
pub use targeting::{Group, Selection, Target};
pub use womens_organisations::Funding;

/// The registry: one line per kind, `Variant(file::Struct)`. Generates the
/// modules, [`InterventionKind`], [`Params`] and its dispatch.
macro_rules! kinds {
    ($($variant:ident($module:ident::$ty:ident)),* $(,)?) => {
        $(pub mod $module;)*

        /// Kinds of intervention, in registry order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum InterventionKind {
            $($variant),*
        }

        impl InterventionKind {
            /// Every kind, in registry order.
            pub const ALL: &'static [InterventionKind] = &[$(InterventionKind::$variant),*];

            /// The TOML spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(InterventionKind::$variant => <$module::$ty as Kind>::NAME),*
                }
            }

            /// The keys of this kind's own struct, in declaration order.
            pub fn keys(self) -> &'static [&'static str] {
                match self {
                    $(InterventionKind::$variant => fields::<$module::$ty>()),*
                }
            }
        }

        /// One intervention's kind-specific parameters.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Params {
            $($variant($module::$ty)),*
        }

        impl Params {
            /// The kind.
            pub fn kind(&self) -> InterventionKind {
                match self {
                    $(Params::$variant(_) => InterventionKind::$variant),*
                }
            }

            /// The kind's defaults.
            pub fn default_of(kind: InterventionKind) -> Params {
                match kind {
                    $(InterventionKind::$variant => Params::$variant(<$module::$ty>::default())),*
                }
            }

            /// Read `kind`'s struct from the keys of its table (without the
            /// common ones): a key the struct does not declare is refused,
            /// naming the keys it takes.
            fn from_table(kind: InterventionKind, rest: toml::Table) -> Result<Params, SpecError> {
                match kind {
                    $(InterventionKind::$variant => parse::<$module::$ty>(rest).map(Params::$variant)),*
                }
            }

            /// Values out of range, as (key, what is allowed).
            pub fn check(&self) -> Result<(), (&'static str, String)> {
                match self { $(Params::$variant(p) => p.check()),* }
            }
            /// Whom it reaches, if it reaches people.
            pub fn target(&self) -> Option<&Target> {
                match self { $(Params::$variant(p) => p.target()),* }
            }
            /// Whom it reaches, to rescale (`compare --budget` saving the reach it ran at).
            pub fn target_mut(&mut self) -> Option<&mut Target> {
                match self { $(Params::$variant(p) => p.target_mut()),* }
            }
            /// Whether agent `i` can be reached at all.
            pub fn eligible(&self, world: &World, i: usize) -> bool {
                match self { $(Params::$variant(p) => p.eligible(world, i)),* }
            }
            /// The most a `count` can reach in a village (a quota's seats).
            pub fn count_cap(&self, council_seats: u32) -> Option<u32> {
                match self { $(Params::$variant(p) => p.count_cap(council_seats)),* }
            }
            /// What it costs, if anything.
            pub fn cost(&self) -> Option<&Cost> {
                match self { $(Params::$variant(p) => p.cost()),* }
            }
            /// Whether it counts toward the end of the programme.
            pub fn is_programme(&self) -> bool {
                match self { $(Params::$variant(p) => p.is_programme()),* }
            }
            /// Funded `months` after its start (project cycles).
            pub fn funded(&self, months: u32) -> bool {
                match self { $(Params::$variant(p) => p.funded(months)),* }
            }
            /// The factor it applies to the intervention named `name`.
            pub fn cut(&self, name: &str) -> Option<f32> {
                match self { $(Params::$variant(p) => p.cut(name)),* }
            }
            /// Names of the strategy's other interventions it refers to.
            pub fn refers_to(&self) -> &[String] {
                match self { $(Params::$variant(p) => p.refers_to()),* }
            }
            /// Funded and unfunded months of a project cycle.
            pub fn cycles(&self) -> Option<(u32, u32)> {
                match self { $(Params::$variant(p) => p.cycles()),* }
            }
            /// The channels it acts through (`compare --explain` switches
            /// each off in turn).
            pub fn channels(&self) -> &'static [Channel] {
                match self { $(Params::$variant(p) => p.channels()),* }
            }
            fn recruit(&self, r: &mut Reached, cx: &mut Ctx<'_>) {
                match self { $(Params::$variant(p) => p.recruit(r, cx)),* }
            }
            fn apply(&self, r: &mut Reached, cx: &mut Ctx<'_>, intensity: f32) {
                match self { $(Params::$variant(p) => p.apply(r, cx, intensity)),* }
            }
        }

        impl Serialize for Params {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self { $(Params::$variant(p) => p.serialize(s)),* }
            }
        }
    };
}

kinds! {
    Dialogue(dialogue::Dialogue),
    MaleChampions(male_champions::MaleChampions),
    LeaderEngagement(leader_engagement::LeaderEngagement),
    WomensOrganisations(womens_organisations::WomensOrganisations),
    Protection(protection::Protection),
    Quota(quota::Quota),
    Media(media::Media),
    FundingCut(funding_cut::FundingCut),
}

/// What every kind provides. Defaults cover what most kinds do.
pub trait Kind: Clone + fmt::Debug + PartialEq + Default + Serialize + DeserializeOwned {
    /// The TOML spelling of `kind`.
    const NAME: &'static str;

    /// Values out of range: `Err((key, message))` naming what is allowed.
    fn check(&self) -> Result<(), (&'static str, String)>;

    /// Whom it reaches; `None` for kinds that act on villages or on other
    /// interventions.
    fn target(&self) -> Option<&Target> {
        None
    }

    /// The same, to change (rescaled reach).
    fn target_mut(&mut self) -> Option<&mut Target> {
        None
    }

    /// Whether agent `i` can be reached at all, whatever the target group.
    fn eligible(&self, _world: &World, _i: usize) -> bool {
        true
    }

    /// The most its target's `count` can reach in a village, whatever
    /// `compare --budget` multiplies it by (a quota: the council's seats).
    fn count_cap(&self, _council_seats: u32) -> Option<u32> {
        None
    }

    /// Its cost; `None` for kinds that cost nothing themselves.
    fn cost(&self) -> Option<&Cost>;

    /// In its first active month: mark those reached and pay for each.
    fn recruit(&self, r: &mut Reached, cx: &mut Ctx<'_>) {
        cx.cost += self.cost().map_or(0.0, |c| c.per_person) * r.targets.len() as f64;
    }

    /// Act for one month at funding `intensity` (0 to 1).
    fn apply(&self, r: &mut Reached, cx: &mut Ctx<'_>, intensity: f32);

    /// Whether it counts toward the programme's end (summary outcomes).
    fn is_programme(&self) -> bool {
        true
    }

    /// Whether it is funded `months` after its start (before cuts).
    fn funded(&self, _months: u32) -> bool {
        true
    }

    /// The intensity factor it applies to the intervention named `name`
    /// while active (funding cuts), if any.
    fn cut(&self, _name: &str) -> Option<f32> {
        None
    }

    /// Names of other interventions of the strategy it refers to (checked
    /// to exist).
    fn refers_to(&self) -> &[String] {
        &[]
    }

    /// Funded and unfunded months of each project cycle, for pictures.
    fn cycles(&self) -> Option<(u32, u32)> {
        None
    }

    /// The channels ([`Channel`]) through which it acts: every gate its
    /// `apply` reads from `cx.levers.channels`, and those the step gates on
    /// what it sets (a quota's seats: visibility, seat backlash; champions:
    /// shield, champion support). Switching off a channel not listed must
    /// leave its runs bit-identical (a test checks it), so `compare
    /// --explain` tests only these. What it does through no channel (a
    /// seat holder attending, a champion's own stance) is not listed.
    fn channels(&self) -> &'static [Channel];
}

/// The channels a strategy's `interventions` act through: the union of
/// their kinds' [`Kind::channels`], in [`Channel::ALL`] order.
pub fn channels_of(interventions: &[Intervention]) -> Vec<Channel> {
    Channel::ALL.iter().copied().filter(|c| interventions.iter().any(|iv| iv.params.channels().contains(c))).collect()
}

/// A value outside `lo..=hi` at `key`.
pub fn range(key: &'static str, v: f64, lo: f64, hi: f64) -> Result<(), (&'static str, String)> {
    // Huge values in exponent form, so a message never prints 300 digits.
    let shown = if v.abs() >= 1e15 { format!("{v:e}") } else { format!("{v}") };
    if v.is_finite() && v >= lo && v <= hi { Ok(()) } else { Err((key, format!("{shown} is out of range; allowed: {lo} to {hi}"))) }
}

/// Cost of an intervention, in the scenario's currency.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Cost {
    /// Paid once for each person reached (recruited, trained, engaged).
    #[serde(default)]
    pub per_person: f64,
    /// Paid for each active month, scaled by funding.
    #[serde(default)]
    pub per_month: f64,
}

/// The largest cost per person or per month (10^12 in the scenario's
/// currency): far above any programme, and low enough that a total over
/// every person, month and replicate stays a finite, printable number.
pub const MAX_COST: f64 = 1e12;

impl Cost {
    /// Both amounts are finite, not negative and at most [`MAX_COST`].
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        range("cost", self.per_person, 0.0, MAX_COST).map_err(|(k, m)| (k, format!("per_person: {m}")))?;
        range("cost", self.per_month, 0.0, MAX_COST).map_err(|(k, m)| (k, format!("per_month: {m}")))
    }
}

/// One intervention of a strategy: the keys every kind shares and the
/// kind's own parameters. Read from and written to the flat TOML form.
#[derive(Clone, Debug, PartialEq)]
pub struct Intervention {
    /// Name used by `funding_cut` and random streams (defaults to the kind).
    pub name: Option<String>,
    /// First month active.
    pub start: u32,
    /// Last month active (inclusive); defaults to the last month.
    pub end: Option<u32>,
    /// The kind and its parameters.
    pub params: Params,
}

/// Keys every kind takes.
pub const COMMON_KEYS: [&str; 4] = ["kind", "name", "start", "end"];

impl Intervention {
    /// An intervention of `kind` with the kind's defaults.
    pub fn new(kind: InterventionKind) -> Intervention {
        Intervention { name: None, start: 0, end: None, params: Params::default_of(kind) }
    }

    /// Its kind.
    pub fn kind(&self) -> InterventionKind {
        self.params.kind()
    }

    /// Its name: `name`, or the kind.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.kind().as_str().to_string())
    }

    /// Read the flat form: `kind` and the common keys, then the kind's own
    /// struct from the remaining keys of the same table.
    pub fn from_table(mut t: toml::Table) -> Result<Intervention, SpecError> {
        let names = || InterventionKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ");
        let kind = match t.remove("kind") {
            None => return Err(SpecError::new("kind", format!("is missing; give `kind = \"...\"`, one of: {}", names()))),
            Some(toml::Value::String(k)) => InterventionKind::ALL
                .iter()
                .copied()
                .find(|x| x.as_str() == k)
                .ok_or_else(|| SpecError::new("kind", format!("unknown kind `{k}`; allowed: {}", names())))?,
            Some(v) => return Err(SpecError::new("kind", format!("is a {}; give a kind in quotes, one of: {}", v.type_str(), names()))),
        };
        fn take<T: DeserializeOwned>(t: &mut toml::Table, key: &str) -> Result<Option<T>, SpecError> {
            t.remove(key).map(|v| T::deserialize(v).map_err(|e| SpecError::new(key, e.message().trim().to_string()))).transpose()
        }
        let name = take::<String>(&mut t, "name")?;
        let start = take::<u32>(&mut t, "start")?.unwrap_or(0);
        let end = take::<u32>(&mut t, "end")?;
        let params = Params::from_table(kind, t)?;
        Ok(Intervention { name, start, end, params })
    }
}

/// A problem with one intervention's table: the key and what is wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("`{key}`: {message}")]
pub struct SpecError {
    /// The key at fault, within the intervention's table.
    pub key: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl SpecError {
    fn new(key: &str, message: String) -> SpecError {
        SpecError { key: key.to_string(), message }
    }
}

/// Read kind `T` from its keys: refuse keys it does not declare, then name
/// the key whose value does not fit.
fn parse<T: Kind>(rest: toml::Table) -> Result<T, SpecError> {
    let keys = fields::<T>();
    if let Some(k) = rest.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(SpecError::new(k, format!("is not used by `{}`; it takes: {}, {}", T::NAME, COMMON_KEYS.join(", "), keys.join(", "))));
    }
    T::deserialize(toml::Value::Table(rest.clone())).map_err(|e| {
        // Every key has a default, so the first key that fails alone is at fault.
        let key = rest
            .iter()
            .find(|(k, v)| T::deserialize(toml::Value::Table(toml::Table::from_iter([((*k).clone(), (*v).clone())]))).is_err())
            .map_or("kind", |(k, _)| k.as_str());
        SpecError::new(key, e.message().trim().to_string())
    })
}

impl<'de> Deserialize<'de> for Intervention {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = toml::Table::deserialize(d)?;
        Intervention::from_table(t).map_err(D::Error::custom)
    }
}

impl Serialize for InterventionKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for Intervention {
    /// The flat form: `kind`, the common keys, then the kind's own keys.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Flat<'a> {
            kind: InterventionKind,
            #[serde(skip_serializing_if = "Option::is_none")]
            name: Option<&'a String>,
            start: u32,
            #[serde(skip_serializing_if = "Option::is_none")]
            end: Option<u32>,
            #[serde(flatten)]
            params: &'a Params,
        }
        Flat { kind: self.kind(), name: self.name.as_ref(), start: self.start, end: self.end, params: &self.params }.serialize(s)
    }
}

/// Step counter of the streams that choose targets, apart from every month's.
const TARGETING_STEP: u32 = u32::MAX;

/// Whom one intervention reached in a run, and its funding last month.
#[derive(Clone, Debug)]
pub struct Reached {
    /// Stream of this intervention's draws, derived from its kind and name.
    pub purpose: u64,
    /// Agents reached, chosen when the programme is built.
    pub targets: Vec<u32>,
    /// Per target: still reached (1) or lost (0).
    pub alive: Vec<u8>,
    /// Intensity last month.
    pub prev_intensity: f32,
}

/// One intervention of a strategy, compiled for a run.
#[derive(Clone, Debug)]
pub struct Item {
    /// The resolved specification.
    pub spec: Intervention,
    /// Name (for funding cuts and random streams).
    pub name: String,
    /// Whom it reached.
    pub reached: Reached,
    /// Has been active at least once.
    pub started: bool,
}

impl Item {
    fn active(&self, month: u32) -> bool {
        month >= self.spec.start && month <= self.spec.end.unwrap_or(u32::MAX)
    }
}

/// What an intervention's `apply` may touch.
pub struct Ctx<'a> {
    pub world: &'a World,
    pub state: &'a mut State,
    pub levers: &'a mut Levers,
    pub villages: &'a Villages,
    pub political_will: f32,
    /// The model's internalisation rate (nu), for what engaged leaders internalise.
    pub internalisation: f32,
    pub seed: u64,
    /// Month of the programme (0 = first recorded month).
    pub month: u32,
    /// Cost accrued this month.
    pub cost: f64,
}

impl Ctx<'_> {
    /// The stream of the intervention that reached `r`, in this month.
    pub fn key(&self, r: &Reached) -> StepKey {
        StepKey::new(self.seed, self.month, r.purpose)
    }
}

/// A strategy compiled for one run.
#[derive(Clone, Debug, Default)]
pub struct Programme {
    items: Vec<Item>,
    /// Cumulative cost so far.
    pub cost: f64,
    political_will: f32,
    internalisation: f32,
}

impl Programme {
    /// Compile a strategy's `interventions` for `world`, choosing targets
    /// from `seed`. `reach` multiplies every target's share or count (1
    /// keeps them); `political_will` is the context's.
    pub fn new(interventions: &[Intervention], political_will: f64, world: &World, seed: u64, reach: f64) -> Programme {
        let items = interventions
            .iter()
            .map(|iv| {
                let name = iv.label();
                let purpose = purpose_of(&format!("{}/{}", iv.kind().as_str(), name));
                let targets = match iv.params.target() {
                    Some(t) => {
                        let cap = iv.params.count_cap(world.council_seats);
                        targeting::select(
                            world,
                            t,
                            |i| iv.params.eligible(world, i),
                            StepKey::new(seed, TARGETING_STEP, purpose),
                            reach,
                            cap,
                        )
                    }
                    None => Vec::new(),
                };
                let alive = vec![1u8; targets.len()];
                Item { spec: iv.clone(), name, reached: Reached { purpose, targets, alive, prev_intensity: 0.0 }, started: false }
            })
            .collect();
        Programme { items, cost: 0.0, political_will: political_will as f32, internalisation: 0.0 }
    }

    /// The model's internalisation rate (`attitudes.internalisation`), which
    /// moves an engaged leader's anchor; 0 (no anchor moves) until set.
    pub fn with_internalisation(mut self, nu: f64) -> Programme {
        self.internalisation = nu as f32;
        self
    }

    /// The compiled interventions, in the strategy's order.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Funding intensity of item `k` in `month`: 0 outside its window or
    /// unfunded (project gaps); times every funding cut that applies.
    fn intensity(&self, k: usize, month: u32) -> f32 {
        let item = &self.items[k];
        if !item.active(month) {
            return 0.0;
        }
        let mut x = 1.0f32;
        if !item.spec.params.funded(month - item.spec.start) {
            x = 0.0;
        }
        for cut in &self.items {
            if cut.active(month)
                && let Some(f) = cut.spec.params.cut(&item.name)
            {
                x *= f;
            }
        }
        x
    }

    /// Act for `month` (before agents perceive). Adds this month's cost.
    pub fn apply(&mut self, world: &World, state: &mut State, levers: &mut Levers, villages: &Villages, seed: u64, month: u32) {
        levers.reset_month();
        let mut cx = Ctx {
            world,
            state,
            levers,
            villages,
            political_will: self.political_will,
            internalisation: self.internalisation,
            seed,
            month,
            cost: 0.0,
        };
        for k in 0..self.items.len() {
            let intensity = self.intensity(k, month);
            let item = &mut self.items[k];
            if item.active(month) && !item.started {
                item.started = true;
                item.reached.prev_intensity = intensity;
                item.spec.params.recruit(&mut item.reached, &mut cx);
            }
            if !item.started {
                continue;
            }
            item.spec.params.apply(&mut item.reached, &mut cx, intensity);
            if let Some(c) = item.spec.params.cost() {
                cx.cost += c.per_month * f64::from(intensity);
            }
            item.reached.prev_intensity = intensity;
        }
        self.cost += cx.cost;
        if !self.items.is_empty() {
            // Neighbours see this month's recruits and changed minds.
            crate::model::decide::refresh_public(world, state);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Intervention, SpecError> {
        Intervention::from_table(toml::from_str(text).unwrap())
    }

    #[test]
    fn key_lists_come_from_each_kinds_struct() {
        assert_eq!(InterventionKind::Dialogue.keys(), ["target", "cost", "effect"]);
        assert_eq!(InterventionKind::FundingCut.keys(), ["factor", "interventions"]);
        for &k in InterventionKind::ALL {
            assert!(!k.keys().is_empty(), "{}", k.as_str());
            assert!(k.keys().iter().all(|x| !COMMON_KEYS.contains(x)), "{}", k.as_str());
        }
    }

    #[test]
    fn a_key_of_another_kind_is_refused_naming_the_kinds_keys() {
        let e = read("kind = \"dialogue\"\nuptake = 0.1\n").unwrap_err();
        assert_eq!(e.key, "uptake");
        assert_eq!(e.message, "is not used by `dialogue`; it takes: kind, name, start, end, target, cost, effect");
        let e = read("kind = \"media\"\nfoo = 1\n").unwrap_err();
        assert_eq!(e.key, "foo");
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let e = read("kind = \"dialogue\"\ntarget = { group = \"women\", share = 0.1 }\neffect = \"big\"\n").unwrap_err();
        assert_eq!(e.key, "effect");
        let e = read("kind = \"media\"\nstart = -1\n").unwrap_err();
        assert_eq!(e.key, "start");
        let e = read("kind = \"telepathy\"\n").unwrap_err();
        assert_eq!(e.key, "kind");
        assert!(e.message.contains("telepathy") && e.message.contains("funding_cut"), "{}", e.message);
    }

    #[test]
    fn the_flat_form_round_trips_with_defaults_written_out() {
        for &k in InterventionKind::ALL {
            let iv = Intervention::new(k);
            let text = toml::to_string(&iv).unwrap();
            assert!(text.starts_with(&format!("kind = \"{}\"", k.as_str())), "{text}");
            assert_eq!(read(&text), Ok(iv), "{text}");
        }
    }
}
