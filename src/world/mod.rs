//! The simulated market: accounts, peers, vendors, teams, reps and territories, generated from a
//! seed.
//!
//! A [`World`] is plain data in `Vec`s indexed by small ids. It depends only on the market and the
//! team structure, never on strategies, so every variant of a replication sells into the same
//! world (common random numbers).

use crate::calendar::DAYS_PER_YEAR;
use crate::params::Config;
use crate::rng::{stream, Stream};
use rand::Rng as _;
use rand_distr::{Distribution, LogNormal};
use std::sync::atomic::{AtomicBool, Ordering};

/// Index of an account in [`World::customers`].
pub type CustomerId = u32;
/// Index of a rep within its vendor.
pub type RepId = u32;

/// Market segment: sets the buying-cycle length and the account's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Segment {
    /// Small business.
    Smb = 0,
    /// Mid-market.
    MidMarket = 1,
    /// Enterprise.
    Enterprise = 2,
}

impl Segment {
    /// The segment's name in scenario files (`market.segments.NAME`) and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Segment::Smb => "smb",
            Segment::MidMarket => "mid_market",
            Segment::Enterprise => "enterprise",
        }
    }
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
    pub fiscal_offset: u16,
    /// Contract length: days from a purchase to the renewal need (at most 50 years, the
    /// scenario limit: 13,000 days).
    pub renewal_days: u16,
    /// Where the contract running at day 0 is in its cycle (uniform on [0, 1)): the engine
    /// places the account that far through contract term plus renewal journey, so that renewals
    /// under way and coming due are spread as in a market that has been running.
    pub contract_phase: f32,
    /// The vendor holding the contract at day 0.
    pub incumbent: u8,
    /// How much unwanted contact this account tolerates, relative to the median account: it
    /// blocks a vendor when its annoyance reaches `block_threshold` × `tolerance`. Log-normal
    /// with median 1 and log-sd `customers.tolerance_sigma` (buyers differ; a model assumption,
    /// docs/MODEL.md).
    pub tolerance: f32,
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
    /// For each account, the rep whose territory holds it (see [`Self::home_rep`]), in two
    /// bytes: a vendor has at most [`crate::engine::state::MAX_REPS_PER_VENDOR`] reps.
    home_reps: Vec<u16>,
}

impl SalesForce {
    /// The rep whose territory holds account `c`.
    #[inline(always)]
    pub fn home_rep(&self, c: CustomerId) -> RepId {
        RepId::from(self.home_reps[c as usize])
    }
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

    /// Per vendor, the run-wide number of its first rep: vendor 0's reps are numbered first,
    /// then the next vendor's (as `deals.csv` and `trace.csv` number reps).
    pub fn rep_offsets(&self) -> Vec<u32> {
        let mut offset = 0;
        self.vendors
            .iter()
            .map(|v| {
                let first = offset;
                offset += v.reps.len() as u32;
                first
            })
            .collect()
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
            + self
                .vendors
                .iter()
                .map(|v| v.home_reps.len() * std::mem::size_of::<u16>())
                .sum::<usize>())
            / n
    }
}

/// Generates the world of one replication from its seed.
pub fn generate(config: &Config, run_seed: u64) -> World {
    generate_unless_stopped(config, run_seed, &AtomicBool::new(false)).expect("never stopped")
}

/// [`generate`], abandoned (`None`) soon after `stop` is set: checked every
/// [`STOP_CHECK_EVERY`] accounts and between the steps, so a cancelled job stops even while it
/// builds a large market. The same world as [`generate`] otherwise.
pub fn generate_unless_stopped(config: &Config, run_seed: u64, stop: &AtomicBool) -> Option<World> {
    let stopped = || stop.load(Ordering::Relaxed);
    let mut rng = stream(run_seed, Stream::Market);
    let m = &config.market;
    let n = m.customers as usize;
    let n_vendors = config.vendors.len();
    let value = LogNormal::new(m.value_median_k.ln(), m.value_sigma).expect("validated sigma");
    let tolerance_sigma = config.customers.tolerance_sigma;
    let mix = &m.segment_mix;
    let mut customers: Vec<Customer> = Vec::with_capacity(n);
    for i in 0..n {
        if i % STOP_CHECK_EVERY == 0 && stopped() {
            return None;
        }
        customers.push({
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
            let renewal_days = ((years * DAYS_PER_YEAR as f64).round() as u32).max(1) as u16;
            Customer {
                x: rng.random(),
                y: rng.random(),
                annual_value: (value.sample(&mut rng) * seg.value_multiplier) as f32,
                segment,
                fiscal_offset: rng.random_range(0..DAYS_PER_YEAR) as u16,
                renewal_days,
                contract_phase: rng.random::<f32>(),
                incumbent: rng.random_range(0..n_vendors) as u8,
                // One standard normal per account, scaled by the log-sd: the same accounts are
                // the touchy ones whatever the spread (common random numbers across a sweep).
                tolerance: (tolerance_sigma * rng.sample::<f64, _>(rand_distr::StandardNormal))
                    .exp() as f32,
            }
        });
    }
    if stopped() {
        return None;
    }
    let k = m.peers as usize;
    let peers = if k == 0 {
        Vec::new()
    } else {
        nearest_peers(&customers, k)
    };
    let need_rate = if m.repeat_purchases {
        2.0 / (m.renewal_years_min + m.renewal_years_max) + m.spontaneous_need_rate
    } else {
        m.spontaneous_need_rate
    };
    let purchase_rate = 0.5 * need_rate;
    if stopped() {
        return None;
    }
    let by_y = south_to_north(&customers);
    let mut vendors = Vec::with_capacity(config.vendors.len());
    for v in &config.vendors {
        if stopped() {
            return None;
        }
        vendors.push(sales_force(
            config,
            v,
            &customers,
            &by_y,
            purchase_rate,
            n_vendors,
        ));
    }
    Some(World {
        annual_values: customers.iter().map(|c| c.annual_value).collect(),
        customers,
        peers,
        peers_per_customer: k as u32,
        vendors,
    })
}

/// Accounts generated between two looks at the stop flag.
pub const STOP_CHECK_EVERY: usize = 65_536;

/// The segment settings of a segment.
pub fn segment_spec(config: &Config, segment: Segment) -> &crate::params::settings::SegmentSpec {
    let s = &config.market.segments;
    match segment {
        Segment::Smb => &s.smb,
        Segment::MidMarket => &s.mid_market,
        Segment::Enterprise => &s.enterprise,
    }
}

/// The accounts ordered south to north: by `y` (in [`f32::total_cmp`] order), then by index.
///
/// One sort of `(y, index)` keys packed into `u64`s, shared by every vendor's territories.
pub(crate) fn south_to_north(customers: &[Customer]) -> Vec<CustomerId> {
    let mut keys: Vec<u64> = customers
        .iter()
        .enumerate()
        .map(|(c, cu)| (total_order_bits(cu.y) as u64) << 32 | c as u64)
        .collect();
    // Keys are distinct (they hold the index), so an unstable sort gives the one order.
    keys.sort_unstable();
    keys.into_iter().map(|key| key as CustomerId).collect()
}

/// The bits of `f` mapped so that unsigned integer order is [`f32::total_cmp`] order.
fn total_order_bits(f: f32) -> u32 {
    let bits = f.to_bits();
    // As `total_cmp`: flip the magnitude of negatives, then the sign bit makes them the smallest.
    (bits ^ ((((bits as i32) >> 31) as u32) >> 1)) ^ 0x8000_0000
}

/// Splits the market into team regions (west to east, by region weight) and each region into
/// territories of equal account counts (south to north); sets quotas from territory potential.
///
/// `by_y` is [`south_to_north`] of `customers`. A region keeps the accounts with
/// `west <= x < east` (the last region everything from its `west` on) in `by_y` order. Validated
/// region weights are positive, so the regions' `west` edges never decrease and each account lies
/// in exactly one region: the last one whose `west` is at most its `x`, found by binary search.
pub(crate) fn sales_force(
    config: &Config,
    vendor: &crate::params::VendorConfig,
    customers: &[Customer],
    by_y: &[CustomerId],
    purchase_rate: f64,
    n_vendors: usize,
) -> SalesForce {
    let total_weight: f64 = vendor.teams.iter().map(|t| t.region_weight).sum();
    let n_teams = vendor.teams.len();
    // bands[t] = (west, east) of team t's region.
    let mut bands = Vec::with_capacity(n_teams);
    let mut west = 0.0f64;
    for (t, team) in vendor.teams.iter().enumerate() {
        let east = if t + 1 == n_teams {
            1.0
        } else {
            west + team.region_weight / total_weight
        };
        bands.push((west, east));
        west = east;
    }
    debug_assert!(bands.windows(2).all(|w| w[0].0 <= w[1].0));
    let mut regions: Vec<Vec<CustomerId>> = vec![Vec::new(); n_teams];
    for &c in by_y {
        let x = customers[c as usize].x as f64;
        // No region for an `x` west of the first edge (or NaN), as `x >= west` fails everywhere.
        if let Some(t) = bands.partition_point(|&(w, _)| w <= x).checked_sub(1) {
            regions[t].push(c);
        }
    }
    let mut teams = Vec::with_capacity(n_teams);
    let mut reps = Vec::new();
    let mut home_reps = vec![0; customers.len()];
    for (t, (team, region)) in vendor.teams.iter().zip(&regions).enumerate() {
        let (west, east) = bands[t];
        let first = reps.len() as RepId;
        let n_reps = team.reps as usize;
        for r in 0..n_reps {
            let lo = region.len() * r / n_reps;
            let hi = region.len() * (r + 1) / n_reps;
            let territory: Vec<CustomerId> = region[lo..hi].to_vec();
            // Expected bookings per quarter: half of the buying journeys (renewals and other
            // needs) end in no decision (JOLT); the vendors split the rest as fair shares.
            let potential: f64 = territory
                .iter()
                .map(|&c| customers[c as usize].annual_value as f64)
                .sum::<f64>()
                * purchase_rate
                / 4.0;
            let quota = config.reps.quota_factor * potential / n_vendors as f64;
            for &c in &territory {
                home_reps[c as usize] = reps.len() as u16;
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
    }
    SalesForce {
        teams,
        reps,
        home_reps,
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
///
/// The grid of the peer search: `g` × `g` square cells over the unit market (about two accounts
/// per cell), and each account's cell, `row × g + column`.
fn peer_grid(customers: &[Customer]) -> (usize, Vec<u32>) {
    let g = ((customers.len() as f64 / 2.0).sqrt().ceil() as usize).max(1);
    let cell = |x: f32| ((x as f64 * g as f64) as usize).min(g - 1);
    let cell_of = customers
        .iter()
        .map(|c| (cell(c.y) * g + cell(c.x)) as u32)
        .collect();
    (g, cell_of)
}

/// The search keeps only the `k` best candidates so far ([`Nearest`]), which is all the stopping
/// test and the answer need: the `k` best of everything seen. A ring's cells in its top and
/// bottom rows are adjacent in the array and read as one run each. A row or side column of a ring
/// whose accounts all lie farther along one axis than the `k`-th best so far is skipped: none of
/// them could enter the `k` best, so the rings searched and the answer stay the same.
fn nearest_peers(customers: &[Customer], k: usize) -> Vec<CustomerId> {
    let n = customers.len();
    let (g, cell_of) = peer_grid(customers);
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
    // The extreme coordinates of the accounts in each grid row and column (±∞ when empty).
    let (mut row_lo, mut row_hi) = (vec![f32::INFINITY; g], vec![f32::NEG_INFINITY; g]);
    let (mut col_lo, mut col_hi) = (row_lo.clone(), row_hi.clone());
    for b in 0..g * g {
        let (x, y) = (b % g, b / g);
        for &(px, py, _) in &points[start[b] as usize..start[b + 1] as usize] {
            (col_lo[x], col_hi[x]) = (col_lo[x].min(px), col_hi[x].max(px));
            (row_lo[y], row_hi[y]) = (row_lo[y].min(py), row_hi[y].max(py));
        }
    }
    // The accounts of cells (x0..=x1, y) of one grid row.
    let run = |y: usize, x0: usize, x1: usize| {
        &points[start[y * g + x0] as usize..start[y * g + x1 + 1] as usize]
    };
    let mut out = vec![0 as CustomerId; n * k];
    let mut nearest = Nearest::new(k);
    for home in 0..g * g {
        let (cx, cy) = (home % g, home / g);
        // Rings beyond this one add no cell: the search has seen every account.
        let last_ring = cx.max(g - 1 - cx).max(cy).max(g - 1 - cy);
        for &(x0, y0, i) in run(cy, cx, cx) {
            nearest.clear();
            nearest.offer_all(run(cy, cx, cx), x0, y0, Some(i));
            let mut ring = 0;
            // Everything within `ring` cells is seen; the k-th nearest is final once it lies
            // inside that radius.
            while !nearest.within(ring as f32 / g as f32) && ring < last_ring {
                ring += 1;
                let (x_lo, x_hi) = (cx.saturating_sub(ring), (cx + ring).min(g - 1));
                // Cells are assigned monotonically in x and y, so the accounts of a row south of
                // the home row all have `py < y0`, and `y0 - row_hi` is at most each one's
                // `y0 - py`; likewise north and for the side columns (see `Nearest::beyond`).
                if cy >= ring && !nearest.beyond(y0 - row_hi[cy - ring]) {
                    nearest.offer_all(run(cy - ring, x_lo, x_hi), x0, y0, None);
                }
                if cy + ring < g && !nearest.beyond(row_lo[cy + ring] - y0) {
                    nearest.offer_all(run(cy + ring, x_lo, x_hi), x0, y0, None);
                }
                // The side columns, between those rows.
                let rows = (cy + 1).saturating_sub(ring)..(cy + ring).min(g);
                if cx >= ring && !nearest.beyond(x0 - col_hi[cx - ring]) {
                    for y in rows.clone() {
                        nearest.offer_all(run(y, cx - ring, cx - ring), x0, y0, None);
                    }
                }
                if cx + ring < g && !nearest.beyond(col_lo[cx + ring] - x0) {
                    for y in rows {
                        nearest.offer_all(run(y, cx + ring, cx + ring), x0, y0, None);
                    }
                }
            }
            let at = i as usize * k;
            for (slot, &key) in out[at..].iter_mut().zip(nearest.best()) {
                *slot = key as CustomerId;
            }
        }
    }
    out
}

/// The `k` best candidates of one nearest-peer search, as `(squared distance, index)` keys packed
/// into `u64`s (distance bits high, index low), ascending.
///
/// A squared distance is never negative, so its bits order as [`f32::total_cmp`] does and the
/// packed keys order as (distance, index). Keys are distinct, so the `k` best are one set.
struct Nearest {
    /// The best keys so far, ascending; `keys[..len]` are in use.
    keys: Vec<u64>,
    /// Keys in use (at most `keys.len()`).
    len: usize,
    /// `keys[k - 1]` once `k` keys are in, `u64::MAX` before: a key must be below it to enter.
    bar: u64,
}

impl Nearest {
    /// An empty search for the `k` best.
    fn new(k: usize) -> Nearest {
        Nearest {
            keys: vec![0; k],
            len: 0,
            bar: u64::MAX,
        }
    }

    /// Forgets the candidates of the previous search.
    fn clear(&mut self) {
        self.len = 0;
        self.bar = u64::MAX;
    }

    /// Offers every point of `points` (except account `skip`) as a candidate for the account at
    /// `(x0, y0)`.
    #[inline]
    fn offer_all(
        &mut self,
        points: &[(f32, f32, CustomerId)],
        x0: f32,
        y0: f32,
        skip: Option<CustomerId>,
    ) {
        for &(px, py, j) in points {
            let d = (px - x0).powi(2) + (py - y0).powi(2);
            let key = (d.to_bits() as u64) << 32 | j as u64;
            if key < self.bar && Some(j) != skip {
                self.insert(key);
            }
        }
    }

    /// Inserts a key below the bar, dropping the worst when all `k` places are taken.
    fn insert(&mut self, key: u64) {
        let k = self.keys.len();
        // The keys that stay: all of them, or all but the worst when full.
        let kept = self.len.min(k - 1);
        let keys = &mut self.keys[..=kept];
        let mut at = kept;
        while at > 0 {
            let before = keys[at - 1];
            if before < key {
                break;
            }
            keys[at] = before;
            at -= 1;
        }
        keys[at] = key;
        self.len = kept + 1;
        if self.len == k {
            self.bar = keys[kept];
        }
    }

    /// Whether `k` candidates are in and the `k`-th lies within distance `radius`.
    fn within(&self, radius: f32) -> bool {
        self.len == self.keys.len() && f32::from_bits((self.bar >> 32) as u32).sqrt() <= radius
    }

    /// Whether no account at least `gap` away along one axis can enter: `k` are in and the
    /// `k`-th is nearer than `gap`.
    ///
    /// `gap` must be an `f32` difference `a - b` with `0 <= a - b` at most the account's own
    /// `|px - x0|` (or `|py - y0|`) in exact arithmetic. Rounding is monotone, so the account's
    /// computed squared distance is at least `gap * gap`; when that is strictly above the `k`-th
    /// distance the account's key is above the bar, whatever its index.
    fn beyond(&self, gap: f32) -> bool {
        self.len == self.keys.len() && gap.powi(2) > f32::from_bits((self.bar >> 32) as u32)
    }

    /// The best keys, ascending (fewer than `k` if fewer candidates were offered).
    fn best(&self) -> &[u64] {
        &self.keys[..self.len]
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn total_order_bits_orders_as_total_cmp() {
        let specials = [
            f32::NEG_INFINITY,
            -1.5,
            -f32::MIN_POSITIVE,
            -0.0,
            0.0,
            f32::MIN_POSITIVE,
            0.25,
            1.0,
            f32::MAX,
            f32::INFINITY,
            f32::NAN,
            -f32::NAN,
        ];
        let mut rng = crate::rng::stream(3, crate::rng::Stream::Market);
        let mut values: Vec<f32> = specials.to_vec();
        values.extend((0..2_000).map(|_| f32::from_bits(rng.random::<u32>())));
        for &a in &values {
            for &b in &values[..64] {
                assert_eq!(
                    total_order_bits(a).cmp(&total_order_bits(b)),
                    a.total_cmp(&b),
                    "{a:e} vs {b:e}"
                );
            }
        }
    }

    /// An account at `(x, y)`; only the position matters to peers and territories (and the value
    /// to quotas).
    fn at(x: f32, y: f32, annual_value: f32) -> Customer {
        Customer {
            x,
            y,
            annual_value,
            segment: Segment::Smb,
            fiscal_offset: 0,
            renewal_days: 1,
            contract_phase: 0.0,
            incumbent: 0,
            tolerance: 1.0,
        }
    }

    /// Test markets: uniform ones, and ones full of ties (accounts on a coarse lattice, on cell
    /// edges, several at one spot, all in one spot).
    pub(crate) fn markets() -> Vec<Vec<Customer>> {
        let mut rng = stream(5, Stream::Market);
        let mut markets = Vec::new();
        for n in [2, 3, 5, 9, 40, 400, 1500] {
            markets.push(
                (0..n)
                    .map(|_| at(rng.random(), rng.random(), 1.0))
                    .collect(),
            );
        }
        for (n, steps) in [(300, 7), (200, 4), (512, 16), (50, 2)] {
            markets.push(
                (0..n)
                    .map(|_| {
                        let x = rng.random_range(0..steps) as f32 / steps as f32;
                        let y = rng.random_range(0..steps) as f32 / steps as f32;
                        at(x, y, rng.random())
                    })
                    .collect(),
            );
        }
        // 128 accounts make a 8 × 8 grid: these sit on its cell edges, rings apart.
        markets.push(
            (0..128)
                .map(|i| at((i % 9) as f32 / 8.0, (i / 9 % 9) as f32 / 8.0, 1.0))
                .collect(),
        );
        markets.push((0..30).map(|_| at(0.5, 0.25, 1.0)).collect());
        markets
    }

    /// The nearest peers as `nearest_peers` found them before it kept only the `k` best: every
    /// candidate of the rings so far, `select_nth_unstable_by` after each ring.
    fn ring_select_reference(customers: &[Customer], k: usize) -> Vec<CustomerId> {
        let n = customers.len();
        let (g, cell_of) = peer_grid(customers);
        let cell_of: Vec<usize> = cell_of.into_iter().map(|b| b as usize).collect();
        let order =
            |a: &(f32, CustomerId), b: &(f32, CustomerId)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        let mut out = vec![0; n * k];
        for (i, c) in customers.iter().enumerate() {
            let (cx, cy) = ((cell_of[i] % g) as isize, (cell_of[i] / g) as isize);
            let mut found = Vec::new();
            let mut ring = 0isize;
            loop {
                for (j, p) in customers.iter().enumerate() {
                    let (px, py) = ((cell_of[j] % g) as isize, (cell_of[j] / g) as isize);
                    if j != i && (px - cx).abs().max((py - cy).abs()) == ring {
                        found.push(((p.x - c.x).powi(2) + (p.y - c.y).powi(2), j as CustomerId));
                    }
                }
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
            found[..m].sort_unstable_by(order);
            for (slot, &(_, j)) in out[i * k..].iter_mut().zip(&found[..m]) {
                *slot = j;
            }
        }
        out
    }

    /// Every other account by (squared distance, index), the first `k` (0 past the last).
    fn brute_force_reference(customers: &[Customer], k: usize) -> Vec<CustomerId> {
        let mut out = vec![0; customers.len() * k];
        for (i, c) in customers.iter().enumerate() {
            let mut all: Vec<(f32, CustomerId)> = (0..customers.len())
                .filter(|&j| j != i)
                .map(|j| {
                    let p = &customers[j];
                    ((p.x - c.x).powi(2) + (p.y - c.y).powi(2), j as CustomerId)
                })
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (slot, &(_, j)) in out[i * k..(i + 1) * k].iter_mut().zip(&all) {
                *slot = j;
            }
        }
        out
    }

    #[test]
    fn nearest_peers_match_brute_force() {
        for customers in markets() {
            let n = customers.len();
            for k in [1, 2, 6, 8, 64] {
                let peers = nearest_peers(&customers, k);
                let want = brute_force_reference(&customers, k);
                for i in 0..n {
                    let got = &peers[i * k..(i + 1) * k];
                    assert_eq!(got, &want[i * k..(i + 1) * k], "n {n}, k {k}, account {i}");
                }
            }
        }
    }

    #[test]
    fn nearest_peers_match_the_ring_by_ring_selection() {
        for customers in markets() {
            for k in [1, 3, 8, 20] {
                let n = customers.len();
                assert_eq!(
                    nearest_peers(&customers, k),
                    ring_select_reference(&customers, k),
                    "n {n}, k {k}"
                );
            }
        }
    }
}
