//! Property tests (issue 7):
//!
//! (a) the scenario loader and validator never panic: arbitrary text, TOML-shaped noise, line-level
//!     mutations of a valid scenario and random `--set`-style overrides (paths and values) all end
//!     in `Ok` or in an `InputError` that says where (origin) and what (problem);
//! (b) model invariants over random valid small scenarios, run through the public pipeline
//!     (`experiment::plan` + `experiment::run_point`): rates within [0, 1] (or NaN when there is
//!     no denominator), bookings and discount cost never negative, deals never more than the
//!     purchases the accounts can make, trust within [0, 1], blocks never negative, and the
//!     tallies consistent with each other.
//!
//! Not testable from outside the crate: "a blocked vendor never wins" and per-account trust
//! bounds, because the engine's state (`Engine::relations`, `Engine::accounts`) is `pub(crate)`;
//! the unit tests in `src/mechanisms/engine.rs` cover the blocked-vendor choice. Here trust is checked
//! through `mean_trust`, its quarter-end average.
//!
//! Case counts are modest so the file runs in well under 30 s with `--release`. For a longer
//! hunt: `PROPTEST_CASES=5000 cargo test --release --test properties`.

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence};
use salesim::error::InputError;
use salesim::experiment;
use salesim::metrics::TeamTally;
use salesim::scenario::{self, Override, ScenarioSource};

/// Proptest settings: `cases` unless PROPTEST_CASES says otherwise; no regression files (the
/// failing input is printed instead).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..ProptestConfig::default()
    }
}

// (a) The loader never panics ---------------------------------------------------------------

/// A valid scenario touching every section, so mutations reach every level.
const BASE: &str = r#"name = "base"
question = "q"
horizon_quarters = 2
replications = 2
seed = 7
reference = "b"

[market]
customers = 120
peers = 4
repeat_purchases = true

[market.segment_mix]
smb = 0.3
mid_market = 0.5
enterprise = 0.2

[market.segments.smb]
cycle_days = 22
value_multiplier = 0.25

[customers]
attention_per_month = 3
block_threshold = 6.0
cool_off_days = 65

[customers.receptivity]
dormant = 0.06

[reps]
capacity_per_day = 10
ratchet_up = 0.2

[[vendors]]
name = "us"
  [[vendors.teams]]
  name = "west"
  reps = 2
  [[vendors.teams]]
  name = "east"
  reps = 2
  strategy = "aligned"
  region_weight = 1.5

[[vendors]]
name = "rival"
strategy = "aggressive"
  [[vendors.teams]]
  name = "field"
  reps = 2

[strategies.gentle]
base = "aggressive"
discount_max = 0.05
sandbagging = false

[[variants]]
name = "a"
strategy = "aggressive"

[[variants]]
name = "b"
strategy = "gentle"
teams = { east = "aligned" }

[sweep]
mode = "grid"
parameters = { "strategies.gentle.discount_max" = [0.0, 0.1] }
"#;

/// Key paths that exist in a scenario (and a few that do not).
const PATHS: &[&str] = &[
    "name",
    "question",
    "description",
    "horizon_quarters",
    "replications",
    "seed",
    "reference",
    "market",
    "market.customers",
    "market.peers",
    "market.repeat_purchases",
    "market.value_median_k",
    "market.value_sigma",
    "market.spontaneous_need_rate",
    "market.imitation_rate",
    "market.imitation_window_days",
    "market.renewal_years_min",
    "market.renewal_years_max",
    "market.segment_mix",
    "market.segment_mix.smb",
    "market.segment_mix.enterprise",
    "market.segments",
    "market.segments.smb",
    "market.segments.smb.cycle_days",
    "market.segments.enterprise.stage_cv",
    "market.segments.mid_market.value_multiplier",
    "customers",
    "customers.attention_per_month",
    "customers.block_threshold",
    "customers.block_days",
    "customers.cool_off_days",
    "customers.trust_gain",
    "customers.initial_trust",
    "customers.no_decision_utility",
    "customers.fatigue_half_life_days",
    "customers.decision_patience_days",
    "customers.receptivity",
    "customers.receptivity.dormant",
    "customers.receptivity.decision",
    "reps",
    "reps.capacity_per_day",
    "reps.quota_factor",
    "reps.ratchet_up",
    "vendors",
    "vendors.0",
    "vendors.0.name",
    "vendors.0.strategy",
    "vendors.0.teams",
    "vendors.0.teams.0",
    "vendors.0.teams.1.reps",
    "vendors.0.teams.1.name",
    "vendors.0.teams.1.strategy",
    "vendors.0.teams.0.region_weight",
    "vendors.1.name",
    "vendors.1.strategy",
    "vendors.1.teams.0.reps",
    "vendors.2.teams.0.reps",
    "strategies",
    "strategies.gentle",
    "strategies.gentle.base",
    "strategies.gentle.discount_max",
    "strategies.gentle.effort_ramp",
    "strategies.gentle.min_contact_gap_days",
    "strategies.gentle.discount_window_days",
    "strategies.gentle.sandbagging",
    "strategies.aggressive.poaching",
    "strategies.aligned.listening",
    "strategies.newone.base",
    "strategies.newone.discount_max",
    "variants",
    "variants.0",
    "variants.0.name",
    "variants.0.strategy",
    "variants.1.teams",
    "variants.1.teams.east",
    "variants.1.teams.north",
    "variants.5.name",
    "sweep",
    "sweep.mode",
    "sweep.parameters",
    "sweep.parameters.market.customers",
    "colour",
    "market.customerz",
];

/// Words for keys, values and path segments.
const WORDS: &[&str] = &[
    "aggressive",
    "aligned",
    "gentle",
    "pushy",
    "grid",
    "zip",
    "us",
    "rival",
    "west",
    "east",
    "field",
    "a",
    "b",
    "",
    " ",
    "x y",
    "über",
    "..",
    "0",
    "1",
    "-1",
    "99",
    "base",
    "name",
    "teams",
];

/// A random TOML value: edge-case numbers, strings, booleans, small arrays and tables.
fn toml_value() -> impl Strategy<Value = toml::Value> {
    let leaf = prop_oneof![
        prop_oneof![
            Just(0i64),
            Just(1),
            Just(-1),
            Just(2),
            Just(64),
            Just(65),
            Just(200),
            Just(20_000),
            Just(5_000_000),
            Just(u32::MAX as i64),
            Just(u32::MAX as i64 + 1),
            Just(i64::MAX),
            Just(i64::MIN),
            any::<i64>(),
            -1000i64..1000,
        ]
        .prop_map(toml::Value::Integer),
        prop_oneof![
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(0.0f64),
            Just(-0.0),
            Just(0.5),
            Just(1.0),
            Just(1.5),
            Just(2.5),
            Just(1e308),
            Just(-1e308),
            Just(5e-324),
            Just(1e16),
            any::<f64>(),
            -10.0f64..10.0,
        ]
        .prop_map(toml::Value::Float),
        any::<bool>().prop_map(toml::Value::Boolean),
        prop::sample::select(WORDS).prop_map(|s| toml::Value::String(s.to_string())),
        ".{0,12}".prop_map(toml::Value::String),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(toml::Value::Array),
            prop::collection::btree_map(
                prop_oneof![prop::sample::select(PATHS), prop::sample::select(WORDS)],
                inner,
                0..3
            )
            .prop_map(|m| toml::Value::Table(
                m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

/// A key path: a known one, possibly with a segment replaced or appended.
fn key_path() -> impl Strategy<Value = String> {
    (
        prop::sample::select(PATHS),
        0u8..4,
        prop::sample::select(WORDS),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(path, how, word, idx)| {
            let mut segs: Vec<String> = path.split('.').map(str::to_string).collect();
            match how {
                0 => {
                    let i = idx.index(segs.len());
                    segs[i] = word.to_string();
                }
                1 => segs.push(word.to_string()),
                _ => {}
            }
            segs.join(".")
        })
}

/// An override built directly (any path, any value), as `--set` or a sweep would.
fn an_override() -> impl Strategy<Value = Override> {
    (key_path(), toml_value()).prop_map(|(path, value)| Override {
        origin: format!("--set {path}=..."),
        path,
        value,
    })
}

/// The contract of a failed load: says where and what.
fn check_error(e: &InputError, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(!e.origin.is_empty(), "{what}: error without origin: {e:?}");
    prop_assert!(
        !e.problem.trim().is_empty(),
        "{what}: error without problem: {e:?}"
    );
    let text = e.to_string();
    prop_assert!(text.starts_with(&e.origin), "{what}: {text}");
    Ok(())
}

/// Parses and, if that works, validates and plans; any error must honour the contract.
fn load(text: &str, overrides: &[Override]) -> Result<(), TestCaseError> {
    match ScenarioSource::parse("fuzz.toml", text) {
        Err(e) => check_error(&e, "parse"),
        Ok(source) => {
            match scenario::build(&source, overrides) {
                Ok(cfg) => {
                    prop_assert!(cfg.horizon_quarters >= 1 && cfg.replications >= 1);
                    prop_assert!(!cfg.vendors.is_empty() && !cfg.variants.is_empty());
                }
                Err(e) => check_error(&e, "build")?,
            }
            // Sweeps in these inputs are small (a few short lists), so planning is cheap.
            match experiment::plan(&source, overrides) {
                Ok(plan) => {
                    prop_assert!(plan.point_count() >= 1);
                    prop_assert!(plan.total_runs() >= 1);
                }
                Err(e) => check_error(&e, "plan")?,
            }
            Ok(())
        }
    }
}

/// TOML-shaped noise: headers and `key = value` lines drawn from the scenario's vocabulary.
fn tomlish() -> impl Strategy<Value = String> {
    let header = prop_oneof![
        prop::sample::select(PATHS).prop_map(|p| format!("[{p}]")),
        prop::sample::select(PATHS).prop_map(|p| format!("[[{p}]]")),
        prop::sample::select(
            &[
                "[[vendors]]",
                "[[vendors.teams]]",
                "[[variants]]",
                "[sweep]"
            ][..]
        )
        .prop_map(str::to_string),
    ];
    let line = prop_oneof![
        3 => (prop::sample::select(PATHS), toml_value()).prop_map(|(k, v)| {
            let key = k.rsplit('.').next().unwrap_or(k).to_string();
            let value = toml::Value::Table([("v".to_string(), v)].into_iter().collect());
            let rendered = toml::to_string(&value).unwrap_or_default();
            let rhs = rendered.strip_prefix("v = ").unwrap_or("1").trim_end().to_string();
            format!("{key} = {rhs}")
        }),
        1 => header,
        1 => prop::sample::select(&[
            "name = \"x\"", "nan", "= 1", "[", "]", "\"", "a = {", "teams = { west = ",
            "parameters = { \"market.peers\" = [1, 2] }", "mode = \"zip\"", "# comment",
            "x = 1979-05-27T07:32:00Z", "'''", "a.b.c = 1", "\u{0}",
        ][..]).prop_map(str::to_string),
    ];
    prop::collection::vec(line, 0..25).prop_map(|lines| lines.join("\n"))
}

/// A line-level mutation of BASE.
#[derive(Debug, Clone)]
enum Edit {
    Delete(prop::sample::Index),
    Duplicate(prop::sample::Index),
    Swap(prop::sample::Index, prop::sample::Index),
    ReplaceValue(prop::sample::Index, String),
    ReplaceKey(prop::sample::Index, String),
    Insert(prop::sample::Index, String),
    Truncate(prop::sample::Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    let idx = any::<prop::sample::Index>();
    let value = prop_oneof![
        prop::sample::select(
            &[
                "nan",
                "inf",
                "-inf",
                "-1",
                "0",
                "1",
                "0.5",
                "1.5",
                "1e308",
                "4294967296",
                "99999999999999999999",
                "\"\"",
                "\"pushy\"",
                "\"aligned\"",
                "true",
                "[]",
                "[1, 2]",
                "{}",
                "{ north = \"aligned\" }",
                "\"zip\"",
                "\"a\"",
                "\"us\"",
                "many",
                "",
            ][..]
        )
        .prop_map(str::to_string),
        ".{0,8}",
    ];
    let key = prop_oneof![
        prop::sample::select(PATHS).prop_map(|p| p.rsplit('.').next().unwrap().to_string()),
        prop::sample::select(WORDS).prop_map(str::to_string),
    ];
    prop_oneof![
        idx.clone().prop_map(Edit::Delete),
        idx.clone().prop_map(Edit::Duplicate),
        (idx.clone(), idx.clone()).prop_map(|(a, b)| Edit::Swap(a, b)),
        (idx.clone(), value).prop_map(|(i, v)| Edit::ReplaceValue(i, v)),
        (idx.clone(), key).prop_map(|(i, k)| Edit::ReplaceKey(i, k)),
        (idx.clone(), tomlish()).prop_map(|(i, t)| Edit::Insert(i, t)),
        idx.prop_map(Edit::Truncate),
    ]
}

fn apply(edits: &[Edit]) -> String {
    let mut lines: Vec<String> = BASE.lines().map(str::to_string).collect();
    for e in edits {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match e {
            Edit::Delete(i) => {
                lines.remove(i.index(n));
            }
            Edit::Duplicate(i) => {
                let l = lines[i.index(n)].clone();
                lines.insert(i.index(n), l);
            }
            Edit::Swap(a, b) => lines.swap(a.index(n), b.index(n)),
            Edit::ReplaceValue(i, v) => {
                let l = &mut lines[i.index(n)];
                if let Some((k, _)) = l.split_once('=') {
                    *l = format!("{k}= {v}");
                }
            }
            Edit::ReplaceKey(i, k) => {
                let l = &mut lines[i.index(n)];
                if let Some((_, v)) = l.split_once('=') {
                    *l = format!("{k} ={v}");
                }
            }
            Edit::Insert(i, t) => lines.insert(i.index(n), t.clone()),
            Edit::Truncate(i) => {
                let text = lines.join("\n");
                let cut = i.index(text.len().max(1));
                let cut = (0..=cut)
                    .rev()
                    .find(|c| text.is_char_boundary(*c))
                    .unwrap_or(0);
                lines = text[..cut].lines().map(str::to_string).collect();
            }
        }
    }
    lines.join("\n")
}

#[test]
fn toml_syntax_errors_state_a_problem() {
    for text in [
        "\r",
        "teams = { west = ",
        "name = \"bad\"\nx = ",
        "name = \"bad\"\n\rq = 1\n",
    ] {
        let e = ScenarioSource::parse("t.toml", text).unwrap_err();
        assert!(!e.problem.trim().is_empty(), "{text:?}: {e}");
    }
}

#[test]
fn the_base_scenario_is_valid() {
    let source = ScenarioSource::parse("base.toml", BASE).unwrap();
    let plan = experiment::plan(&source, &[]).unwrap();
    assert_eq!(plan.point_count(), 2);
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,300}") {
        load(&text, &[])?;
    }

    #[test]
    fn arbitrary_bytes_as_lossy_utf8_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..300)
    ) {
        load(&String::from_utf8_lossy(&bytes), &[])?;
    }

    #[test]
    fn toml_shaped_noise_never_panics(text in tomlish()) {
        load(&text, &[])?;
        load(&format!("name = \"n\"\n{text}"), &[])?;
    }

    #[test]
    fn mutations_of_a_valid_scenario_never_panic(edits in prop::collection::vec(edit(), 1..5)) {
        load(&apply(&edits), &[])?;
    }

    #[test]
    fn random_overrides_never_panic(overrides in prop::collection::vec(an_override(), 1..4)) {
        load(BASE, &overrides)?;
    }

    #[test]
    fn set_arguments_never_panic(
        path in prop_oneof![key_path(), ".{0,20}"],
        raw in prop_oneof![
            toml_value().prop_map(|v| {
                let t = toml::Value::Table([("v".to_string(), v)].into_iter().collect());
                toml::to_string(&t).unwrap_or_default()
                    .strip_prefix("v = ").unwrap_or("").trim_end().to_string()
            }),
            ".{0,20}",
        ],
    ) {
        let arg = format!("{path}={raw}");
        match Override::parse(&arg) {
            Ok(o) => load(BASE, &[o])?,
            Err(e) => check_error(&e, "Override::parse")?,
        }
        // Without `=` it must be refused, not panic.
        if let Err(e) = Override::parse(&path.replace('=', "")) {
            check_error(&e, "Override::parse")?;
        }
    }

    #[test]
    fn random_sweeps_never_panic(
        mode in prop::sample::select(&["grid", "zip", "random", ""][..]),
        params in prop::collection::btree_map(
            prop_oneof![key_path(), prop::sample::select(WORDS).prop_map(str::to_string)],
            prop::collection::vec(
                prop_oneof![
                    Just(f64::NAN), Just(0.0), Just(1.0), Just(2.0), Just(-1.0), Just(0.5),
                    Just(1e12), -5.0f64..300.0,
                ],
                0..4,
            ),
            0..4,
        ),
    ) {
        let lines: Vec<String> = params
            .iter()
            .map(|(k, vs)| {
                let vs: Vec<String> =
                    vs.iter().map(|v| format!("{v:?}").replace("NaN", "nan")).collect();
                format!("{:?} = [{}]", k, vs.join(", "))
            })
            .collect();
        let base = BASE.split("[sweep]").next().unwrap();
        let text = format!(
            "{base}[sweep]\nmode = {mode:?}\n[sweep.parameters]\n{}\n",
            lines.join("\n")
        );
        load(&text, &[])?;
    }
}

// (b) Model invariants over random valid small scenarios -------------------------------------

/// Knobs of a random valid small scenario.
#[derive(Debug, Clone)]
struct Small {
    customers: u32,
    peers: u32,
    quarters: u32,
    replications: u32,
    seed: u32,
    mix: (u32, u32),
    cycles: [f64; 3],
    repeat_purchases: bool,
    spontaneous: f64,
    imitation: f64,
    cool_off_days: u32,
    attention: u32,
    block_threshold: f64,
    initial_trust: f64,
    trust_gain: f64,
    trust_loss: f64,
    budget_approval: f64,
    no_decision_utility: f64,
    price_weight: f64,
    pull_in_acceptance: f64,
    ratchet: (f64, f64),
    vendors: Vec<Vec<u32>>,
    strategy: (f64, f64, f64, bool, u32, u32, f64),
}

fn small() -> impl Strategy<Value = Small> {
    let market = (
        50u32..=300,
        0u32..=8,
        1u32..=4,
        1u32..=2,
        any::<u32>(),
        (0u32..=10, 0u32..=10),
        [0.0f64..300.0, 0.0f64..300.0, 0.0f64..300.0],
        any::<bool>(),
        0.0f64..5.0,
        0.0f64..5.0,
    );
    let customers = (
        1u32..=65,
        1u32..=10,
        0.5f64..10.0,
        0.0f64..=1.0,
        0.0f64..=1.0,
        0.0f64..=1.0,
        0.0f64..=1.0,
        -5.0f64..5.0,
        0.0f64..10.0,
        0.0f64..=1.0,
        (0.0f64..=1.0, 0.0f64..=1.0),
    );
    let vendors = prop::collection::vec(prop::collection::vec(1u32..=3, 1..=2), 1..=3);
    let strategy = (
        0.0f64..=0.9,
        0.0f64..=1.0,
        0.0f64..=2.0,
        any::<bool>(),
        0u32..=30,
        1u32..=65,
        0.0f64..=1.0,
    );
    (market, customers, vendors, strategy).prop_map(|(m, c, vendors, strategy)| Small {
        customers: m.0,
        peers: m.1,
        quarters: m.2,
        replications: m.3,
        seed: m.4,
        mix: (m.5 .0, m.5 .1.min(10 - m.5 .0)),
        cycles: m.6,
        repeat_purchases: m.7,
        spontaneous: m.8,
        imitation: m.9,
        cool_off_days: c.0,
        attention: c.1,
        block_threshold: c.2,
        initial_trust: c.3,
        trust_gain: c.4,
        trust_loss: c.5,
        budget_approval: c.6,
        no_decision_utility: c.7,
        price_weight: c.8,
        pull_in_acceptance: c.9,
        ratchet: c.10,
        vendors,
        strategy,
    })
}

impl Small {
    fn text(&self) -> String {
        let (smb, mid) = (self.mix.0 as f64 / 10.0, self.mix.1 as f64 / 10.0);
        let ent = (10 - self.mix.0 - self.mix.1) as f64 / 10.0;
        let mut s = format!(
            "name = \"prop\"\nhorizon_quarters = {}\nreplications = {}\nseed = {}\n\n\
             [market]\ncustomers = {}\npeers = {}\nrepeat_purchases = {}\n\
             spontaneous_need_rate = {:?}\nimitation_rate = {:?}\n\n\
             [market.segment_mix]\nsmb = {smb:?}\nmid_market = {mid:?}\nenterprise = {ent:?}\n\n",
            self.quarters,
            self.replications,
            self.seed,
            self.customers,
            self.peers,
            self.repeat_purchases,
            self.spontaneous,
            self.imitation,
        );
        for (seg, cycle, mult) in [
            ("smb", self.cycles[0], 0.25),
            ("mid_market", self.cycles[1], 1.0),
            ("enterprise", self.cycles[2], 6.0),
        ] {
            s += &format!(
                "[market.segments.{seg}]\ncycle_days = {cycle:?}\nvalue_multiplier = {mult:?}\n\n"
            );
        }
        s += &format!(
            "[customers]\ncool_off_days = {}\nattention_per_month = {}\nblock_threshold = {:?}\n\
             initial_trust = {:?}\ntrust_gain = {:?}\ntrust_loss = {:?}\nbudget_approval = {:?}\n\
             no_decision_utility = {:?}\nprice_weight = {:?}\npull_in_acceptance = {:?}\n\n\
             [reps]\nratchet_up = {:?}\nratchet_down = {:?}\n\n",
            self.cool_off_days,
            self.attention,
            self.block_threshold,
            self.initial_trust,
            self.trust_gain,
            self.trust_loss,
            self.budget_approval,
            self.no_decision_utility,
            self.price_weight,
            self.pull_in_acceptance,
            self.ratchet.0,
            self.ratchet.1,
        );
        for (v, teams) in self.vendors.iter().enumerate() {
            let strategy = ["aggressive", "aligned", "custom"][v % 3];
            s += &format!("[[vendors]]\nname = \"v{v}\"\nstrategy = \"{strategy}\"\n");
            for (t, reps) in teams.iter().enumerate() {
                s += &format!("  [[vendors.teams]]\n  name = \"t{t}\"\n  reps = {reps}\n");
            }
            s += "\n";
        }
        let (discount_max, poaching, effort_ramp, sandbagging, gap, window, listening) =
            self.strategy;
        s += &format!(
            "[strategies.custom]\nbase = \"aggressive\"\ndiscount_max = {discount_max:?}\n\
             poaching = {poaching:?}\neffort_ramp = {effort_ramp:?}\nsandbagging = {sandbagging}\n\
             min_contact_gap_days = {gap}\ndiscount_window_days = {window}\n\
             listening = {listening:?}\n\n\
             [[variants]]\nname = \"aggressive\"\nstrategy = \"aggressive\"\n\n\
             [[variants]]\nname = \"custom\"\nstrategy = \"custom\"\n\n\
             [[variants]]\nname = \"mixed\"\nstrategy = \"aligned\"\nteams = {{ t0 = \"custom\" }}\n"
        );
        s
    }
}

/// Within [0, 1], or NaN (no denominator).
fn share(x: f64) -> bool {
    x.is_nan() || (0.0..=1.0).contains(&x)
}

/// The model invariants on every run of a point.
fn check_point(
    cfg: &salesim::scenario::Config,
    result: &experiment::PointResult,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        result.runs.len(),
        cfg.variants.len() * cfg.replications as usize
    );
    let customers = cfg.market.customers as f64;
    let horizon = cfg.horizon_days() as f64;
    let cool_off = cfg.customers.cool_off_days;
    // Every purchase puts the account in cool-off for `cool_off_days` before it can need,
    // decide and buy again, so with a cool-off of at least a day an account buys at most once
    // per cool-off period (plus one); without repeat purchases, at most once. (With
    // cool_off_days = 0 an account can buy several times a day: no bound is checked then.)
    let max_deals = if !cfg.market.repeat_purchases {
        Some(customers)
    } else if cool_off >= 1 {
        Some(customers * (((horizon - 1.0) / cool_off as f64).floor() + 1.0))
    } else {
        None
    };
    for run in &result.runs {
        let rec = &run.record;
        let m = rec.metrics();
        let at = |name: &str| {
            salesim::metrics::RUN_METRICS
                .iter()
                .position(|n| *n == name)
                .unwrap()
        };
        prop_assert_eq!(rec.quarters.len(), cfg.horizon_quarters as usize);
        prop_assert_eq!(
            rec.customer_days,
            cfg.market.customers as u64 * cfg.horizon_days() as u64
        );
        for v in m {
            prop_assert!(!v.is_infinite(), "infinite metric in {:?}", m);
        }
        for name in [
            "bookings",
            "list_value",
            "deals",
            "contacts",
            "blocks",
            "accounts_blocking",
            "conflicts",
            "poached_deals",
        ] {
            prop_assert!(m[at(name)] >= 0.0, "{} = {} < 0", name, m[at(name)]);
        }
        // Distinct accounts blocking us: no more than the block events or the accounts.
        let (blocks, accounts) = (m[at("blocks")], m[at("accounts_blocking")]);
        prop_assert!(
            accounts <= blocks,
            "{accounts} accounts blocking, {blocks} blocks"
        );
        prop_assert!(accounts <= customers, "{accounts} accounts blocking");
        prop_assert!(accounts > 0.0 || blocks == 0.0, "blocks without an account");
        let tol = 1e-9 * m[1].max(1.0);
        prop_assert!(m[2] >= -tol, "discount_cost = {} < 0", m[2]);
        // The largest discount is 0.9 (discount_max's cap), so bookings >= 10% of list.
        prop_assert!(
            m[0] >= 0.1 * m[1] - tol,
            "bookings {} below 10% of list value {}",
            m[0],
            m[1]
        );
        for name in [
            "win_rate",
            "no_decision_rate",
            "lost_to_competitor",
            "unwelcome_share",
            "reps_at_quota_share",
            "mean_trust",
            "hockey_stick",
        ] {
            prop_assert!(
                share(m[at(name)]),
                "{} = {} outside [0, 1]",
                name,
                m[at(name)]
            );
        }
        let attainment = m[at("quota_attainment")];
        prop_assert!(
            attainment.is_nan() || attainment >= 0.0,
            "quota_attainment = {}",
            attainment
        );
        let growth = m[at("yoy_growth")];
        prop_assert!(growth.is_nan() || growth >= -1.0, "yoy_growth = {}", growth);
        prop_assert!(
            !m[at("mean_trust")].is_nan(),
            "mean_trust: every run has quarter ends"
        );
        if let Some(max) = max_deals {
            prop_assert!(m[3] <= max, "deals {} > {} purchases possible", m[3], max);
        }
        let poached = m[at("poached_deals")];
        prop_assert!(
            poached <= m[3],
            "poached deals {} > deals {}",
            poached,
            m[3]
        );
        // Teams: every deal, contact, block and conflict of ours is one team's; a poached deal is
        // gained by one team and lost by one; a team's blocking accounts are within its blocks.
        let teams = rec.teams.iter().fold(TeamTally::default(), |a, b| a + *b);
        prop_assert_eq!(rec.teams.len(), cfg.vendors[0].teams.len());
        prop_assert!((teams.bookings - m[0]).abs() <= 1e-9 * m[0].max(1.0));
        prop_assert_eq!(
            (teams.deals, teams.contacts, teams.blocks, teams.conflicts),
            (m[3], m[at("contacts")], blocks, m[at("conflicts")])
        );
        prop_assert_eq!(
            (teams.poached_gained, teams.poached_lost),
            (poached, poached)
        );
        prop_assert!(teams.accounts_blocking >= accounts);
        for t in &rec.teams {
            prop_assert!(t.accounts_blocking <= t.blocks, "team {t:?}");
        }
        // The market: our vendor's deals are ours to the digit.
        let market = rec.vendor_totals();
        prop_assert_eq!(market.len(), cfg.vendors.len());
        prop_assert_eq!((market[0].bookings, market[0].deals), (m[0], m[3]));
        prop_assert!(market.iter().all(|v| v.bookings >= 0.0 && v.deals >= 0.0));
        // Reps: one attainment per rep of ours per quarter.
        let reps: u32 = cfg.vendors[0].teams.iter().map(|t| t.reps).sum();
        prop_assert!(rec.rep_attainment.iter().all(|q| q.len() == reps as usize));
        for (q, t) in rec.quarters.iter().enumerate() {
            let won = t.opportunities - t.lost - t.no_decision;
            prop_assert!(
                won >= 0.0 && t.lost >= 0.0 && t.no_decision >= 0.0,
                "quarter {q}: {t:?}"
            );
            // Every deal of ours concludes one of our opportunities as won, and vice versa.
            prop_assert_eq!(t.deals, won, "quarter {}: deals vs won opportunities", q);
            prop_assert!(t.unwelcome <= t.contacts, "quarter {q}: {t:?}");
            prop_assert!(
                t.late_deals <= t.deals && t.pulled_in <= t.deals,
                "quarter {q}: {t:?}"
            );
            prop_assert!(t.reps_at_quota <= t.rep_quarters, "quarter {q}: {t:?}");
            prop_assert!(
                t.trust_n == 1.0 && (0.0..=1.0).contains(&t.trust_sum),
                "quarter {q}: trust {t:?}"
            );
            for (i, v) in t.metrics().iter().enumerate() {
                if [4, 5, 6, 8, 13, 14, 15].contains(&i) {
                    let name = salesim::metrics::QUARTER_METRICS[i];
                    prop_assert!(share(*v), "quarter {q}: {} = {v}", name);
                }
            }
        }
        let week_deals: f64 = rec.weeks.deals.iter().sum();
        let week_bookings: f64 = rec.weeks.bookings.iter().sum();
        prop_assert_eq!(week_deals, m[3], "weeks.csv deals vs total deals");
        prop_assert!((week_bookings - m[0]).abs() <= 1e-6 * m[0].max(1.0));
        for w in 0..13 {
            let (d, disc) = (rec.weeks.deals[w], rec.weeks.discount_sum[w]);
            prop_assert!(
                disc >= -1e-9 && disc <= 0.9 * d + 1e-6,
                "week {w}: discounts {disc} on {d} deals"
            );
        }
        prop_assert!(rec.adoptions.iter().all(|a| *a >= 0.0));
        prop_assert!(
            rec.adoptions.iter().sum::<f64>() <= customers,
            "more first purchases than accounts"
        );
    }
    Ok(())
}

/// Valid values at (or, for exclusive lower bounds, just inside) the edges of every knob's
/// allowed range (src/scenario/mod.rs, `validate`;
/// src/params/strategy.rs, `Strategy::check`).
const EDGES: &[(&str, &[f64])] = &[
    ("horizon_quarters", &[1.0, 4.0]),
    ("market.customers", &[20.0, 50.0, 300.0]),
    ("market.peers", &[0.0, 1.0, 8.0, 19.0]),
    ("market.value_median_k", &[1e-5, 40.0, 1e9]),
    ("market.value_sigma", &[0.0, 3.0]),
    ("market.spontaneous_need_rate", &[0.0, 20.0]),
    ("market.imitation_rate", &[0.0, 20.0]),
    ("market.imitation_window_days", &[1.0, 100_000.0]),
    ("market.renewal_years_min", &[0.1, 2.0]),
    ("market.renewal_years_max", &[2.0, 50.0]),
    ("market.segments.smb.cycle_days", &[0.0, 2600.0]),
    ("market.segments.mid_market.cycle_days", &[0.0, 2600.0]),
    ("market.segments.enterprise.cycle_days", &[0.0, 2600.0]),
    ("market.segments.smb.stage_cv", &[0.0, 3.0]),
    ("market.segments.enterprise.value_multiplier", &[1e-5, 1e6]),
    ("customers.attention_per_month", &[1.0, 1000.0]),
    ("customers.receptivity.dormant", &[0.0, 1.0]),
    ("customers.receptivity.exploration", &[0.0, 1.0]),
    ("customers.receptivity.decision", &[0.0, 1.0]),
    ("customers.receptivity.cool_off", &[0.0, 1.0]),
    ("customers.fatigue_per_contact", &[0.0, 100.0]),
    ("customers.fatigue_half_life_days", &[0.01, 1e6]),
    ("customers.initial_trust", &[0.0, 1.0]),
    ("customers.trust_gain", &[0.0, 1.0]),
    ("customers.trust_loss", &[0.0, 1.0]),
    ("customers.trust_half_life_days", &[0.01, 1e6]),
    ("customers.discount_memory_half_life_days", &[0.01, 1e6]),
    ("customers.annoyance_per_unwelcome", &[0.0, 100.0]),
    ("customers.annoyance_per_conflict", &[0.0, 100.0]),
    ("customers.conflict_window_days", &[0.0, 13_000.0]),
    ("customers.annoyance_half_life_days", &[0.01, 1e6]),
    ("customers.block_threshold", &[1e-5, 1e6]),
    ("customers.block_days", &[1.0, 13_000.0]),
    ("customers.peer_warning_trust_loss", &[0.0, 1.0]),
    ("customers.shortlist_on_welcome", &[0.0, 1.0]),
    ("customers.inbound_discovery", &[0.0, 1.0]),
    ("customers.incumbent_shortlist", &[0.0, 1.0]),
    ("customers.stage_shortening", &[0.0, 1.0]),
    ("customers.insight_spark", &[0.0, 1.0]),
    ("customers.cool_off_days", &[0.0, 1.0, 13_000.0]),
    ("customers.trust_weight", &[0.0, 100.0]),
    ("customers.price_weight", &[0.0, 100.0]),
    ("customers.incumbent_weight", &[0.0, 100.0]),
    ("customers.no_decision_utility", &[-50.0, 50.0]),
    ("customers.no_decision_pressure", &[0.0, 100.0]),
    ("customers.budget_approval", &[0.0, 1.0]),
    ("customers.budget_year_end_boost", &[0.0, 100.0]),
    ("customers.budget_last_week_boost", &[0.0, 100.0]),
    ("customers.budget_retry_days", &[1.0, 13_000.0]),
    ("customers.decision_patience_days", &[0.0, 13_000.0]),
    ("customers.discount_learning", &[0.0, 1.0]),
    ("customers.discount_word_of_mouth", &[0.0, 1.0]),
    ("customers.wait_threshold", &[0.0, 1.0]),
    ("customers.wait_window_days", &[0.0, 13_000.0]),
    ("customers.pull_in_acceptance", &[0.0, 1.0]),
    ("reps.capacity_per_day", &[0.01, 200.0]),
    ("reps.quota_factor", &[1e-6, 100.0]),
    ("reps.ratchet_up", &[0.0, 1.0]),
    ("reps.ratchet_down", &[0.0, 1.0]),
    ("vendors.0.teams.0.region_weight", &[1e-5, 1e6]),
    ("vendors.0.teams.1.reps", &[1.0, 60.0]),
    ("strategies.aggressive.effort_base", &[0.0, 1.0]),
    ("strategies.aggressive.effort_ramp", &[0.0, 2.0]),
    ("strategies.aggressive.give_up_below", &[0.0, 1.0]),
    ("strategies.aggressive.give_up_effort", &[0.0, 1.0]),
    ("strategies.aggressive.poaching", &[0.0, 1.0]),
    ("strategies.aggressive.poach_neighbour_share", &[0.0, 1.0]),
    ("strategies.aggressive.discount_max", &[0.0, 0.9]),
    ("strategies.aggressive.discount_window_days", &[1.0, 65.0]),
    ("strategies.aggressive.defending", &[0.0, 1.0]),
    ("strategies.aligned.listening", &[0.0, 1.0]),
    ("strategies.aligned.min_receptivity", &[0.0, 1.0]),
    ("strategies.aligned.listening_cost", &[0.0, 1.0]),
    ("strategies.aligned.min_contact_gap_days", &[0.0, 260.0]),
    ("strategies.aligned.discount_max", &[0.0, 0.9]),
];

/// The scenario the edge values are set on: three vendors, two teams of ours.
const EDGE_BASE: &str = r#"name = "edges"
horizon_quarters = 2
replications = 1

[market]
customers = 50
"#;

fn edges() -> impl Strategy<Value = Vec<Override>> {
    prop::collection::vec(
        (prop::sample::select(EDGES), any::<prop::sample::Index>()),
        0..20,
    )
    .prop_map(|picks| {
        picks
            .into_iter()
            .map(|((path, values), i)| {
                let v = values[i.index(values.len())];
                Override {
                    path: path.to_string(),
                    value: toml::Value::Float(v),
                    origin: format!("--set {path}={v}"),
                }
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(config(40))]

    #[test]
    fn model_invariants_hold_on_random_small_scenarios(s in small()) {
        let text = s.text();
        let source = ScenarioSource::parse("prop.toml", &text)
            .unwrap_or_else(|e| panic!("generated scenario does not parse: {e}\n{text}"));
        let plan = experiment::plan(&source, &[])
            .unwrap_or_else(|e| panic!("generated scenario is not valid: {e}\n{text}"));
        let point = &plan.point(0).unwrap();
        prop_assert_eq!(point.config.market.customers, s.customers);
        check_point(&point.config, &experiment::run_point(point, &|| {}))?;
    }

    #[test]
    fn model_invariants_hold_at_the_edges_of_every_range(overrides in edges()) {
        let source = ScenarioSource::parse("edges.toml", EDGE_BASE).unwrap();
        // A few combinations are invalid together (peers >= customers, renewal max < min,
        // a complete network on too many accounts): those must be refused, not run.
        let plan = match experiment::plan(&source, &overrides) {
            Ok(plan) => plan,
            Err(e) => {
                check_error(&e, "edges")?;
                let combined = ["market.peers", "market.renewal_years_max"];
                prop_assert!(combined.iter().any(|k| e.key.as_deref() == Some(*k)), "{}", e);
                return Ok(());
            }
        };
        let point = &plan.point(0).unwrap();
        check_point(&point.config, &experiment::run_point(point, &|| {}))?;
    }
}

proptest! {
    #![proptest_config(config(8))]

    #[test]
    fn a_point_runs_identically_twice(s in small()) {
        let source = ScenarioSource::parse("prop.toml", &s.text()).unwrap();
        let plan = experiment::plan(&source, &[]).unwrap();
        let a = experiment::run_point(&plan.point(0).unwrap(), &|| {});
        let b = experiment::run_point(&plan.point(0).unwrap(), &|| {});
        prop_assert_eq!(a.runs.len(), b.runs.len());
        for (x, y) in a.runs.iter().zip(&b.runs) {
            prop_assert_eq!(x.seed, y.seed);
            prop_assert_eq!(&x.record, &y.record);
        }
    }
}
