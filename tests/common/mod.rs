//! Writes a plausible salesim output folder for the report tests: two variants ("aggressive",
//! "aligned"), about 20 replications and 12 quarters, optionally with a sweep. The numbers follow
//! the stylized facts (aggressive: hockey stick ~0.35, U-shaped discounts, more blocks; aligned:
//! hockey stick ~0.16, bookings growing in later quarters) and the statistics files are computed
//! from the generated runs, as the real simulator does. The per-team, per-vendor and per-rep
//! files are derived from each run's totals (two teams, three vendors).

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

use statrs::distribution::{ContinuousCDF, StudentsT};

pub const METRICS: [&str; salesim::metrics::RUN_METRICS.len()] = salesim::metrics::RUN_METRICS;
/// The per-quarter metrics, in quarters.csv order.
pub const QUARTER_METRICS: [&str; salesim::metrics::QUARTER_METRICS.len()] =
    salesim::metrics::QUARTER_METRICS;
/// How many run and quarter metrics there are.
const RN: usize = METRICS.len();
const QN: usize = QUARTER_METRICS.len();
/// Our teams and the vendors of the fixture.
pub const TEAMS: [&str; 2] = ["west", "east"];
pub const VENDORS: [&str; 3] = ["us", "rival", "challenger"];

/// Which sweep, if any, the fixture pretends to have run.
#[derive(Clone, Debug)]
pub enum SweepSpec {
    None,
    /// One parameter over the given values.
    One(&'static str, Vec<f64>),
    /// A full grid over two parameters.
    Grid(&'static str, Vec<f64>, &'static str, Vec<f64>),
}

#[derive(Clone, Debug)]
pub struct Fixture {
    pub variants: Vec<&'static str>,
    pub replications: u32,
    pub quarters: u32,
    pub sweep: SweepSpec,
    pub complete: bool,
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture {
            variants: vec!["aggressive", "aligned"],
            replications: 20,
            quarters: 12,
            sweep: SweepSpec::None,
            complete: true,
        }
    }
}

/// Small deterministic generator (xorshift64*), so the fixture needs no RNG crate.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Approximately normal (sum of 12 uniforms).
    fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let z: f64 = (0..12).map(|_| self.uniform()).sum::<f64>() - 6.0;
        mean + sd * z
    }
}

/// One sweep point: its index and parameter values.
#[derive(Clone, Debug)]
pub struct Point {
    pub index: u32,
    pub values: Vec<(&'static str, f64)>,
}

impl Fixture {
    pub fn points(&self) -> Vec<Point> {
        match &self.sweep {
            SweepSpec::None => vec![Point {
                index: 0,
                values: vec![],
            }],
            SweepSpec::One(name, vals) => vals
                .iter()
                .enumerate()
                .map(|(i, v)| Point {
                    index: i as u32,
                    values: vec![(*name, *v)],
                })
                .collect(),
            SweepSpec::Grid(a, va, b, vb) => va
                .iter()
                .flat_map(|x| vb.iter().map(move |y| (*x, *y)))
                .enumerate()
                .map(|(i, (x, y))| Point {
                    index: i as u32,
                    values: vec![(*a, x), (*b, y)],
                })
                .collect(),
        }
    }

    fn params(&self) -> Vec<&'static str> {
        match &self.sweep {
            SweepSpec::None => vec![],
            SweepSpec::One(a, _) => vec![a],
            SweepSpec::Grid(a, _, b, _) => vec![a, b],
        }
    }

    /// Per-quarter metrics of one run (same world for every variant: common random numbers).
    fn quarter_metrics(&self, point: &Point, variant: usize, rep: u32) -> Vec<[f64; QN]> {
        let mut world = Rng::new(1000 + rep as u64);
        let mut behaviour =
            Rng::new(((point.index as u64) << 32) ^ ((variant as u64) << 16) ^ rep as u64);
        let market = world.normal(1.0, 0.08);
        // Sweep effects: the first parameter (think "discount_max") helps aggressive a little,
        // the second (think "annoyance memory") hurts it.
        let p1 = point.values.first().map_or(0.0, |v| v.1);
        let p2 = point.values.get(1).map_or(0.0, |v| v.1);
        let aggressive = variant == 0;
        (1..=self.quarters)
            .map(|q| {
                let q = q as f64;
                let noise = behaviour.normal(1.0, 0.06) * world.normal(1.0, 0.05);
                let trend = if aggressive {
                    (1.0 - 0.012 * q) * (1.0 + 1.2 * p1) * (1.0 - 0.4 * p2)
                } else {
                    0.82 * (1.0 + 0.045 * q)
                };
                let bookings = 500.0 * market * trend * noise;
                let disc =
                    if aggressive { 0.22 + 0.2 * p1 } else { 0.12 } + behaviour.normal(0.0, 0.01);
                let list = bookings / (1.0 - disc);
                let deals = bookings / if aggressive { 45.0 } else { 52.0 };
                let win = if aggressive { 0.17 } else { 0.22 } + behaviour.normal(0.0, 0.015);
                let nd = if aggressive { 0.55 } else { 0.46 } + behaviour.normal(0.0, 0.02);
                let unwelcome =
                    if aggressive { 0.28 + 0.01 * q } else { 0.08 } + behaviour.normal(0.0, 0.01);
                let blocks = (if aggressive { 4.0 + 0.5 * q } else { 1.0 }
                    * behaviour.normal(1.0, 0.2))
                .max(0.0)
                .round();
                let trust = if aggressive {
                    0.62 - 0.015 * q
                } else {
                    0.64 + 0.01 * q
                } + behaviour.normal(0.0, 0.01);
                // Commission at 10% of bookings, accelerated for aggressive teams; base pay
                // flat at 60k a quarter.
                let commission = bookings * if aggressive { 0.11 } else { 0.10 };
                let rep_cost = 60.0;
                let hockey = if aggressive { 0.35 } else { 0.16 } + behaviour.normal(0.0, 0.02);
                [
                    bookings,
                    list,
                    list - bookings,
                    deals,
                    win,
                    nd,
                    1.0 - win - nd,
                    if aggressive { 1200.0 } else { 700.0 } * behaviour.normal(1.0, 0.05),
                    unwelcome,
                    blocks,
                    (if aggressive { 6.0 } else { 2.0 } * behaviour.normal(1.0, 0.3))
                        .round()
                        .max(0.0),
                    (if aggressive { 1.5 } else { 0.5 } * behaviour.normal(1.0, 0.4))
                        .round()
                        .max(0.0),
                    bookings / 500.0,
                    (bookings / 500.0 - 0.4).clamp(0.0, 1.0),
                    trust,
                    hockey,
                    commission,
                    rep_cost,
                    bookings - commission - rep_cost,
                    (commission + rep_cost) / bookings,
                    if aggressive { 3.0 } else { 1.0 },
                    if aggressive { 0.45 } else { 0.55 } + behaviour.normal(0.0, 0.02),
                    if aggressive { 0.23 } else { 0.39 } + behaviour.normal(0.0, 0.02),
                    0.19 + behaviour.normal(0.0, 0.01),
                ]
            })
            .collect()
    }

    /// Whole-run metrics from the quarters: sums for money and counts, means for the rest;
    /// accounts blocking us are 70% of the blocks.
    fn run_metrics(&self, qs: &[[f64; QN]]) -> [f64; RN] {
        let mut out = [0.0; RN];
        let n = qs.len() as f64;
        let at = |name: &str| METRICS.iter().position(|m| *m == name).unwrap();
        for (i, name) in QUARTER_METRICS.iter().enumerate() {
            let sum: f64 = qs.iter().map(|q| q[i]).sum();
            let summed = matches!(
                *name,
                "bookings"
                    | "list_value"
                    | "discount_cost"
                    | "deals"
                    | "contacts"
                    | "blocks"
                    | "conflicts"
                    | "poached_deals"
                    | "commission_cost"
                    | "rep_cost"
                    | "contribution"
                    | "sandbagged_deals"
            );
            out[at(name)] = if summed { sum } else { sum / n };
        }
        out[at("accounts_blocking")] = (0.7 * out[at("blocks")]).round();
        out[at("cost_of_sales_ratio")] =
            (out[at("commission_cost")] + out[at("rep_cost")]) / out[at("bookings")];
        out[at("yoy_growth")] = if qs.len() >= 8 {
            let year = |k: usize| qs[4 * k..4 * k + 4].iter().map(|q| q[0]).sum::<f64>();
            year(qs.len() / 4 - 1) / year(0) - 1.0
        } else {
            f64::NAN
        };
        out
    }

    fn manifest(&self) -> String {
        let points: Vec<serde_json::Value> = self
            .points()
            .iter()
            .map(|p| {
                let values: serde_json::Map<String, serde_json::Value> = p
                    .values
                    .iter()
                    .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
                    .collect();
                serde_json::json!({"point": p.index, "values": values})
            })
            .collect();
        serde_json::json!({
            "scenario_name": "lesson <demo> & co",
            "question": "Does aligning with the customer's buying cycle beat quarter-end pressure over three years?",
            "description": "Two teams, same market: one sells to the quarter, one to the customer.",
            "salesim_version": "0.1.0",
            "master_seed": 42,
            "replications": self.replications,
            "horizon_quarters": self.quarters,
            "variants": self.variants,
            "reference": self.variants[0],
            "command": "salesim run scenarios/lesson.toml --seed 42 --replications 20",
            "threads": 2,
            "wall_time_seconds": 3.5,
            "complete": self.complete,
            "unknown_future_field": {"ignored": true},
            "sweep": {"parameters": self.params(), "mode": "grid", "points": points},
            "scenario": {"name": "lesson", "teams": [{"name": "east"}]},
        })
        .to_string()
    }

    /// Writes the whole folder.
    pub fn write(&self, dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("manifest.json"), self.manifest()).unwrap();
        let params = self.params();
        let param_header: String = params.iter().map(|p| format!(",param_{p}")).collect();
        let mut runs = format!(
            "point,variant,replication,seed{param_header},{}\n",
            METRICS.join(",")
        );
        let mut quarters = format!(
            "point,variant,replication,seed{param_header},quarter,{}\n",
            QUARTER_METRICS.join(",")
        );
        let mut teams = format!(
            "point,variant,replication{param_header},{}\n",
            salesim::output::TEAM_COLUMNS.join(",")
        );
        let mut vendors = format!(
            "point,variant,replication{param_header},{}\n",
            salesim::output::VENDOR_COLUMNS.join(",")
        );
        let mut reps = format!(
            "point{param_header},{}\n",
            salesim::output::REP_COLUMNS.join(",")
        );
        let mut weeks =
            String::from("point,variant,week_of_quarter,deals,bookings,mean_discount\n");
        let mut summary = format!("point{param_header},variant,metric,mean,sd,ci_low,ci_high,n\n");
        let mut comparison = format!(
            "point{param_header},variant,reference,metric,mean_diff,ci_low,ci_high,share_better\n"
        );
        for point in self.points() {
            let pvals: String = point.values.iter().map(|(_, v)| format!(",{v}")).collect();
            let mut per_variant: Vec<Vec<[f64; RN]>> = Vec::new();
            for (vi, variant) in self.variants.iter().enumerate() {
                let mut rows = Vec::new();
                for rep in 0..self.replications {
                    let seed = 7_000_000 + rep as u64;
                    let qs = self.quarter_metrics(&point, vi, rep);
                    for (qi, q) in qs.iter().enumerate() {
                        let _ = writeln!(
                            quarters,
                            "{},{variant},{rep},{seed}{pvals},{},{}",
                            point.index,
                            qi + 1,
                            join(q)
                        );
                    }
                    let run = self.run_metrics(&qs);
                    let _ = writeln!(
                        runs,
                        "{},{variant},{rep},{seed}{pvals},{}",
                        point.index,
                        join(&run)
                    );
                    let key = format!("{},{variant},{rep}{pvals}", point.index);
                    write_teams(&mut teams, &key, &run, vi == 0);
                    write_vendors(&mut vendors, &key, &run, rep);
                    rows.push(run);
                }
                write_reps(&mut reps, &point, &pvals, variant, self.quarters, vi == 0);
                write_weeks(&mut weeks, point.index, variant, vi == 0, mean_of(&rows, 3));
                for (mi, metric) in METRICS.iter().enumerate() {
                    let xs: Vec<f64> = rows.iter().map(|r| r[mi]).collect();
                    let (mean, sd, lo, hi, n) = stats(&xs);
                    let _ = writeln!(
                        summary,
                        "{}{pvals},{variant},{metric},{mean},{sd},{lo},{hi},{n}",
                        point.index
                    );
                }
                per_variant.push(rows);
            }
            let reference = self.variants[0];
            for (vi, variant) in self.variants.iter().enumerate().skip(1) {
                for (mi, metric) in METRICS.iter().enumerate() {
                    let diffs: Vec<f64> = per_variant[vi]
                        .iter()
                        .zip(&per_variant[0])
                        .map(|(a, b)| a[mi] - b[mi])
                        .collect();
                    let (mean, _, lo, hi, _) = stats(&diffs);
                    let lower = !salesim::metrics::higher_is_better(metric);
                    let better = diffs
                        .iter()
                        .filter(|d| if lower { **d < 0.0 } else { **d > 0.0 })
                        .count();
                    let share = match salesim::metrics::direction(metric) {
                        Some(_) => better as f64 / diffs.len() as f64,
                        None => f64::NAN,
                    };
                    let _ = writeln!(
                        comparison,
                        "{}{pvals},{variant},{reference},{metric},{mean},{lo},{hi},{share}",
                        point.index
                    );
                }
            }
        }
        for (name, text) in [
            ("runs.csv", runs),
            ("quarters.csv", quarters),
            ("weeks.csv", weeks),
            ("summary.csv", summary),
            ("comparison.csv", comparison),
            ("teams.csv", teams),
            ("vendors.csv", vendors),
            ("reps.csv", reps),
        ] {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
}

fn join(xs: &[f64]) -> String {
    xs.iter()
        .map(|x| {
            if x.is_nan() {
                "NaN".to_string()
            } else {
                x.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A run's metric by name.
fn get(run: &[f64; RN], name: &str) -> f64 {
    run[METRICS.iter().position(|m| *m == name).unwrap()]
}

/// Splits a run's totals between the two teams (west 55%); aggressive west poaches two deals
/// from east.
fn write_teams(out: &mut String, key: &str, run: &[f64; RN], aggressive: bool) {
    let poached = if aggressive { 2.0 } else { 0.0 };
    for (t, team) in TEAMS.iter().enumerate() {
        let share = if t == 0 { 0.55 } else { 0.45 };
        let part = |name: &str| (share * get(run, name)).round();
        let (lost, gained) = if t == 0 {
            (0.0, poached)
        } else {
            (poached, 0.0)
        };
        let _ = writeln!(
            out,
            "{key},{team},{},{},{},{},{},{},{},{lost},{gained},{}",
            share * get(run, "bookings"),
            part("deals"),
            part("contacts"),
            get(run, "on_journey_share"),
            part("blocks"),
            part("accounts_blocking"),
            part("conflicts"),
            get(run, "quota_attainment") * if t == 0 { 1.1 } else { 0.9 },
        );
    }
}

/// Our bookings, and the rivals' around them.
fn write_vendors(out: &mut String, key: &str, run: &[f64; RN], rep: u32) {
    let ours = get(run, "bookings");
    let rivals = [0.8 + 0.01 * (rep % 5) as f64, 0.6];
    let total = ours * (1.0 + rivals[0] + rivals[1]);
    for (v, vendor) in VENDORS.iter().enumerate() {
        let bookings = if v == 0 { ours } else { ours * rivals[v - 1] };
        let deals = (bookings / 48.0).round();
        let _ = writeln!(
            out,
            "{key},{vendor},{bookings},{deals},{}",
            bookings / total
        );
    }
}

/// Attainment quantiles per quarter: aggressive spread wider than aligned.
fn write_reps(
    out: &mut String,
    point: &Point,
    pvals: &str,
    variant: &str,
    quarters: u32,
    aggressive: bool,
) {
    let spread = if aggressive { 0.5 } else { 0.3 };
    for q in 1..=quarters {
        let median = if aggressive {
            1.0 - 0.01 * q as f64
        } else {
            0.8 + 0.02 * q as f64
        };
        let qs = [-1.3, -0.67, 0.0, 0.67, 1.3].map(|z| (median + z * spread * 0.6).max(0.0));
        let at_quota = if median >= 1.0 { 0.5 } else { 0.35 };
        let _ = writeln!(
            out,
            "{}{pvals},{variant},{q},40,{},{at_quota}",
            point.index,
            join(&qs)
        );
    }
}

fn mean_of(rows: &[[f64; RN]], i: usize) -> f64 {
    rows.iter().map(|r| r[i]).sum::<f64>() / rows.len() as f64
}

/// Week-of-quarter profile: aggressive has the hockey stick (about 35% of deals in weeks 12-13,
/// a small week-1 spike) and U-shaped discounts; aligned is nearly flat.
fn write_weeks(out: &mut String, point: u32, variant: &str, aggressive: bool, deals_per_rep: f64) {
    let weights: Vec<f64> = (1..=13)
        .map(|w| match (aggressive, w) {
            (true, 12) => 1.6,
            (true, 13) => 2.6,
            (true, 1) => 0.85,
            (true, _) => 0.66,
            (false, w) => 1.0 + 0.02 * ((w * 7) % 5) as f64,
        })
        .collect();
    let total: f64 = weights.iter().sum();
    for (i, w) in weights.iter().enumerate() {
        let week = i as f64 + 1.0;
        let deals = deals_per_rep * w / total;
        let discount = if aggressive {
            0.15 + 0.0045 * (week - 6.0).powi(2)
        } else {
            0.12 + 0.002 * (week % 3.0)
        };
        let _ = writeln!(
            out,
            "{point},{variant},{},{deals},{},{discount}",
            i + 1,
            deals * 48.0
        );
    }
}

/// Mean, sd, 95% Student-t CI and n of the finite values.
pub fn stats(xs: &[f64]) -> (f64, f64, f64, f64, usize) {
    let xs: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    let n = xs.len();
    if n < 2 {
        let m = xs.first().copied().unwrap_or(f64::NAN);
        return (m, f64::NAN, m, m, n);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .unwrap()
        .inverse_cdf(0.975);
    let half = t * sd / (n as f64).sqrt();
    (mean, sd, mean - half, mean + half, n)
}
