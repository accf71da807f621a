//! The community model's parameters, fixed agent traits and double-buffered
//! state. The step itself is in `step.rs`; initialisation in `init.rs`.
//! Never does I/O.

pub mod decide;
pub mod init;
pub mod levers;
pub mod rule;
pub mod step;

pub use levers::Levers;

use crate::network::Csr;
use crate::population::{Agents, Role};
use crate::scenario::Scenario;

/// Agents per parallel work item of every step: fixed, so a step's result
/// does not depend on the number of threads.
pub const CHUNK: usize = 4096;

/// Public stance of an agent.
pub mod stance {
    /// Woman not taking part, or man neither supporting nor opposing.
    pub const NEITHER: u8 = 0;
    /// Woman taking part, or man publicly supporting.
    pub const ACTS: u8 = 1;
    /// Man publicly opposing.
    pub const OPPOSES: u8 = 2;
}

/// Champion status.
pub mod champion {
    pub const NONE: u8 = 0;
    pub const ACTIVE: u8 = 1;
    pub const DROPPED: u8 = 2;
}

/// Bits of [`Public::flags`].
pub mod public {
    pub const WOMAN: u8 = 1;
    pub const ACTS: u8 = 2;
    pub const SANCTIONED: u8 = 4;
    pub const CHAMPION: u8 = 8;
    pub const SUPPORTS: u8 = 16;
}

/// What neighbours see of an agent: read for every tie in every step, so
/// small and packed.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Public {
    /// Expressed approval of women's participation: support 1, neither 0.5,
    /// oppose 0; a woman who takes part expresses her attitude.
    pub expr: f32,
    /// Bits from [`public`].
    pub flags: u8,
}

/// An agent's own changing state.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Core {
    pub attitude: f32,
    pub empirical: f32,
    pub normative: f32,
    pub fear: f32,
    /// From [`stance`].
    pub stance: u8,
    /// Took part against her household head's refusal this month.
    pub defied: u8,
    /// Active champions among household and peers (for the shield).
    pub near_champions: u8,
    /// Months since the agent last attended a council meeting (0: this
    /// month), saturating at [`NEVER`] (not within memory).
    pub since: u8,
}

/// [`Core::since`] of an agent not known to have attended.
pub const NEVER: u8 = u8::MAX;

/// What happened to an agent in the backlash phase, and champion status.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Hits {
    /// Sanctions received this month (saturating).
    pub sanctions: u8,
    /// Of which violent.
    pub violent: u8,
    /// Of which stigma (the rest of the sanctions are harassment).
    pub stigma: u8,
    /// From [`champion`].
    pub champion: u8,
}

/// One buffer of the whole population's state.
#[derive(Clone, Debug, Default)]
pub struct State {
    pub core: Vec<Core>,
    pub hits: Vec<Hits>,
    pub public: Vec<Public>,
    /// Memory of observed choices, one bit each (`memory_best_response` only).
    pub memory: Vec<u64>,
}

/// The model's parameters as the step reads them.
#[derive(Clone, Debug)]
pub struct Params {
    pub beta: f32,
    pub empirical_rate: f32,
    pub normative_rate: f32,
    pub fear_decay: f32,
    pub fear_gain: f32,
    pub own_gain: f32,
    pub w_attitude: f32,
    pub w_empirical: f32,
    pub w_normative: f32,
    pub w_fear: f32,
    pub champion_support: f32,
    /// Men's and leaders' weights: [men, leaders].
    pub m_attitude: [f32; 2],
    pub m_normative: [f32; 2],
    pub m_fear: [f32; 2],
    pub m_margin: [f32; 2],
    pub rate: f32,
    pub reactivity: f32,
    /// Sanction multiplier by role.
    pub role_mult: [f32; 3],
    pub champion_shield: f32,
    pub champion_dropout: f32,
    pub ally_rate: f32,
    pub violence_share: f32,
    /// Share of non-violent sanctions that are stigma (the rest harassment).
    pub stigma_share: f32,
    /// Sanction multiplier of a woman sitting in a reserved seat.
    pub seat_holder: f32,
    /// Council meetings a year (1 to 12).
    pub meetings_per_year: u32,
    /// Chance a man who is not a gatekeeper attends a meeting held.
    pub men_attendance: f32,
    pub influence: f32,
    pub internalisation: f32,
    pub champion_weight: f32,
    /// Stubbornness by role.
    pub stubbornness: [f32; 3],
    pub permission_required: bool,
    pub defiance: f32,
    pub defiance_penalty: f32,
    pub council_visibility: f32,
    pub political_will: f32,
}

impl Params {
    /// Parameters of a validated scenario.
    pub fn new(s: &Scenario) -> Params {
        let r = &s.rule;
        let b = &s.backlash;
        let a = &s.attitudes;
        let c = &s.context;
        let f = |x: f64| x as f32;
        Params {
            beta: f(r.beta),
            empirical_rate: f(r.empirical_rate),
            normative_rate: f(r.normative_rate),
            fear_decay: f(r.fear_decay),
            fear_gain: f(r.fear_gain),
            own_gain: f(r.own_gain),
            w_attitude: f(r.women.attitude),
            w_empirical: f(r.women.empirical),
            w_normative: f(r.women.normative),
            w_fear: f(r.women.fear),
            champion_support: f(r.women.champion_support),
            m_attitude: [f(r.men.attitude), f(r.leaders.attitude)],
            m_normative: [f(r.men.normative), f(r.leaders.normative)],
            m_fear: [f(r.men.fear), f(r.leaders.fear)],
            m_margin: [f(r.men.opposition_margin), f(r.leaders.opposition_margin)],
            rate: f(b.rate),
            reactivity: f(b.reactivity),
            role_mult: [1.0, f(b.gatekeeper), f(b.religious_leader)],
            champion_shield: f(b.champion_shield),
            champion_dropout: f(b.champion_dropout),
            ally_rate: f(b.ally_rate),
            violence_share: f(b.severity.violence),
            stigma_share: {
                let rest = b.severity.harassment + b.severity.stigma;
                if rest > 0.0 { f(b.severity.stigma / rest) } else { 0.0 }
            },
            seat_holder: f(b.seat_holder),
            meetings_per_year: s.council.meetings_per_year,
            men_attendance: f(s.council.men_attendance),
            influence: f(a.influence),
            internalisation: f(a.internalisation),
            champion_weight: f(a.champion_weight),
            stubbornness: [f(a.stubbornness.member), f(a.stubbornness.gatekeeper), f(a.stubbornness.religious_leader)],
            permission_required: c.permission_required,
            defiance: f(c.defiance),
            defiance_penalty: f(c.defiance_penalty),
            council_visibility: f(c.council_visibility),
            political_will: f(c.political_will),
        }
    }
}

/// The people and their ties for one replicate; shared by every strategy
/// run on that replicate.
#[derive(Clone, Debug)]
pub struct World {
    pub agents: Agents,
    pub net: Csr,
    /// Fixed personal thresholds (of the logit or threshold rule).
    pub theta: Vec<f32>,
    /// Committed to the new choice (reference rules): always act.
    pub committed: Vec<u8>,
    /// Initial attitudes (the Friedkin-Johnsen anchor).
    pub a0: Vec<f32>,
    /// Women per village.
    pub village_women: Vec<u32>,
    /// Adults per village.
    pub village_adults: Vec<u32>,
    /// Seats on each village's council.
    pub council_seats: u32,
    /// Every tie has its reverse and every row is strictly increasing (see
    /// [`rule::threshold::symmetric`]): a threshold rule's listeners are then the
    /// network itself. True for every generator (undirected by
    /// construction); checked for other networks when a threshold rule
    /// will need it, else false.
    pub symmetric: bool,
    /// The ties by which a leader is policed (all but his member ties),
    /// so that his ally backlash skips the hundreds of villagers he
    /// attends to.
    pub policing: Policing,
}

/// For each agent with member ties (a leader attending to the villagers),
/// the positions within its row of its other ties, in row order. The ally
/// backlash reads only these: the same ties, the same order and the same
/// random draws (keyed by position) as a pass over the whole row that
/// skips member ties.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Policing {
    /// Agents with member ties, increasing.
    agents: Vec<u32>,
    /// `positions[spans[k]..spans[k + 1]]` belong to `agents[k]`.
    spans: Vec<u32>,
    positions: Vec<u32>,
}

impl Policing {
    /// The index of `net`.
    pub fn new(net: &crate::network::Csr) -> Policing {
        let mut out = Policing { spans: vec![0], ..Policing::default() };
        for i in 0..net.nodes() {
            let layers = &net.layers[net.row(i)];
            if layers.contains(&crate::network::layer::MEMBER) {
                out.agents.push(i as u32);
                out.positions
                    .extend(layers.iter().enumerate().filter(|(_, l)| **l != crate::network::layer::MEMBER).map(|(k, _)| k as u32));
                out.spans.push(out.positions.len() as u32);
            }
        }
        out
    }

    /// The positions of agent `i`'s ties other than member ties, if it has
    /// member ties.
    #[inline]
    pub fn of(&self, i: usize) -> Option<&[u32]> {
        let k = self.agents.binary_search(&(i as u32)).ok()?;
        Some(&self.positions[self.spans[k] as usize..self.spans[k + 1] as usize])
    }
}

impl World {
    /// Number of agents.
    pub fn len(&self) -> usize {
        self.agents.len()
    }

    /// True when there are no agents.
    pub fn is_empty(&self) -> bool {
        self.agents.is_empty()
    }

    /// Index of the rule group of agent `i`: 0 men, 1 leaders (women use the women's rule).
    #[inline]
    pub fn men_group(&self, i: usize) -> usize {
        usize::from(self.agents.role[i] != Role::Member)
    }
}

#[cfg(test)]
mod tests {
    /// The policing index lists, for exactly the agents with member ties
    /// (the leaders of a generated district), every other tie's position
    /// in row order.
    #[test]
    fn the_policing_index_holds_each_leaders_other_ties() {
        use crate::network::layer;
        use crate::scenario::{builtin, parse_scenario};
        let s = parse_scenario(builtin("default").unwrap(), "default", &["population.villages=2".into()]).unwrap();
        let world = super::init::build_world(&s, 3, None);
        let net = &world.net;
        let mut leaders = 0;
        for i in 0..world.len() {
            let layers = &net.layers[net.row(i)];
            let others: Vec<u32> = (0..layers.len() as u32).filter(|&k| layers[k as usize] != layer::MEMBER).collect();
            match world.policing.of(i) {
                Some(p) => {
                    leaders += 1;
                    assert!(world.agents.is_leader(i));
                    assert_eq!(p, &others[..]);
                    assert!(p.len() * 10 < layers.len(), "a leader's member ties are most of his row");
                }
                None => assert!(!layers.contains(&layer::MEMBER)),
            }
        }
        assert!(leaders >= 2, "{leaders}");
    }

    /// Lower floors never reach up: no file of the model imports the
    /// interventions (which write the model's levers and state).
    #[test]
    fn the_model_does_not_import_interventions() {
        // Every file under src/model/, found at test time, so a new file
        // (a rule's) is checked too.
        fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
            for e in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push((p.display().to_string(), std::fs::read_to_string(&p).unwrap()));
                }
            }
        }
        let mut files = Vec::new();
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model"), &mut files);
        assert!(files.len() >= 9, "found only {} files", files.len());
        let import = ["crate::", "interventions"].concat();
        for (name, text) in &files {
            let code = text.lines().filter(|l| !l.trim_start().starts_with("//"));
            assert!(code.clone().all(|l| !l.contains(&import)), "{name} imports the interventions");
        }
    }
}
