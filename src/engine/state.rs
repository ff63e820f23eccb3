//! The changing state of accounts, account–vendor relations and reps, and lazy decay.
//!
//! Decaying quantities (annoyance, trust, fatigue) are stored with the day they were last
//! updated; their current value is computed on read from a precomputed table of decay factors,
//! so no daily pass over accounts is needed.

use crate::calendar::Day;
use crate::params::settings::CustomerBehaviour;
use crate::world::{CustomerId, RepId};

/// Where an account is in its buying cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// No active need.
    Dormant,
    /// A need is felt; the problem is being identified.
    ProblemIdentification,
    /// Exploring options, writing requirements; vendors get shortlisted.
    Exploration,
    /// Comparing shortlisted suppliers.
    SupplierSelection,
    /// Validation and consensus in the buying group.
    Validation,
    /// Waiting for budget and sign-off; then a vendor or no decision.
    Decision,
    /// Just bought: very low receptivity.
    CoolOff,
}

impl Stage {
    /// Every stage, in discriminant order (`Stage::ALL[s as usize] == s`).
    pub const ALL: [Stage; 7] = [
        Stage::Dormant,
        Stage::ProblemIdentification,
        Stage::Exploration,
        Stage::SupplierSelection,
        Stage::Validation,
        Stage::Decision,
        Stage::CoolOff,
    ];

    /// Whether a need is being worked on (problem identification to decision).
    pub fn is_active(self) -> bool {
        !matches!(self, Stage::Dormant | Stage::CoolOff)
    }

    /// Stages in which a vendor can still be shortlisted.
    pub fn can_shortlist(self) -> bool {
        matches!(
            self,
            Stage::Exploration | Stage::SupplierSelection | Stage::Validation
        )
    }

    /// Late stages, where a quarter-end discount can pull the deal in.
    pub fn is_late(self) -> bool {
        matches!(self, Stage::Validation | Stage::Decision)
    }

    /// The stage after this one in the journey (Validation → Decision).
    pub fn next(self) -> Stage {
        match self {
            Stage::ProblemIdentification => Stage::Exploration,
            Stage::Exploration => Stage::SupplierSelection,
            Stage::SupplierSelection => Stage::Validation,
            _ => Stage::Decision,
        }
    }

    /// Share of the whole journey spent in this stage (decision time comes from budget waits).
    pub fn share_of_cycle(self) -> f64 {
        match self {
            Stage::ProblemIdentification => 0.15,
            Stage::Exploration => 0.3,
            Stage::SupplierSelection => 0.3,
            Stage::Validation => 0.25,
            _ => 0.0,
        }
    }
}

/// Receptivity of each stage, indexed by the stage's discriminant (`Stage as usize`).
pub fn receptivity_by_stage(r: &crate::params::settings::Receptivity) -> [f64; Stage::ALL.len()] {
    Stage::ALL.map(|stage| match stage {
        Stage::Dormant => r.dormant,
        Stage::ProblemIdentification => r.problem_identification,
        Stage::Exploration => r.exploration,
        Stage::SupplierSelection => r.supplier_selection,
        Stage::Validation => r.validation,
        Stage::Decision => r.decision,
        Stage::CoolOff => r.cool_off,
    })
}

/// An account's own state.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Buying stage.
    pub stage: Stage,
    /// Day the current stage is scheduled to end.
    pub stage_end: Day,
    /// Bumped whenever scheduled events become stale.
    pub generation: u32,
    /// Counters of the account's keyed draws, one per purpose ([`super::purpose`]): the n-th
    /// need wait, stage length or choice of an account is the same draw in every variant, however
    /// many draws of other purposes a strategy has caused (common random numbers). Counters wrap
    /// after 65,536 draws of one purpose, far beyond what an account draws in any horizon.
    pub draws: [u16; super::purpose::COUNT],
    /// Month of `attention_used` (`u16::MAX` before the first; a run lasts at most 15,600
    /// business days, under 800 months).
    pub attention_month: u16,
    /// Contacts taken this month from all vendors (at most the scenario's
    /// `customers.attention_per_month`, 1,000 at most).
    pub attention_used: u16,
    /// Day the current stage began.
    pub stage_since: ShortDay,
    /// Day the decision stage began.
    pub decision_since: ShortDay,
    /// The account's yes/no facts, one bit each ([`AccountFlag`]): read and set through
    /// [`Self::waited`], [`Self::delayed`], [`Self::budget_approved`], [`Self::adopted`] and
    /// [`Self::renewal_due`] and their setters.
    flags: u8,
    /// Vendor holding the current contract.
    pub incumbent: u8,
    /// The vendor the account came to prefer at the end of supplier selection in this journey
    /// ([`NO_PREFERENCE`] before that, or if no vendor was left to prefer).
    pub preferred: u8,
    /// Serial number of the running contract; a renewal event of an earlier contract (replaced
    /// by a purchase before it came due) is stale.
    pub contract: u32,
}

impl Account {
    /// A dormant account; `adopted` when it holds a contract with `incumbent`.
    pub fn new(incumbent: u8, adopted: bool) -> Account {
        Account {
            stage: Stage::Dormant,
            stage_end: 0,
            generation: 0,
            draws: [0; super::purpose::COUNT],
            attention_month: u16::MAX,
            attention_used: 0,
            stage_since: ShortDay::ZERO,
            decision_since: ShortDay::ZERO,
            flags: if adopted {
                AccountFlag::Adopted as u8
            } else {
                0
            },
            incumbent,
            preferred: NO_PREFERENCE,
            contract: 0,
        }
    }

    /// Whether `flag` is set.
    #[inline(always)]
    fn is(&self, flag: AccountFlag) -> bool {
        self.flags & flag as u8 != 0
    }

    /// Sets or clears `flag`.
    #[inline(always)]
    fn set(&mut self, flag: AccountFlag, on: bool) {
        if on {
            self.flags |= flag as u8;
        } else {
            self.flags &= !(flag as u8);
        }
    }

    /// Already waited for a vendor's quarter end in this journey.
    pub fn waited(&self) -> bool {
        self.is(AccountFlag::Waited)
    }

    /// Sets [`Self::waited`].
    pub fn set_waited(&mut self, on: bool) {
        self.set(AccountFlag::Waited, on);
    }

    /// Already delayed by a sandbagging rep in this journey.
    pub fn delayed(&self) -> bool {
        self.is(AccountFlag::Delayed)
    }

    /// Sets [`Self::delayed`].
    pub fn set_delayed(&mut self, on: bool) {
        self.set(AccountFlag::Delayed, on);
    }

    /// Budget approved in this journey.
    pub fn budget_approved(&self) -> bool {
        self.is(AccountFlag::BudgetApproved)
    }

    /// Sets [`Self::budget_approved`].
    pub fn set_budget_approved(&mut self, on: bool) {
        self.set(AccountFlag::BudgetApproved, on);
    }

    /// Holds a contract (an installed base at day 0 in a market with repeat purchases; the
    /// first purchase in a Bass market). Incumbent shortlisting and the incumbent bonus need it.
    pub fn adopted(&self) -> bool {
        self.is(AccountFlag::Adopted)
    }

    /// Sets [`Self::adopted`].
    pub fn set_adopted(&mut self, on: bool) {
        self.set(AccountFlag::Adopted, on);
    }

    /// The running contract has come up for renewal and no purchase has settled it yet: the
    /// journey under way settles it, and a renewal that ends in no decision is taken up again.
    pub fn renewal_due(&self) -> bool {
        self.is(AccountFlag::RenewalDue)
    }

    /// Sets [`Self::renewal_due`].
    pub fn set_renewal_due(&mut self, on: bool) {
        self.set(AccountFlag::RenewalDue, on);
    }
}

/// The bits of [`Account`]'s yes/no facts: five flags in one byte keep the account's record at
/// 44 bytes (a million-account market keeps one per account per engine).
#[derive(Debug, Clone, Copy)]
#[repr(u8)]
enum AccountFlag {
    Waited = 1,
    Delayed = 2,
    BudgetApproved = 4,
    Adopted = 8,
    RenewalDue = 16,
}

/// Pipeline coverage a rep wants: open pipeline worth three times the quota still to make (the
/// common "3× coverage" rule of sales management).
pub const PIPELINE_COVERAGE: f64 = 3.0;

/// Marks "no rep" and "never".
pub const NONE: u32 = u32::MAX;

/// [`Account::preferred`] before the account has come to prefer a vendor.
pub const NO_PREFERENCE: u8 = u8::MAX;

/// A business day in two bytes, in the records kept per (account, vendor) pair (three million
/// of them per engine in a million-account market) and per account: a run lasts at most 240
/// quarters (warm-up and horizon at their scenario limits, 40 + 200), 15,600 business days, well
/// inside `u16`. A later day (a block or a knowledge expiry set past the end of the run) is kept
/// as the last representable day, which no simulated day reaches, so comparisons with today are
/// unchanged.
///
/// Kept as the day + 1, with 0 for never: reading it back is one subtraction, and never comes
/// out as [`NONE`] (`u32::MAX`) by wrapping, without a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortDay(u16);

impl ShortDay {
    /// Never (reads as [`NONE`]).
    pub const NEVER: ShortDay = ShortDay(0);
    /// Day 0.
    pub const ZERO: ShortDay = ShortDay(1);

    /// Day `day` (a day past the representable range is kept as the last representable one,
    /// 65,534).
    #[inline(always)]
    pub fn new(day: Day) -> ShortDay {
        ShortDay(day.min(Day::from(u16::MAX - 1)) as u16 + 1)
    }

    /// The day, [`NONE`] for [`Self::NEVER`].
    #[inline(always)]
    pub fn day(self) -> Day {
        Day::from(self.0).wrapping_sub(1)
    }
}

/// An account's relation with one vendor.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// Trust (0–1) as of `trust_day`.
    pub trust: f32,
    /// Day trust was last set.
    pub trust_day: ShortDay,
    /// Annoyance as of `annoyance_day`.
    pub annoyance: f32,
    /// Day annoyance was last set.
    pub annoyance_day: ShortDay,
    /// Rep of the last contact (see [`Self::last_rep`]).
    last_rep: ShortRep,
    /// Rep owning the opportunity in the current journey (see [`Self::owner`]).
    owner: ShortRep,
    /// On the shortlist of the current journey.
    pub shortlisted: bool,
    /// Discount the account has learned to expect from this vendor (fraction); it fades at each
    /// quarter's close (`discount_memory_half_life_days`).
    pub expected_discount: f32,
    /// Standing discount offered in the current journey (fraction).
    pub offered_discount: f32,
    /// Day of the vendor's last welcome conversation with the account (`NONE` = never).
    pub conversed: ShortDay,
}

/// What a vendor has observed of an account: the stage a welcome conversation revealed, or that
/// the account turned a contact away. Reps never read the account's own state: they rank and
/// pick accounts by this, aged by the day it was observed (see `Engine::knowledge`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Knowledge {
    /// A welcome conversation (or an inbound lead, or the journey's outcome) revealed this stage.
    Stage(Stage),
    /// The account turned a contact away (unwelcome, or refused while it blocks the vendor).
    Rebuffed,
    /// Nothing observed, or what was observed is out of date.
    Unknown,
    /// A signal (a trigger event, an intent surge, a renewal date, a nurture engagement) put the
    /// account on the vendor's lead list, and no conversation has told it more since: a lead.
    Signalled,
}

impl Knowledge {
    /// How many knowledge categories there are: the stages, rebuffed, unknown, signalled.
    pub const COUNT: usize = Stage::ALL.len() + 3;

    /// Index of the category in per-category tables.
    pub fn index(self) -> usize {
        match self {
            Knowledge::Stage(s) => s as usize,
            Knowledge::Rebuffed => Stage::ALL.len(),
            Knowledge::Unknown => Stage::ALL.len() + 1,
            Knowledge::Signalled => Stage::ALL.len() + 2,
        }
    }
}

/// A vendor's own record of how often its contacts were welcome, by what it knew of the account
/// before the contact ([`Knowledge`]): the response rates its reps learn from experience. The
/// estimate for a category is the posterior mean under a uniform prior, (welcome + 1) ÷
/// (contacts + 2), so a category never tried is believed to be welcome half of the time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResponseLog {
    /// Contacts per category.
    pub contacts: [f64; Knowledge::COUNT],
    /// Of which welcome.
    pub welcome: [f64; Knowledge::COUNT],
    /// The estimate per category, kept up to date by [`Self::record`]: reps read it many times
    /// per contact made (every sampled account), so it is divided out once per contact.
    rates: [f64; Knowledge::COUNT],
}

impl Default for ResponseLog {
    fn default() -> ResponseLog {
        ResponseLog {
            contacts: [0.0; Knowledge::COUNT],
            welcome: [0.0; Knowledge::COUNT],
            rates: [Self::estimate(0.0, 0.0); Knowledge::COUNT],
        }
    }
}

impl ResponseLog {
    /// Records one contact made knowing `k`.
    pub fn record(&mut self, k: Knowledge, welcome: bool) {
        let i = k.index();
        self.contacts[i] += 1.0;
        self.welcome[i] += welcome as u8 as f64;
        self.rates[i] = Self::estimate(self.welcome[i], self.contacts[i]);
    }

    /// The learned chance that a contact to an account known as `k` is welcome.
    pub fn rate(&self, k: Knowledge) -> f64 {
        self.rates[k.index()]
    }

    /// The posterior mean welcome rate after `welcome` of `contacts` were welcome.
    fn estimate(welcome: f64, contacts: f64) -> f64 {
        (welcome + 1.0) / (contacts + 2.0)
    }
}

impl Relation {
    /// A fresh relation.
    pub fn new(trust: f32) -> Relation {
        Relation {
            trust,
            trust_day: ShortDay::ZERO,
            annoyance: 0.0,
            annoyance_day: ShortDay::ZERO,
            last_rep: ShortRep::NONE,
            owner: ShortRep::NONE,
            shortlisted: false,
            expected_discount: 0.0,
            offered_discount: 0.0,
            conversed: ShortDay::NEVER,
        }
    }

    /// Rep of the last contact (`NONE` = never contacted).
    #[inline(always)]
    pub fn last_rep(&self) -> RepId {
        self.last_rep.rep()
    }

    /// Records rep `r` as the last to contact the account.
    #[inline(always)]
    pub fn set_last_rep(&mut self, r: RepId) {
        self.last_rep = ShortRep::new(r);
    }

    /// Rep owning the opportunity in the current journey (`NONE` = none).
    #[inline(always)]
    pub fn owner(&self) -> RepId {
        self.owner.rep()
    }

    /// Makes rep `r` the opportunity's owner (`NONE`: no one).
    #[inline(always)]
    pub fn set_owner(&mut self, r: RepId) {
        self.owner = ShortRep::new(r);
    }
}

/// Most reps a vendor may have, so that a rep's id fits in two bytes in the records kept per
/// (account, vendor) pair (the scenario check enforces it): far beyond the largest
/// sales forces (tens of thousands of reps), and more than a market's
/// [`crate::params::MAX_CUSTOMERS`] accounts could keep busy.
pub const MAX_REPS_PER_VENDOR: u32 = u16::MAX as u32;

/// A rep's id in two bytes (see [`MAX_REPS_PER_VENDOR`]), kept as the id + 1 with 0 for no
/// rep, so that both ways are one addition or subtraction ([`NONE`], `u32::MAX`, wraps to 0 and
/// back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ShortRep(u16);

impl ShortRep {
    /// No rep (reads as [`NONE`]).
    const NONE: ShortRep = ShortRep(0);

    /// Rep `r` (below [`MAX_REPS_PER_VENDOR`]) or [`NONE`].
    #[inline(always)]
    fn new(r: RepId) -> ShortRep {
        debug_assert!(r == NONE || r < MAX_REPS_PER_VENDOR, "rep id {r}");
        ShortRep(r.wrapping_add(1) as u16)
    }

    /// The rep's id, [`NONE`] for none.
    #[inline(always)]
    fn rep(self) -> RepId {
        RepId::from(self.0).wrapping_sub(1)
    }
}

/// What a rep looks at when it weighs an account, and what decides whether the account can be
/// reached by its vendor today. The vendor's own fields, which its reps read: its last contact,
/// what it knows of the account and the quarter of its last pull-in offer. The account's own, which only the account's response to a
/// contact reads (never a rep choosing whom to call): a block and recent contacts (fatigue).
/// Kept apart from [`Relation`] in a dense array of 16 bytes per (account, vendor): a rep
/// sampling accounts reads only this record's vendor fields and the account's value, one record
/// per sample (fewer cache misses, BENCHMARKS.md §10 and §16).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reach {
    /// Day of the vendor's last contact (`NONE` = never).
    pub last_contact: ShortDay,
    /// What the vendor last observed of the account, as its reps observed it (see
    /// [`Knowledge`]; [`Knowledge::Unknown`] before anything was).
    pub known: Knowledge,
    /// Last day on which `known` is taken as current (see `Engine::knowledge`), fixed when it
    /// was observed.
    pub known_until: ShortDay,
    /// Blocked ("pest control") until this day, exclusive; 0 = not blocked.
    pub blocked_until: ShortDay,
    /// Recent-contact count (fatigue) as of `fatigue_day`.
    pub fatigue: f32,
    /// Day fatigue was last set.
    pub fatigue_day: ShortDay,
    /// Quarter in which one of the vendor's reps last offered the account a pull-in
    /// ([`Self::NEVER_OFFERED`] = never): the vendor's own record.
    pub offered_quarter: u16,
}

impl Reach {
    /// Never contacted, not blocked, no fatigue.
    pub fn new() -> Reach {
        Reach {
            last_contact: ShortDay::NEVER,
            known: Knowledge::Unknown,
            known_until: ShortDay::ZERO,
            blocked_until: ShortDay::ZERO,
            fatigue: 0.0,
            fatigue_day: ShortDay::ZERO,
            offered_quarter: Self::NEVER_OFFERED,
        }
    }

    /// [`Self::offered_quarter`] of a vendor that never offered the account a pull-in. A run
    /// lasts at most 240 quarters (the scenario limits).
    pub const NEVER_OFFERED: u16 = u16::MAX;

    /// Whether the vendor is blocked on `day`.
    pub fn is_blocked(&self, day: Day) -> bool {
        day < self.blocked_until.day()
    }
}

impl Default for Reach {
    fn default() -> Reach {
        Reach::new()
    }
}

/// A vendor's last sale to an account, kept where its plans claw back commission when the
/// account leaves: who sold it, when, and the commission credit it earned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sale {
    /// The credited rep ([`NONE`]: no sale on record).
    pub rep: RepId,
    /// The day it was booked.
    pub day: Day,
    /// Its commission credit, $k.
    pub credit: f32,
}

impl Sale {
    /// No sale on record.
    pub const NONE: Sale = Sale {
        rep: NONE,
        day: 0,
        credit: 0.0,
    };
}

/// A rep's changing state.
#[derive(Debug, Clone, PartialEq)]
pub struct RepState {
    /// Current quarterly quota, $k.
    pub quota: f64,
    /// Booked this quarter, $k.
    pub booked: f64,
    /// Quarters in the rep's plan period (as its plan says; the first and last period of a
    /// record may be cut short by the record's start and end).
    pub period_quarters: u32,
    /// Quarters of the current period already settled (0 at its start).
    pub period_quarters_done: u32,
    /// Quota of the current plan period, $k: the quarterly quota times the period's quarters,
    /// fixed at its start.
    pub period_quota: f64,
    /// Booked this plan period, $k.
    pub period_booked: f64,
    /// Commission credit this plan period, $k: bookings less what the plan claws back.
    pub period_credit: f64,
    /// On-target earnings per year, $k, fixed when the rep was hired (at the start of the
    /// record): the plan's on-target rate times the annual quota then.
    pub ote_year: f64,
    /// Variable pay earned in the last settled period, in units of its target variable pay.
    pub last_pay: f64,
    /// Variable pay of the periods settled in the last year, in units of target variable pay,
    /// newest last (at most four): a learning rep compares the mean, a year's pay, with a
    /// peer's (one quarter's pay is mostly territory luck).
    pub pay_log: Vec<f64>,
    /// Opportunities this rep owns (may hold stale entries, cleaned when read).
    pub pipeline: Vec<CustomerId>,
    /// List value of the open pipeline, $k (as of the rep's last clean-up).
    pub pipeline_value: f64,
    /// List values of the first `pipeline_values.len()` pipeline entries, in pipeline order
    /// (entries pushed since the last clean-up are valued at the next one), so the clean-up sums
    /// a contiguous array instead of looking every account up.
    pub pipeline_values: Vec<f32>,
    /// Accounts whose pipeline entry may have gone stale since the last clean-up: the engine
    /// notes an account here whenever it changes the owner, shortlist or stage of an account this
    /// rep owns. Only these entries are re-checked, so a clean-up costs O(changes), not
    /// O(pipeline) random reads.
    pub suspects: Vec<CustomerId>,
    /// Open opportunities of this rep on which it saw another rep (a rival's, a teammate's or a
    /// neighbouring team's) at work, and decided to step up its own contacts: worked before any
    /// other target, oldest first.
    pub defend: Vec<CustomerId>,
    /// Accounts its vendor's signals point to (trigger events, intent surges, its own renewals;
    /// [`super::signals`]), each with the day the lead goes stale, newest last.
    pub leads: Vec<(CustomerId, ShortDay)>,
    /// Fractional contact carried to the next day.
    pub carry: f64,
}

impl RepState {
    /// A rep with a quarterly quota, on a one-quarter plan period, with nothing booked.
    pub fn new(quota: f64) -> RepState {
        RepState {
            quota,
            booked: 0.0,
            period_quarters: 1,
            period_quarters_done: 0,
            period_quota: quota,
            period_booked: 0.0,
            period_credit: 0.0,
            ote_year: 0.0,
            last_pay: 0.0,
            pay_log: Vec::new(),
            pipeline: Vec::new(),
            pipeline_value: 0.0,
            pipeline_values: Vec::new(),
            suspects: Vec::new(),
            defend: Vec::new(),
            leads: Vec::new(),
            carry: 0.0,
        }
    }

    /// Bookings over quota this plan period (this quarter on a quarterly plan).
    pub fn attainment(&self) -> f64 {
        self.period_booked / self.period_quota
    }

    /// Commission credit over quota this plan period: what the rep's pay follows.
    pub fn credited_attainment(&self) -> f64 {
        self.period_credit / self.period_quota
    }

    /// Whether the open pipeline covers less than [`PIPELINE_COVERAGE`] times what is still
    /// missing to the period's quota: the rep's own pipeline is thin, so it hunts elsewhere
    /// (poaching).
    pub fn pipeline_is_thin(&self) -> bool {
        self.pipeline_value < PIPELINE_COVERAGE * (self.period_quota - self.period_booked).max(0.0)
    }

    /// Records the variable pay of a settled period (units of target variable pay), keeping a
    /// year's worth of periods.
    pub fn log_pay(&mut self, pay: f64) {
        self.last_pay = pay;
        let keep = (4 / self.period_quarters.max(1)).max(1) as usize;
        self.pay_log.push(pay);
        let excess = self.pay_log.len().saturating_sub(keep);
        self.pay_log.drain(..excess);
    }

    /// Mean variable pay per period over the last year (units of target variable pay).
    pub fn year_pay(&self) -> f64 {
        if self.pay_log.is_empty() {
            return 0.0;
        }
        self.pay_log.iter().sum::<f64>() / self.pay_log.len() as f64
    }

    /// Books a deal: `net` $k, of which `credit` $k count toward commission.
    pub fn book(&mut self, net: f64, credit: f64) {
        self.booked += net;
        self.period_booked += net;
        self.period_credit += credit;
    }

    /// Starts a plan period of `quarters` quarters at the current quarterly quota.
    pub fn start_period(&mut self, quarters: u32) {
        self.period_quarters = quarters;
        self.period_quarters_done = 0;
        self.period_quota = self.quota * f64::from(quarters);
        self.period_booked = 0.0;
        self.period_credit = 0.0;
    }

    /// Ends a quarter. At the end of the plan period (`period_ends`), ratchets the quarterly
    /// quota toward the period's bookings per quarter (Leone, Misra & Zimmerman 2004: quota_t =
    /// a·sales_{t−1} + (1−a)·quota_{t−1}, asymmetric) and starts a period of `next_quarters`.
    pub fn settle_quarter(&mut self, up: f64, down: f64, period_ends: bool, next_quarters: u32) {
        self.booked = 0.0;
        self.period_quarters_done += 1;
        if !period_ends {
            return;
        }
        let per_quarter = self.period_booked / f64::from(self.period_quarters_done.max(1));
        let a = if per_quarter > self.quota { up } else { down };
        self.quota = (self.quota + a * (per_quarter - self.quota)).max(self.quota * 0.1);
        self.start_period(next_quarters);
    }
}

/// Precomputed decay factors by elapsed days.
#[derive(Debug, Clone)]
pub struct DecayTables {
    annoyance: Vec<f32>,
    trust: Vec<f32>,
    fatigue: Vec<f32>,
}

impl DecayTables {
    /// Tables up to `horizon` days for the configured half-lives.
    pub fn new(b: &CustomerBehaviour, horizon: Day) -> DecayTables {
        let table = |half_life: f64| -> Vec<f32> {
            (0..=horizon)
                .map(|d| 0.5f64.powf(d as f64 / half_life) as f32)
                .collect()
        };
        DecayTables {
            annoyance: table(b.annoyance_half_life_days),
            trust: table(b.trust_half_life_days),
            fatigue: table(b.fatigue_half_life_days),
        }
    }

    fn at(table: &[f32], days: Day) -> f32 {
        table.get(days as usize).copied().unwrap_or(0.0)
    }

    /// Factor for annoyance after `days`.
    pub fn annoyance(&self, days: Day) -> f32 {
        Self::at(&self.annoyance, days)
    }

    /// Factor for trust's distance from its initial level after `days`.
    pub fn trust(&self, days: Day) -> f32 {
        Self::at(&self.trust, days)
    }

    /// Factor for the recent-contact count after `days`.
    pub fn fatigue(&self, days: Day) -> f32 {
        Self::at(&self.fatigue, days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annoyance_halves_at_the_documented_half_life() {
        let b = CustomerBehaviour::default();
        let t = DecayTables::new(&b, 1000);
        let h = b.annoyance_half_life_days as u32;
        assert!((t.annoyance(h) - 0.5).abs() < 1e-6);
        assert!((t.annoyance(2 * h) - 0.25).abs() < 1e-6);
        assert_eq!(t.annoyance(0), 1.0);
    }

    #[test]
    fn ratchet_is_asymmetric() {
        let mut r = RepState::new(100.0);
        r.book(200.0, 200.0);
        r.settle_quarter(0.5, 0.1, true, 1);
        assert_eq!(r.quota, 150.0);
        r.book(50.0, 50.0);
        r.settle_quarter(0.5, 0.1, true, 1);
        assert_eq!(r.quota, 140.0);
        assert_eq!(
            (r.booked, r.period_booked, r.period_credit),
            (0.0, 0.0, 0.0)
        );
        assert_eq!(r.period_quota, 140.0);
    }

    #[test]
    fn a_yearly_period_settles_its_quota_once_a_year_on_bookings_per_quarter() {
        let mut r = RepState::new(100.0);
        r.start_period(4);
        assert_eq!(r.period_quota, 400.0);
        for q in 0..4 {
            r.book(150.0, 120.0);
            assert_eq!(r.quota, 100.0, "no ratchet before the year ends");
            r.settle_quarter(0.5, 0.1, q == 3, 4);
        }
        // 600 booked over 4 quarters: 150 a quarter, above the 100 quota: up by half the gap.
        assert_eq!(r.quota, 125.0);
        assert_eq!(r.period_quota, 500.0);
        assert_eq!(r.booked, 0.0);
    }

    #[test]
    fn the_longest_run_a_scenario_allows_fits_in_a_short_day() {
        use crate::calendar::DAYS_PER_QUARTER;
        use crate::params::{MAX_HORIZON_QUARTERS, MAX_WARM_UP_QUARTERS};
        let last_day = (MAX_HORIZON_QUARTERS + MAX_WARM_UP_QUARTERS) * DAYS_PER_QUARTER;
        for day in [0, 1, last_day - 1, last_day, last_day + 100] {
            assert_eq!(ShortDay::new(day).day(), day);
        }
        assert_eq!(ShortDay::NEVER.day(), NONE);
        assert_eq!(ShortDay::ZERO.day(), 0);
        assert_eq!(
            ShortDay::new(NONE),
            ShortDay::new(NONE - 1),
            "past the range, not never"
        );
        // A day past the range (a long block set near the end) stays in the future of every
        // simulated day.
        assert!(ShortDay::new(NONE - 1).day() > last_day + 100);
        assert_ne!(ShortDay::new(NONE - 1), ShortDay::NEVER);
    }

    #[test]
    fn every_stage_is_listed_at_its_own_index() {
        for (i, stage) in Stage::ALL.into_iter().enumerate() {
            assert_eq!(stage as usize, i, "{stage:?}");
        }
    }
}
