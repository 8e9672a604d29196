//! Active learning: which unlabelled sentences are most worth labelling next.
//!
//! In: candidates, each with the model's margin (best minus second-best probability) and a
//! group (outlet and cue kind). Out: the chosen candidates, most uncertain first, spread over
//! the groups by taking turns, plus a random share of the rest so the labelled set stays
//! representative of the pool and not only of the model's doubts.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeMap;

/// One unlabelled sentence as the chooser sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Its group: candidates of one group compete with each other, groups take turns.
    pub group: String,
    /// Best minus second-best probability: small means the model is unsure.
    pub margin: f32,
}

/// Why a candidate was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    /// Among the smallest margins of its group.
    Uncertain,
    /// Drawn at random from the rest.
    Random,
}

/// Chooses `n` of `candidates` (all of them when there are fewer): `n - round(n x
/// random_share)` by uncertainty, groups taking turns in order of their most uncertain
/// candidate, each group's candidates by ascending margin (ties by position); then the random
/// share from the rest, shuffled by `seed`. Returns candidate indices with their reason, in
/// the order chosen.
pub fn choose(
    candidates: &[Candidate],
    n: usize,
    random_share: f64,
    seed: u64,
) -> Vec<(usize, Reason)> {
    let n = n.min(candidates.len());
    let n_random = ((n as f64) * random_share.clamp(0.0, 1.0)).round() as usize;
    let n_uncertain = n - n_random;
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in candidates.iter().enumerate() {
        groups.entry(c.group.as_str()).or_default().push(i);
    }
    let mut queues: Vec<Vec<usize>> = groups
        .into_values()
        .map(|mut members| {
            members.sort_by(|&a, &b| {
                candidates[a]
                    .margin
                    .total_cmp(&candidates[b].margin)
                    .then(a.cmp(&b))
            });
            members.reverse(); // pop() takes the smallest margin
            members
        })
        .collect();
    queues.sort_by(|a, b| {
        let best = |q: &Vec<usize>| q.last().map_or(f32::INFINITY, |&i| candidates[i].margin);
        best(a).total_cmp(&best(b))
    });
    let mut chosen = Vec::with_capacity(n);
    let mut taken = vec![false; candidates.len()];
    while chosen.len() < n_uncertain {
        for queue in &mut queues {
            if chosen.len() == n_uncertain {
                break;
            }
            if let Some(i) = queue.pop() {
                taken[i] = true;
                chosen.push((i, Reason::Uncertain));
            }
        }
    }
    let mut rest: Vec<usize> = (0..candidates.len()).filter(|&i| !taken[i]).collect();
    rest.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    chosen.extend(rest.into_iter().take(n_random).map(|i| (i, Reason::Random)));
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(group: &str, margin: f32) -> Candidate {
        Candidate {
            group: group.into(),
            margin,
        }
    }

    #[test]
    fn groups_take_turns_most_uncertain_first() {
        let c = vec![
            candidate("a", 0.05),
            candidate("a", 0.01),
            candidate("a", 0.02),
            candidate("b", 0.50),
            candidate("b", 0.90),
        ];
        let chosen = choose(&c, 3, 0.0, 1);
        // a's best (0.01) comes first, then b's best (0.50) before a's second (0.02)
        assert_eq!(
            chosen,
            [
                (1, Reason::Uncertain),
                (3, Reason::Uncertain),
                (2, Reason::Uncertain)
            ]
        );
    }

    #[test]
    fn random_share_comes_from_the_rest_and_is_seeded() {
        let c: Vec<Candidate> = (0..100).map(|i| candidate("g", i as f32 / 100.0)).collect();
        let chosen = choose(&c, 20, 0.25, 7);
        assert_eq!(chosen.len(), 20);
        let uncertain: Vec<usize> = chosen
            .iter()
            .filter(|(_, r)| *r == Reason::Uncertain)
            .map(|(i, _)| *i)
            .collect();
        assert_eq!(uncertain, (0..15).collect::<Vec<_>>());
        let random: Vec<usize> = chosen[15..].iter().map(|(i, _)| *i).collect();
        assert!(random.iter().all(|&i| i >= 15), "{random:?}");
        assert_eq!(choose(&c, 20, 0.25, 7), chosen);
        assert_ne!(choose(&c, 20, 0.25, 8), chosen);
    }

    #[test]
    fn asking_for_more_than_there_is_takes_everything_once() {
        let c = vec![candidate("a", 0.3), candidate("b", 0.1)];
        let mut chosen: Vec<usize> = choose(&c, 10, 0.5, 1).into_iter().map(|x| x.0).collect();
        chosen.sort_unstable();
        assert_eq!(chosen, [0, 1]);
    }
}
