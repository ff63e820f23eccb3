//! Unit tests of the engine's mechanisms.
//!
//! Each test builds a small market from the built-in lesson (with `--set`-style overrides), puts
//! one account into a chosen state by hand and drives the engine's own methods (`contact`,
//! `choose`, `annoy`, `receptivity`, `budget_approval`, `step`, ...) to check one documented
//! mechanism. Where a check could pass vacuously, a control case shows the same set-up does react
//! when the mechanism's condition is lifted.

use crate::calendar::{days_left_in_fiscal_year, quarter_of, Day, DAYS_PER_QUARTER, DAYS_PER_YEAR};
use crate::engine::journey::Outcome;
use crate::engine::state::{Reach, Relation, ShortDay, Stage, NONE};
use crate::engine::{Engine, EventKind, Strategy};
use crate::metrics::Tally;
use crate::scenario::{self, Config, Override};
use crate::world::{self, CustomerId, RepId, Segment, World};

const SEED: u64 = 7;

/// The built-in lesson with a small market and the given `path=value` overrides.
pub(super) fn config(sets: &[&str]) -> Config {
    let mut overrides = vec![Override::parse("market.customers=300").unwrap()];
    overrides.extend(sets.iter().map(|s| Override::parse(s).unwrap()));
    scenario::load(None, &overrides).unwrap().1
}

pub(super) fn world_of(cfg: &Config) -> World {
    world::generate(cfg, SEED)
}

/// An engine running variant 0 (aggressive for us).
pub(super) fn engine<'a>(cfg: &'a Config, world: &'a World) -> Engine<'a> {
    Engine::new(cfg, world, 0, SEED)
}

/// Our pooled tally so far.
pub(super) fn totals(e: &Engine) -> Tally {
    e.recorder.clone().into_record(0, 0).total()
}

/// Puts account `c` into `stage` with fresh relations to every vendor (nothing shortlisted, no
/// annoyance, fatigue or block), its stage ending 40 days from today. Earlier scheduled events for
/// the account become stale (the generation moves on).
pub(super) fn prepare(e: &mut Engine, c: CustomerId, stage: Stage) {
    let day = e.day;
    let init = e.cfg.customers.initial_trust as f32;
    for v in 0..e.world.vendors.len() {
        let mut rel = Relation::new(init);
        rel.trust_day = ShortDay::new(day);
        *e.rel_mut(c, v) = rel;
        let reach = e.reach_mut(c, v);
        *reach = Reach {
            last_contact: reach.last_contact,
            ..Reach::new()
        };
    }
    let a = &mut e.accounts[c as usize];
    a.stage = stage;
    a.stage_end = day + 40;
    a.generation = a.generation.wrapping_add(1);
    a.decision_since = crate::engine::state::ShortDay::new(day);
    a.set_budget_approved(false);
    a.set_waited(false);
    a.set_delayed(false);
}

/// Sets every team's effort to zero, so stepping the engine runs only the accounts' own events
/// (needs, stage ends, decisions) and no rep contact can shorten, block or pull in anything.
fn silence_reps(e: &mut Engine) {
    for s in e.strategies.iter_mut().flatten() {
        s.effort_base = 0.0;
        s.effort_ramp = 0.0;
    }
}

/// Vendor `v`'s home rep for account `c` and that rep's strategy.
pub(super) fn home_rep(e: &Engine, v: usize, c: CustomerId) -> (RepId, Strategy) {
    let r = e.world.vendors[v].home_rep(c);
    (r, e.rep_strategy(v, r).clone())
}

// 1. Blocked vendors --------------------------------------------------------------------------

#[test]
fn blocked_vendor_is_never_chosen() {
    let cfg = config(&[]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    e.day = 100;
    let c = 5;
    prepare(&mut e, c, Stage::Decision);
    for v in [0, 1] {
        e.rel_mut(c, v).shortlisted = true;
        e.set_trust(c, v, 1.0);
    }
    // Control: unblocked and fully trusted, we are chosen often.
    let ours = (0..500)
        .filter(|_| e.choose(c) == Outcome::Bought(0))
        .count();
    assert!(
        ours > 50,
        "control: unblocked vendor 0 chosen only {ours}/500"
    );

    e.reach_mut(c, 0).blocked_until = ShortDay::new(e.day + 10_000);
    let mut outcomes = [0usize; 3];
    for _ in 0..2000 {
        match e.choose(c) {
            Outcome::Bought(0) => outcomes[0] += 1,
            Outcome::Bought(_) => outcomes[1] += 1,
            Outcome::NoDecision => outcomes[2] += 1,
        }
    }
    assert_eq!(outcomes[0], 0, "a blocked vendor was chosen: {outcomes:?}");
    assert!(
        outcomes[1] > 0 && outcomes[2] > 0,
        "the other vendor and no decision remain possible: {outcomes:?}"
    );
}

#[test]
fn contact_from_blocked_vendor_is_wasted() {
    let cfg = config(&[
        "customers.receptivity.exploration=1",
        "customers.shortlist_on_welcome=1",
        "customers.attention_per_month=1000",
    ]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    e.day = 100;

    // Control: the same contact, unblocked, is welcome and does everything a welcome contact does.
    let c2 = 6;
    prepare(&mut e, c2, Stage::Exploration);
    let (r2, s2) = home_rep(&e, 0, c2);
    let (trust, end, generation) = (
        e.trust(c2, 0),
        e.accounts[c2 as usize].stage_end,
        e.accounts[c2 as usize].generation,
    );
    let before = totals(&e);
    e.contact(0, r2, c2, &s2, false);
    assert!(
        e.trust(c2, 0) > trust,
        "control: welcome contact builds trust"
    );
    assert!(
        e.rel(c2, 0).shortlisted,
        "control: welcome contact shortlists"
    );
    assert!(
        e.accounts[c2 as usize].stage_end < end && e.accounts[c2 as usize].generation != generation,
        "control: welcome contact shortens the stage"
    );
    assert_eq!(totals(&e).unwelcome, before.unwelcome);

    // Blocked: nothing happens, and it counts as unwelcome.
    let c = 5;
    prepare(&mut e, c, Stage::Exploration);
    e.reach_mut(c, 0).blocked_until = ShortDay::new(e.day + 100);
    let (r, s) = home_rep(&e, 0, c);
    let trust = e.trust(c, 0);
    let account = e.accounts[c as usize].clone();
    let before = totals(&e);
    e.contact(0, r, c, &s, false);
    let after = totals(&e);
    assert_eq!(e.trust(c, 0), trust, "trust must not rise");
    assert!(!e.rel(c, 0).shortlisted, "must not shortlist");
    assert_eq!(e.rel(c, 0).owner(), NONE, "must not take ownership");
    assert!(!e.reps[0][r as usize].pipeline.contains(&c));
    let a = &e.accounts[c as usize];
    assert_eq!(
        (a.stage, a.stage_end, a.generation),
        (account.stage, account.stage_end, account.generation),
        "stage timing must not change"
    );
    assert_eq!(after.contacts, before.contacts + 1.0);
    assert_eq!(
        after.unwelcome,
        before.unwelcome + 1.0,
        "counts as unwelcome"
    );
}

// 2. Annoyance ---------------------------------------------------------------------------------

#[test]
fn annoyance_decays_at_the_configured_half_life() {
    let cfg = config(&["customers.annoyance_half_life_days=25"]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    let h = cfg.customers.annoyance_half_life_days as Day;
    assert_eq!(h, 25);
    let (c, v, d) = (3, 0, 30);
    e.day = d;
    prepare(&mut e, c, Stage::Dormant);
    let rel = e.rel_mut(c, v);
    rel.annoyance = 3.0;
    rel.annoyance_day = ShortDay::new(d);
    assert!((e.annoyance(c, v) - 3.0).abs() < 1e-6);
    e.day = d + h;
    assert!(
        (e.annoyance(c, v) - 1.5).abs() < 1e-4,
        "{}",
        e.annoyance(c, v)
    );
    e.day = d + 2 * h;
    assert!(
        (e.annoyance(c, v) - 0.75).abs() < 1e-4,
        "{}",
        e.annoyance(c, v)
    );
    e.day = d + h / 5;
    let expected = 3.0 * 0.5f32.powf(0.2);
    assert!((e.annoyance(c, v) - expected).abs() < 1e-4);
}

#[test]
fn annoyance_past_threshold_blocks_and_warns_peers() {
    let cfg = config(&[]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    e.day = 80;
    let (c, v) = (10, 0);
    prepare(&mut e, c, Stage::SupplierSelection);
    e.rel_mut(c, v).shortlisted = true;
    e.rel_mut(c, v).set_owner(0);
    let peers = world.peers_of(c).to_vec();
    assert!(!peers.is_empty());
    let outsider = (0..world.customers.len() as CustomerId)
        .find(|o| *o != c && !peers.contains(o))
        .unwrap();
    let trust_of = |e: &Engine, list: &[CustomerId]| -> Vec<f32> {
        list.iter().map(|&p| e.trust(p, v)).collect()
    };
    let peer_trust = trust_of(&e, &peers);
    let outsider_trust = e.trust(outsider, v);
    // The account's own threshold: the median threshold times its tolerance.
    let threshold = e.block_threshold(c);
    assert!(
        (threshold - cfg.customers.block_threshold * world.customers[c as usize].tolerance as f64)
            .abs()
            < 1e-9
    );

    e.annoy(c, v, 0, threshold - 0.5);
    assert!(!e.is_blocked(c, v), "below the threshold: no block");
    assert_eq!(trust_of(&e, &peers), peer_trust);
    assert_eq!(totals(&e).blocks, 0.0);

    e.annoy(c, v, 0, 1.0);
    let rel = e.rel(c, v);
    assert!(e.is_blocked(c, v), "past the threshold: blocked");
    assert_eq!(
        e.reach(c, v).blocked_until.day(),
        e.day + cfg.customers.block_days
    );
    assert!(
        !rel.shortlisted && rel.owner() == NONE,
        "dropped from the shortlist"
    );
    assert_eq!(totals(&e).blocks, 1.0);
    let loss = cfg.customers.peer_warning_trust_loss as f32;
    assert!(loss > 0.0);
    for (p, (&now, &was)) in peers
        .iter()
        .zip(trust_of(&e, &peers).iter().zip(&peer_trust))
    {
        assert!(
            (now - (was - loss)).abs() < 1e-5,
            "peer {p}: trust {was} -> {now}, expected a fall of {loss}"
        );
    }
    assert_eq!(
        e.trust(outsider, v),
        outsider_trust,
        "non-peers are not warned"
    );
}

#[test]
fn team_results_go_to_the_team_of_the_rep_whose_contact_or_deal_it_was() {
    let cfg = config(&[]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    e.day = 80;
    let ours = &world.vendors[0];
    assert_eq!(ours.teams.len(), 2, "the lesson has two teams of ours");
    // An account of the first team's, so that crediting everything to the first team fails.
    let c = (0..world.customers.len() as CustomerId)
        .find(|&c| ours.reps[ours.home_rep(c) as usize].team == 0)
        .unwrap();
    let home = ours.home_rep(c);
    let (home_team, other_team) = (0, 1);
    let outsider = ours.teams[other_team].reps.start;
    let record = |e: &Engine| e.recorder.clone().into_record(0, 0);

    // Blocks: the team of the rep whose contact tipped the account over. The same account
    // blocking twice is two blocks but one account; a block by another team's contact counts
    // for that team too, and still as one account of ours.
    prepare(&mut e, c, Stage::SupplierSelection);
    let past = e.block_threshold(c) + 1.0;
    e.annoy(c, 0, outsider, past);
    e.reach_mut(c, 0).blocked_until = ShortDay::new(e.day);
    e.annoy(c, 0, outsider, past);
    e.reach_mut(c, 0).blocked_until = ShortDay::new(e.day);
    e.annoy(c, 0, home, past);
    let r = record(&e);
    assert_eq!(r.teams[other_team].blocks, 2.0);
    assert_eq!(r.teams[other_team].accounts_blocking, 1.0);
    assert_eq!(r.teams[home_team].blocks, 1.0);
    assert_eq!(r.teams[home_team].accounts_blocking, 1.0);
    assert_eq!(r.total().blocks, 3.0);
    assert_eq!(r.accounts_blocking, 1.0, "one distinct account blocked us");
    // A rival's block is not ours.
    e.annoy(11, 1, 0, e.block_threshold(11) + 1.0);
    assert_eq!(record(&e).accounts_blocking, 1.0);

    // A contact is the contacting rep's team's.
    prepare(&mut e, c, Stage::SupplierSelection);
    let s = e.rep_strategy(0, outsider).clone();
    e.contact(0, outsider, c, &s, false);
    let r = record(&e);
    assert_eq!(r.teams[other_team].contacts, 1.0);
    assert_eq!(r.teams[home_team].contacts, 0.0);

    // A deal credited to the outsider on the home rep's account: bookings and the poached deal
    // gained go to the outsider's team, the poached deal lost to the home team.
    prepare(&mut e, c, Stage::Decision);
    e.rel_mut(c, 0).shortlisted = true;
    e.rel_mut(c, 0).set_owner(outsider);
    e.conclude(
        c,
        Outcome::Bought(0),
        0.0,
        crate::engine::journey::DealKind::Chosen,
    );
    let r = record(&e);
    let list = world.customers[c as usize].annual_value as f64;
    let (gainer, loser) = (r.teams[other_team], r.teams[home_team]);
    assert_eq!((gainer.deals, gainer.bookings), (1.0, list));
    assert_eq!((loser.deals, loser.bookings), (0.0, 0.0));
    assert_eq!((gainer.poached_gained, gainer.poached_lost), (1.0, 0.0));
    assert_eq!((loser.poached_gained, loser.poached_lost), (0.0, 1.0));
    assert_eq!(r.total().poached_deals, 1.0);
    // The market's record has the same deal for vendor 0.
    let us = r.vendor_totals()[0];
    assert_eq!((us.deals, us.bookings), (1.0, list));
}

// 3. Fatigue -----------------------------------------------------------------------------------

#[test]
fn fatigue_from_recent_contacts_lowers_receptivity() {
    let cfg = config(&[
        "customers.attention_per_month=1000",
        "customers.block_threshold=100000",
    ]);
    let default = crate::params::settings::CustomerBehaviour::default();
    assert_eq!(
        cfg.customers.fatigue_per_contact,
        default.fatigue_per_contact
    );
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    e.day = 200;
    let c = 12;
    prepare(&mut e, c, Stage::SupplierSelection);
    let (r, s) = home_rep(&e, 0, c);
    let fresh = e.receptivity(c, 0);
    assert!((fresh - cfg.customers.receptivity.supplier_selection).abs() < 1e-12);
    let mut last = fresh;
    for i in 0..7 {
        e.contact(0, r, c, &s, false);
        let now = e.receptivity(c, 0);
        assert!(
            now < last,
            "contact {}: receptivity {now} not below {last}",
            i + 1
        );
        last = now;
    }
    assert_eq!(e.accounts[c as usize].stage, Stage::SupplierSelection);
    // Seven recent contacts divide receptivity by 1 + 7k (the contacts decay a little between
    // them on the same day: none). With the monthly attention budget this makes the 45% of
    // HubSpot's figure, a calibration target of the validation suite (contact-fatigue).
    let ratio = last / fresh;
    let k = cfg.customers.fatigue_per_contact;
    assert!(
        (ratio - 1.0 / (1.0 + 7.0 * k)).abs() <= 0.01,
        "7 recent contacts: ratio {ratio}, expected 1 / (1 + 7 × {k})"
    );
    // Fatigue is per vendor, and it fades.
    assert!((e.receptivity(c, 1) - fresh).abs() < 1e-12);
    e.day += cfg.customers.fatigue_half_life_days as Day;
    let later = e.receptivity(c, 0);
    assert!(later > last && later < fresh, "{last} < {later} < {fresh}");
}

// 4. Pull-in ----------------------------------------------------------------------------------

/// A late-stage deal of ours at the quarter's end, the home rep's whole pipeline, the rep at 30%
/// of quota. Returns the account, the rep, the rep's strategy and the account's list value.
pub(super) fn pull_in_setup(e: &mut Engine, stage: Stage) -> (CustomerId, RepId, Strategy, f64) {
    // Day 60 of the third quarter: 4 days left, inside the last two weeks.
    e.day = 2 * DAYS_PER_QUARTER + 60;
    let c = 20;
    prepare(e, c, stage);
    // Validation ends within the quarter, so the deal could sign this quarter.
    e.accounts[c as usize].stage_end = e.day + 3;
    let (r, s) = home_rep(e, 0, c);
    assert!(s.discount_max > 0.0, "variant 0 is the discounting preset");
    {
        let rel = e.rel_mut(c, 0);
        rel.shortlisted = true;
        rel.set_owner(r);
    }
    // An opportunity of ours from today, as the engine opens one when it shortlists a vendor.
    e.note_shortlisted(c, 0);
    // The rep knows the deal is late: it took part in the stage's start.
    e.observe(c, 0, crate::engine::Knowledge::Stage(stage));
    // This deal is the rep's whole pipeline (the start of the run may have given it others).
    let rep = &mut e.reps[0][r as usize];
    rep.pipeline.clear();
    rep.pipeline_values.clear();
    rep.suspects.clear();
    rep.pipeline.push(c);
    let quota = e.reps[0][r as usize].period_quota;
    e.reps[0][r as usize].book(0.3 * quota, 0.3 * quota);
    let list = e.world.customers[c as usize].annual_value as f64;
    (c, r, s, list)
}

#[test]
fn discount_pull_in_moves_the_decision_now_at_the_discounted_price() {
    let cfg = config(&[
        "customers.pull_in_acceptance=1",
        "customers.receptivity.validation=1",
        "customers.attention_per_month=1000",
        "customers.no_decision_utility=-50",
    ]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    let (c, r, s, list) = pull_in_setup(&mut e, Stage::Validation);
    let quota = e.reps[0][r as usize].period_quota;

    // The rep's next target is this late-stage deal, as a pull-in; picking it uses up the
    // account's one pull-in call of the quarter, so the rep does not call it again.
    assert_eq!(e.pick_target(0, r, &s), Some((c, true)));
    assert_eq!(u32::from(e.reach(c, 0).offered_quarter), quarter_of(e.day));
    assert_ne!(
        e.pick_target(0, r, &s),
        Some((c, true)),
        "one pull-in call per quarter"
    );
    e.contact(0, r, c, &s, true);

    // The rep offers discount_max × the gap to quota (documented in `offer_pull_in`); the
    // account, which always decides here and has only us on its shortlist, buys from us now.
    let discount = s.discount_max * 0.7;
    assert!(discount > 0.0);
    let booked = e.reps[0][r as usize].booked - 0.3 * quota;
    assert!(
        (booked - list * (1.0 - discount)).abs() < 1e-6 * list,
        "booked {booked}, list {list}, expected discount {discount}"
    );
    assert!((e.rel(c, 0).offered_discount as f64 - discount).abs() < 1e-6);
    let record = e.recorder.clone().into_record(0, 0);
    let q = &record.quarters[quarter_of(e.day) as usize];
    assert_eq!(q.deals, 1.0, "the deal is booked today, in this quarter");
    assert_eq!(q.pulled_in, 1.0);
    assert_eq!(q.late_deals, 1.0);
    assert!((q.list_value - list).abs() < 1e-9);
    assert_eq!(record.weeks.deals[12], 1.0, "closed in week 13");
    assert_eq!(e.accounts[c as usize].stage, Stage::CoolOff);
    assert_eq!(e.accounts[c as usize].incumbent, 0);
}

#[test]
fn a_pulled_in_decision_can_still_end_in_no_decision_or_with_a_rival() {
    // No decision: an account that will not decide accepts the earlier date, and then makes no
    // decision; nothing is booked.
    let cfg = config(&[
        "customers.pull_in_acceptance=1",
        "customers.receptivity.validation=1",
        "customers.attention_per_month=1000",
        "customers.no_decision_utility=50",
    ]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    let (c, r, s, _) = pull_in_setup(&mut e, Stage::Validation);
    e.contact(0, r, c, &s, true);
    assert_eq!(e.accounts[c as usize].stage, Stage::Dormant, "no decision");
    assert_eq!(totals(&e).deals, 0.0);
    assert_eq!(totals(&e).no_decision, 1.0);

    // A rival: the account prefers the rival overwhelmingly; the discount does not buy it.
    let cfg = config(&[
        "customers.pull_in_acceptance=1",
        "customers.receptivity.validation=1",
        "customers.attention_per_month=1000",
        "customers.no_decision_utility=-50",
        "customers.preference_weight=50",
    ]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    let (c, r, s, _) = pull_in_setup(&mut e, Stage::Validation);
    e.rel_mut(c, 1).shortlisted = true;
    e.accounts[c as usize].preferred = 1;
    e.contact(0, r, c, &s, true);
    assert_eq!(e.accounts[c as usize].stage, Stage::CoolOff);
    assert_eq!(e.accounts[c as usize].incumbent, 1, "bought from the rival");
    assert_eq!(totals(&e).deals, 0.0);
    assert_eq!(totals(&e).lost, 1.0);
}

#[test]
fn only_a_deal_that_could_sign_this_quarter_is_pulled_in() {
    let cfg = config(&[
        "customers.pull_in_acceptance=1",
        "customers.receptivity.validation=1",
        "customers.attention_per_month=1000",
        "customers.no_decision_utility=-50",
    ]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    let (c, r, s, _) = pull_in_setup(&mut e, Stage::Validation);
    // Validation has half a year to run: a discount does not cut it short.
    e.accounts[c as usize].stage_end = e.day + 130;
    e.contact(0, r, c, &s, true);
    assert_eq!(
        e.accounts[c as usize].stage,
        Stage::Validation,
        "still validating"
    );
    assert_eq!(totals(&e).deals, 0.0);
    assert!(
        e.rel(c, 0).offered_discount > 0.0,
        "the offer was made and learned"
    );
}

// 5. Budget -----------------------------------------------------------------------------------

/// Puts account `c` into the decision stage today with us shortlisted and fully trusted, and
/// schedules its first decision attempt; steps (reps silenced, so no contact blocks us or pulls
/// the deal in) until it leaves the decision stage or `limit` days pass, and returns the day it
/// left, if it did.
fn decide(e: &mut Engine, c: CustomerId, limit: Day) -> Option<Day> {
    silence_reps(e);
    prepare(e, c, Stage::Decision);
    e.rel_mut(c, 0).shortlisted = true;
    e.set_trust(c, 0, 1.0);
    let generation = e.accounts[c as usize].generation;
    e.schedule(e.day, c, generation, EventKind::DecisionAttempt);
    let start = e.day;
    while e.day <= start + limit {
        let today = e.day;
        e.step();
        if e.accounts[c as usize].stage != Stage::Decision {
            return Some(today);
        }
    }
    None
}

#[test]
fn customer_without_budget_never_buys_and_gives_up_after_patience() {
    let sets = [
        "customers.decision_patience_days=30",
        "customers.budget_retry_days=5",
    ];
    let c = 25;
    // Control: with budget the account concludes at its first attempt.
    let cfg = config(&[&sets[..], &["customers.budget_approval=1"]].concat());
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    assert_eq!(decide(&mut e, c, 40), Some(0), "control: decides at once");

    let cfg = config(&[&sets[..], &["customers.budget_approval=0"]].concat());
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    let left = decide(&mut e, c, 40).expect("gives up within patience + one retry");
    let (patience, retry) = (
        cfg.customers.decision_patience_days,
        cfg.customers.budget_retry_days,
    );
    assert!(
        (patience..=patience + retry).contains(&left),
        "left the decision stage on day {left}, patience {patience}"
    );
    assert_eq!(e.accounts[c as usize].stage, Stage::Dormant, "no decision");
    let t = totals(&e);
    assert_eq!(t.deals, 0.0, "no budget, no deals");
    assert!(t.no_decision >= 1.0);
    assert_eq!(
        t.market_deals, 0.0,
        "nobody in the market bought without budget"
    );
    assert!(e.accounts.iter().all(|a| a.stage != Stage::CoolOff));
}

// 6. Attention --------------------------------------------------------------------------------

#[test]
fn attention_budget_is_shared_across_vendors() {
    let cfg = config(&[
        "customers.attention_per_month=2",
        "customers.receptivity.supplier_selection=1",
        "customers.shortlist_on_welcome=1",
    ]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    e.day = 42; // first day of month 2
    let c = 30;
    prepare(&mut e, c, Stage::SupplierSelection);
    assert_eq!(e.receptivity(c, 0), 1.0);
    let (r1, s1) = home_rep(&e, 1, c);
    e.contact(1, r1, c, &s1, false);
    assert_eq!(e.receptivity(c, 0), 1.0, "one unit of attention left");
    e.day += 1;
    e.contact(1, r1, c, &s1, false);
    assert_eq!(e.receptivity(c, 0), 0.0, "attention used up by vendor 1");
    assert_eq!(e.receptivity(c, 1), 0.0);

    let (r0, s0) = home_rep(&e, 0, c);
    let trust = e.trust(c, 0);
    let before = totals(&e);
    e.contact(0, r0, c, &s0, false);
    let after = totals(&e);
    assert_eq!(
        after.unwelcome,
        before.unwelcome + 1.0,
        "our contact is unwelcome"
    );
    assert!(e.trust(c, 0) < trust, "an unwelcome contact costs trust");
    assert!(!e.rel(c, 0).shortlisted);

    e.day = 63; // next month
    assert!(e.receptivity(c, 0) > 0.5, "attention returns next month");
}

// 7. Budget calendar --------------------------------------------------------------------------

#[test]
fn budget_approval_rises_at_the_accounts_own_fiscal_year_end() {
    let cfg = config(&["customers.budget_approval=0.1"]);
    let world = world_of(&cfg);
    let e = engine(&cfg, &world);
    let b = &cfg.customers;
    let (base, month, week) = (
        b.budget_approval,
        b.budget_approval * b.budget_year_end_boost,
        b.budget_approval * b.budget_year_end_boost * b.budget_last_week_boost,
    );
    assert!(base < month && month < week && week <= 1.0);
    for c in 0..20 {
        let offset = u32::from(world.customers[c as usize].fiscal_offset);
        // The day (in the second year) with `left` business days left in its fiscal year.
        let day_with = |left: Day| -> Day {
            let d = DAYS_PER_YEAR + (2 * DAYS_PER_YEAR - 1 - left - offset) % DAYS_PER_YEAR;
            assert_eq!(days_left_in_fiscal_year(d, offset), left);
            d
        };
        for (left, want) in [
            (150, base),
            (21, base),
            (20, month),
            (5, month),
            (4, week),
            (0, week),
        ] {
            let got = e.budget_approval(c, day_with(left));
            assert!(
                (got - want).abs() < 1e-12,
                "account {c}, {left} days left in its fiscal year: {got}, expected {want}"
            );
        }
    }
    // It is the account's own calendar: two accounts with different offsets differ on one day.
    let (a, z) = (0..world.customers.len() as CustomerId)
        .flat_map(|a| (0..world.customers.len() as CustomerId).map(move |z| (a, z)))
        .find(|&(a, z)| {
            let (oa, oz) = (
                u32::from(world.customers[a as usize].fiscal_offset),
                u32::from(world.customers[z as usize].fiscal_offset),
            );
            days_left_in_fiscal_year(300, oa) < 5 && days_left_in_fiscal_year(300, oz) > 100
        })
        .expect("accounts with different fiscal calendars");
    assert!(e.budget_approval(a, 300) > e.budget_approval(z, 300));
}

// 8. Scheduling -------------------------------------------------------------------------------

#[test]
fn shortened_stage_ends_once_at_the_new_time() {
    let cfg = config(&[
        "market.segments.enterprise.stage_cv=0",
        "customers.receptivity.supplier_selection=1",
        "customers.attention_per_month=1000",
    ]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    e.day = 10;
    let c = (0..world.customers.len() as CustomerId)
        .find(|&c| world.customers[c as usize].segment == Segment::Enterprise)
        .unwrap();
    prepare(&mut e, c, Stage::SupplierSelection);
    let old_end = e.accounts[c as usize].stage_end;
    let old_generation = e.accounts[c as usize].generation;
    e.schedule(old_end, c, old_generation, EventKind::StageEnd);

    let (r, s) = home_rep(&e, 0, c);
    e.contact(0, r, c, &s, false);
    let a = &e.accounts[c as usize];
    let new_end = a.stage_end;
    assert!(new_end < old_end, "a welcome contact shortens the stage");
    assert_ne!(
        a.generation, old_generation,
        "the old StageEnd becomes stale"
    );
    let ends = |e: &Engine, day: Day| -> Vec<u32> {
        e.agenda[day as usize]
            .iter()
            .filter(|ev| ev.customer() == c && ev.kind() == EventKind::StageEnd)
            .map(|ev| ev.generation)
            .collect()
    };
    assert_eq!(ends(&e, new_end), vec![a.generation], "new end scheduled");
    assert_eq!(
        ends(&e, old_end),
        vec![old_generation],
        "old end still on the agenda"
    );

    // No rep makes contacts from here on: only the account's own events move it.
    silence_reps(&mut e);
    let mut changes = Vec::new();
    let mut stage = Stage::SupplierSelection;
    while e.day <= old_end + 1 {
        let today = e.day;
        e.step();
        let now = e.accounts[c as usize].stage;
        if now != stage {
            changes.push((today, stage, now));
            stage = now;
        }
    }
    assert_eq!(
        changes,
        vec![(new_end, Stage::SupplierSelection, Stage::Validation)],
        "the stage ends once, at the new time (old end was day {old_end})"
    );
    // Validation's own end is scheduled (cv 0: exactly its share of the enterprise cycle).
    let a = &e.accounts[c as usize];
    let seg = &cfg.market.segments.enterprise;
    let length = (seg.cycle_days * Stage::Validation.share_of_cycle()).round() as Day;
    assert_eq!(a.stage_end, new_end + length);
    assert_eq!(ends(&e, a.stage_end), vec![a.generation]);
}

// 9. Effort -----------------------------------------------------------------------------------

#[test]
fn aggressive_effort_ramps_gives_up_and_coasts() {
    let s = crate::params::presets::aggressive();
    let q = DAYS_PER_QUARTER;
    let plan = crate::params::pay::Plan::default();
    let effort = |day: Day, att: f64| Engine::effort(&s, &plan, day % q, 1, att);

    // Rises toward the quarter end with a gap, more with a bigger gap.
    let mut last = 0.0;
    for day in 0..q {
        let now = effort(q + day, 0.5);
        assert!(now >= last, "day {day}: effort {now} fell from {last}");
        last = now;
    }
    assert!(effort(q - 1, 0.5) > effort(0, 0.5) + 0.1);
    assert!(effort(q - 1, 0.4) > effort(q - 1, 0.9));
    assert_eq!(effort(0, 0.5), s.effort_base);

    // Far from quota late in the quarter: collapses below the base.
    let late = q * 3 / 4;
    let below = s.give_up_below * 0.5;
    assert!(effort(late, below) < s.effort_base);
    assert!(effort(late, below) < effort(late, s.give_up_below + 0.05));
    assert!(
        effort(10, below) >= s.effort_base,
        "early in the quarter nobody gives up"
    );

    // After quota under an uncapped plan (the default, with its accelerator): no coasting, the
    // ramp simply ends (the gap to quota is closed).
    assert_eq!(effort(late, 1.2), s.effort_base);
    assert_eq!(effort(5, 1.0), s.effort_base);
    // Past a commission cap the rep coasts (Misra & Nair 2011): below the base and below the
    // effort just short of quota.
    let capped = crate::params::pay::Plan {
        cap: 1.1,
        ..crate::params::pay::Plan::default()
    };
    let coast = |day: Day, attainment: f64| Engine::effort(&s, &capped, day, 1, attainment);
    assert!(coast(late, 1.2) < s.effort_base);
    assert!(coast(late, 1.2) < coast(late, 0.99));
    assert_eq!(
        coast(late, 1.05),
        s.effort_base,
        "past quota, short of the cap"
    );
}

#[test]
fn aligned_effort_is_flat() {
    let s = crate::params::presets::aligned();
    for day in (0..2 * DAYS_PER_QUARTER).step_by(3) {
        for att in [0.0, 0.1, 0.5, 0.99, 1.0, 1.5, 3.0] {
            assert_eq!(
                Engine::effort(
                    &s,
                    &crate::params::pay::Plan::default(),
                    day % DAYS_PER_QUARTER,
                    1,
                    att
                ),
                s.effort_base,
                "day {day}, attainment {att}"
            );
        }
    }
}

// 10. Memory ----------------------------------------------------------------------------------

/// Documented bound (BENCHMARKS.md) on the engine's changing state per account, beyond the fixed
/// per-account and per-(account, vendor) state: scheduled events pending per account (counting
/// the agenda's spare capacity), and the reps' pipelines and agenda day headers spread over the
/// accounts.
const MAX_EVENT_SLOTS_PER_ACCOUNT: usize = 8;
const MAX_OTHER_BYTES_PER_ACCOUNT: usize = 16;

/// The per-(account, vendor) records, three million of them per engine in a million-account
/// market, and the account's own, keep the sizes BENCHMARKS.md §17 gives: 44 bytes a pair (52
/// before rep ids were stored in two bytes, 64 before days were) and 44 an account (56 before
/// its days, its attention counts and its flags were packed). bench-million's 512 MB rests on
/// them.
#[test]
fn the_records_kept_per_account_and_per_pair_stay_compact() {
    use crate::engine::Account;
    use std::mem::size_of;
    assert!(
        size_of::<Relation>() <= 28,
        "Relation {} B",
        size_of::<Relation>()
    );
    assert!(size_of::<Reach>() <= 16, "Reach {} B", size_of::<Reach>());
    assert!(
        size_of::<Account>() <= 44,
        "Account {} B",
        size_of::<Account>()
    );
}

#[test]
fn a_relation_keeps_every_rep_id_a_vendor_may_have() {
    use crate::engine::state::MAX_REPS_PER_VENDOR;
    let mut rel = Relation::new(0.5);
    assert_eq!(
        (rel.owner(), rel.last_rep()),
        (NONE, NONE),
        "no one at first"
    );
    for r in [0, 1, 4_000, MAX_REPS_PER_VENDOR - 1, NONE] {
        rel.set_owner(r);
        rel.set_last_rep(r);
        assert_eq!((rel.owner(), rel.last_rep()), (r, r));
    }
}

#[test]
fn an_account_keeps_each_of_its_flags_apart() {
    use crate::engine::Account;
    type Flag = (fn(&Account) -> bool, fn(&mut Account, bool));
    let flags: [Flag; 5] = [
        (Account::waited, Account::set_waited),
        (Account::delayed, Account::set_delayed),
        (Account::budget_approved, Account::set_budget_approved),
        (Account::adopted, Account::set_adopted),
        (Account::renewal_due, Account::set_renewal_due),
    ];
    assert!(Account::new(0, true).adopted() && !Account::new(0, false).adopted());
    for (i, (_, set)) in flags.iter().enumerate() {
        let mut a = Account::new(0, false);
        set(&mut a, true);
        for (j, (get, _)) in flags.iter().enumerate() {
            assert_eq!(get(&a), i == j, "setting flag {i} shows in flag {j}");
        }
        set(&mut a, false);
        assert!(flags.iter().all(|(get, _)| !get(&a)), "flag {i} clears");
    }
}

#[test]
fn an_event_keeps_its_account_and_kind() {
    use crate::engine::{Event, EventKind};
    let last = crate::params::MAX_CUSTOMERS - 1;
    assert!(last < 1 << Event::CUSTOMER_BITS, "room for every account");
    for (code, kind) in EventKind::ALL.into_iter().enumerate() {
        assert_eq!(usize::from(kind.code()), code);
        for c in [0, 1, 4_000, last] {
            let e = Event::new(c, 7, kind);
            assert_eq!((e.customer(), e.kind(), e.generation), (c, kind, 7));
        }
    }
    assert_eq!(std::mem::size_of::<Event>(), 8);
}

#[test]
fn state_bytes_per_account_stay_within_the_documented_bound() {
    use crate::engine::{Account, Event};
    use std::mem::size_of;
    // The lesson's market (4,000 accounts, 8 peers, 3 vendors, 19 reps), both strategies for us.
    let cfg = config(&["market.customers=4000"]);
    let world = world_of(&cfg);
    let n_vendors = world.vendors.len();
    let fixed = size_of::<Account>() + n_vendors * (size_of::<Relation>() + size_of::<Reach>());
    let bound =
        fixed + MAX_EVENT_SLOTS_PER_ACCOUNT * size_of::<Event>() + MAX_OTHER_BYTES_PER_ACCOUNT;
    for variant in 0..cfg.variants.len() {
        let mut e = Engine::new(&cfg, &world, variant, SEED);
        let mut peak = e.bytes_per_customer();
        while e.day < e.horizon {
            e.step();
            peak = peak.max(e.bytes_per_customer());
        }
        eprintln!(
            "variant {variant}: fixed {fixed} B, peak {peak} B per account (bound {bound} B); \
             world {} B per account; sizes: Customer {}, Account {}, Relation {}, Reach {}, Event {}, \
             RepState {}",
            world.bytes_per_customer(),
            size_of::<crate::world::Customer>(),
            size_of::<Account>(),
            size_of::<Relation>(),
            size_of::<Reach>(),
            size_of::<Event>(),
            size_of::<crate::engine::RepState>(),
        );
        assert!(peak >= fixed, "the fixed state is counted");
        // The world: the account's record, its value, its peers, and per vendor its place in
        // one territory and its home rep.
        let peers = cfg.market.peers as usize;
        let world_bound = size_of::<crate::world::Customer>() + 4 * (1 + peers + 2 * n_vendors);
        assert!(world.bytes_per_customer() <= world_bound);
        assert!(
            peak <= bound,
            "variant {variant}: {peak} B per account over the bound of {bound} B"
        );
    }
}

#[test]
fn an_accounts_draws_of_one_purpose_ignore_its_draws_of_others() {
    use crate::engine::purpose::{BUDGET, CHOICE, NEED, STAGE, WAIT};
    let cfg = config(&[]);
    let world = world_of(&cfg);
    let c = 11;
    // The same run twice; in the second, the strategy has (say) caused extra budget checks,
    // choices and waits for the account in between its need and stage-length draws.
    let mut plain = engine(&cfg, &world);
    let mut pressed = engine(&cfg, &world);
    let plain_draws: Vec<f64> = [NEED, STAGE, NEED, STAGE, STAGE]
        .iter()
        .map(|&p| plain.draw(c, p))
        .collect();
    let mut pressed_draws = Vec::new();
    for &p in &[NEED, STAGE, NEED, STAGE, STAGE] {
        for other in [BUDGET, CHOICE, WAIT] {
            pressed.draw(c, other);
        }
        pressed_draws.push(pressed.draw(c, p));
    }
    assert_eq!(plain_draws, pressed_draws);
    // Each purpose is a sequence of its own, not one sequence read in turns.
    assert_ne!(plain_draws[0], plain_draws[1]);
    assert_ne!(plain_draws[0], plain_draws[2]);
    assert_ne!(plain.draw(c, BUDGET), plain.draw(c, CHOICE));
}

// 8. Defending --------------------------------------------------------------------------------

/// An open opportunity of rep `owner` on account `c`, and a teammate of the owner's.
fn opportunity_with_teammate(e: &mut Engine) -> (CustomerId, RepId, RepId) {
    e.day = 100;
    let c = 40;
    prepare(e, c, Stage::SupplierSelection);
    let (owner, _) = home_rep(e, 0, c);
    let team = e.world.vendors[0].reps[owner as usize].team as usize;
    let reps = e.world.vendors[0].teams[team].reps.clone();
    let teammate = reps
        .clone()
        .find(|&r| r != owner)
        .expect("a team of several reps");
    let rel = e.rel_mut(c, 0);
    rel.shortlisted = true;
    rel.set_owner(owner);
    e.reps[0][owner as usize].pipeline = vec![c];
    e.reps[0][owner as usize].pipeline_values.clear();
    (c, owner, teammate)
}

#[test]
fn an_owner_defends_an_opportunity_a_teammate_works_and_the_defence_is_made() {
    for (defending, defends) in [(1.0, true), (0.0, false)] {
        let cfg = config(&[
            &format!("strategies.aggressive.defending={defending}"),
            "customers.block_threshold=100000",
        ]);
        let world = world_of(&cfg);
        let mut e = engine(&cfg, &world);
        let (c, owner, teammate) = opportunity_with_teammate(&mut e);
        let s = e.rep_strategy(0, owner).clone();
        e.contact(0, teammate, c, &s, false);
        assert_eq!(
            e.reps[0][owner as usize].defend.contains(&c),
            defends,
            "defending {defending}: the owner saw the teammate in the CRM"
        );
        if defends {
            // The defence is worked at once (the next target), not dropped by a minimum gap.
            assert_eq!(e.pick_target(0, owner, &s), Some((c, false)));
            assert!(e.reps[0][owner as usize].defend.is_empty());
            let before = totals(&e).conflicts;
            e.contact(0, owner, c, &s, false);
            assert_eq!(
                totals(&e).conflicts,
                before + 1.0,
                "two of our reps on the account within days: a conflict"
            );
        }
    }
}

#[test]
fn an_owner_defends_against_a_rival_the_buyer_mentions() {
    let cfg = config(&[
        "strategies.aggressive.defending=1",
        "customers.receptivity.supplier_selection=1",
        "customers.attention_per_month=1000",
        "customers.block_threshold=100000",
    ]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    let (c, owner, _) = opportunity_with_teammate(&mut e);
    let s = e.rep_strategy(0, owner).clone();
    // Our contact a week ago, then a rival's two days ago.
    e.reach_mut(c, 0).last_contact = ShortDay::new(e.day - 5);
    e.rel_mut(c, 0).set_last_rep(owner);
    e.reach_mut(c, 1).last_contact = ShortDay::new(e.day - 2);
    e.contact(0, owner, c, &s, false);
    assert!(
        e.reps[0][owner as usize].defend.contains(&c),
        "the buyer mentioned the rival in a welcome conversation"
    );
    // Control: a rival seen before our last contact is old news.
    let mut e = engine(&cfg, &world);
    let (c, owner, _) = opportunity_with_teammate(&mut e);
    e.reach_mut(c, 0).last_contact = ShortDay::new(e.day - 2);
    e.rel_mut(c, 0).set_last_rep(owner);
    e.reach_mut(c, 1).last_contact = ShortDay::new(e.day - 5);
    e.contact(0, owner, c, &s, false);
    assert!(!e.reps[0][owner as usize].defend.contains(&c));
}

// 9. What reps know ---------------------------------------------------------------------------

#[test]
fn a_listening_rep_believes_only_what_it_observed() {
    let cfg = config(&[]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    e.day = 100;
    let c = 50;
    // Whatever the account's hidden stage, block or use of attention, an account the vendor has
    // not observed is believed at the vendor's learned cold-contact rate.
    let prior = e.believed_receptivity(c, 0);
    assert_eq!(
        prior,
        e.responses[0].rate(crate::engine::Knowledge::Unknown)
    );
    for stage in [Stage::Dormant, Stage::SupplierSelection, Stage::CoolOff] {
        prepare(&mut e, c, stage);
        assert_eq!(e.believed_receptivity(c, 0), prior, "{stage:?} is hidden");
    }
    e.reach_mut(c, 0).blocked_until = ShortDay::new(e.day + 100);
    let a = &mut e.accounts[c as usize];
    a.attention_month = crate::calendar::month_of(e.day) as u16;
    a.attention_used = 1000;
    assert_eq!(e.receptivity(c, 0), 0.0, "the account cannot be reached");
    assert_eq!(
        e.believed_receptivity(c, 0),
        prior,
        "a block and used-up attention are hidden too"
    );
    // Before any contact, the prior is one half (a uniform prior on the welcome rate).
    let fresh = engine(&cfg, &world);
    assert_eq!(
        fresh.responses[0].rate(crate::engine::Knowledge::Unknown),
        0.5
    );
    // A contact the account refuses (it blocks us) is observed: the account turned us away.
    let (r, s) = home_rep(&e, 0, c);
    e.contact(0, r, c, &s, false);
    assert_eq!(e.knowledge(c, 0), crate::engine::Knowledge::Rebuffed);
    assert_eq!(
        e.believed_receptivity(c, 0),
        e.responses[0].rate(crate::engine::Knowledge::Rebuffed)
    );
    // The observation ages out after a quarter.
    e.day += DAYS_PER_QUARTER + 1;
    assert_eq!(e.knowledge(c, 0), crate::engine::Knowledge::Unknown);
}

#[test]
fn a_welcome_conversation_reveals_the_stage_to_a_listening_rep_only() {
    for (listening, reveals) in [(1.0, true), (0.0, false)] {
        let cfg = config(&[
            &format!("strategies.aggressive.listening={listening}"),
            "customers.receptivity.exploration=1",
            "customers.attention_per_month=1000",
            "customers.shortlist_on_welcome=0",
        ]);
        let world = world_of(&cfg);
        let mut e = engine(&cfg, &world);
        e.day = 100;
        let c = 60;
        prepare(&mut e, c, Stage::Exploration);
        let (r, s) = home_rep(&e, 0, c);
        e.contact(0, r, c, &s, false);
        let known = e.knowledge(c, 0) == crate::engine::Knowledge::Stage(Stage::Exploration);
        assert_eq!(known, reveals, "listening {listening}");
    }
}

// 10. Contracts and renewals ------------------------------------------------------------------

#[test]
fn the_market_starts_with_an_installed_base_and_incumbents_count() {
    let cfg = config(&[]);
    let world = world_of(&cfg);
    let e = engine(&cfg, &world);
    assert!(
        e.accounts.iter().all(|a| a.adopted()),
        "every account holds a contract"
    );
    for (a, customer) in e.accounts.iter().zip(&world.customers) {
        assert_eq!(a.incumbent, customer.incumbent);
    }
    // The incumbent bonus applies: with a huge bonus the incumbent wins every decision.
    let cfg = config(&[
        "customers.incumbent_weight=60",
        "customers.no_decision_utility=-50",
    ]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    e.day = 100;
    let c = 70;
    prepare(&mut e, c, Stage::Decision);
    let incumbent = e.accounts[c as usize].incumbent as usize;
    for v in 0..e.world.vendors.len() {
        e.rel_mut(c, v).shortlisted = true;
    }
    for _ in 0..200 {
        assert_eq!(e.choose(c), Outcome::Bought(incumbent));
    }
    // A Bass market starts with nobody having bought.
    let cfg = config(&["market.repeat_purchases=false"]);
    let world = world_of(&cfg);
    assert!(engine(&cfg, &world).accounts.iter().all(|a| !a.adopted()));
}

#[test]
fn a_renewal_ending_in_no_decision_keeps_the_contract_for_another_term() {
    let cfg = config(&["customers.no_decision_utility=50"]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    silence_reps(&mut e);
    e.day = 100;
    let c = 80;
    prepare(&mut e, c, Stage::Decision);
    e.accounts[c as usize].set_renewal_due(true);
    e.accounts[c as usize].set_budget_approved(true);
    let contract = e.accounts[c as usize].contract;
    let term = u32::from(world.customers[c as usize].renewal_days);
    e.decide_now(c, None);
    let a = &e.accounts[c as usize];
    assert_eq!(a.stage, Stage::Dormant);
    assert!(!a.renewal_due());
    assert_eq!(a.contract, contract.wrapping_add(1), "a new term");
    let renewals: Vec<Day> = e
        .agenda
        .iter()
        .enumerate()
        .flat_map(|(day, events)| events.iter().map(move |ev| (day as Day, *ev)))
        .filter(|(_, ev)| {
            ev.customer() == c && ev.kind() == EventKind::Need(crate::engine::NeedSource::Renewal)
        })
        .filter(|(_, ev)| e.is_current(ev))
        .map(|(day, _)| day)
        .collect();
    assert_eq!(
        renewals,
        vec![e.day + term],
        "exactly one renewal is pending, a term away"
    );
}

#[test]
fn a_renewal_that_arrives_mid_journey_is_settled_by_that_journey() {
    let cfg = config(&["customers.no_decision_utility=-50"]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    silence_reps(&mut e);
    e.day = 100;
    let c = 90;
    prepare(&mut e, c, Stage::Decision);
    e.rel_mut(c, 0).shortlisted = true;
    e.need_arises(c, crate::engine::NeedSource::Renewal);
    assert!(
        e.accounts[c as usize].renewal_due(),
        "the renewal waits for the journey"
    );
    assert_eq!(
        e.accounts[c as usize].stage,
        Stage::Decision,
        "no second journey"
    );
    let contract = e.accounts[c as usize].contract;
    e.decide_now(c, None);
    let a = &e.accounts[c as usize];
    assert_eq!(a.stage, Stage::CoolOff, "bought");
    assert!(!a.renewal_due(), "the purchase settled the renewal");
    assert_eq!(a.contract, contract.wrapping_add(1));
    // The renewal of the old contract, still on the agenda, is stale now.
    let stale = crate::engine::Event::new(
        c,
        contract,
        EventKind::Need(crate::engine::NeedSource::Renewal),
    );
    assert!(!e.is_current(&stale));
}

// 11. Engagement and preference ---------------------------------------------------------------

#[test]
fn a_vendor_that_did_not_engage_in_a_stage_is_dropped_when_it_ends() {
    let cfg = config(&["customers.unengaged_drop=1"]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    silence_reps(&mut e);
    e.day = 100;
    let c = 95;
    prepare(&mut e, c, Stage::Exploration);
    e.accounts[c as usize].stage_since = crate::engine::state::ShortDay::new(e.day);
    e.rel_mut(c, 0).shortlisted = true;
    e.rel_mut(c, 1).shortlisted = true;
    e.rel_mut(c, 1).conversed = ShortDay::new(e.day + 3);
    e.day += 10;
    e.stage_ends(c);
    assert!(
        !e.rel(c, 0).shortlisted,
        "no conversation in the stage: dropped"
    );
    assert!(e.rel(c, 1).shortlisted, "engaged: kept");
    assert_eq!(e.accounts[c as usize].stage, Stage::SupplierSelection);
}

#[test]
fn supplier_selection_ends_with_a_preferred_vendor_that_the_decision_favours() {
    let cfg = config(&[
        "customers.unengaged_drop=0",
        "customers.preference_weight=60",
        "customers.no_decision_utility=-50",
    ]);
    let world = world_of(&cfg);
    let mut e = engine(&cfg, &world);
    silence_reps(&mut e);
    e.day = 100;
    let c = 96;
    prepare(&mut e, c, Stage::SupplierSelection);
    e.rel_mut(c, 0).shortlisted = true;
    e.rel_mut(c, 2).shortlisted = true;
    e.stage_ends(c);
    let preferred = e.accounts[c as usize].preferred as usize;
    assert!(preferred == 0 || preferred == 2, "one of the shortlist");
    for _ in 0..200 {
        assert_eq!(e.choose(c), Outcome::Bought(preferred));
    }
}

// 12. Behaviour streams -----------------------------------------------------------------------

#[test]
fn changing_our_strategy_does_not_change_what_rival_reps_do() {
    // No defending: a rival that hears of our contact in a conversation defends against it, a
    // causal link on the same day; without it the rivals' targets depend only on their own draws.
    // (Rivals sell their own preset since issue 27: the set reaches them by its own name.)
    let cfg = config(&[
        "strategies.aggressive.defending=0",
        "strategies.rival-aggressive.defending=0",
    ]);
    let world = world_of(&cfg);
    // Day 3: our reps act first (the vendor going first rotates by day), the rivals after us.
    let contacted_by_rivals = |variant: usize| -> Vec<(CustomerId, usize)> {
        let mut e = Engine::new(&cfg, &world, variant, SEED);
        e.day = 3;
        e.step();
        (0..world.customers.len() as CustomerId)
            .flat_map(|c| (1..world.vendors.len()).map(move |v| (c, v)))
            .filter(|&(c, v)| e.reach(c, v).last_contact.day() == 3)
            .collect()
    };
    let aggressive = contacted_by_rivals(0);
    assert!(!aggressive.is_empty(), "the rivals made contacts");
    assert_eq!(
        aggressive,
        contacted_by_rivals(1),
        "the rivals' targets do not depend on how our reps drew theirs"
    );
}
