//! The commented scenario template written by `salesim init`.

/// A commented scenario template named `name`; it validates and runs as written.
pub fn template(name: &str) -> String {
    TEMPLATE.replace("{{name}}", name)
}

const TEMPLATE: &str = r#"# salesim scenario: {{name}}
# Run it with:   salesim run {{name}}.toml
# Every key below is optional except `name`; leave a key out to use its default.
# Units: days are business days (5 a week, 65 a quarter, 260 a year); money is $k.

name = "{{name}}"
question = "What question does this scenario answer?"
description = "Set-up, and what to look at in the results."
horizon_quarters = 12        # 1-200 quarters; 12 = three years
replications = 100           # runs per variant (and sweep point); more = tighter CIs
seed = 1                     # master seed: same seed, same results
reference = "aggressive"     # the variant others are compared with

[market]
customers = 1000             # accounts
peers = 8                    # nearest peers who hear of purchases and blocks (0 = everyone)
spontaneous_need_rate = 0.15 # Bass p, per year
imitation_rate = 0.38        # Bass q, per year, times the share of peers who bought recently
renewal_years_min = 2.0
renewal_years_max = 4.0

[market.segment_mix]         # shares, summing to 1
smb = 0.3
mid_market = 0.5
enterprise = 0.2

[customers]
attention_per_month = 3      # contacts an account takes per month from all vendors
annoyance_half_life_days = 40
block_threshold = 6.0        # annoyance at which an account blocks a vendor ("pest control")
block_days = 130             # how long a block lasts

[reps]
capacity_per_day = 10        # contacts per rep per day at full effort
quota_factor = 1.1           # quota as a share of the territory's expected demand

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
strategy = "aggressive"
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
