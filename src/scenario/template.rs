//! The commented scenario template written by `salesim init`.

/// A commented scenario template named `name`; it validates and runs as written.
pub fn template(name: &str) -> String {
    TEMPLATE.replace("{{name}}", name)
}

const TEMPLATE: &str = r#"# salesim scenario: {{name}}
# Run it with:   salesim run {{name}}.toml
# Every key below is optional except `name`; leave a key out to use its default.
# Units: days are business days (5 a week, 65 a quarter, 260 a year); money is $k.
# The values below are the defaults; every key, its unit and its source: docs/SCENARIOS.md.

name = "{{name}}"
question = "What question does this scenario answer?"
description = "Set-up, and what to look at in the results."
horizon_quarters = 12        # 1-200 quarters; 12 = three years
replications = 100           # runs per variant (and sweep point); more = tighter CIs
seed = 1                     # master seed: same seed, same results
reference = "aggressive"     # the variant others are compared with

[market]
customers = 4000             # accounts: 400 per rep of ours, like the built-in lesson (book size
                             # is the model's strongest lever: see docs/LIBRARY.md)
peers = 8                    # nearest peers who hear of purchases and blocks (0 = everyone)
spontaneous_need_rate = 0.15 # Bass p, per year
imitation_rate = 0.38        # Bass q, per year, times the share of peers who bought recently
renewal_years_min = 1.0      # contract length, years (field: 1.3-1.5 on average)
renewal_years_max = 2.0

[market.segment_mix]         # shares, summing to 1
smb = 0.3
mid_market = 0.5
enterprise = 0.2

[customers]
attention_per_month = 6      # conversations an account holds per month with all vendors
annoyance_half_life_days = 15
block_threshold = 6.5        # annoyance (in unwanted contacts) at which the median account
                             # blocks a vendor ("pest control")
block_days = 130             # how long a block lasts

[reps]
capacity_per_day = 12        # conversations per rep per day at full effort
quota_factor = 1.05          # quota as a share of the territory's fair share of demand

# Vendors: the first is "us"; the others compete with their own strategy.
[[vendors]]
name = "us"
  [[vendors.teams]]
  name = "west"
  reps = 5
  [[vendors.teams]]
  name = "east"
  reps = 5

[[vendors]]
name = "rival"
strategy = "rival-aggressive"   # a rival's own copy of the preset: a [strategies.aggressive] table changes only ours
  [[vendors.teams]]
  name = "field"
  reps = 6

# A strategy of your own: start from a preset and change knobs.
[strategies.gentle]
base = "aggressive"
discount_max = 0.05          # smaller quarter-end discounts
poaching = 0.0               # no poaching

# The variants to compare: which strategy our teams use.
[[variants]]
name = "aggressive"
strategy = "aggressive"

[[variants]]
name = "aligned"
strategy = "aligned"

[[variants]]
name = "gentle"
strategy = "gentle"

# Optional sweep: uncomment to run every value (grid) or matched lists (mode = "zip").
# [sweep]
# mode = "grid"
# parameters = { "strategies.gentle.discount_max" = [0.0, 0.1, 0.2] }
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::settings::{CustomerBehaviour, Market, RepSettings};

    /// The template says its values are the defaults: every value it sets in `[market]`,
    /// `[customers]` and `[reps]` is the default's (so a changed default cannot leave the
    /// template behind).
    #[test]
    fn the_templates_values_are_the_defaults() {
        let text = template("t");
        let file: toml::Table = toml::from_str(&text).unwrap();
        let defaults = [
            ("market", toml::Value::try_from(Market::default()).unwrap()),
            (
                "customers",
                toml::Value::try_from(CustomerBehaviour::default()).unwrap(),
            ),
            (
                "reps",
                toml::Value::try_from(RepSettings::default()).unwrap(),
            ),
        ];
        let mut compared = 0;
        for (section, default) in defaults {
            let set = file[section].as_table().unwrap();
            for (key, value) in set {
                let expected = &default[key.as_str()];
                let same = match (value, expected) {
                    (toml::Value::Table(_), _) => continue,
                    (toml::Value::Integer(i), toml::Value::Float(f)) => *i as f64 == *f,
                    (toml::Value::Float(f), toml::Value::Integer(i)) => *f == *i as f64,
                    (a, b) => a == b,
                };
                assert!(same, "[{section}] {key} = {value}, default {expected}");
                compared += 1;
            }
        }
        assert!(
            compared >= 10,
            "the template sets the main knobs ({compared})"
        );
    }
}
