//! The scenario file as written: serde structs for every section and knob, with defaults.
//!
//! These structs are what `toml` deserializes (`deny_unknown_fields` everywhere, so a typo is an
//! error, not a silently ignored key). Nothing downstream uses them before
//! [`crate::scenario::validate`] has checked every value and resolved names into a
//! [`crate::params::Config`]. Every knob documents its unit, its default and, where there is one,
//! the field fact behind the default (see docs/FIELD-FACTS.md; the model: docs/MODEL.md).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A whole scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name; the default output folder is `output/<name>/`. Letters, digits, `-`, `_`.
    pub name: String,
    /// The one-line question the scenario answers (shown by `salesim list` and in the report).
    #[serde(default)]
    pub question: String,
    /// A longer description: set-up, what to look at.
    #[serde(default)]
    pub description: String,
    /// Simulated horizon in vendor fiscal quarters (65 business days each). Default 12 (three
    /// years).
    #[serde(default = "defaults::horizon_quarters")]
    pub horizon_quarters: u32,
    /// Quarters simulated before the horizon starts, with our teams selling the reference
    /// variant's strategy, so that the market is running (journeys under way, shortlists,
    /// trust, annoyance, learned discounts) when the variants take over at quarter 1. Nothing
    /// is recorded from them; every variant of a replication starts from the same warmed-up
    /// market. Default 28 (seven years), measured on the lesson market (the manifest's
    /// `warm_up_drift`: the reference's change per quarter from horizon year 1 to year 2; one
    /// run of 44 quarters after a 4-quarter warm-up, 300 replications, gives it for every
    /// warm-up at once): after 4 warm-up quarters its bookings still rose by 361 $k a quarter,
    /// after 8 they fell by 165 $k (a damped swing: its base of contracts and its reps' quotas
    /// take several contract and plan cycles to settle); its discount share of list crept up
    /// by 0.036 points a quarter after 16 and 0.038 after 24 (0.016 after 20, inside noise
    /// between two rises: buyers' expected discounts pass from peer to peer, which slows their
    /// approach to a level); from 28 on, all three measures stay within noise (discount share
    /// −0.008, +0.010, +0.008 points a quarter after 28, 32, 36). Each warm-up quarter costs one
    /// simulated quarter per replication (shared by the variants). 0 starts from day 0's
    /// initial state (as a Bass market must).
    #[serde(default = "defaults::warm_up_quarters")]
    pub warm_up_quarters: u32,
    /// Quarters right after the switch that count as settling, not as the steady state: the
    /// `switch` phase of `phases.csv` sums the paired difference over them, and the `steady`
    /// phase (the verdict's first number) averages the quarters after them. Default 2: on the
    /// lesson (200 replications) the paired bookings difference is −1,491 $k in quarter 1, far
    /// outside the steady quarters' −125 $k a quarter (the pull-ins a switch re-times by one
    /// quarter), and back inside their band from quarter 2; the deals difference takes one more
    /// quarter to settle. 0 makes the whole horizon steady.
    #[serde(default = "defaults::settle_quarters")]
    pub settle_quarters: u32,
    /// Replications per variant (and per sweep point). Default 200.
    #[serde(default = "defaults::replications")]
    pub replications: u32,
    /// Master seed; every run's seed derives from (seed, point, replication). Default 20261126.
    #[serde(default = "defaults::seed")]
    pub seed: u64,
    /// Variant that the others are compared against. Default: the first variant.
    #[serde(default)]
    pub reference: Option<String>,
    /// The market: customers, their segments and how needs arise.
    #[serde(default)]
    pub market: Market,
    /// How customers respond to contacts, decide, budget and remember.
    #[serde(default)]
    pub customers: CustomerBehaviour,
    /// Rep capacity and quota setting.
    #[serde(default)]
    pub reps: RepSettings,
    /// Vendors: the first is "us" (the vendor whose strategies are compared), the rest compete.
    #[serde(default = "defaults::vendors")]
    pub vendors: Vec<VendorSpec>,
    /// User-defined strategies, each starting from a preset (`aggressive` or `aligned`).
    #[serde(default)]
    pub strategies: BTreeMap<String, StrategySpec>,
    /// User-defined compensation plans, each starting from a plan preset (`[plans.NAME]`, see
    /// [`PlanSpec`]).
    #[serde(default)]
    pub plans: BTreeMap<String, PlanSpec>,
    /// Whether and how our reps learn from their pay (`learning = { rule = "imitate" }`).
    /// Default: they do not.
    #[serde(default)]
    pub learning: LearningSpec,
    /// The variants to compare: which strategy our teams use.
    #[serde(default = "defaults::variants")]
    pub variants: Vec<VariantSpec>,
    /// Optional parameter sweep.
    #[serde(default)]
    pub sweep: Option<SweepSpec>,
}

impl Scenario {
    /// Default of `settle_quarters` (see its doc comment for why).
    pub const DEFAULT_SETTLE_QUARTERS: u32 = 2;
}

/// The market's accounts and how their needs arise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Market {
    /// Number of customer accounts. Default 4000 (about 400 per rep of ours with the default
    /// vendors).
    pub customers: u32,
    /// Peer network: each account's `peers` nearest neighbours in the 2D market (0 = a complete
    /// network, every account a peer of every other). Default 8.
    pub peers: u32,
    /// Share of accounts in each segment (must sum to 1).
    pub segment_mix: SegmentMix,
    /// Median annual value of a mid-market account, in $k. Default 40.
    pub value_median_k: f64,
    /// Log-normal sigma of account value (dimensionless). Default 0.8.
    pub value_sigma: f64,
    /// Spontaneous need rate `p` per account per year (Bass 1969 innovation coefficient).
    /// Default 0.15: together with renewals this gives a buying journey every ~2.5 years.
    pub spontaneous_need_rate: f64,
    /// Imitation rate `q` per year, times the share of peers that bought within
    /// `imitation_window_days` (Bass 1969 imitation coefficient). Default 0.38 (Bass's often-quoted
    /// q; docs/FIELD-FACTS.md, "Validation equations"). Word of mouth influences 84% of B2B
    /// decision-makers (Forrester).
    pub imitation_rate: f64,
    /// How long a peer's purchase keeps counting as "recent" for imitation, in business days.
    /// Default 260 (one year). Set it to the horizon or more for a pure Bass market.
    pub imitation_window_days: u32,
    /// Shortest contract before a renewal need, in years (each account's contract length is
    /// uniform between the shortest and the longest). Default 1: B2B software contracts average
    /// 1.3-1.5 years (Pacific Crest / KBCM private SaaS surveys 2015-2017: median average
    /// contract length 1.5, 1.3 and 1.4 years [S]), so 1-2 years (mean 1.5).
    pub renewal_years_min: f64,
    /// Longest contract before a renewal need, in years. Default 2 (see `renewal_years_min`).
    pub renewal_years_max: f64,
    /// Whether an account can buy again after its first purchase (renewals, new needs). Default
    /// true; false gives one purchase per account, as in the Bass model.
    pub repeat_purchases: bool,
    /// Segment definitions: buying-cycle length and value.
    pub segments: Segments,
}

/// Share of accounts per segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SegmentMix {
    /// Default 0.3.
    pub smb: f64,
    /// Default 0.5.
    pub mid_market: f64,
    /// Default 0.2.
    pub enterprise: f64,
}

/// The three segments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Segments {
    /// Small business: about a month's cycle.
    pub smb: SegmentSpec,
    /// Mid-market: one to three months.
    pub mid_market: SegmentSpec,
    /// Enterprise: six to eighteen months.
    pub enterprise: SegmentSpec,
}

/// One segment's buying cycle and value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentSpec {
    /// Mean length of the whole buying journey (need to decision, before the wait for budget), in
    /// business days (5 a week; a calendar day is 5/7 of a business day). Field figures are in
    /// calendar days (docs/FIELD-FACTS.md [U]): SMB 14-30, mid-market 30-90, enterprise 90-180+
    /// (Larkin 2014 [V] reports 12-24 months for enterprise software). Defaults, at the middle of
    /// those ranges: SMB 16 (22 calendar days), mid-market 43 (60 calendar days), enterprise 200
    /// (280 calendar days, about 9 months).
    pub cycle_days: f64,
    /// Coefficient of variation of each stage's length (log-normally distributed). Default 0.5.
    #[serde(default = "defaults::stage_cv")]
    pub stage_cv: f64,
    /// Multiplier on the account's annual value. Defaults: SMB 0.25, mid-market 1, enterprise 6.
    pub value_multiplier: f64,
}

/// How accounts respond to contacts, choose, budget and remember.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CustomerBehaviour {
    /// Welcome conversations an account will have per month with all vendors together; once they
    /// are used up, further contacts are unwelcome. Buyers spend about 17% of their purchase time
    /// meeting suppliers and 5-6% with any one (Gartner B2B, docs/FIELD-FACTS.md [S]). Default 6:
    /// assuming a buying group gives the purchase about a day a week (about 35 hours a month, a
    /// model assumption), 17% is about 6 hour-long conversations a month, two with each of three
    /// suppliers (5-6% each).
    pub attention_per_month: u32,
    /// Chance that a contact is welcome, by buying stage (before fatigue and attention).
    pub receptivity: Receptivity,
    /// What vendors can observe of an account's buying cycle besides their own conversations:
    /// trigger events, intent data, their own contracts' renewal dates.
    pub signals: Signals,
    /// Fatigue: receptivity is divided by (1 + `fatigue_per_contact` × recent contacts from that
    /// vendor). Default 0.05, calibrated so that accounts with 7 or more recent contacts respond
    /// about 45% less than accounts with 0-1 (HubSpot, 3.5M leads: 7+ calls → 45% less likely to
    /// respond; docs/FIELD-FACTS.md [S]); the monthly attention budget does part of that, fatigue
    /// the rest.
    pub fatigue_per_contact: f64,
    /// Half-life of the "recent contacts" count behind fatigue, in business days. Default 10.
    pub fatigue_half_life_days: f64,
    /// Trust an account starts with toward every vendor (0–1). Default 0.3.
    pub initial_trust: f64,
    /// Share of the remaining distance to full trust gained per welcome contact. Default 0.06.
    pub trust_gain: f64,
    /// Trust lost per unwelcome contact, as a share of the account's trust in the vendor (a
    /// welcome contact adds `trust_gain` of the room left, 1 − trust). Default 0.06, as large a
    /// share as `trust_gain`: trust then settles where the welcome share is (a team half of whose
    /// contacts are unwelcome holds trust at 0.5, a team welcome three times in ten at 0.3), so a
    /// team whose contacts are mostly unwelcome never gains trust by them, and an unwanted contact
    /// weighs more than a wanted one once trust is above one half (bad is stronger than good:
    /// Baumeister, Bratslavsky, Finkenauer & Vohs 2001, docs/FIELD-FACTS.md [S]; Mittal, Ross &
    /// Baldasare 1998 [V abstract]). Neither source gives a ratio: the size is a judgement
    /// (plausible 0.03–0.24, half to four times the gain, scenario/ranges.rs). (Before issue 27:
    /// 0.01 absolute, so that pestering built trust whenever more than a fifth of contacts were
    /// welcome.)
    pub trust_loss: f64,
    /// Half-life of trust's drift back to `initial_trust`, in business days. Default 260.
    pub trust_half_life_days: f64,
    /// Annoyance added by an unwelcome contact (one unwanted contact = 1). Default 1: annoyance
    /// is counted in unwanted contacts, and `block_threshold` in the same unit.
    pub annoyance_per_unwelcome: f64,
    /// Extra annoyance when two reps of one vendor contact the account within
    /// `conflict_window_days` (an internal conflict). Default 1.
    pub annoyance_per_conflict: f64,
    /// Window for counting two reps of one vendor as an internal conflict, business days. Default
    /// 5.
    pub conflict_window_days: u32,
    /// Half-life of annoyance, in business days. Default 15 (three weeks): annoyance is the
    /// irritation of recent unwanted contact, counted over about the last month as buyers state
    /// their tolerance per 30 days (see `block_threshold`); the long memory of pestering is lost
    /// trust (`trust_loss`, `trust_half_life_days`) and the block itself (`block_days`). A model
    /// assumption, no field figure.
    pub annoyance_half_life_days: f64,
    /// Annoyance at which the median account blocks the vendor ("pest control"), in unwanted
    /// contacts (decayed with `annoyance_half_life_days`); each account's own threshold is this
    /// times its tolerance (log-normal, see `tolerance_sigma`). Default 6.5, calibrated to buyers'
    /// stated tolerance: 75% of buyers are fine with being attempted 2-4 times in 30 days
    /// (Velocify buyer survey, via Heinz Marketing 2013 [S/U]). Unwanted contacts kept up at 4 a
    /// month (every 5.25 business days) hold annoyance at 4.65 at the default half-life, and
    /// 6.5 × e^(-0.674 × 0.5) = 4.65 puts that at the 25th percentile of thresholds: a quarter of
    /// accounts block at that pace, 3% at 2 a month, 73% at 8 a month.
    pub block_threshold: f64,
    /// Log-sd of the accounts' tolerance of unwanted contact around `block_threshold`. Default
    /// 0.5 (a model assumption: buyers differ, and the survey gives one quantile only).
    pub tolerance_sigma: f64,
    /// How long a block lasts, business days. Default 130 (two quarters; a model assumption,
    /// docs/MODEL.md).
    pub block_days: u32,
    /// Trust each peer loses toward a vendor when the account blocks it and warns them. Default
    /// 0.05 (word of mouth influences 84% of B2B decision-makers, Forrester [U]).
    pub peer_warning_trust_loss: f64,
    /// Chance a welcome contact in exploration, selection or validation puts the vendor on the
    /// shortlist. Default 0.35.
    pub shortlist_on_welcome: f64,
    /// Chance that a shortlisted vendor which had no welcome conversation with the account during
    /// a whole stage (exploration, supplier selection or validation) is dropped from the shortlist
    /// when the stage ends: buyers move on with the vendors that engage. Default 0.5, a model
    /// assumption backed qualitatively by lead-response studies (Oldroyd, McElheran & Elkington
    /// 2011, HBR: leads contacted within an hour were 7× likelier to be qualified; Velocify buyer
    /// survey: 72% say the first seller to respond has the advantage).
    pub unengaged_drop: f64,
    /// Chance each vendor is shortlisted without any contact when exploration starts (buyers
    /// find vendors themselves). Default 0.5.
    pub inbound_discovery: f64,
    /// Chance the incumbent vendor is shortlisted when exploration starts. Default 0.7.
    pub incumbent_shortlist: f64,
    /// Share of the remaining stage time removed by a welcome contact in an active stage.
    /// Default 0.1.
    pub stage_shortening: f64,
    /// Chance a welcome contact to a dormant account sparks a need ("insight selling"). Default
    /// 0.01 (rarely; a model assumption, docs/MODEL.md).
    pub insight_spark: f64,
    /// Days after a purchase with very low receptivity (cool-off). Default 65.
    pub cool_off_days: u32,
    /// Logit weight on trust (0–1) in the vendor choice. Default 3.
    pub trust_weight: f64,
    /// Logit weight per unit discount fraction (0.1 discount adds 0.1 × weight): how much a
    /// discount sways the buyer's choice of vendor. Default 1, calibrated so that the timing games
    /// of the quarter-driven team (pull-in discounts, sandbagging) cost it 6–8% of revenue net, on
    /// an enterprise market like Larkin's (Larkin 2014, J. Labor Econ; the `timing-cost` check,
    /// VALIDATION.md); since buyers forget expected discounts (issue 28) the check is tuned with
    /// `discount_memory_half_life_days`, and a weight of 1 is kept (0.25 to 1 all leave the
    /// cost near 4%). A larger weight lets a discount win deals from rivals and hides that cost.
    pub price_weight: f64,
    /// Logit bonus, at the decision, of the vendor the account came to prefer at the end of
    /// supplier selection. Default 1.2, calibrated so that the preferred vendor wins about 8 in
    /// 10 of the journeys that end in a purchase (6sense 2023 buyer study, 3,500+ buyers [V,
    /// vendor research]).
    pub preference_weight: f64,
    /// Logit bonus for the incumbent vendor. Default 0.7.
    pub incumbent_weight: f64,
    /// Logit utility of no decision against the inclusive value of the shortlist (see
    /// `Engine::choose`). Default 0.3, calibrated so that no decision ends 40-60% of our
    /// opportunities counted as a CRM counts them (every opportunity opened and closed; JOLT,
    /// Dixon & McKenna 2022, docs/FIELD-FACTS.md [S]) with a win rate of at most 30%
    /// (practitioner figures: 15-25%, docs/FIELD-FACTS.md [U]).
    pub no_decision_utility: f64,
    /// Utility a vendor loses in the account's decision per unit of pressure from it (its
    /// annoyance divided by `block_threshold`): pressure tactics backfire on the seller that
    /// applies them (JOLT, Dixon & McKenna 2022, docs/FIELD-FACTS.md [S]). Pressure counts against
    /// its own vendor only; what spills over to the others is the lower inclusive value of a
    /// shortlist holding a pest (more no decision) and the peers' warnings after a block. Default
    /// 0.2, calibrated so that bookings respond to sales-force size with an elasticity inside the
    /// field's range for the quarter-driven team as for the aligned one (Albers, Mantrala &
    /// Sridhar 2010: mean 0.34; the `selling-elasticity` check): JOLT gives the direction, no size.
    /// (0.3 until buyers forgot discounts after two years, issue 28: then the quarter-driven
    /// team's elasticity fell to 0.124, 95% CI 0.077 to 0.172; at 0.2 it is 0.211, 0.164 to
    /// 0.259.)
    pub no_decision_pressure: f64,
    /// Budget approval: chance per decision attempt away from the fiscal year end. Default 0.15.
    pub budget_approval: f64,
    /// Multiplier on approval in the last month of the account's own fiscal year ("use it or lose
    /// it"): US federal procurement puts 16.5% of spend in the last month and 8.7% in the last week
    /// (Liebman & Mahoney 2017, AER; docs/FIELD-FACTS.md [V]). Default 3; with the last-week boost
    /// (3) it puts about 18% of aligned deals in the customer's last fiscal month and 5% in its
    /// last week (see VALIDATION.md).
    pub budget_year_end_boost: f64,
    /// Further multiplier on approval in the last week of the fiscal year. Default 3.
    pub budget_last_week_boost: f64,
    /// Days between budget attempts when approval is refused. Default 5.
    pub budget_retry_days: u32,
    /// Days an account waits in the decision stage for budget before giving up (no decision).
    /// Default 130.
    pub decision_patience_days: u32,
    /// How fast an account learns to expect a vendor's discount (share of the gap closed per
    /// discounted purchase or offer). Default 0.5.
    pub discount_learning: f64,
    /// Share of an account's discount learning passed on to each of its peers when it gets a
    /// discounted deal: buyers talk, and procurement learns that a vendor discounts at quarter
    /// end (Larkin 2014: customers exploit quarter-end deals). Default 0.3.
    pub discount_word_of_mouth: f64,
    /// Half-life of what an account has learned to expect of a vendor's discount, in business
    /// days (applied at each quarter's close): buyers forget, and terms are renegotiated as
    /// contracts come up. Without forgetting, word of mouth only ever raised peers' expectations
    /// and the quarter-driven team's discount share climbed from 4% to 10% of list over six
    /// years, never settling (issue 28). No field figure gives the rate; the default 520 (two
    /// years) is calibrated to the `timing-cost` check (Larkin 2014: timing games cost 6–8% of
    /// revenue net; 40 replications: 0.058, 95% CI 0.049 to 0.067, where a year's half-life gave
    /// 0.027 and four years' 0.069 but a market still drifting after a four-year warm-up).
    /// Plausible 260–1040 (half to twice; scenario/ranges.rs).
    #[serde(default = "defaults::discount_memory_half_life_days")]
    pub discount_memory_half_life_days: f64,
    /// Expected discount above which an account waits for the vendor's quarter end. Default 0.05.
    pub wait_threshold: f64,
    /// How far ahead of the vendor's quarter end an account is willing to wait, days. Default 45.
    pub wait_window_days: u32,
    /// Chance that an account in a late stage accepts a quarter-end pull-in at 10 points off, and
    /// so decides now (it still chooses among its shortlist or makes no decision); at a discount
    /// `d` the chance is 1 - (1 - this)^(d / 0.1). Default 0.9, calibrated so that the
    /// quarter-driven team books 30-40% of its bookings in the last two weeks of the quarter on the
    /// lesson market (Larkin 2014; practitioner figure: 30-40% in the last 10 business days is
    /// common, docs/FIELD-FACTS.md [U]).
    pub pull_in_acceptance: f64,
}

/// Observable signals of an account's buying cycle (docs/MODEL.md, "Signals"). A signal puts the
/// account on the lead list of the vendor's home rep for it, for `lead_days`; a rep works its
/// lead list on a cold slot with the chance its strategy's `listening` gives. The signals are
/// the vendor's observations (events, data, its own CRM), never the account's hidden stage; each
/// has a recall (the share of real journeys it reveals) and, where it can be wrong, a precision
/// (the share of its alarms that are real journeys): false alarms land on random accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Signals {
    /// Share of journeys (for a renewal, spontaneous or imitated need) announced by a public
    /// trigger event a vendor notices (funding, a new leader, an expansion), 0–1. Public: every
    /// vendor sees it, and costs no capacity. Default 0.3: a judgement, no field figure found
    /// (plausible 0.1–0.6, scenario/ranges.rs).
    pub trigger_recall: f64,
    /// Share of trigger events that are followed by a journey, 0.01–1 (the rest are false
    /// alarms). Default 0.25: a judgement, no field figure found (plausible 0.1–0.5).
    pub trigger_precision: f64,
    /// Share of journeys whose research during exploration shows up as an intent surge in the
    /// data a vendor buys (`intent_data` in its strategy), 0–1. Default 0.5: vendors publish
    /// scoring schemes but no independent recall (docs/FIELD-FACTS.md [U]); a judgement
    /// (plausible 0.2–0.8).
    pub intent_recall: f64,
    /// Share of intent surges that are real journeys, 0.01–1. Default 0.3: no independent
    /// precision published (docs/FIELD-FACTS.md [U]); a judgement (plausible 0.1–0.6).
    pub intent_precision: f64,
    /// Share of its own contracts whose renewal date a vendor's CRM holds correctly, 0–1: the
    /// incumbent's rep learns of a renewal journey when it starts. Default 0.9: a judgement (CRM
    /// records are incomplete; plausible 0.5–1).
    pub renewal_visibility: f64,
    /// How long a signal stays on a rep's lead list, business days (1–260). Default 20 (four
    /// weeks, about a problem-identification stage of a mid-market journey): a judgement
    /// (plausible 10–40).
    pub lead_days: u32,
    /// Share of journeys at an account on a vendor's nurture programme (its strategy's
    /// `nurture`) in which the buyer, as its need starts, engages with that vendor's content in
    /// a way its marketing automation flags (a download, a webinar, a pricing page), 0–1. Only
    /// that vendor hears of it. Default 0.3: a judgement, no independent figure found (vendors
    /// report that nurtured leads bring more opportunities, not the share of journeys they
    /// reveal; plausible 0.1–0.5).
    pub nurture_response: f64,
    /// Share of flagged content engagements that are a real journey starting, 0.01–1 (the rest
    /// are readers with no need: false alarms on other enrolled accounts). Default 0.5: a
    /// judgement (plausible 0.2–0.8).
    pub nurture_precision: f64,
}

impl Default for Signals {
    fn default() -> Self {
        Signals {
            trigger_recall: 0.3,
            trigger_precision: 0.25,
            intent_recall: 0.5,
            intent_precision: 0.3,
            renewal_visibility: 0.9,
            lead_days: 20,
            nurture_response: 0.3,
            nurture_precision: 0.5,
        }
    }
}

/// Receptivity by buying stage (chance a contact is welcome, 0–1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Receptivity {
    /// No active need. Default 0.06.
    pub dormant: f64,
    /// Problem identification. Default 0.35.
    pub problem_identification: f64,
    /// Exploration and requirements. Default 0.6.
    pub exploration: f64,
    /// Supplier selection (highest). Default 0.8.
    pub supplier_selection: f64,
    /// Validation and consensus. Default 0.55.
    pub validation: f64,
    /// Decision (waiting for budget and sign-off). Default 0.4.
    pub decision: f64,
    /// Cool-off after a purchase. Default 0.03.
    pub cool_off: f64,
}

/// Rep capacity and quota setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RepSettings {
    /// Contacts a rep can make per business day at full effort. A contact is a conversation with
    /// the account (a call answered, a meeting held), wanted (welcome) or not; unanswered
    /// attempts are not modelled. Default 12 (InsideSales 2017: 11.9 conversations a day per
    /// rep, of which 4.8% become meaningful; docs/FIELD-FACTS.md [S]).
    pub capacity_per_day: f64,
    /// Quota as a share of the territory's fair share of expected quarterly demand (sum of
    /// account value × expected purchases per quarter ÷ vendors, counting half of the buying
    /// journeys as ending in a purchase). Default 1.05, calibrated so that about half of the
    /// quarter-driven reps make quota in a quarter on the lesson market (CSO Insights sales
    /// performance studies: 49-59% of reps made quota in 2004-2015 [V/S]).
    pub quota_factor: f64,
    /// Ratchet after a beat: next quota moves this share of the way to the quarter's bookings
    /// (Leone, Misra & Zimmerman 2004: asymmetric ratchet). Default 0 (no ratchet).
    pub ratchet_up: f64,
    /// Ratchet after a miss: share of the way down to the quarter's bookings. Default 0.
    pub ratchet_down: f64,
}

/// A vendor and its sales teams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorSpec {
    /// Vendor name, unique.
    pub name: String,
    /// Strategy of this vendor's teams unless a team or (for the first vendor) a variant says
    /// otherwise. Default `aggressive` for competitors.
    #[serde(default)]
    pub strategy: Option<String>,
    /// Compensation plan of this vendor's teams unless a team or (for the first vendor) a
    /// variant says otherwise: a plan preset or a `[plans.NAME]`. Default
    /// `quarterly-accelerated`.
    #[serde(default)]
    pub plan: Option<String>,
    /// Teams; they split the market into regions (west to east), neighbours share a border.
    pub teams: Vec<TeamSpec>,
}

/// One sales team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamSpec {
    /// Team name, unique within the vendor.
    pub name: String,
    /// Number of reps (at least 1); each owns a territory inside the team's region. A vendor has at
    /// most 65,535 reps over all its teams.
    pub reps: u32,
    /// Strategy override for this team.
    #[serde(default)]
    pub strategy: Option<String>,
    /// Compensation plan override for this team.
    #[serde(default)]
    pub plan: Option<String>,
    /// Share of the market's width this team's region covers, relative to its sibling teams.
    /// Default 1 (equal regions).
    #[serde(default = "defaults::one")]
    pub region_weight: f64,
}

// Deserialized by hand (module `strategy_table` below), not derived with `#[serde(flatten)]`.
/// A user-defined strategy: a preset plus overridden knobs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrategySpec {
    /// The preset to start from: `aggressive` or `aligned`. May be left out when the strategy is
    /// named after a preset (`[strategies.aggressive]` tweaks the aggressive preset).
    #[serde(default)]
    pub base: Option<String>,
    /// Knobs to override (any subset).
    #[serde(flatten)]
    pub knobs: StrategyOverrides,
}

/// Strategy knobs, all optional, overriding a preset (see [`crate::params::strategy::Strategy`] for units,
/// ranges and defaults).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyOverrides {
    pub effort_base: Option<f64>,
    pub effort_ramp: Option<f64>,
    pub give_up_below: Option<f64>,
    pub give_up_effort: Option<f64>,
    pub sandbagging: Option<bool>,
    pub listening: Option<f64>,
    pub min_receptivity: Option<f64>,
    pub listening_cost: Option<f64>,
    pub min_contact_gap_days: Option<u32>,
    pub intent_data: Option<bool>,
    pub nurture: Option<f64>,
    pub poaching: Option<f64>,
    pub poach_neighbour_share: Option<f64>,
    pub discount_max: Option<f64>,
    pub discount_window_days: Option<u32>,
    pub defending: Option<f64>,
    pub pay_driven: Option<bool>,
    pub pay_effort_elasticity: Option<f64>,
}

/// One variant: which strategy our (the first vendor's) teams use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    /// Variant name, unique (a column value in every CSV).
    pub name: String,
    /// Strategy for all of our teams.
    pub strategy: String,
    /// Per-team overrides: team name → strategy.
    #[serde(default)]
    pub teams: BTreeMap<String, String>,
    /// Compensation plan for all of our teams under this variant (default: the vendor's and
    /// teams' own plans).
    #[serde(default)]
    pub plan: Option<String>,
    /// Per-team plan overrides: team name → plan.
    #[serde(default)]
    pub team_plans: BTreeMap<String, String>,
}

/// A user-defined compensation plan: a plan preset plus overridden terms (see
/// [`crate::params::pay::Plan`] for units, defaults and sources).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSpec {
    /// The plan preset to start from (`salesim list` and docs/SCENARIOS.md list them). May be
    /// left out when the plan is named after a preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// `quarter`, `half` or `year`: how long quota and pay run before they are settled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<crate::params::pay::PlanPeriod>,
    /// On-target earnings per year ÷ annual quota (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_target_rate: Option<f64>,
    /// Base salary ÷ on-target earnings (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_share: Option<f64>,
    /// Commission multiplier above quota (1 = linear, up to 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerator: Option<f64>,
    /// Attainment past which no commission is paid (0 = no cap, else at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<f64>,
    /// Lump-sum bonuses: `[{ at = 1.0, share = 0.25 }]` (attainment, share of the period's
    /// target variable pay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonuses: Option<Vec<crate::params::pay::Bonus>>,
    /// Share of commission credit withdrawn on deals pulled in with a discount (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clawback_discounted: Option<f64>,
    /// Share of commission credit clawed back when an account leaves at renewal within the
    /// window (0–1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clawback_churn: Option<f64>,
    /// Churn clawback window after a sale, business days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clawback_window_days: Option<u32>,
}

/// How our reps learn from their pay: at the end of each of its plan periods a revising rep
/// compares its pay with a peer's and copies the peer's selling knobs with a probability that
/// grows with the pay gap (a pairwise-comparison "Fermi" rule: Szabó & Tőke 1998; Traulsen,
/// Nowak & Pacheco 2006), and now and then mutates one knob. Rivals' reps do not learn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LearningSpec {
    /// `none` (default: strategies stay as set) or `imitate`.
    pub rule: String,
    /// Whom a rep compares itself with: `team` (a teammate, the default) or `vendor` (any of
    /// our reps).
    pub peers: String,
    /// Share of our reps who revise their strategy at the end of each plan period (0–1).
    /// Default 0.25: a rep rethinks its approach about once a year on quarterly pay. Model
    /// assumption.
    pub revision_rate: f64,
    /// Selection intensity β of the Fermi rule, per unit of the period's target variable pay: a
    /// peer who earned Δ more (in units of target variable pay) is copied with probability
    /// 1 / (1 + e^(−β·Δ)). Default 5: a peer who earned 20% of target more is copied 73% of the
    /// time, one who earned the same half of the time. Model assumption.
    pub intensity: f64,
    /// Chance that a revising rep then changes one of its knobs at random (0–1). Default 0.05.
    pub mutation: f64,
    /// Size of a mutation: its standard deviation as a share of the knob's range (0–1).
    /// Default 0.1.
    pub mutation_size: f64,
}

impl Default for LearningSpec {
    fn default() -> LearningSpec {
        LearningSpec {
            rule: "none".into(),
            peers: "team".into(),
            revision_rate: 0.25,
            intensity: 5.0,
            mutation: 0.05,
            mutation_size: 0.1,
        }
    }
}

/// A parameter sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// `grid` (every combination) or `zip` (matched lists of equal length). Default `grid`.
    #[serde(default = "defaults::sweep_mode")]
    pub mode: String,
    /// Parameter path → values, e.g. `"strategies.aggressive.discount_max" = [0.0, 0.1, 0.2]`.
    pub parameters: BTreeMap<String, Vec<f64>>,
}

impl Default for Market {
    fn default() -> Self {
        Market {
            customers: 4000,
            peers: 8,
            segment_mix: SegmentMix::default(),
            value_median_k: 40.0,
            value_sigma: 0.8,
            spontaneous_need_rate: 0.15,
            imitation_rate: 0.38,
            imitation_window_days: 260,
            renewal_years_min: 1.0,
            renewal_years_max: 2.0,
            repeat_purchases: true,
            segments: Segments::default(),
        }
    }
}

impl Default for SegmentMix {
    fn default() -> Self {
        SegmentMix {
            smb: 0.3,
            mid_market: 0.5,
            enterprise: 0.2,
        }
    }
}

impl Default for Segments {
    fn default() -> Self {
        Segments {
            smb: SegmentSpec {
                cycle_days: 16.0,
                stage_cv: 0.5,
                value_multiplier: 0.25,
            },
            mid_market: SegmentSpec {
                cycle_days: 43.0,
                stage_cv: 0.5,
                value_multiplier: 1.0,
            },
            enterprise: SegmentSpec {
                cycle_days: 200.0,
                stage_cv: 0.5,
                value_multiplier: 6.0,
            },
        }
    }
}

impl Default for CustomerBehaviour {
    fn default() -> Self {
        CustomerBehaviour {
            attention_per_month: 6,
            receptivity: Receptivity::default(),
            signals: Signals::default(),
            fatigue_per_contact: 0.05,
            fatigue_half_life_days: 10.0,
            initial_trust: 0.3,
            trust_gain: 0.06,
            trust_loss: 0.06,
            trust_half_life_days: 260.0,
            annoyance_per_unwelcome: 1.0,
            annoyance_per_conflict: 1.0,
            conflict_window_days: 5,
            annoyance_half_life_days: 15.0,
            block_threshold: 6.5,
            tolerance_sigma: 0.5,
            block_days: 130,
            peer_warning_trust_loss: 0.05,
            shortlist_on_welcome: 0.35,
            unengaged_drop: 0.5,
            inbound_discovery: 0.5,
            incumbent_shortlist: 0.7,
            stage_shortening: 0.1,
            insight_spark: 0.01,
            cool_off_days: 65,
            trust_weight: 3.0,
            price_weight: 1.0,
            preference_weight: 1.2,
            incumbent_weight: 0.7,
            no_decision_utility: 0.3,
            no_decision_pressure: 0.2,
            budget_approval: 0.15,
            budget_year_end_boost: 3.0,
            budget_last_week_boost: 3.0,
            budget_retry_days: 5,
            decision_patience_days: 130,
            discount_learning: 0.5,
            discount_word_of_mouth: 0.3,
            discount_memory_half_life_days: 520.0,
            wait_threshold: 0.05,
            wait_window_days: 45,
            pull_in_acceptance: 0.9,
        }
    }
}

impl Default for Receptivity {
    fn default() -> Self {
        Receptivity {
            dormant: 0.06,
            problem_identification: 0.35,
            exploration: 0.6,
            supplier_selection: 0.8,
            validation: 0.55,
            decision: 0.4,
            cool_off: 0.03,
        }
    }
}

impl Default for RepSettings {
    fn default() -> Self {
        RepSettings {
            capacity_per_day: 12.0,
            quota_factor: 1.05,
            ratchet_up: 0.0,
            ratchet_down: 0.0,
        }
    }
}

/// Default values used by serde.
pub(crate) mod defaults {
    use super::*;

    pub fn horizon_quarters() -> u32 {
        12
    }
    pub fn discount_memory_half_life_days() -> f64 {
        520.0
    }
    pub fn warm_up_quarters() -> u32 {
        28
    }
    pub fn settle_quarters() -> u32 {
        Scenario::DEFAULT_SETTLE_QUARTERS
    }
    pub fn replications() -> u32 {
        200
    }
    pub fn seed() -> u64 {
        20261126
    }
    pub fn stage_cv() -> f64 {
        0.5
    }
    pub fn one() -> f64 {
        1.0
    }
    pub fn sweep_mode() -> String {
        "grid".to_string()
    }
    pub fn vendors() -> Vec<VendorSpec> {
        let team = |name: &str, reps| TeamSpec {
            name: name.to_string(),
            reps,
            strategy: None,
            plan: None,
            region_weight: 1.0,
        };
        vec![
            VendorSpec {
                name: "us".into(),
                strategy: None,
                plan: None,
                teams: vec![team("west", 5), team("east", 5)],
            },
            VendorSpec {
                name: "rival".into(),
                strategy: Some("aggressive".into()),
                plan: None,
                teams: vec![team("field", 5)],
            },
            VendorSpec {
                name: "challenger".into(),
                strategy: Some("aligned".into()),
                plan: None,
                teams: vec![team("field", 4)],
            },
        ]
    }
    pub fn variants() -> Vec<VariantSpec> {
        ["aggressive", "aligned"]
            .iter()
            .map(|s| VariantSpec {
                name: s.to_string(),
                strategy: s.to_string(),
                teams: Default::default(),
                plan: None,
                team_plans: Default::default(),
            })
            .collect()
    }
}

/// Deserializing a [`StrategySpec`] without `#[serde(flatten)]`, which buffers the table and so
/// loses the key, the line and `deny_unknown_fields` in error messages.
///
/// The table's entries are read straight from the TOML deserializer's own map access: `base` is
/// taken out, every other key is handed to the derived deserializer of [`StrategyOverrides`]. So a
/// wrong type, an unknown key or a negative count inside `[strategies.X]` is reported by `toml`
/// with the span of that key or value, as everywhere else in the file.
mod strategy_table {
    use super::{StrategyOverrides, StrategySpec};
    use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
    use serde::{Deserialize, Deserializer};
    use std::fmt;
    use std::sync::OnceLock;

    /// The key that picks the preset; every other key is a knob.
    const BASE: &str = "base";

    impl<'de> Deserialize<'de> for StrategySpec {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_map(SpecVisitor)
        }
    }

    struct SpecVisitor;

    impl<'de> Visitor<'de> for SpecVisitor {
        type Value = StrategySpec;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a strategy table (`base` and strategy knobs)")
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<StrategySpec, A::Error> {
            let mut base = None;
            let knobs = StrategyOverrides::deserialize(Knobs {
                map,
                base: &mut base,
                fields: &[],
            })?;
            Ok(StrategySpec { base, knobs })
        }
    }

    /// The strategy table seen as the knobs alone: a deserializer (for [`StrategyOverrides`]) and
    /// its map access, which stores `base` on the way.
    struct Knobs<'b, A> {
        map: A,
        base: &'b mut Option<String>,
        /// The knob names, as the derived deserializer announces them.
        fields: &'static [&'static str],
    }

    impl<'de, A: MapAccess<'de>> Deserializer<'de> for Knobs<'_, A> {
        type Error = A::Error;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
            visitor.visit_map(self)
        }

        fn deserialize_struct<V: Visitor<'de>>(
            mut self,
            _name: &'static str,
            fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, A::Error> {
            self.fields = fields;
            visitor.visit_map(self)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }

    impl<'de, A: MapAccess<'de>> MapAccess<'de> for Knobs<'_, A> {
        type Error = A::Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, A::Error> {
            let mut seed = Some(seed);
            loop {
                let key = KeySeed {
                    seed: &mut seed,
                    fields: self.fields,
                };
                match self.map.next_key_seed(key)? {
                    None => return Ok(None),
                    Some(Key::Knob(k)) => return Ok(Some(k)),
                    Some(Key::Base) => *self.base = self.map.next_value()?,
                }
            }
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(
            &mut self,
            seed: V,
        ) -> Result<V::Value, A::Error> {
            self.map.next_value_seed(seed)
        }
    }

    /// A key of the strategy table: `base`, or a knob as the knob deserializer's seed read it.
    enum Key<K> {
        Base,
        Knob(K),
    }

    /// Reads one key inside the underlying map access (so errors get the key's span): `base` is
    /// recognised, a knob is passed to the knob seed, anything else is an unknown field with
    /// `base` and the knobs as the expected keys.
    struct KeySeed<'s, K> {
        seed: &'s mut Option<K>,
        fields: &'static [&'static str],
    }

    impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, K> {
        type Value = Key<K::Value>;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            let key = String::deserialize(d)?;
            if key == BASE {
                return Ok(Key::Base);
            }
            if !self.fields.contains(&key.as_str()) {
                return Err(de::Error::unknown_field(&key, all_keys(self.fields)));
            }
            let seed = self.seed.take().expect("one knob key per seed");
            seed.deserialize(key.into_deserializer()).map(Key::Knob)
        }
    }

    /// `base` followed by the knob names (built once; the knob names never change).
    fn all_keys(fields: &'static [&'static str]) -> &'static [&'static str] {
        static ALL: OnceLock<Vec<&'static str>> = OnceLock::new();
        ALL.get_or_init(|| {
            std::iter::once(BASE)
                .chain(fields.iter().copied())
                .collect()
        })
    }
}
