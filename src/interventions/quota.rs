//! Quotas as council seats (MODEL.md section 5, v2): the target's women
//! (selection `elite` or `inclusive`; `count` per village is the number of
//! reserved seats, at most `council.seats`) are given reserved seats when
//! the quota starts. Weak enforcement: each reserved seat is a real seat
//! with probability `political_will`, drawn once for the term, else it is
//! held in name only (a male relative sits for her; she decides like any
//! woman and does not count in `seats_women`). While funded, a woman in a
//! real seat sits on the council and attends every meeting it holds. Three
//! channels: visibility (seat holders count in the council's visible share,
//! in the step), exposure (each month, men's and leaders' attitudes in the
//! village move toward 1 by `exposure_effect` times the share of the
//! council's seats women sit in) and pipeline (once the quota is over, a
//! former seat holder's utility of taking part is raised by `pipeline`).
//! Seat holders face `backlash.seat_holder` times the sanction risk (in
//! the step). Writes levers; never does I/O.

use super::{Cost, Ctx, Group, Kind, Reached, Selection, Target, range};
use crate::model::World;
use crate::model::levers::Channel;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "quota"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Quota {
    pub target: Target,
    pub cost: Cost,
    /// Monthly pull of men's and leaders' attitudes toward 1 when every
    /// seat of their council is held by a woman (scaled by the share held).
    pub exposure_effect: f64,
    /// Utility added to a former seat holder's decision after the quota.
    pub pipeline: f64,
}

impl Default for Quota {
    fn default() -> Self {
        Quota {
            target: Target { group: Group::Women, selection: Selection::Elite, share: None, count: Some(4), per_village: true },
            cost: Cost { per_person: 0.0, per_month: 200.0 },
            exposure_effect: 0.001,
            pipeline: 0.3,
        }
    }
}

/// Mark which targets hold real seats: at most `council_seats` per village
/// (in target order), each real with probability `political_will` (a draw
/// from the quota's own stream, counter 1). `alive` then says real (1) or
/// in name only or beyond the seats (0).
fn appoint(r: &mut Reached, cx: &mut Ctx<'_>) {
    let key = cx.key(r);
    let seats = cx.world.council_seats;
    let will = cx.political_will;
    for k in 0..r.targets.len() {
        let i = r.targets[k];
        let v = cx.world.agents.village[i as usize];
        let before = r.targets[..k].iter().filter(|&&j| cx.world.agents.village[j as usize] == v).count();
        let real = (before as u32) < seats && key.uniform(i, 1) < will;
        r.alive[k] = u8::from(real);
    }
}

impl Kind for Quota {
    const NAME: &'static str = "quota";

    /// Visibility and seat backlash (gated in the step on the seats it sets), exposure and pipeline; a seat holder's own attendance is no channel.
    fn channels(&self) -> &'static [Channel] {
        &[Channel::Visibility, Channel::Exposure, Channel::Pipeline, Channel::SeatBacklash]
    }

    fn check(&self) -> Result<(), (&'static str, String)> {
        range("exposure_effect", self.exposure_effect, 0.0, 1.0)?;
        range("pipeline", self.pipeline, 0.0, 100.0)?;
        self.cost.check()?;
        self.target.check()
    }

    fn target(&self) -> Option<&Target> {
        Some(&self.target)
    }

    fn target_mut(&mut self) -> Option<&mut Target> {
        Some(&mut self.target)
    }

    /// Seats are for women.
    fn eligible(&self, world: &World, i: usize) -> bool {
        world.agents.is_woman(i)
    }

    /// No more seats can be reserved than the council has.
    fn count_cap(&self, council_seats: u32) -> Option<u32> {
        Some(council_seats)
    }

    fn cost(&self) -> Option<&Cost> {
        Some(&self.cost)
    }

    fn recruit(&self, r: &mut Reached, cx: &mut Ctx<'_>) {
        appoint(r, cx);
        cx.cost += self.cost.per_person * r.targets.len() as f64;
    }

    fn apply(&self, r: &mut Reached, cx: &mut Ctx<'_>, intensity: f32) {
        let ch = cx.levers.channels;
        if intensity <= 0.0 {
            // The quota is over (or cut to nothing): seats go back; former
            // seat holders keep the pipeline's utility.
            let pipeline = ch.gate(Channel::Pipeline, self.pipeline as f32, 0.0);
            for (k, &i) in r.targets.iter().enumerate() {
                cx.levers.quota[i as usize] = 0;
                if r.alive[k] != 0 {
                    cx.levers.support[i as usize] += pipeline;
                }
            }
            return;
        }
        let per_seat = ch.gate(Channel::Exposure, self.exposure_effect as f32 / cx.world.council_seats.max(1) as f32, 0.0);
        for (k, &i) in r.targets.iter().enumerate() {
            let real = r.alive[k];
            cx.levers.quota[i as usize] = real;
            if real != 0 {
                let v = cx.world.agents.village[i as usize] as usize;
                cx.levers.exposure[v] += per_seat;
            }
        }
    }
}
