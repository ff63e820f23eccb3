//! World generation on the lesson's market: territories and reproducibility, on a [`Config`] the
//! scenario layer builds (the tests that need no scenario stay beside the world's code).

use crate::params::Config;
use crate::world::tests::markets;
use crate::world::{
    generate, generate_unless_stopped, sales_force, south_to_north, Customer, CustomerId,
};
use std::sync::atomic::AtomicBool;

fn config() -> Config {
    crate::scenario::load(None, &[]).unwrap().1
}

/// Territories as `sales_force` made them before the accounts were ordered once for all
/// vendors: each region filtered from all accounts, then sorted by (y, index).
fn territories_reference(
    vendor: &crate::params::VendorConfig,
    customers: &[Customer],
) -> Vec<Vec<CustomerId>> {
    let total_weight: f64 = vendor.teams.iter().map(|t| t.region_weight).sum();
    let n_teams = vendor.teams.len();
    let mut west = 0.0f64;
    let mut territories = Vec::new();
    for (t, team) in vendor.teams.iter().enumerate() {
        let east = if t + 1 == n_teams {
            1.0
        } else {
            west + team.region_weight / total_weight
        };
        let mut region: Vec<CustomerId> = (0..customers.len() as u32)
            .filter(|&c| {
                let x = customers[c as usize].x as f64;
                x >= west && (x < east || t + 1 == n_teams)
            })
            .collect();
        region.sort_by(|&a, &b| {
            customers[a as usize]
                .y
                .total_cmp(&customers[b as usize].y)
                .then(a.cmp(&b))
        });
        let n_reps = team.reps as usize;
        for r in 0..n_reps {
            let (lo, hi) = (region.len() * r / n_reps, region.len() * (r + 1) / n_reps);
            territories.push(region[lo..hi].to_vec());
        }
        west = east;
    }
    territories
}

#[test]
fn territories_match_per_region_sorting() {
    let mut cfg = config();
    let team = cfg.vendors[0].teams[0].clone();
    let teams = |spec: &[(u32, f64)]| {
        spec.iter()
            .map(|&(reps, region_weight)| crate::params::TeamConfig {
                reps,
                region_weight,
                ..team.clone()
            })
            .collect::<Vec<_>>()
    };
    cfg.vendors[1].teams = teams(&[(3, 1.0), (2, 1e-6), (4, 2.5), (1, 1e6), (5, 0.3)]);
    cfg.vendors[2].teams = teams(&[(700, 1.0), (1, 3.0)]);
    for customers in markets() {
        let by_y = south_to_north(&customers);
        for v in &cfg.vendors {
            let force = sales_force(&cfg, v, &customers, &by_y, 0.7, cfg.vendors.len());
            let got: Vec<Vec<CustomerId>> =
                force.reps.iter().map(|r| r.territory.clone()).collect();
            assert_eq!(got, territories_reference(v, &customers));
        }
    }
}

#[test]
fn territories_partition_the_market() {
    let cfg = config();
    let w = generate(&cfg, 11);
    for v in &w.vendors {
        let mut seen = vec![0u32; w.customers.len()];
        for (r, rep) in v.reps.iter().enumerate() {
            for &c in &rep.territory {
                seen[c as usize] += 1;
                assert_eq!(v.home_rep(c), r as u32);
            }
            assert!(rep.quota > 0.0);
        }
        assert!(
            seen.iter().all(|&s| s == 1),
            "every account in exactly one territory"
        );
    }
    assert_eq!(w.vendors[0].teams[0].neighbours, vec![1]);
}

#[test]
fn generation_is_reproducible_and_seed_dependent() {
    let cfg = config();
    assert_eq!(generate(&cfg, 3), generate(&cfg, 3));
    assert_ne!(generate(&cfg, 3).customers, generate(&cfg, 4).customers);
}

#[test]
fn a_stopped_generation_gives_no_world_and_an_unstopped_one_the_same_world() {
    let cfg = config();
    assert!(generate_unless_stopped(&cfg, 3, &AtomicBool::new(true)).is_none());
    assert_eq!(
        generate_unless_stopped(&cfg, 3, &AtomicBool::new(false)),
        Some(generate(&cfg, 3))
    );
}
