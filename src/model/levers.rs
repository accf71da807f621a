//! The step's inputs from outside the model: what programmes (and the
//! context, such as a conflict, and the council's calendar) set each month
//! for the step to read, and the switches that turn a mechanism's channel
//! off for a run ([`Channels`]). Owned by the model so the model can be read
//! and tested without `interventions/`; interventions write these fields,
//! the step only reads them. Never does I/O.

use crate::scenario::Context;
use serde::{Deserialize, Serialize};

/// Defines [`Channel`] and its names once.
macro_rules! channels {
    ($($variant:ident = $name:literal : $doc:literal),* $(,)?) => {
        /// A channel through which an intervention or a quota acts. Each can
        /// be switched off for a run ([`Channels`]), so that a comparison can
        /// say how much of a strategy's gain goes through it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Channel {
            $(#[doc = $doc] $variant),*
        }

        impl Channel {
            /// Every channel, in a fixed order.
            pub const ALL: &'static [Channel] = &[$(Channel::$variant),*];

            /// Its snake_case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Channel::$variant => $name),*
                }
            }

            /// The channel named `name`.
            pub fn parse(name: &str) -> Option<Channel> {
                Channel::ALL.iter().copied().find(|c| c.as_str() == name)
            }
        }
    };
}

channels! {
    Persuasion = "persuasion": "Attitude pushes of dialogue and of leader engagement (`effect`).",
    Information = "information": "Dialogue's correction of expectations toward the true shares, and media's push on normative expectations.",
    LeaderOpenness = "leader_openness": "An engaged leader's stubbornness lowered by `openness` (and the anchor moving by what he internalises).",
    Visibility = "visibility": "Seat holders counted in the council's visible share of women (E_obs).",
    Exposure = "exposure": "Men's and leaders' attitudes moved by women sitting in council seats.",
    Pipeline = "pipeline": "Former seat holders' utility raised by `pipeline` after the quota ends.",
    SeatBacklash = "seat_backlash": "Seat holders' sanction risk multiplied by `backlash.seat_holder`.",
    Efficacy = "efficacy": "Women's organisations' `efficacy` added to members' utility.",
    Solidarity = "solidarity": "Women's organisations' extra weight on other women.",
    Recovery = "recovery": "Women's organisations' faster decay of fear.",
    Protection = "protection": "Protection's deterrence and averted violence.",
    Shield = "shield": "Champions' shield of the women around them.",
    ChampionSupport = "champion_support": "Utility an active champion adds to the women of his household.",
}

/// Which channels are on for a run: all by default. Not a scenario key
/// (`Scenario::channels` is skipped by serde); a caller switches one off to
/// measure what goes through it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Channels {
    off: u32,
}

impl Default for Channels {
    fn default() -> Self {
        Channels::ALL_ON
    }
}

impl Channels {
    /// Every channel on.
    pub const ALL_ON: Channels = Channels { off: 0 };

    /// Whether `c` is on.
    #[inline]
    pub fn on(self, c: Channel) -> bool {
        self.off & (1 << c as u32) == 0
    }

    /// The same set with `c` switched off.
    pub fn without(self, c: Channel) -> Channels {
        Channels { off: self.off | (1 << c as u32) }
    }

    /// The channels switched off.
    pub fn off(self) -> impl Iterator<Item = Channel> {
        Channel::ALL.iter().copied().filter(move |&c| !self.on(c))
    }

    /// `x` when `c` is on, else `zero`.
    #[inline]
    pub fn gate(self, c: Channel, x: f32, zero: f32) -> f32 {
        if self.on(c) { x } else { zero }
    }
}

/// Whether the council meets in calendar month `month` (counted from the
/// start of burn-in): `meetings_per_year` meetings spread evenly over each
/// twelve months, the first in month 0; every month at 12.
#[inline]
pub fn meeting_held(meetings_per_year: u32, month: u32) -> bool {
    let m = u64::from(meetings_per_year.min(12));
    let c = u64::from(month % 12);
    ((c + 1) * m).div_ceil(12) != (c * m).div_ceil(12)
}

/// What interventions set for the step to read this month.
#[derive(Clone, Debug)]
pub struct Levers {
    /// Utility added to a woman's decision (women's organisations, pipeline).
    pub support: Vec<f32>,
    /// Extra weight an agent gives women neighbours (solidarity).
    pub solidarity: Vec<f32>,
    /// Extra monthly decay of fear.
    pub recovery: Vec<f32>,
    /// Sits in a reserved council seat this month (a real seat, not one
    /// held in name only): attends every meeting held.
    pub quota: Vec<u8>,
    /// Leader reached by engagement (never cleared).
    pub engaged: Vec<u8>,
    /// An engaged leader's openness: his stubbornness is his role's times
    /// (1 − openness). Set by leader engagement while funded, decays with
    /// its half-life after.
    pub openness: Vec<f32>,
    /// How far an engaged leader's anchor attitude has moved from a0 by
    /// what he internalised while open.
    pub anchor: Vec<f32>,
    /// Share of backlash deterred, per village.
    pub protection: Vec<f32>,
    /// Share of violent sanctions averted, per village.
    pub violence_cut: Vec<f32>,
    /// Monthly pull of men's and leaders' attitudes toward 1 from women
    /// sitting in the village's council seats (exposure), per village.
    pub exposure: Vec<f32>,
    /// The council meets this month (women can attend only then).
    pub meeting: bool,
    /// Multiplier of backlash rates (conflict).
    pub rate_mult: f32,
    /// Rise of men's and leaders' thresholds (conflict).
    pub theta_shift: f32,
    /// Channels on for this run.
    pub channels: Channels,
}

impl Levers {
    /// Levers of a world with no programme (the council meets this month).
    pub fn new(agents: usize, villages: usize) -> Levers {
        Levers {
            support: vec![0.0; agents],
            solidarity: vec![0.0; agents],
            recovery: vec![0.0; agents],
            quota: vec![0; agents],
            engaged: vec![0; agents],
            openness: vec![0.0; agents],
            anchor: vec![0.0; agents],
            protection: vec![0.0; villages],
            violence_cut: vec![0.0; villages],
            exposure: vec![0.0; villages],
            meeting: true,
            rate_mult: 1.0,
            theta_shift: 0.0,
            channels: Channels::ALL_ON,
        }
    }

    /// Clear what interventions set anew each month (before they act).
    pub fn reset_month(&mut self) {
        self.support.fill(0.0);
        self.solidarity.fill(0.0);
        self.recovery.fill(0.0);
        self.protection.fill(0.0);
        self.violence_cut.fill(0.0);
        self.exposure.fill(0.0);
    }

    /// Set the context's levers for programme month `month`: from
    /// `conflict_start` on, backlash rates rise by `conflict_backlash` and
    /// men's and leaders' thresholds by `conflict_conservatism`.
    pub fn context(&mut self, c: &Context, month: u32) {
        let conflict = c.conflict_start.is_some_and(|t| month >= t);
        self.rate_mult = if conflict { 1.0 + c.conflict_backlash as f32 } else { 1.0 };
        self.theta_shift = if conflict { c.conflict_conservatism as f32 } else { 0.0 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meetings_are_spread_evenly_and_counted_exactly() {
        for m in 1..=12 {
            let held: Vec<u32> = (0..24).filter(|&c| meeting_held(m, c)).collect();
            assert_eq!(held.len() as u32, 2 * m, "{m} a year: {held:?}");
            assert!(meeting_held(m, 0), "{m}: the first month of a year has a meeting");
        }
        assert_eq!((0..12).filter(|&c| meeting_held(2, c)).collect::<Vec<_>>(), [0, 6]);
        assert_eq!((0..12).filter(|&c| meeting_held(4, c)).collect::<Vec<_>>(), [0, 3, 6, 9]);
        assert!((0..100).all(|c| meeting_held(12, c)));
    }

    #[test]
    fn channels_switch_off_one_at_a_time() {
        let all = Channels::default();
        assert!(Channel::ALL.iter().all(|&c| all.on(c)));
        let off = all.without(Channel::Exposure);
        assert!(!off.on(Channel::Exposure) && off.on(Channel::Pipeline));
        assert_eq!(off.off().collect::<Vec<_>>(), [Channel::Exposure]);
        for &c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(off.gate(Channel::Exposure, 2.0, 1.0), 1.0);
    }
}
