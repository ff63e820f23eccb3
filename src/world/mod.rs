//! The simulated market: accounts, peers, vendors, teams, reps and territories, generated from a
//! seed.
//!
//! A [`World`] is plain data in `Vec`s indexed by small ids. It depends only on the market and the
//! team structure, never on strategies, so every variant of a replication sells into the same
//! world (common random numbers).

use crate::calendar::DAYS_PER_YEAR;
use crate::rng::{stream, Stream};
use crate::scenario::Config;
use rand::Rng as _;
use rand_distr::{Distribution, LogNormal};

/// Index of an account in [`World::customers`].
pub type CustomerId = u32;
/// Index of a rep within its vendor.
pub type RepId = u32;

/// Market segment: sets the buying-cycle length and the account's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// Small business.
    Smb = 0,
    /// Mid-market.
    MidMarket = 1,
    /// Enterprise.
    Enterprise = 2,
}

/// A customer account: the fixed facts; its changing state lives in the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    /// Position in the unit square market.
    pub x: f32,
    /// Position in the unit square market.
    pub y: f32,
    /// Annual value in $k (list price of one purchase).
    pub annual_value: f32,
    /// Segment.
    pub segment: Segment,
    /// Offset of its own fiscal year against the vendor's, business days (0–259).
    pub fiscal_offset: u32,
    /// Contract length: days from a purchase to the renewal need.
    pub renewal_days: u32,
    /// Day of the first renewal need of the contract running at day 0.
    pub first_renewal_day: u32,
    /// The vendor holding the contract at day 0.
    pub incumbent: u8,
}

/// A sales team of one vendor.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    /// Region: the band of the market's width `[west, east)` the team covers.
    pub west: f32,
    /// See `west`.
    pub east: f32,
    /// The team's reps, as a range of rep ids.
    pub reps: std::ops::Range<RepId>,
    /// Teams whose regions border this one.
    pub neighbours: Vec<u32>,
}

/// A rep: team, territory and starting quota.
#[derive(Debug, Clone, PartialEq)]
pub struct Rep {
    /// Team index within the vendor.
    pub team: u32,
    /// Home accounts.
    pub territory: Vec<CustomerId>,
    /// Quarterly quota in $k, set from territory potential.
    pub quota: f64,
}

/// One vendor's sales organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct SalesForce {
    /// Teams, west to east.
    pub teams: Vec<Team>,
    /// All reps of the vendor.
    pub reps: Vec<Rep>,
    /// For each account, the rep whose territory holds it.
    pub home_rep: Vec<RepId>,
}

/// The whole generated market.
#[derive(Debug, Clone, PartialEq)]
pub struct World {
    /// Accounts.
    pub customers: Vec<Customer>,
    /// `customers[c].annual_value` for every account, dense: reps sampling their territories
    /// read only this (4 bytes per account, cache-friendly) instead of the whole record.
    pub annual_values: Vec<f32>,
    /// Peer lists, `peers_per_customer` per account, flat. Empty for a complete network.
    pub peers: Vec<CustomerId>,
    /// Peers per account (0 for a complete network).
    pub peers_per_customer: u32,
    /// One sales force per vendor; index 0 is us.
    pub vendors: Vec<SalesForce>,
}

impl World {
    /// The peers of an account (empty slice for a complete network).
    pub fn peers_of(&self, c: CustomerId) -> &[CustomerId] {
        let k = self.peers_per_customer as usize;
        &self.peers[c as usize * k..(c as usize + 1) * k]
    }

    /// The peers of an account as a list: its nearest peers, or every other account in a
    /// complete network.
    pub fn peer_list(&self, c: CustomerId) -> Vec<CustomerId> {
        if self.peers_per_customer == 0 {
            (0..self.customers.len() as CustomerId)
                .filter(|&p| p != c)
                .collect()
        } else {
            self.peers_of(c).to_vec()
        }
    }

    /// Bytes of memory held per account by the world (excluding the engine's state).
    pub fn bytes_per_customer(&self) -> usize {
        let n = self.customers.len().max(1);
        let territories: usize = self
            .vendors
            .iter()
            .map(|v| v.reps.iter().map(|r| r.territory.len()).sum::<usize>())
            .sum();
        (std::mem::size_of::<Customer>() * n
            + self.annual_values.len() * 4
            + self.peers.len() * 4
            + territories * 4
            + self.vendors.len() * n * 4)
            / n
    }
}

/// Generates the world of one replication from its seed.
pub fn generate(config: &Config, run_seed: u64) -> World {
    let mut rng = stream(run_seed, Stream::Market);
    let m = &config.market;
    let n = m.customers as usize;
    let n_vendors = config.vendors.len();
    let value = LogNormal::new(m.value_median_k.ln(), m.value_sigma).expect("validated sigma");
    let mix = &m.segment_mix;
    let customers: Vec<Customer> = (0..n)
        .map(|_| {
            let u: f64 = rng.random();
            let segment = if u < mix.smb {
                Segment::Smb
            } else if u < mix.smb + mix.mid_market {
                Segment::MidMarket
            } else {
                Segment::Enterprise
            };
            let seg = segment_spec(config, segment);
            let years = rng.random_range(m.renewal_years_min..=m.renewal_years_max);
            let renewal_days = ((years * DAYS_PER_YEAR as f64).round() as u32).max(1);
            Customer {
                x: rng.random(),
                y: rng.random(),
                annual_value: (value.sample(&mut rng) * seg.value_multiplier) as f32,
                segment,
                fiscal_offset: rng.random_range(0..DAYS_PER_YEAR),
                renewal_days,
                first_renewal_day: rng.random_range(0..renewal_days),
                incumbent: rng.random_range(0..n_vendors) as u8,
            }
        })
        .collect();
    let k = m.peers as usize;
    let peers = if k == 0 {
        Vec::new()
    } else {
        nearest_peers(&customers, k)
    };
    let annual_need_rate =
        2.0 / (m.renewal_years_min + m.renewal_years_max) + m.spontaneous_need_rate;
    let vendors = config
        .vendors
        .iter()
        .map(|v| sales_force(config, v, &customers, annual_need_rate, n_vendors))
        .collect();
    World {
        annual_values: customers.iter().map(|c| c.annual_value).collect(),
        customers,
        peers,
        peers_per_customer: k as u32,
        vendors,
    }
}

/// The segment settings of a segment.
pub fn segment_spec(config: &Config, segment: Segment) -> &crate::scenario::model::SegmentSpec {
    let s = &config.market.segments;
    match segment {
        Segment::Smb => &s.smb,
        Segment::MidMarket => &s.mid_market,
        Segment::Enterprise => &s.enterprise,
    }
}

/// Splits the market into team regions (west to east, by region weight) and each region into
/// territories of equal account counts (south to north); sets quotas from territory potential.
fn sales_force(
    config: &Config,
    vendor: &crate::scenario::VendorConfig,
    customers: &[Customer],
    annual_need_rate: f64,
    n_vendors: usize,
) -> SalesForce {
    let total_weight: f64 = vendor.teams.iter().map(|t| t.region_weight).sum();
    let mut teams = Vec::new();
    let mut reps = Vec::new();
    let mut home_rep = vec![0; customers.len()];
    let mut west = 0.0f64;
    let n_teams = vendor.teams.len();
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
        let first = reps.len() as RepId;
        let n_reps = team.reps as usize;
        for r in 0..n_reps {
            let lo = region.len() * r / n_reps;
            let hi = region.len() * (r + 1) / n_reps;
            let territory: Vec<CustomerId> = region[lo..hi].to_vec();
            let potential: f64 = territory
                .iter()
                .map(|&c| customers[c as usize].annual_value as f64)
                .sum::<f64>()
                * annual_need_rate
                / 4.0;
            // Half of buying journeys end in no decision (JOLT); the rest split between vendors.
            let quota = config.reps.quota_factor * potential * 0.5 / n_vendors as f64;
            for &c in &territory {
                home_rep[c as usize] = reps.len() as RepId;
            }
            reps.push(Rep {
                team: t as u32,
                territory,
                quota: quota.max(1e-9),
            });
        }
        let neighbours = [t.checked_sub(1), (t + 1 < n_teams).then_some(t + 1)]
            .into_iter()
            .flatten()
            .map(|x| x as u32)
            .collect();
        teams.push(Team {
            west: west as f32,
            east: east as f32,
            reps: first..reps.len() as RepId,
            neighbours,
        });
        west = east;
    }
    SalesForce {
        teams,
        reps,
        home_rep,
    }
}

/// The `k` nearest accounts of every account, using a uniform grid.
///
/// The accounts are counting-sorted by grid cell (row-major; by index within a cell) into one
/// contiguous array holding their positions, so a search reads a few short runs of memory rather
/// than one random account record per candidate, and accounts are visited cell by cell, so
/// neighbouring searches share what is in cache. Each search widens a ring of cells until the
/// `k`-th nearest candidate lies within the ring's radius; candidates are ordered by (squared
/// distance, index).
fn nearest_peers(customers: &[Customer], k: usize) -> Vec<CustomerId> {
    let n = customers.len();
    let g = ((n as f64 / 2.0).sqrt().ceil() as usize).max(1);
    let cell = |x: f32| ((x as f64 * g as f64) as usize).min(g - 1);
    let cell_of: Vec<u32> = customers
        .iter()
        .map(|c| (cell(c.y) * g + cell(c.x)) as u32)
        .collect();
    // start[b]..start[b + 1]: the accounts of cell b in `points`.
    let mut start = vec![0u32; g * g + 1];
    for &b in &cell_of {
        start[b as usize + 1] += 1;
    }
    for b in 0..g * g {
        start[b + 1] += start[b];
    }
    let mut next = start.clone();
    let mut points = vec![(0.0f32, 0.0f32, 0 as CustomerId); n];
    for (i, (&b, c)) in cell_of.iter().zip(customers).enumerate() {
        points[next[b as usize] as usize] = (c.x, c.y, i as CustomerId);
        next[b as usize] += 1;
    }
    drop((cell_of, next));
    let order =
        |a: &(f32, CustomerId), b: &(f32, CustomerId)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    let mut out = vec![0 as CustomerId; n * k];
    let mut found: Vec<(f32, CustomerId)> = Vec::new();
    for home in 0..g * g {
        let (cx, cy) = ((home % g) as isize, (home / g) as isize);
        for &(x0, y0, i) in &points[start[home] as usize..start[home + 1] as usize] {
            found.clear();
            let mut ring = 0isize;
            loop {
                for dy in -ring..=ring {
                    for dx in -ring..=ring {
                        if dx.abs() != ring && dy.abs() != ring {
                            continue;
                        }
                        let (x, y) = (cx + dx, cy + dy);
                        if x < 0 || y < 0 || x >= g as isize || y >= g as isize {
                            continue;
                        }
                        let b = y as usize * g + x as usize;
                        for &(px, py, j) in &points[start[b] as usize..start[b + 1] as usize] {
                            if j != i {
                                found.push(((px - x0).powi(2) + (py - y0).powi(2), j));
                            }
                        }
                    }
                }
                // Everything within `ring` cells is seen; the k-th nearest is final once it lies
                // inside that radius.
                let covered = ring as f32 / g as f32;
                if found.len() >= k {
                    found.select_nth_unstable_by(k - 1, order);
                    if found[k - 1].0.sqrt() <= covered || ring as usize >= g {
                        break;
                    }
                }
                if ring as usize >= g {
                    break;
                }
                ring += 1;
            }
            let m = k.min(found.len());
            let nearest = &mut found[..m];
            nearest.sort_unstable_by(order);
            let at = i as usize * k;
            for (slot, &(_, j)) in out[at..at + nearest.len()].iter_mut().zip(nearest.iter()) {
                *slot = j;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        crate::scenario::load(None, &[]).unwrap().1
    }

    #[test]
    fn nearest_peers_match_brute_force() {
        let mut rng = stream(5, Stream::Market);
        let customers: Vec<Customer> = (0..400)
            .map(|_| Customer {
                x: rng.random(),
                y: rng.random(),
                annual_value: 1.0,
                segment: Segment::Smb,
                fiscal_offset: 0,
                renewal_days: 1,
                first_renewal_day: 0,
                incumbent: 0,
            })
            .collect();
        let k = 6;
        let peers = nearest_peers(&customers, k);
        for i in 0..customers.len() {
            let mut all: Vec<(f32, u32)> = (0..customers.len())
                .filter(|&j| j != i)
                .map(|j| {
                    (
                        (customers[j].x - customers[i].x).powi(2)
                            + (customers[j].y - customers[i].y).powi(2),
                        j as u32,
                    )
                })
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let want: Vec<u32> = all.iter().take(k).map(|p| p.1).collect();
            assert_eq!(&peers[i * k..(i + 1) * k], &want[..], "account {i}");
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
                    assert_eq!(v.home_rep[c as usize], r as u32);
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
}
