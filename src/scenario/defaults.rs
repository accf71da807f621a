//! Default values of every scenario key. Each is documented, with its source
//! or "assumption", in `docs/MODEL.md`; change both together.

use super::*;

pub(super) fn steps() -> u32 {
    96
}
pub(super) fn seed() -> u64 {
    1
}
pub(super) fn replicates() -> u32 {
    10
}
pub(super) fn strategies() -> Vec<Strategy> {
    vec![Strategy { name: "baseline".into(), description: String::new(), interventions: vec![] }]
}

impl Default for Population {
    fn default() -> Self {
        Population {
            size: None,
            villages: 10,
            households_per_village: 200,
            adults_per_household: 2.5,
            female_headed: 0.15,
            gatekeepers_per_village: 3,
            religious_leaders_per_village: 1,
            women_gatekeepers: 0.0,
            elite: 0.15,
            disability: 0.15,
            marginalised: 0.2,
            youth: 0.3,
            elder: 0.15,
        }
    }
}

impl Default for Network {
    fn default() -> Self {
        Network {
            kind: NetworkKind::Community,
            peer_degree: 8.0,
            gender_homophily: 0.85,
            class_homophily: 0.73,
            bridge_degree: 0.2,
            generator: GeneratorKeys::default(),
            edges: None,
            nodes: None,
            weights: Weights::default(),
        }
    }
}

impl Default for Weights {
    fn default() -> Self {
        Weights { household: 2.0, peer: 1.0, leader: 3.0, member: 0.05, bridge: 0.5 }
    }
}

impl Default for Rule {
    fn default() -> Self {
        Rule {
            kind: RuleKind::Logit,
            own: RuleKeys::default(),
            beta: 4.0,
            empirical_rate: 0.3,
            normative_rate: 0.2,
            fear_decay: 0.15,
            fear_gain: 0.6,
            own_gain: 0.4,
            women: WomenRule::default(),
            men: MenRule::default(),
            leaders: leaders(),
        }
    }
}

fn leaders() -> MenRule {
    MenRule { attitude: 2.0, normative: 0.5, fear: 0.5, theta_mean: 1.0, theta_sd: 0.3, opposition_margin: 0.5 }
}

/// `[rule.leaders]` as given, with the leaders' (not the men's) defaults
/// for the keys left out.
pub(super) fn leaders_rule<'de, D: serde::Deserializer<'de>>(d: D) -> Result<MenRule, D::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Patch {
        attitude: Option<f64>,
        normative: Option<f64>,
        fear: Option<f64>,
        theta_mean: Option<f64>,
        theta_sd: Option<f64>,
        opposition_margin: Option<f64>,
    }
    let p = Patch::deserialize(d)?;
    let l = leaders();
    Ok(MenRule {
        attitude: p.attitude.unwrap_or(l.attitude),
        normative: p.normative.unwrap_or(l.normative),
        fear: p.fear.unwrap_or(l.fear),
        theta_mean: p.theta_mean.unwrap_or(l.theta_mean),
        theta_sd: p.theta_sd.unwrap_or(l.theta_sd),
        opposition_margin: p.opposition_margin.unwrap_or(l.opposition_margin),
    })
}

impl Default for WomenRule {
    fn default() -> Self {
        WomenRule { attitude: 1.0, empirical: 2.5, normative: 1.5, fear: 2.0, theta_mean: 2.2, theta_sd: 0.4, champion_support: 0.3 }
    }
}

impl Default for MenRule {
    fn default() -> Self {
        MenRule { attitude: 1.0, normative: 1.0, fear: 1.0, theta_mean: 1.2, theta_sd: 0.3, opposition_margin: 0.6 }
    }
}

impl Default for Initial {
    fn default() -> Self {
        Initial {
            burn_in: None,
            adopters: None,
            placement: Placement::Random,
            committed: 0.0,
            participation: 0.05,
            women_attitude: Dist { mean: 0.45, sd: 0.15 },
            men_attitude: Dist { mean: 0.3, sd: 0.15 },
            gatekeeper_attitude: Dist { mean: 0.2, sd: 0.1 },
            religious_leader_attitude: Dist { mean: 0.15, sd: 0.1 },
            fear: 0.1,
        }
    }
}

impl Default for Backlash {
    fn default() -> Self {
        Backlash {
            rate: 0.05,
            reactivity: 2.0,
            gatekeeper: 2.0,
            religious_leader: 2.0,
            champion_shield: 0.4,
            champion_dropout: 0.05,
            ally_rate: 0.01,
            seat_holder: 2.0,
            severity: Severity::default(),
        }
    }
}

impl Default for Severity {
    fn default() -> Self {
        Severity { harassment: 0.6, stigma: 0.25, violence: 0.15 }
    }
}

impl Default for Attitudes {
    fn default() -> Self {
        Attitudes { influence: 0.03, internalisation: 0.02, champion_weight: 3.0, stubbornness: Stubbornness::default() }
    }
}

impl Default for Stubbornness {
    fn default() -> Self {
        Stubbornness { member: 0.02, gatekeeper: 0.3, religious_leader: 0.9 }
    }
}

impl Default for Context {
    fn default() -> Self {
        Context {
            political_will: 0.5,
            permission_required: true,
            defiance: 0.1,
            defiance_penalty: 2.0,
            council_visibility: 0.3,
            conflict_start: None,
            conflict_backlash: 0.5,
            conflict_conservatism: 0.3,
            tipping_level: 0.3,
            programme_end: None,
        }
    }
}

impl Default for Council {
    fn default() -> Self {
        Council { seats: 12, meetings_per_year: 2, men_attendance: 0.15 }
    }
}
