//! The sliders of the live lesson: the scenario reference's classroom knobs
//! ([`CLASSROOM_KNOBS`]) as this scenario has them, each with its plausible range, unit and the
//! scenario's own value; and the page's slider values turned into the overrides `--set` makes,
//! so that the scenario's own validation judges them.

use crate::error::InputError;
use crate::scenario::ranges::{ClassroomKnob, CLASSROOM_KNOBS, COMPARED};
use crate::scenario::{Config, Override, MAX_CUSTOMERS};
use crate::sensitivity::{compared_strategies, knobs_of};
use serde::Serialize;

/// One slider of the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slider {
    /// The `--set` path it moves (`strategies.aggressive.discount_max`).
    pub path: String,
    /// What the room calls it.
    pub label: String,
    /// The team strategy it belongs to, for a strategy knob.
    pub strategy: Option<String>,
    /// Its unit.
    pub unit: String,
    /// Lowest value of the slider, in its unit.
    pub low: f64,
    /// Highest value.
    pub high: f64,
    /// Step of the slider.
    pub step: f64,
    /// The scenario's own value (the field default for the built-in lesson).
    pub default: f64,
    /// Why the range is what it is: the field fact behind it, or the judgement.
    pub why: String,
    /// The slider's own hover text: what the knob means (the scenario reference's words for its
    /// key), whose setting it is, its range and default in the slider's unit, and why the range.
    pub help: String,
    /// Scenario units per slider unit: the number of our reps for accounts per rep, else 1.
    #[serde(skip)]
    per_unit: f64,
    /// Whether the key takes whole numbers.
    #[serde(skip)]
    whole: bool,
}

/// The scenario's classroom knobs: a strategy knob once per strategy our teams use, from the
/// lowest to the highest end of its plausible ranges over those strategies (so each team's
/// slider reaches the other's setting).
pub fn sliders(cfg: &Config) -> Vec<Slider> {
    let compared = compared_strategies(cfg);
    let knobs = knobs_of(cfg, &compared);
    let our_reps: u32 = cfg.vendors[0].teams.iter().map(|t| t.reps).sum();
    let mut out = Vec::new();
    for classroom in CLASSROOM_KNOBS {
        let mine: Vec<_> = knobs
            .iter()
            .filter(|k| k.range.pattern == classroom.pattern)
            .collect();
        let (Some(low), Some(high)) = (
            mine.iter().map(|k| k.low).reduce(f64::min),
            mine.iter().map(|k| k.high).reduce(f64::max),
        ) else {
            continue;
        };
        for knob in &mine {
            let strategy = classroom.pattern.strip_prefix(COMPARED).and_then(|_| {
                knob.path
                    .strip_prefix("strategies.")
                    .and_then(|rest| rest.split('.').next())
                    .map(str::to_string)
            });
            let per_unit = if classroom.pattern == "market.customers" {
                f64::from(our_reps.max(1))
            } else {
                1.0
            };
            out.push(slider(
                classroom,
                knob.path.clone(),
                strategy,
                knob,
                per_unit,
                (low, high),
            ));
        }
    }
    out
}

fn slider(
    classroom: &ClassroomKnob,
    path: String,
    strategy: Option<String>,
    knob: &crate::sensitivity::Knob,
    per_unit: f64,
    (low, high): (f64, f64),
) -> Slider {
    let (low, high, default) = (low / per_unit, high / per_unit, knob.value / per_unit);
    let step = if knob.whole && per_unit == 1.0 {
        1.0
    } else {
        nice_step((high - low) / 100.0)
    };
    let whose = match &strategy {
        Some(team) => format!("The {team} team's setting. "),
        None => String::new(),
    };
    let meaning = crate::scenario::reference::meaning(&path)
        .map(|m| format!("{m} "))
        .unwrap_or_default();
    let per_rep = if per_unit == 1.0 {
        String::new()
    } else {
        format!(" (the market's accounts ÷ our {per_unit} reps)")
    };
    let help = format!(
        "{label}{per_rep}: {meaning}{whose}On this page: {} to {} {unit}, default {}. Why this \
         range: {}",
        shown(low),
        shown(high),
        shown(default),
        knob.range.why,
        label = classroom.label,
        unit = classroom.unit,
    );
    Slider {
        help,
        path,
        label: classroom.label.to_string(),
        strategy,
        unit: classroom.unit.to_string(),
        low,
        high,
        step,
        default,
        why: knob.range.why.to_string(),
        per_unit,
        whole: knob.whole,
    }
}

/// A number as the hover text shows it: at most four decimals, no trailing zeros.
fn shown(x: f64) -> String {
    let text = format!("{x:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The largest of 1, 2 or 5 × a power of ten not above `x` (a slider step that prints well).
fn nice_step(x: f64) -> f64 {
    if !(x > 0.0 && x.is_finite()) {
        return 1.0;
    }
    let power = 10f64.powf(x.log10().floor());
    let m = x / power;
    let base = if m >= 5.0 {
        5.0
    } else if m >= 2.0 {
        2.0
    } else {
        1.0
    };
    base * power
}

/// Where a value came from, in error messages: the slider, its team and its path.
fn origin(s: &Slider, text: &str) -> String {
    match &s.strategy {
        Some(team) => format!("slider \"{}\" ({team}) {}={text}", s.label, s.path),
        None => format!("slider \"{}\" {}={text}", s.label, s.path),
    }
}

/// The overrides the page's values ask for (path → value), each as `--set PATH=VALUE` would
/// make it, so the scenario's validation judges it with the same rules and messages. A value is
/// exactly one number: a JSON number, or text that is one number and nothing else (so no value
/// can smuggle other settings in). A path that is no slider of the page is refused, naming the
/// sliders.
pub fn overrides(
    sliders: &[Slider],
    values: &[(String, serde_json::Value)],
) -> Result<Vec<Override>, InputError> {
    let mut out = Vec::new();
    for (path, value) in values {
        let text = match value {
            serde_json::Value::String(s) => s.trim().to_string(),
            other => other.to_string(),
        };
        let shown = text.escape_debug().to_string();
        let Some(s) = sliders.iter().find(|s| &s.path == path) else {
            let paths: Vec<String> = sliders.iter().map(|s| s.path.clone()).collect();
            return Err(InputError::at(
                &format!("slider {}={shown}", path.escape_debug()),
                None,
                Some(path),
                &format!(
                    "is no slider of this page{}",
                    crate::suggest::did_you_mean(path, &paths)
                ),
                &paths.join(", "),
            ));
        };
        let origin = origin(s, &shown);
        let number = one_number(value, &text).ok_or_else(|| {
            InputError::at(
                &origin,
                None,
                Some(path),
                "is not a number",
                &format!(
                    "one number from {} to {} {} (nothing else)",
                    s.low, s.high, s.unit
                ),
            )
        })?;
        let value = if s.per_unit == 1.0 {
            as_toml(number, &text)
        } else {
            // Accounts per rep: the scenario's key counts accounts in the market. Its limits
            // are said here in the slider's unit.
            let (low, high) = (1.0 / s.per_unit, f64::from(MAX_CUSTOMERS) / s.per_unit);
            let scaled = (number * s.per_unit).round();
            if !(1.0..=f64::from(MAX_CUSTOMERS)).contains(&scaled) {
                return Err(InputError::at(
                    &origin,
                    None,
                    Some(path),
                    &format!("is not a number of {} this scenario can have", s.unit),
                    &format!(
                        "from {} to {} {} ({} reps of ours; a market has 1 to {MAX_CUSTOMERS} \
                         accounts)",
                        round_up(low),
                        high.floor(),
                        s.unit,
                        s.per_unit
                    ),
                ));
            }
            toml::Value::Integer(scaled as i64)
        };
        out.push(Override {
            path: path.clone(),
            value,
            origin,
        });
    }
    Ok(out)
}

/// The number a slider value is: a JSON number, or text that is one finite number.
fn one_number(value: &serde_json::Value, text: &str) -> Option<f64> {
    let number = match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(_) => {
            let plain = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'));
            plain.then(|| text.parse::<f64>().ok()).flatten()
        }
        _ => None,
    }?;
    number.is_finite().then_some(number)
}

/// A number as `--set` makes it: a whole number written without a point or exponent is an
/// integer, anything else a float.
fn as_toml(number: f64, text: &str) -> toml::Value {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let integer = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
    match text.parse::<i64>() {
        Ok(i) if integer => toml::Value::Integer(i),
        _ => toml::Value::Float(number),
    }
}

/// `x` rounded up to a whole number of the slider's step, shown plainly.
fn round_up(x: f64) -> f64 {
    if x >= 1.0 {
        x.ceil()
    } else {
        // Below one account per rep: two significant digits are enough to say it.
        let power = 10f64.powf(x.log10().floor() - 1.0);
        (x / power).ceil() * power
    }
}

/// A refusal that names a key a slider sets in the scenario's units (`market.customers`), said
/// in the slider's unit instead: the accounts per rep asked and, for the memory check, the most
/// that fit; for any other refusal (too few accounts for the peer network, ...) the range of
/// accounts per rep the scenario accepts, found by asking `accepts` (whether the scenario takes
/// that many accounts, the other values as they are).
pub fn in_slider_units(
    sliders: &[Slider],
    set: &[Override],
    e: InputError,
    accepts: &dyn Fn(i64) -> bool,
) -> InputError {
    let message = e.to_string();
    if memory_share(&message).is_none() && !message.contains("memory") {
        return validation_in_slider_units(sliders, set, e, accepts);
    }
    if let Some((o, s, asked)) = scaled_value(sliders, set, &message) {
        let per_rep = asked as f64 / s.per_unit;
        // The memory need grows with the accounts: the most that fit, in proportion.
        let fits = memory_share(&message).map(|share| (per_rep / share).floor());
        return InputError::at(
            &o.origin,
            None,
            Some(&o.path),
            &format!(
                "{per_rep} {} is more than this computer's memory allows for one job{}",
                s.unit,
                memory_clause(&message)
            ),
            &match fits {
                Some(most) if most >= 1.0 => format!(
                    "at most about {most} {} ({} reps of ours), fewer --threads, or a higher \
                     SALESIM_MEMORY_LIMIT_GB",
                    s.unit, s.per_unit
                ),
                _ => "fewer --threads, or a higher SALESIM_MEMORY_LIMIT_GB".to_string(),
            },
        );
    }
    e
}

/// The value of a slider in its own unit (accounts per rep) that `message` names by its key:
/// its override, its slider and the value asked in the scenario's units.
fn scaled_value<'a>(
    sliders: &'a [Slider],
    set: &'a [Override],
    message: &str,
) -> Option<(&'a Override, &'a Slider, i64)> {
    set.iter().find_map(|o| {
        let s = sliders
            .iter()
            .find(|s| s.path == o.path && s.per_unit != 1.0)?;
        let asked = o.value.as_integer()?;
        message.contains(&o.path).then_some((o, s, asked))
    })
}

/// [`in_slider_units`] for a refusal by the scenario's validation.
fn validation_in_slider_units(
    sliders: &[Slider],
    set: &[Override],
    e: InputError,
    accepts: &dyn Fn(i64) -> bool,
) -> InputError {
    let message = e.to_string();
    if let Some((o, s, asked)) = scaled_value(sliders, set, &message) {
        let default = (s.default * s.per_unit).round() as i64;
        let most = i64::from(MAX_CUSTOMERS);
        if accepts(asked) || !accepts(default) {
            return e;
        }
        // Refusals are at the ends: the fewest accepted (from the default down) and the most.
        let fewest = last_accepted(default, 1, accepts);
        let highest = last_accepted(default, most, accepts);
        let per_rep = |n: i64| n as f64 / s.per_unit;
        return InputError::at(
            &o.origin,
            None,
            Some(&o.path),
            &format!(
                "{} {} ({asked} accounts over our {} reps) is refused: {}",
                shown(per_rep(asked)),
                s.unit,
                s.per_unit,
                e.problem
            ),
            &format!(
                "from {} to {} {}",
                shown(round_up(per_rep(fewest))),
                shown(per_rep(highest).floor()),
                s.unit
            ),
        );
    }
    e
}

/// The value farthest from `accepted` toward `end` that `accepts` takes, with every value between
/// taken too (`accepted` is taken): `end` itself, or the last one before the first refused.
fn last_accepted(mut accepted: i64, mut end: i64, accepts: &dyn Fn(i64) -> bool) -> i64 {
    if accepts(end) {
        return end;
    }
    // `end` is refused: halve the distance until the two are neighbours.
    while (end - accepted).abs() > 1 {
        let mid = accepted + (end - accepted) / 2;
        if accepts(mid) {
            accepted = mid;
        } else {
            end = mid;
        }
    }
    accepted
}

/// `need / limit` from the memory check's message ("need about 3.2 GB … over the limit of 2 GB").
fn memory_share(message: &str) -> Option<f64> {
    let need: f64 = message
        .split("need about ")
        .nth(1)?
        .split(" GB")
        .next()?
        .parse()
        .ok()?;
    let limit: f64 = message
        .split("over the limit of ")
        .nth(1)?
        .split(" GB")
        .next()?
        .parse()
        .ok()?;
    (need > 0.0 && limit > 0.0).then_some(need / limit)
}

/// ": about X GB, over the limit of Y GB" from the memory check's message, when it says so.
fn memory_clause(message: &str) -> String {
    let need = message
        .split("need about ")
        .nth(1)
        .and_then(|r| r.split(" GB").next());
    let limit = message
        .split("over the limit of ")
        .nth(1)
        .and_then(|r| r.split(" GB").next());
    match (need, limit) {
        (Some(n), Some(l)) => format!(" (about {n} GB, over the limit of {l} GB)"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{build, ScenarioSource, LESSON};

    fn lesson() -> (ScenarioSource, Config) {
        let source = ScenarioSource::parse("<built-in lesson>", LESSON).unwrap();
        let cfg = build(&source, &[]).unwrap();
        (source, cfg)
    }

    #[test]
    fn the_lesson_shows_every_classroom_knob_with_its_default_inside_its_range() {
        let (_, cfg) = lesson();
        let shown = sliders(&cfg);
        for k in CLASSROOM_KNOBS {
            assert!(
                shown.iter().any(|s| s.label == k.label),
                "{} has a slider",
                k.label
            );
        }
        for s in &shown {
            assert!(s.low < s.high, "{}: {} to {}", s.path, s.low, s.high);
            assert!(
                s.low <= s.default && s.default <= s.high,
                "{}: {} not in {} to {}",
                s.path,
                s.default,
                s.low,
                s.high
            );
        }
        // A strategy knob has a slider per compared strategy, both spanning each other's value.
        let discounts: Vec<_> = shown
            .iter()
            .filter(|s| s.path.ends_with(".discount_max"))
            .collect();
        assert!(discounts.len() >= 2);
        for d in &discounts {
            for other in &discounts {
                assert!(d.low <= other.default && other.default <= d.high);
            }
        }
    }

    #[test]
    fn the_accepted_range_is_found_from_the_default_both_ways() {
        let accepts = |n: i64| (9..=20_000).contains(&n);
        assert_eq!(last_accepted(1500, 1, &accepts), 9);
        assert_eq!(last_accepted(1500, 5_000_000, &accepts), 20_000);
        let all = |_: i64| true;
        assert_eq!(last_accepted(1500, 1, &all), 1);
    }

    #[test]
    fn slider_steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(0.0035), 0.002);
        assert_eq!(nice_step(0.012), 0.01);
        assert_eq!(nice_step(7.0), 5.0);
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(f64::NAN), 1.0);
    }

    #[test]
    fn accounts_per_rep_sets_the_market_size_and_values_are_validated_as_scenario_files_are() {
        let (source, cfg) = lesson();
        let shown = sliders(&cfg);
        let reps: u32 = cfg.vendors[0].teams.iter().map(|t| t.reps).sum();
        let set = overrides(
            &shown,
            &[("market.customers".into(), serde_json::json!(150))],
        )
        .unwrap();
        let moved = build(&source, &set).unwrap();
        assert_eq!(moved.market.customers, 150 * reps);

        let bad = overrides(
            &shown,
            &[("customers.block_threshold".into(), serde_json::json!("-1"))],
        )
        .unwrap();
        let message = build(&source, &bad).unwrap_err().to_string();
        let from_file = build(
            &source,
            &[Override::parse("customers.block_threshold=-1").unwrap()],
        )
        .unwrap_err()
        .to_string();
        assert!(message.contains("slider \"Block threshold\""), "{message}");
        // The same rule and "allowed" text as the scenario file's key.
        let allowed = |m: &str| {
            m.split("customers.block_threshold")
                .last()
                .unwrap()
                .to_string()
        };
        assert_eq!(allowed(&message), allowed(&from_file));

        let unknown = overrides(&shown, &[("seed".into(), serde_json::json!(3))]).unwrap_err();
        assert!(unknown.to_string().contains("is no slider of this page"));
        let typo = overrides(
            &shown,
            &[("market.customers".into(), serde_json::json!("many"))],
        )
        .unwrap_err();
        assert!(typo.to_string().contains("is not a number"));
    }
}
