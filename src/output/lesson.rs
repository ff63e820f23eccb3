//! The trainer's lesson: the built-in run told in plain words, every claim backed by a 95%
//! confidence interval.
//!
//! The narrative is built from [`Facts`] (means and paired differences of the run) by small
//! functions, one per paragraph; each chooses its wording from the numbers and their intervals,
//! so a sentence that would claim more than the data shows is never written. It is printed after
//! the summary, saved as `lesson.md` and shown at the top of `report.html`, followed by a plain
//! description of what each team's reps do, generated from their strategy knobs.

use super::summary::Stated;
use super::PointSummary;
use crate::experiment::phases::{percent, Phases};
use crate::experiment::sequential::Stopping;
use crate::experiment::stats::{Paired, Summary};
use crate::experiment::Plan;
use crate::metrics::RUN_METRICS;
use crate::params::strategy::Strategy;
use std::fmt::Write as _;

/// The file the narrative is saved in.
pub const LESSON_FILE: &str = "lesson.md";

/// An even spread of deals over the 13 weeks of a quarter puts this share in weeks 12-13.
const EVEN_LATE_SHARE: f64 = 2.0 / 13.0;

/// Blocking accounts count as "pest control" in words once they reach this share of the market.
const PEST_CONTROL_SHARE: f64 = 0.01;

/// What the narrative says things about: the quarter-driven team is `a` (the reference), the
/// other `b`.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The reference team's name (the quarter-driven one in the lesson).
    pub a: String,
    /// The other team's name.
    pub b: String,
    /// Quarters of the horizon.
    pub quarters: u32,
    /// Accounts in the market.
    pub customers: u32,
    /// Replications.
    pub replications: u32,
    /// Per metric of [`RUN_METRICS`]: the summary of `a`, of `b`, and the paired difference
    /// `b − a`.
    pub metrics: Vec<(Summary, Summary, Paired)>,
    /// Per metric of [`RUN_METRICS`]: the paired log ratio of `b` against `a`
    /// ([`crate::experiment::stats::paired_log_ratio`]), from which every surface states a
    /// relative difference ([`super::summary::Stated`]).
    pub relative: Vec<Summary>,
    /// Per quarter: the paired difference of bookings `b − a`.
    pub quarters_paired: Vec<Paired>,
    /// Per quarter: mean bookings of `a` and of `b`.
    pub quarter_bookings: Vec<(f64, f64)>,
    /// Whether `--until-decided` stopped undecided (at its cap): no verdict may be stated.
    pub undecided: bool,
    /// The phases of bookings `b − a` (`phases.csv`): the switch, the steady state, its trend
    /// and the payback.
    pub phases: Option<Phases>,
    /// Quarters after the switch counted as settling.
    pub settle_quarters: u32,
}

impl Facts {
    /// The facts of a two-variant point: the reference against the first other variant.
    pub fn of(plan: &Plan, ps: &PointSummary, stopping: Option<&Stopping>) -> Option<Facts> {
        let cfg = plan.base();
        let a = cfg.reference;
        let b = (0..cfg.variants.len()).find(|&v| v != a)?;
        let paired = ps.paired.get(b)?.as_ref()?;
        let relative = ps.relative.get(b)?.as_ref()?.clone();
        let quarters_paired = ps.quarter_paired.get(b)?.as_ref()?.clone();
        Some(Facts {
            a: cfg.variants[a].name.clone(),
            b: cfg.variants[b].name.clone(),
            quarters: ps.horizon_quarters,
            customers: cfg.market.customers,
            replications: cfg.replications,
            metrics: (0..RUN_METRICS.len())
                .map(|m| (ps.metrics[a][m], ps.metrics[b][m], paired[m]))
                .collect(),
            relative,
            quarters_paired,
            quarter_bookings: ps.quarter_bookings[a]
                .iter()
                .zip(&ps.quarter_bookings[b])
                .map(|(x, y)| (*x, *y))
                .collect(),
            undecided: stopping.is_some_and(|s| !s.decided),
            phases: ps.steady.get(b).copied().flatten(),
            settle_quarters: ps.settle_quarters,
        })
    }

    fn m(&self, metric: &str) -> &(Summary, Summary, Paired) {
        let i = RUN_METRICS
            .iter()
            .position(|x| *x == metric)
            .expect("known metric");
        &self.metrics[i]
    }

    /// The horizon total of bookings, `b − a`, as every surface states it (relative from the
    /// paired log ratio where every replication has one).
    fn bookings_total(&self) -> Stated {
        let i = RUN_METRICS
            .iter()
            .position(|x| *x == "bookings")
            .expect("known metric");
        let empty = crate::experiment::stats::summarize(&[]);
        Stated::of(
            &self.m("bookings").2.diff,
            self.relative.get(i).unwrap_or(&empty),
        )
    }

    /// Whether `b − a` of `metric` is above zero with 95% confidence (for bookings, by the
    /// interval stated: [`Self::bookings_total`]).
    fn b_higher(&self, metric: &str) -> bool {
        if metric == "bookings" {
            return self.bookings_total().above();
        }
        self.m(metric).2.diff.ci_low > 0.0
    }

    /// Whether `b − a` of `metric` is below zero with 95% confidence (for bookings, by the
    /// interval stated).
    fn a_higher(&self, metric: &str) -> bool {
        if metric == "bookings" {
            return self.bookings_total().below();
        }
        self.m(metric).2.diff.ci_high < 0.0
    }
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// A rate to a tenth of a percent (rates that differ by less than a point must not print the
/// same).
fn rate(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// An amount of money as every surface writes it ("6,388 $k").
fn money(k: f64) -> String {
    crate::shown::money(k)
}

/// What the lesson tells a reader to do when the run stopped undecided.
const FULL_LESSON_HINT: &str = "Run the full lesson (`salesim lesson`) for a verdict.";

/// The verdict on bookings: the steady state, then the switch and its payback, then the
/// horizon total.
fn verdict(f: &Facts) -> String {
    verdict_or(f, FULL_LESSON_HINT)
}

/// [`verdict`], with `next_step` said after "Not decided yet" (where the reader goes for a
/// verdict): the sentences `salesim lesson --quick` and `salesim serve` state, a verdict only
/// once the comparison is decided. `--until-decided` judges the steady state, so "not decided"
/// is said of it (or of the total, when the horizon has no steady quarters).
pub fn verdict_or(f: &Facts, next_step: &str) -> String {
    let steady = steady_state(f, next_step);
    let switch = switch_and_payback(f);
    let total = horizon_total(f, next_step, steady.is_empty());
    [steady, switch, total]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The quarters of the steady state, in words: "quarters 3–12", "quarter 12".
fn steady_quarters(f: &Facts) -> String {
    let first = f.settle_quarters + 1;
    if first == f.quarters {
        format!("quarter {first}")
    } else {
        format!("quarters {first}–{}", f.quarters)
    }
}

/// The year-to-year answer: the mean per-quarter difference after the settling quarters, as a
/// share of `a`'s (from the paired log ratio, as `phases.csv`'s `steady_relative`) and in $k,
/// with its trend; empty when the horizon has no quarter after the settling ones.
fn steady_state(f: &Facts, next_step: &str) -> String {
    let Some(p) = f.phases.filter(|p| p.steady.n >= 2) else {
        return String::new();
    };
    let (a, b) = (&f.a, &f.b);
    let d = &p.steady;
    let relative = if p.steady_log_ratio.n >= 2 {
        let r = &p.steady_log_ratio;
        format!(
            "{} of {a}'s a quarter, 95% CI {} to {}; ",
            super::summary::signed_percent(percent(r.mean)),
            super::summary::signed_percent(percent(r.ci_low)),
            super::summary::signed_percent(percent(r.ci_high))
        )
    } else {
        String::new()
    };
    let ci = format!(
        "{b} − {a} = {relative}{} $k a quarter, 95% CI {} to {}",
        super::summary::signed_thousands(d.mean),
        super::summary::signed_thousands(d.ci_low),
        super::summary::signed_thousands(d.ci_high)
    );
    let when = format!(
        "steady state, {} after the switch settled",
        steady_quarters(f)
    );
    let mut s = if f.undecided {
        format!(
            "Not decided yet: after {} replications the two teams cannot be told apart year to year ({when}: {ci}). {next_step}",
            f.replications
        )
    } else if d.ci_low > 0.0 {
        format!("Year to year, the {b} team books more ({when}: {ci}).")
    } else if d.ci_high < 0.0 {
        format!(
            "Year to year, the {a} team books more: in this market, pressure pays ({when}: {ci})."
        )
    } else {
        format!("Year to year, the two teams book about the same ({when}: {ci}).")
    };
    let t = &p.trend;
    if !f.undecided && t.n >= 2 && t.ci_low.is_finite() {
        let trend = format!(
            "{} $k a quarter per year, 95% CI {} to {}",
            super::summary::signed_thousands(t.mean),
            super::summary::signed_thousands(t.ci_low),
            super::summary::signed_thousands(t.ci_high)
        );
        if t.ci_low > 0.0 {
            let _ = write!(
                s,
                " The difference is moving in the {b} team's favour ({trend})."
            );
        } else if t.ci_high < 0.0 {
            let _ = write!(
                s,
                " The difference is moving in the {a} team's favour ({trend})."
            );
        } else {
            let _ = write!(s, " It shows no clear trend ({trend}).");
        }
    }
    s
}

/// What the switch cost or gained over the settling quarters, and when it pays back.
fn switch_and_payback(f: &Facts) -> String {
    let Some(p) = f
        .phases
        .filter(|p| p.switch.n >= 2 && f.settle_quarters > 0)
    else {
        return String::new();
    };
    let (a, b) = (&f.a, &f.b);
    let d = &p.switch;
    let first = if f.settle_quarters == 1 {
        "the first quarter".to_string()
    } else {
        format!("the first {} quarters", f.settle_quarters.min(f.quarters))
    };
    let ci = format!(
        "{} $k, 95% CI {} to {}",
        super::summary::signed_thousands(d.mean),
        super::summary::signed_thousands(d.ci_low),
        super::summary::signed_thousands(d.ci_high)
    );
    let mut s = if d.ci_high < 0.0 {
        format!(
            "Switching from the {a} team's selling cost the {b} team {} over {first} ({ci}).",
            money(-d.mean)
        )
    } else if d.ci_low > 0.0 {
        format!(
            "Switching from the {a} team's selling gained the {b} team {} over {first} ({ci}).",
            money(d.mean)
        )
    } else {
        format!("Over {first} the switch shows no clear cost or gain ({ci}).")
    };
    if f.undecided {
        return s;
    }
    let steady_better = p.steady.n >= 2 && p.steady.ci_low > 0.0;
    match p.payback.quarter {
        Some(1) if d.mean > 0.0 => {}
        Some(q) => {
            let _ = write!(
                s,
                " Counting from the switch, the {b} team is ahead from quarter {q} on"
            );
            match (p.payback.earliest, p.payback.latest) {
                (Some(lo), Some(hi)) if lo != hi => {
                    let _ = write!(s, " (plausibly quarter {lo} to {hi}).");
                }
                (_, None) => {
                    let _ = write!(
                        s,
                        ", though within the 95% CI it may not be ahead by quarter {}.",
                        f.quarters
                    );
                }
                _ => s.push('.'),
            }
        }
        None if steady_better => {
            let _ = write!(s, " It has not paid back within {} quarters.", f.quarters);
        }
        None if d.ci_high < 0.0 => {
            let _ = write!(
                s,
                " With no steady-state gain to earn it back, it does not pay back."
            );
        }
        None => {}
    }
    s
}

/// The verdict on bookings over the whole horizon (switch and steady state together), relative
/// to `a`'s bookings from the paired log ratio (in $k when a replication has none), stated and
/// judged as every surface states it ([`Stated`]). When the steady state is stated, the total is
/// stated as a number only: the steady state is the verdict.
fn horizon_total(f: &Facts, next_step: &str, alone: bool) -> String {
    let (_, _, d) = f.m("bookings");
    let (a, b, q) = (&f.a, &f.b, f.quarters);
    let total = f.bookings_total();
    if d.diff.n < 2 || total.mean.is_nan() {
        return format!(
            "With {} replication(s) there is no confidence interval to judge by: run more replications.",
            d.diff.n
        );
    }
    let of = if total.relative {
        format!(" of {a}'s bookings")
    } else {
        String::new()
    };
    let ci = format!(
        "{b} − {a} = {}{of}, {}",
        total.show(total.mean),
        total.interval()
    );
    if !alone {
        let side = if f.undecided {
            String::new()
        } else if total.above() {
            format!(": the {b} team booked more")
        } else if total.below() {
            format!(": the {a} team booked more")
        } else {
            ": about the same".to_string()
        };
        return format!("Over {q} quarters, switch included{side} ({ci}).");
    }
    if f.undecided {
        format!(
            "Not decided yet: after {} replications the two teams cannot be told apart over {q} quarters ({ci}). {next_step}",
            f.replications
        )
    } else if total.above() {
        format!("Over {q} quarters the {b} team booked more than the {a} team ({ci}).")
    } else if total.below() {
        format!(
            "Over {q} quarters the {a} team booked more than the {b} team ({ci}): in this market, pressure paid."
        )
    } else {
        format!("Over {q} quarters the two teams booked about the same ({ci}).")
    }
}

/// What is left after paying the reps (contribution = bookings − commission − base pay), next
/// to the bookings verdict; discounts are already out of net bookings.
fn contribution(f: &Facts) -> String {
    let (ca, cb, d) = f.m("contribution");
    let (pa, pb, _) = f.m("commission_cost");
    let (ra, rb, _) = f.m("cost_of_sales_ratio");
    let (a, b) = (&f.a, &f.b);
    if d.diff.n < 2 || !ca.mean.is_finite() || !cb.mean.is_finite() {
        return String::new();
    }
    let ci = format!(
        "{b} − {a} = {} $k, 95% CI {} to {} $k",
        super::summary::signed_thousands(d.diff.mean),
        super::summary::signed_thousands(d.diff.ci_low),
        super::summary::signed_thousands(d.diff.ci_high)
    );
    let verdict = if f.undecided {
        format!("not decided yet ({ci})")
    } else if f.b_higher("contribution") {
        format!("the {b} team left more ({ci})")
    } else if f.a_higher("contribution") {
        format!("the {a} team left more ({ci})")
    } else {
        format!("the two left about the same ({ci})")
    };
    let mut s = format!(
        "After paying the reps (contribution: bookings less commission and base pay; discounts are \
         already out of bookings) {verdict}: {} for the {a} team against {}. Commission cost \
         {} and {}; all pay came to {} and {} of bookings.",
        money(ca.mean),
        money(cb.mean),
        money(pa.mean),
        money(pb.mean),
        pct(ra.mean),
        pct(rb.mean)
    );
    if f.undecided {
        return s;
    }
    let bookings_side = (f.b_higher("bookings"), f.a_higher("bookings"));
    let contribution_side = (f.b_higher("contribution"), f.a_higher("contribution"));
    if bookings_side != contribution_side {
        s.push_str(
            " Pay changes the verdict: the team ahead on bookings is not the one ahead after pay.",
        );
    }
    s
}

/// The metaphor, once, and the quarter-end timing.
fn timing(f: &Facts) -> String {
    let (ha, hb, _) = f.m("hockey_stick");
    let (a, b) = (&f.a, &f.b);
    let mut s = String::new();
    if f.a_higher("hockey_stick") && ha.mean > EVEN_LATE_SHARE {
        let _ = write!(
            s,
            "Burrowing wasps hunt every summer, whether or not the cicadas came. The {a} team did the same at every quarter end: it closed {} of its deals in the last two weeks of the quarter, where an even spread would put {}; the {b} team closed {} there.",
            pct(ha.mean),
            pct(EVEN_LATE_SHARE),
            pct(hb.mean)
        );
    } else {
        let _ = write!(
            s,
            "The two teams closed about as many of their deals in the last two weeks of the quarter ({} and {}; an even spread would put {} there).",
            pct(ha.mean),
            pct(hb.mean),
            pct(EVEN_LATE_SHARE)
        );
    }
    if hb.ci_low > EVEN_LATE_SHARE + 0.03 {
        let _ = write!(
            s,
            " The {b} team's deals bunch at quarter end too: its customers also wait for quarter-end deals in this market."
        );
    } else if hb.ci_high < EVEN_LATE_SHARE + 0.03 {
        let _ = write!(
            s,
            " The {b} team's deals follow the customers' own calendars."
        );
    }
    let (da, _, _) = f.m("discount_cost");
    let (la, _, _) = f.m("list_value");
    if da.ci_low > 0.0 && la.mean > 0.0 {
        let _ = write!(
            s,
            " Its quarter-end discounts cost the {a} team {}, {} of its list value.",
            money(da.mean),
            pct(da.mean / la.mean)
        );
    }
    s
}

/// How the customers responded: blocks, unwelcome contacts, no decision, trust — each said only
/// as far as its interval allows.
fn customers(f: &Facts) -> String {
    let (a, b, q) = (&f.a, &f.b, f.quarters);
    let worse_for_a = [
        f.a_higher("accounts_blocking"),
        f.a_higher("unwelcome_share"),
        f.a_higher("no_decision_rate"),
        f.b_higher("mean_trust"),
    ]
    .iter()
    .filter(|&&x| x)
    .count();
    let worse_for_b = [
        f.b_higher("accounts_blocking"),
        f.b_higher("unwelcome_share"),
        f.b_higher("no_decision_rate"),
        f.a_higher("mean_trust"),
    ]
    .iter()
    .filter(|&&x| x)
    .count();
    let mut s = String::new();
    let lead = if worse_for_a >= 2 && worse_for_b == 0 {
        format!("The customers noticed the {a} team's pressure.")
    } else if worse_for_b >= 2 && worse_for_a == 0 {
        format!("The customers did not reward the {b} team's restraint.")
    } else {
        "The customers' responses were mixed.".to_string()
    };
    s.push_str(&lead);
    let (ba, bb, _) = f.m("blocks");
    let (aa, ab, _) = f.m("accounts_blocking");
    let pest = aa.mean >= PEST_CONTROL_SHARE * f.customers as f64;
    if f.a_higher("accounts_blocking") {
        let _ = write!(
            s,
            " {:.0} accounts blocked the {a} team at least once over {q} quarters ({:.0} blocks in all), against {:.0} for the {b} team{}.",
            aa.mean,
            ba.mean,
            ab.mean,
            if pest {
                format!(
                    " — pest control, by {:.1}% of the market's accounts",
                    100.0 * aa.mean / f.customers as f64
                )
            } else {
                String::new()
            }
        );
    } else if f.b_higher("accounts_blocking") {
        let _ = write!(
            s,
            " More accounts blocked the {b} team than the {a} team ({:.0} against {:.0}).",
            ab.mean, aa.mean
        );
    } else {
        let _ = write!(
            s,
            " About as many accounts blocked each team ({:.0} and {:.0} over {q} quarters; {:.0} and {:.0} blocks).",
            aa.mean, ab.mean, ba.mean, bb.mean
        );
    }
    let (ua, ub, _) = f.m("unwelcome_share");
    let _ = write!(
        s,
        " {} of the {a} team's contacts were unwelcome and {} of the {b} team's{}.",
        pct(ua.mean),
        pct(ub.mean),
        if f.a_higher("unwelcome_share") || f.b_higher("unwelcome_share") {
            ""
        } else {
            " (no clear difference)"
        }
    );
    let (na, nb, _) = f.m("no_decision_rate");
    let slightly = if (na.mean - nb.mean).abs() < 0.02 {
        "slightly "
    } else {
        ""
    };
    let nd = if f.a_higher("no_decision_rate") {
        format!(
            " No decision ended {slightly}more of the {a} team's opportunities ({} against {}): pressure made buyers hesitate.",
            rate(na.mean),
            rate(nb.mean)
        )
    } else if f.b_higher("no_decision_rate") {
        format!(
            " No decision ended {slightly}more of the {b} team's opportunities ({} against {} for the {a} team).",
            rate(nb.mean),
            rate(na.mean)
        )
    } else {
        format!(
            " No decision ended about as many of both teams' deals ({} and {}).",
            rate(na.mean),
            rate(nb.mean)
        )
    };
    s.push_str(&nd);
    s
}

/// When pressure paid: the quarters in which the reference team booked more, with 95%
/// confidence.
fn quarters(f: &Facts) -> String {
    let (a, b) = (&f.a, &f.b);
    let ahead: Vec<usize> = (0..f.quarters_paired.len())
        .filter(|&q| f.quarters_paired[q].diff.ci_high < 0.0)
        .collect();
    let behind: Vec<usize> = (0..f.quarters_paired.len())
        .filter(|&q| f.quarters_paired[q].diff.ci_low > 0.0)
        .collect();
    let list = |qs: &[usize]| -> String {
        qs.iter()
            .map(|q| format!("Q{}", q + 1))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut s = String::new();
    if ahead.is_empty() {
        let _ = write!(
            s,
            "Judged quarter by quarter, the {a} team was never clearly ahead."
        );
    } else {
        let first = f.quarter_bookings[ahead[0]];
        let label = if ahead.len() > 1 {
            format!("Q{}: ", ahead[0] + 1)
        } else {
            String::new()
        };
        let _ = write!(
            s,
            "Judged quarter by quarter, the {a} team was clearly ahead in {} ({label}{} against {}).",
            list(&ahead),
            money(first.0),
            money(first.1)
        );
    }
    if !behind.is_empty() {
        let _ = write!(s, " The {b} team was clearly ahead in {}.", list(&behind));
    }
    let early_lead = ahead.first() == Some(&0);
    if early_lead && !f.undecided && f.b_higher("bookings") {
        let _ = write!(
            s,
            " The {a} team's early lead did not last: over the whole run the {b} team booked more."
        );
    } else if early_lead && !f.undecided && !f.a_higher("bookings") {
        let _ = write!(
            s,
            " Its early lead did not hold: over the whole run the two are level."
        );
    }
    s
}

/// The whole narrative, as paragraphs.
pub fn paragraphs(f: &Facts) -> Vec<String> {
    vec![
        verdict(f),
        contribution(f),
        timing(f),
        customers(f),
        quarters(f),
    ]
}

/// What a team's reps do, in plain words, from its strategy's knobs.
pub fn describe(s: &Strategy) -> String {
    let mut parts = Vec::new();
    let capacity = format!(
        "work {} of their capacity on an ordinary day",
        pct(s.effort_base)
    );
    parts.push(if s.effort_ramp > 0.0 {
        format!(
            "{capacity}, and up to {} more at the quarter's end when they are behind quota",
            pct(s.effort_ramp)
        )
    } else {
        format!("{capacity}, the same at any time of the quarter")
    });
    parts.push(if s.listening > 0.0 {
        let mut seen = vec!["trigger events", "their own renewal dates"];
        if s.intent_data {
            seen.push("intent data");
        }
        let nurture = format!("a nurture programme for {} of their accounts", pct(s.nurture));
        if s.nurture > 0.0 {
            seen.push(&nurture);
        }
        format!(
            "ask where each account is in its buying cycle ({} of their conversations reveal it), act on what their vendor observes ({}), and call the accounts and leads that have welcomed calls in that situation, passing over those unlikely to welcome one",
            pct(s.listening),
            seen.join(", ")
        )
    } else {
        "pick accounts by their value, without asking where they are in their buying cycle"
            .to_string()
    });
    let follow_up = if s.listening > 0.0 {
        "follow up an open deal at the buyer's pace (twice a stage they know of, at least weekly)"
    } else {
        "follow up open deals weekly"
    };
    parts.push(if s.min_contact_gap_days > 0 {
        format!(
            "{follow_up}, and wait {} business days after a \"not now\"",
            s.min_contact_gap_days
        )
    } else {
        format!("{follow_up}, and call again after a \"not now\" whenever they like")
    });
    if s.poaching > 0.0 {
        parts.push(
            "work teammates' and the neighbouring team's accounts while short of quota, whenever one looks a better chance than their own"
                .to_string(),
        );
    }
    if s.defending > 0.0 {
        parts.push(format!(
            "step in on their own deals when they see a colleague or a rival there ({} of the time)",
            pct(s.defending)
        ));
    }
    if s.discount_max > 0.0 {
        parts.push(format!(
            "offer up to {} off in the last {} business days of the quarter to pull deals in",
            pct(s.discount_max),
            s.discount_window_days
        ));
    }
    if s.sandbagging {
        parts.push(
            "after making quota, ask buyers ready in the quarter's last week to sign next quarter"
                .to_string(),
        );
    }
    if s.give_up_below > 0.0 {
        parts.push(format!(
            "give up on a quarter that is out of reach (below {} of quota in its last third)",
            pct(s.give_up_below)
        ));
    }
    let last = parts.pop().unwrap_or_default();
    if parts.is_empty() {
        format!("Its reps {last}.")
    } else {
        format!("Its reps {}, and {last}.", parts.join("; "))
    }
}

/// The narrative as markdown, for `lesson.md` and the report: the paragraphs, what the teams do,
/// and how sure the numbers are.
pub fn markdown(plan: &Plan, f: &Facts, stopping: Option<&Stopping>) -> String {
    let cfg = plan.base();
    let mut s = String::from("# The lesson\n\n");
    for p in paragraphs(f) {
        let _ = writeln!(s, "{p}\n");
    }
    s.push_str("## What the two teams do\n\n");
    for variant in &cfg.variants {
        let teams: Vec<&Strategy> = variant.team_strategies.iter().collect();
        let same = teams.windows(2).all(|w| w[0] == w[1]);
        if same {
            let _ = writeln!(
                s,
                "- **{}**: {}",
                variant.name,
                describe(teams[0]).replacen("Its reps", "its reps", 1)
            );
        } else {
            for (team, strategy) in cfg.vendors[0].teams.iter().zip(&teams) {
                let _ = writeln!(
                    s,
                    "- **{}**, team {}: {}",
                    variant.name,
                    team.name,
                    describe(strategy).replacen("Its reps", "its reps", 1)
                );
            }
        }
    }
    s.push_str("\n## How sure\n\n");
    let _ = write!(
        s,
        "Every comparison above pairs the two teams on the same {} simulated markets and states a difference only where its 95% confidence interval excludes zero.",
        f.replications
    );
    if let Some(stop) = stopping {
        let _ = write!(
            s,
            " The replications were added in batches of {} until the bookings comparison was decided ({} looks, Bonferroni-adjusted, at most {}){}.",
            stop.rule.batch,
            stop.looks,
            stop.rule.cap,
            if stop.decided {
                ""
            } else {
                ": it was not decided at the cap"
            }
        );
    }
    s.push('\n');
    s
}

/// The narrative for the terminal: a rule, the paragraphs, and where the report is.
pub fn narrate(f: &Facts, report: &std::path::Path) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n── The lesson ──────────────────────────────────────────────────────────\n"
    );
    for p in paragraphs(f) {
        let _ = writeln!(s, "{p}\n");
    }
    let _ = writeln!(
        s,
        "What each team does, and the full report: {}",
        report.display()
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A summary with the given mean and a 95% CI of ± `half`.
    fn s(mean: f64, half: f64) -> Summary {
        Summary {
            mean,
            sd: half,
            ci_low: mean - half,
            ci_high: mean + half,
            n: 50,
        }
    }

    fn p(mean: f64, half: f64) -> Paired {
        Paired {
            diff: s(mean, half),
            share_better: 0.5,
        }
    }

    /// The paired log ratio that a difference `d` from `a` implies (the ends of `d`'s interval
    /// taken relative to `a`'s mean); empty where a ratio is not defined.
    fn ratio_of(a: &Summary, d: &Paired) -> Summary {
        let ln = |x: f64| ((a.mean + x) / a.mean).ln();
        if a.mean > 0.0 && a.mean + d.diff.ci_low > 0.0 {
            Summary {
                mean: ln(d.diff.mean),
                sd: f64::NAN,
                ci_low: ln(d.diff.ci_low),
                ci_high: ln(d.diff.ci_high),
                n: d.diff.n,
            }
        } else {
            crate::experiment::stats::summarize(&[])
        }
    }

    /// Facts where nothing differs: every metric level, every quarter level.
    fn level() -> Facts {
        let metrics: Vec<(Summary, Summary, Paired)> = RUN_METRICS
            .iter()
            .map(|m| match *m {
                "bookings" => (s(1000.0, 10.0), s(1000.0, 10.0), p(0.0, 5.0)),
                "hockey_stick" => (s(0.15, 0.01), s(0.15, 0.01), p(0.0, 0.01)),
                "blocks" | "accounts_blocking" => (s(5.0, 1.0), s(5.0, 1.0), p(0.0, 1.0)),
                _ => (s(0.5, 0.01), s(0.5, 0.01), p(0.0, 0.01)),
            })
            .collect();
        Facts {
            a: "aggressive".into(),
            b: "aligned".into(),
            quarters: 12,
            customers: 4000,
            replications: 50,
            relative: metrics.iter().map(|(a, _, d)| ratio_of(a, d)).collect(),
            metrics,
            quarters_paired: vec![p(0.0, 5.0); 12],
            quarter_bookings: vec![(80.0, 80.0); 12],
            undecided: false,
            phases: None,
            settle_quarters: 2,
        }
    }

    fn set(f: &mut Facts, metric: &str, a: Summary, b: Summary, d: Paired) {
        let i = RUN_METRICS.iter().position(|x| *x == metric).unwrap();
        f.relative[i] = ratio_of(&a, &d);
        f.metrics[i] = (a, b, d);
    }

    /// `b` clearly ahead of `a` by 30 (CI 20 to 40) on `metric`, from `base`.
    fn b_ahead(f: &mut Facts, metric: &str, base: f64) {
        set(
            f,
            metric,
            s(base, 10.0),
            s(base + 30.0, 10.0),
            p(30.0, 10.0),
        );
    }

    #[test]
    fn contribution_is_reported_beside_bookings_and_follows_its_interval() {
        let mut f = level();
        set(
            &mut f,
            "contribution",
            s(800.0, 10.0),
            s(800.0, 10.0),
            p(0.0, 5.0),
        );
        let text = contribution(&f);
        assert!(text.contains("left about the same"), "{text}");
        assert!(!text.contains("Pay changes the verdict"), "{text}");
        // The aligned team ahead on contribution while bookings are level: pay decides.
        b_ahead(&mut f, "contribution", 800.0);
        let text = contribution(&f);
        assert!(text.contains("the aligned team left more"), "{text}");
        assert!(text.contains("95% CI +20 to +40"), "{text}");
        assert!(text.contains("Pay changes the verdict"), "{text}");
        // Ahead on both: no change of verdict.
        b_ahead(&mut f, "bookings", 1000.0);
        let text = contribution(&f);
        assert!(!text.contains("Pay changes the verdict"), "{text}");
        set(
            &mut f,
            "contribution",
            s(830.0, 10.0),
            s(800.0, 10.0),
            p(-30.0, 10.0),
        );
        assert!(contribution(&f).contains("the aggressive team left more"));
        assert!(paragraphs(&f)
            .iter()
            .any(|p| p.contains("After paying the reps")));
    }

    #[test]
    fn the_verdict_follows_the_interval() {
        let mut f = level();
        assert!(verdict(&f).contains("about the same"));
        set(
            &mut f,
            "bookings",
            s(1000.0, 10.0),
            s(1030.0, 10.0),
            p(30.0, 10.0),
        );
        assert!(
            verdict(&f).contains("the aligned team booked more"),
            "{}",
            verdict(&f)
        );
        assert!(verdict(&f).contains("+3.0%"));
        assert!(
            verdict(&f).contains("95% CI +2.0% to +4.0%"),
            "{}",
            verdict(&f)
        );
        set(
            &mut f,
            "bookings",
            s(1000.0, 10.0),
            s(970.0, 10.0),
            p(-30.0, 10.0),
        );
        assert!(verdict(&f).contains("pressure paid"), "{}", verdict(&f));
        assert!(verdict(&f).contains("= −3.0% of"), "{}", verdict(&f));
        assert!(
            verdict(&f).contains("95% CI −4.0% to −2.0%"),
            "{}",
            verdict(&f)
        );
        // Undecided at the cap of --until-decided: no verdict, whatever the 95% interval says.
        f.undecided = true;
        let v = verdict(&f);
        assert!(
            v.starts_with("Not decided yet") && !v.contains("pressure paid"),
            "{v}"
        );
    }

    /// Phases of bookings with a steady difference of `steady` $k a quarter (± 20), a switch of
    /// `switch` (± 100), a flat trend, and a ratio of `steady` / 1000.
    fn with_phases(f: &mut Facts, steady: f64, switch: f64, payback: Option<u32>) {
        use crate::experiment::phases::Payback;
        f.phases = Some(Phases {
            switch: s(switch, 100.0),
            steady: s(steady, 20.0),
            steady_log_ratio: s((1.0 + steady / 1000.0).ln(), 0.02),
            trend: s(0.0, 30.0),
            payback: Payback {
                quarter: payback,
                earliest: payback.map(|q| q - 1),
                latest: payback.map(|q| q + 1),
                n: 50,
            },
        });
    }

    #[test]
    fn the_steady_state_comes_first_and_follows_its_interval() {
        let mut f = level();
        with_phases(&mut f, 50.0, -500.0, Some(9));
        let v = verdict(&f);
        assert!(
            v.starts_with("Year to year, the aligned team books more ("),
            "{v}"
        );
        assert!(v.contains("quarters 3–12"), "{v}");
        assert!(v.contains("+5.0% of aggressive's a quarter, 95% CI"), "{v}");
        assert!(v.contains("+50 $k a quarter, 95% CI +30 to +70"), "{v}");
        let (steady, switch, total) = (
            v.find("Year to year").unwrap(),
            v.find("Switching").unwrap(),
            v.find("switch included").unwrap(),
        );
        assert!(steady < switch && switch < total, "{v}");
        with_phases(&mut f, -50.0, 500.0, Some(1));
        let v = verdict(&f);
        assert!(
            v.starts_with(
                "Year to year, the aggressive team books more: in this market, pressure pays ("
            ),
            "{v}"
        );
        with_phases(&mut f, 5.0, 0.0, None);
        assert!(verdict(&f).starts_with("Year to year, the two teams book about the same ("));
        // The horizon total no longer claims that pressure paid when the steady state is stated.
        set(
            &mut f,
            "bookings",
            s(1000.0, 10.0),
            s(970.0, 10.0),
            p(-30.0, 10.0),
        );
        let v = verdict(&f);
        assert!(
            v.contains("switch included: the aggressive team booked more"),
            "{v}"
        );
        assert!(!v.contains("pressure paid"), "{v}");
        // Undecided: no side named, for the steady state or the total.
        f.undecided = true;
        let v = verdict(&f);
        assert!(
            v.starts_with("Not decided yet") && !v.contains("books more"),
            "{v}"
        );
        assert!(!v.contains("booked more"), "{v}");
    }

    #[test]
    fn a_trend_is_named_only_where_its_interval_excludes_zero() {
        let mut f = level();
        with_phases(&mut f, 50.0, 0.0, None);
        assert!(verdict(&f).contains("It shows no clear trend"));
        let mut p = f.phases.unwrap();
        p.trend = s(60.0, 30.0);
        f.phases = Some(p);
        assert!(
            verdict(&f).contains("moving in the aligned team's favour (+60 $k a quarter per year")
        );
        p.trend = s(-60.0, 30.0);
        f.phases = Some(p);
        assert!(verdict(&f).contains("moving in the aggressive team's favour"));
    }

    #[test]
    fn the_switch_and_its_payback_follow_their_intervals() {
        let mut f = level();
        // A cost, paid back by quarter 9 (plausibly 8 to 10).
        with_phases(&mut f, 50.0, -500.0, Some(9));
        let t = switch_and_payback(&f);
        assert!(t.starts_with("Switching from the aggressive team's selling cost the aligned team 500 $k over the first 2 quarters (−500 $k, 95% CI −600 to −400)."), "{t}");
        assert!(
            t.contains("ahead from quarter 9 on (plausibly quarter 8 to 10)"),
            "{t}"
        );
        // A cost and a better steady state, not yet paid back.
        with_phases(&mut f, 50.0, -500.0, None);
        assert!(switch_and_payback(&f).contains("It has not paid back within 12 quarters"));
        // A cost and no steady gain: it never pays back.
        with_phases(&mut f, -50.0, -500.0, None);
        assert!(switch_and_payback(&f).contains("it does not pay back"));
        // A gain.
        with_phases(&mut f, 0.0, 500.0, Some(1));
        let t = switch_and_payback(&f);
        assert!(
            t.starts_with(
                "Switching from the aggressive team's selling gained the aligned team 500 $k"
            ),
            "{t}"
        );
        assert!(!t.contains("ahead from quarter"), "{t}");
        // Neither.
        with_phases(&mut f, 0.0, 50.0, None);
        assert!(switch_and_payback(&f)
            .starts_with("Over the first 2 quarters the switch shows no clear cost or gain"));
        // No settling quarters: no switch sentence.
        f.settle_quarters = 0;
        assert_eq!(switch_and_payback(&f), "");
    }

    #[test]
    fn without_a_steady_state_the_total_is_the_verdict() {
        let mut f = level();
        set(
            &mut f,
            "bookings",
            s(1000.0, 10.0),
            s(970.0, 10.0),
            p(-30.0, 10.0),
        );
        with_phases(&mut f, 0.0, -300.0, None);
        let mut ph = f.phases.unwrap();
        ph.steady.n = 0;
        f.phases = Some(ph);
        let v = verdict(&f);
        assert!(
            v.contains("Over 12 quarters the aggressive team booked more"),
            "{v}"
        );
        assert!(v.contains("pressure paid"), "{v}");
        assert!(!v.contains("Year to year"), "{v}");
    }

    #[test]
    fn the_wasps_appear_only_when_the_quarter_end_bunching_is_real() {
        let mut f = level();
        assert!(!timing(&f).contains("wasps"));
        set(
            &mut f,
            "hockey_stick",
            s(0.38, 0.01),
            s(0.16, 0.01),
            p(-0.22, 0.02),
        );
        let t = timing(&f);
        assert!(t.contains("wasps") && t.contains("38%"), "{t}");
        assert!(t.contains("follow the customers' own calendars"), "{t}");
        // The other team bunching too is said, not hidden.
        set(
            &mut f,
            "hockey_stick",
            s(0.38, 0.01),
            s(0.26, 0.01),
            p(-0.12, 0.02),
        );
        assert!(timing(&f).contains("bunch at quarter end too"));
    }

    #[test]
    fn the_customers_noticed_only_when_the_intervals_say_so() {
        let mut f = level();
        let c = customers(&f);
        assert!(!c.contains("noticed") && c.contains("mixed"), "{c}");
        assert!(!c.contains("pest control"));
        // Worse for the reference team on blocking accounts and no decision, with clear
        // intervals.
        set(&mut f, "blocks", s(120.0, 5.0), s(30.0, 3.0), p(-90.0, 6.0));
        set(
            &mut f,
            "accounts_blocking",
            s(100.0, 5.0),
            s(28.0, 3.0),
            p(-72.0, 6.0),
        );
        set(
            &mut f,
            "no_decision_rate",
            s(0.6, 0.01),
            s(0.5, 0.01),
            p(-0.1, 0.01),
        );
        let c = customers(&f);
        assert!(c.contains("noticed the aggressive team's pressure"), "{c}");
        assert!(c.contains("pest control"), "100 of 4000 accounts: {c}");
        assert!(
            c.contains("100 accounts blocked the aggressive team at least once"),
            "{c}"
        );
        assert!(
            c.contains("(120 blocks in all)") && c.contains("2.5% of the market"),
            "{c}"
        );
        assert!(c.contains("pressure made buyers hesitate"), "{c}");
        // A handful of blocking accounts is reported, not called pest control.
        set(
            &mut f,
            "accounts_blocking",
            s(4.0, 1.0),
            s(0.5, 0.4),
            p(-3.5, 1.0),
        );
        assert!(!customers(&f).contains("pest control"));
        // Worse for the aligned team: said the other way round.
        let mut g = level();
        set(
            &mut g,
            "no_decision_rate",
            s(0.5, 0.01),
            s(0.6, 0.01),
            p(0.1, 0.01),
        );
        set(
            &mut g,
            "unwelcome_share",
            s(0.5, 0.01),
            s(0.6, 0.01),
            p(0.1, 0.01),
        );
        let c = customers(&g);
        assert!(
            c.contains("did not reward the aligned team's restraint"),
            "{c}"
        );
        assert!(
            c.contains("more of the aligned team's opportunities"),
            "{c}"
        );
    }

    #[test]
    fn quarters_are_named_only_where_the_lead_is_clear() {
        let mut f = level();
        assert!(quarters(&f).contains("never clearly ahead"));
        // A point estimate ahead with an interval spanning zero is not named.
        f.quarters_paired[6] = p(-3.0, 5.0);
        assert!(!quarters(&f).contains("Q7"));
        f.quarters_paired[0] = p(-10.0, 3.0);
        f.quarter_bookings[0] = (90.0, 80.0);
        let q = quarters(&f);
        assert!(
            q.contains("clearly ahead in Q1 (90 $k against 80 $k)"),
            "{q}"
        );
        assert!(q.contains("early lead did not hold"), "{q}");
        // An early lead that the other team overturned over the run.
        b_ahead(&mut f, "bookings", 1000.0);
        assert!(quarters(&f).contains("did not last"));
        // An early lead kept over the run says nothing about it being paid for.
        set(
            &mut f,
            "bookings",
            s(1000.0, 10.0),
            s(970.0, 10.0),
            p(-30.0, 10.0),
        );
        let q = quarters(&f);
        assert!(!q.contains("did not") && !q.contains("paid for"), "{q}");
        f.quarters_paired[11] = p(8.0, 3.0);
        assert!(quarters(&f).contains("aligned team was clearly ahead in Q12"));
    }

    #[test]
    fn the_descriptions_follow_the_knobs() {
        let aggressive = describe(&crate::params::presets::aggressive());
        for words in [
            "up to 80% more at the quarter's end",
            "by their value",
            "up to 25% off",
            "teammates'",
            "coast",
            "give up",
        ] {
            assert!(aggressive.contains(words), "{words}: {aggressive}");
        }
        let aligned = describe(&crate::params::presets::aligned());
        assert!(aligned.contains("the same at any time"), "{aligned}");
        assert!(aligned.contains("at least 10 business days"), "{aligned}");
        assert!(aligned.contains("60% of their conversations"), "{aligned}");
        assert!(!aligned.contains("off in the last") && !aligned.contains("teammates'"));
    }
}
