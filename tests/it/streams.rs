//! Common random numbers across strategies (a Starsim habit): adding
//! intervention B to a strategy leaves intervention A's targets and draws
//! unchanged, wherever B stands in the list. Each intervention's stream is
//! derived from its kind and name, never from its position or from the
//! other interventions.

use normshift::interventions::{Item, Programme};
use normshift::model::init::{build_world, initial_state};
use normshift::model::step::Villages;
use normshift::model::{Levers, Params};
use normshift::rng::replicate_seed;
use normshift::scenario::parse_scenario;

/// Strategy `a` has only A (a leader engagement and a women's organisation
/// with project funding, whose monthly draws are uptake and member loss);
/// `ab` adds B (media, dialogue and a second women's organisation) after
/// them, `ba` before them.
const SCENARIO: &str = r#"
name = "crn"
steps = 36
replicates = 1
[population]
villages = 3
households_per_village = 120

[[strategies]]
name = "a"
[[strategies.interventions]]
kind = "leader_engagement"
uptake = 0.02
[[strategies.interventions]]
kind = "womens_organisations"
name = "wo_a"
funding = "project"
cycle = 5
gap = 2
gap_loss = 0.2

[[strategies]]
name = "ab"
[[strategies.interventions]]
kind = "leader_engagement"
uptake = 0.02
[[strategies.interventions]]
kind = "womens_organisations"
name = "wo_a"
funding = "project"
cycle = 5
gap = 2
gap_loss = 0.2
[[strategies.interventions]]
kind = "media"
[[strategies.interventions]]
kind = "dialogue"
target = { group = "leaders", share = 1.0 }
[[strategies.interventions]]
kind = "womens_organisations"
name = "wo_b"
funding = "project"
cycle = 3
gap = 3
gap_loss = 0.9

[[strategies]]
name = "ba"
[[strategies.interventions]]
kind = "womens_organisations"
name = "wo_b"
funding = "project"
cycle = 3
gap = 3
gap_loss = 0.9
[[strategies.interventions]]
kind = "media"
[[strategies.interventions]]
kind = "leader_engagement"
uptake = 0.02
[[strategies.interventions]]
kind = "womens_organisations"
name = "wo_a"
funding = "project"
cycle = 5
gap = 2
gap_loss = 0.2
"#;

fn item<'a>(p: &'a Programme, name: &str) -> &'a Item {
    p.items().iter().find(|i| i.name == name).unwrap()
}

#[test]
fn adding_an_intervention_leaves_anothers_targets_and_draws_unchanged() {
    let s = parse_scenario(SCENARIO, "crn", &[]).unwrap();
    let seed = replicate_seed(s.seed, 0);
    let world = build_world(&s, seed, None);
    let params = Params::new(&s);
    let base = initial_state(&s, &world, &params, seed);
    let villages = Villages::new(&world, &base);
    let strategy = |n: &str| &s.strategy(n).unwrap().interventions;
    let mut runs: Vec<(Programme, Levers, _)> = ["a", "ab", "ba"]
        .iter()
        .map(|n| {
            let p = Programme::new(strategy(n), s.context.political_will, &world, seed, 1.0);
            (p, Levers::new(world.len(), world.village_women.len()), base.clone())
        })
        .collect();
    let a_names = ["leader_engagement", "wo_a"];
    for name in a_names {
        let want = &item(&runs[0].0, name).reached.targets;
        assert!(!want.is_empty(), "{name} reaches someone");
        for (p, _, _) in &runs[1..] {
            assert_eq!(&item(p, name).reached.targets, want, "{name}: the same people, with or without B");
        }
    }
    let leaders = &item(&runs[0].0, "leader_engagement").reached.targets.clone();
    let (mut engaged, mut lost) = (0, 0);
    for month in 0..s.steps {
        for (p, levers, state) in &mut runs {
            p.apply(&world, state, levers, &villages, seed, month);
        }
        let (a, rest) = runs.split_first().unwrap();
        for (p, levers, state) in rest {
            // A's draws: which leaders engaged, which members were lost.
            for &i in leaders {
                assert_eq!(levers.engaged[i as usize], a.1.engaged[i as usize], "month {month}: leader {i} engaged");
            }
            assert_eq!(item(p, "wo_a").reached.alive, item(&a.0, "wo_a").reached.alive, "month {month}: members of wo_a");
            // B (media, wo_b) does not touch attitudes, and the dialogue
            // of `ab` is the only other thing that does: where it reaches
            // nobody of A's, A's effect on attitudes is the same.
            if p.items().len() == 4 {
                for &i in leaders {
                    assert_eq!(state.core[i as usize].attitude, a.2.core[i as usize].attitude, "month {month}: leader {i}");
                }
            }
        }
        engaged = leaders.iter().filter(|&&i| a_engaged(&runs[0].1, i)).count();
        lost = item(&runs[0].0, "wo_a").reached.alive.iter().filter(|&&x| x == 0).count();
    }
    // The draws were exercised: some leaders engaged, some members lost, not all.
    assert!(engaged > 0 && engaged < leaders.len(), "engaged {engaged} of {}", leaders.len());
    let members = item(&runs[0].0, "wo_a").reached.targets.len();
    assert!(lost > 0 && lost < members, "lost {lost} of {members}");
}

fn a_engaged(levers: &Levers, i: u32) -> bool {
    levers.engaged[i as usize] != 0
}
