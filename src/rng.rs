//! Counter-based random streams keyed by (seed, step, agent, purpose).
//!
//! Every random number in normshift comes from here. A draw is a pure
//! function of its key, so results never depend on thread count or on the
//! order in which agents are visited, and two strategies run on the same seed
//! meet the same draws for the same agents (common random numbers). A
//! purpose is derived from a name, so adding an intervention leaves every
//! other stream untouched. This module never keeps global state.

use rand::TryRng;
use std::convert::Infallible;

/// SplitMix64's finaliser: a bijection on `u64` with full avalanche.
#[inline(always)]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// Named purposes of draws. Each is a distinct stream.
pub mod purpose {
    /// Women's decision to act.
    pub const DECIDE: u64 = 1;
    /// Defiance of a household head's refusal.
    pub const DEFY: u64 = 2;
    /// Quota enforcement (v1's monthly draw; no longer drawn, kept so that
    /// no new purpose takes its number).
    pub const QUOTA: u64 = 3;
    /// One sanction draw per opposing neighbour.
    pub const SANCTION: u64 = 4;
    /// Kind of a sanction (harassment, stigma, violence).
    pub const SEVERITY: u64 = 5;
    /// Ally backlash against supporting men.
    pub const ALLY: u64 = 6;
    /// Champion drop-out after a sanction.
    pub const DROPOUT: u64 = 7;
    /// Population attributes.
    pub const POPULATION: u64 = 8;
    /// Network ties.
    pub const NETWORK: u64 = 9;
    /// Initial state.
    pub const INITIAL: u64 = 10;
    /// Memory observation of a random neighbour (reference rule).
    pub const OBSERVE: u64 = 11;
    /// Ties broken at random.
    pub const TIE: u64 = 12;
    /// A man's attendance at a council meeting.
    pub const ATTEND: u64 = 13;
}

/// A stable purpose derived from a name (FNV-1a), so that a stream belongs
/// to what it is for, not to its position in a list.
pub fn purpose_of(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix64(h) | (1 << 63)
}

/// The seed of replicate `r` of a scenario seeded with `seed`. Strategies
/// share it (common random numbers).
pub fn replicate_seed(seed: u64, replicate: u32) -> u64 {
    mix64(seed.wrapping_add(GOLDEN.wrapping_mul(u64::from(replicate) + 1)))
}

/// The master seed whose replicate 0 has the seed `run_seed`: how one run
/// of a sweep (or any run whose seed a table printed) is run again alone
/// (`normshift run --run-seed`). Exact, since [`mix64`] is a bijection.
pub fn master_seed_for(run_seed: u64) -> u64 {
    unmix64(run_seed).wrapping_sub(GOLDEN)
}

/// The inverse of [`mix64`].
fn unmix64(mut z: u64) -> u64 {
    // Inverse of an odd multiplier modulo 2^64 by Newton's iteration (each
    // step doubles the correct low bits: 3, 6, 12, 24, 48, 96).
    fn inverse(a: u64) -> u64 {
        let mut x = a;
        for _ in 0..5 {
            x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
        }
        x
    }
    z = z ^ (z >> 31) ^ (z >> 62);
    z = z.wrapping_mul(inverse(0x94d0_49bb_1331_11eb));
    z = z ^ (z >> 27) ^ (z >> 54);
    z = z.wrapping_mul(inverse(0xbf58_476d_1ce4_e5b9));
    z ^ (z >> 30) ^ (z >> 60)
}

/// The key of one (seed, step, purpose) stream; per-agent draws are then one
/// mix each.
#[derive(Clone, Copy, Debug)]
pub struct StepKey(u64);

impl StepKey {
    /// Key of the stream for `purpose` at `step` of the run seeded `seed`.
    #[inline]
    pub fn new(seed: u64, step: u32, purpose: u64) -> Self {
        StepKey(mix64(mix64(seed ^ GOLDEN) ^ mix64(purpose.wrapping_add(u64::from(step) << 20))))
    }

    /// Raw 64 random bits for `agent`'s `k`-th draw.
    #[inline(always)]
    pub fn bits(self, agent: u32, k: u32) -> u64 {
        let ctr = (u64::from(agent) << 32) | u64::from(k);
        mix64(self.0.wrapping_add(ctr.wrapping_mul(GOLDEN)))
    }

    /// A uniform draw in [0, 1) for `agent`'s `k`-th draw.
    #[inline(always)]
    pub fn uniform(self, agent: u32, k: u32) -> f32 {
        (self.bits(agent, k) >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
    }

    /// A uniform draw in [0, 1) with 53 bits, for setup work.
    #[inline]
    pub fn uniform64(self, agent: u32, k: u32) -> f64 {
        (self.bits(agent, k) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A generator for `agent` in this stream, for use with `rand_distr`.
    pub fn stream(self, agent: u32) -> Stream {
        Stream { key: self, agent, k: 0 }
    }
}

/// A sequential generator over one agent's counter-based stream.
#[derive(Clone, Debug)]
pub struct Stream {
    key: StepKey,
    agent: u32,
    k: u32,
}

impl TryRng for Stream {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let x = self.key.bits(self.agent, self.k);
        self.k = self.k.wrapping_add(1);
        Ok(x)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let x = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&x[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_seed_gives_back_its_master_seed() {
        for s in [0, 1, 20201325, 16243953198139721037, u64::MAX, 1 << 63] {
            assert_eq!(unmix64(mix64(s)), s);
            assert_eq!(replicate_seed(master_seed_for(s), 0), s);
        }
        for master in [0u64, 7, u64::MAX] {
            for r in [0u32, 3, 999] {
                let run = replicate_seed(master, r);
                assert_eq!(replicate_seed(master_seed_for(run), 0), run);
            }
        }
    }

    #[test]
    fn draws_depend_only_on_their_key() {
        let a = StepKey::new(7, 3, purpose::DECIDE);
        let b = StepKey::new(7, 3, purpose::DECIDE);
        assert_eq!(a.bits(10, 0), b.bits(10, 0));
        assert_ne!(a.bits(10, 0), a.bits(11, 0));
        assert_ne!(a.bits(10, 0), a.bits(10, 1));
        assert_ne!(a.bits(10, 0), StepKey::new(7, 4, purpose::DECIDE).bits(10, 0));
        assert_ne!(a.bits(10, 0), StepKey::new(8, 3, purpose::DECIDE).bits(10, 0));
        assert_ne!(a.bits(10, 0), StepKey::new(7, 3, purpose::DEFY).bits(10, 0));
    }

    #[test]
    fn uniforms_are_uniform() {
        let key = StepKey::new(1, 0, purpose::DECIDE);
        let n = 200_000u32;
        let mut bins = [0u32; 10];
        let mut sum = 0.0f64;
        for i in 0..n {
            let u = key.uniform(i, 0);
            assert!((0.0..1.0).contains(&u));
            bins[(u * 10.0) as usize] += 1;
            sum += f64::from(u);
        }
        assert!((sum / f64::from(n) - 0.5).abs() < 0.005);
        for b in bins {
            assert!((f64::from(b) / f64::from(n) - 0.1).abs() < 0.005, "{bins:?}");
        }
    }

    #[test]
    fn named_purposes_are_stable_and_distinct() {
        // Pinned: a purpose must not change between versions, or every
        // intervention's targets and draws would.
        assert_eq!(purpose_of("dialogue"), 0x831d_d53d_fc2d_508d);
        assert_eq!(purpose_of("media/radio"), 0x86bb_a77a_146e_8e70);
        assert_ne!(purpose_of("dialogue"), purpose_of("media"));
        // Named purposes never meet the fixed ones (the top bit is set).
        assert!(purpose_of("") >= 1 << 63);
    }

    /// The streams pinned to numbers computed independently (a Python
    /// transcription of SplitMix64 and the key derivation): any change to
    /// the mixing, the key or the counter layout changes every result of
    /// every scenario, and must fail here first.
    #[test]
    fn streams_are_pinned_to_known_values() {
        assert_eq!(mix64(0), 0);
        assert_eq!(mix64(1), 0x5692_161d_100b_05e5);
        let key = StepKey::new(7, 3, purpose::DECIDE);
        assert_eq!(key.0, 0xc9f7_7283_d7d6_cc83);
        assert_eq!(key.bits(10, 0), 0x77b8_4553_9216_00dd);
        assert_eq!(key.bits(11, 2), 0x3dd0_c838_3504_c8a8);
        // Exact: a draw is a 24-bit integer over 2^24.
        assert_eq!(key.uniform(10, 0), 7845957.0 / 16_777_216.0);
        assert_eq!(key.uniform(0, 5), 15809327.0 / 16_777_216.0);
        assert_eq!(key.uniform64(10, 0), 0.467_655_499_365_797_3);
        let mut stream = key.stream(11);
        let _ = stream.try_next_u64();
        let _ = stream.try_next_u64();
        assert_eq!(stream.try_next_u64(), Ok(0x3dd0_c838_3504_c8a8), "the third draw of agent 11 is its counter 2");
        // The targeting stream of an intervention `dialogue` (kind/name),
        // at the step counter no month uses.
        let targeting = StepKey::new(1, u32::MAX, purpose_of("dialogue/dialogue"));
        assert_eq!(targeting.bits(42, 0), 0xefdd_85ee_48e2_0eed);
        assert_eq!(replicate_seed(1, 0), 0x910a_2dec_8902_5cc1);
        assert_eq!(replicate_seed(1, 1), 0xbeeb_8da1_658e_ec67);
        assert_eq!(replicate_seed(42, 9), 0x9e54_d738_297f_77ae);
    }
}
