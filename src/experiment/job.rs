//! A job: what a user asked salesim to compute (which scenario, the options that change the
//! plan, which slice of it), apart from the command line that asked. The run journal records
//! the job, `merge` rebuilds the plan from it, and the commands shown to users (reproduce in
//! `manifest.json` and the report, "Continue with:") are put together from it, every word
//! quoted by [`crate::shown::shell_command`].

use super::{Plan, Slice};
use crate::error::InputError;
use crate::scenario::Override;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Which scenario a job runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScenarioRef {
    /// The built-in lesson (`salesim lesson`, or no command).
    Lesson,
    /// A scenario file, as the user named it.
    File(String),
}

impl ScenarioRef {
    /// The built-in lesson's name in messages.
    pub const LESSON_LABEL: &'static str = "<built-in lesson>";
    /// The built-in lesson as `salesim run` names it (what a reproduce command runs): built
    /// into the binary, so the command works without a checkout.
    pub const LESSON_FILE: &'static str = "builtin:lesson";

    /// How messages name the scenario: the file as given, or `<built-in lesson>`.
    pub fn label(&self) -> &str {
        match self {
            ScenarioRef::Lesson => Self::LESSON_LABEL,
            ScenarioRef::File(f) => f,
        }
    }
}

/// The options that change what a job computes: `--replications`, `--seed` and each `--set`,
/// as given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    /// `--replications`, if given.
    pub replications: Option<u32>,
    /// `--seed`, if given.
    pub seed: Option<u64>,
    /// Every `--set`, in order.
    pub set: Vec<String>,
}

impl Options {
    /// The overrides these options ask for: each `--set`, then `--replications` and `--seed`,
    /// which win over a `--set` of the same key (so `--until-decided`'s looks and the reproduce
    /// command's `--replications N` hold with a `--set replications=...`).
    pub fn overrides(&self) -> Result<Vec<Override>, InputError> {
        let mut out = Vec::new();
        for s in &self.set {
            out.push(Override::parse(s)?);
        }
        if let Some(r) = self.replications {
            out.push(Override {
                path: "replications".into(),
                value: toml::Value::Integer(r as i64),
                origin: format!("--replications {r}"),
            });
        }
        if let Some(s) = self.seed {
            // TOML integers are i64; larger seeds are refused with a clear message.
            let value = i64::try_from(s).map_err(|_| {
                InputError::at(
                    &format!("--seed {s}"),
                    None,
                    Some("seed"),
                    "is too large",
                    "a seed from 0 to 9223372036854775807",
                )
            })?;
            out.push(Override {
                path: "seed".into(),
                value: toml::Value::Integer(value),
                origin: format!("--seed {s}"),
            });
        }
        Ok(out)
    }

    /// `--set X` for each override, in order.
    fn set_words(&self) -> impl Iterator<Item = String> + '_ {
        self.set
            .iter()
            .flat_map(|s| ["--set".to_string(), s.clone()])
    }
}

/// What to compute: a scenario, its options and, for `--shard K/N`, a slice of its plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// The scenario.
    pub scenario: ScenarioRef,
    /// The options that change the plan.
    pub options: Options,
    /// `--shard K/N`: one slice of the plan, whose folder keeps its journal for `salesim merge`
    /// and gets no CSVs, even as slice 1/1 (a job array of one task). None: the whole plan, with
    /// every output.
    pub shard: Option<Slice>,
    /// `--deals`: every run also keeps its deal records (journaled), and the outputs include
    /// `deals.csv`.
    #[serde(default)]
    pub deals: bool,
}

impl Job {
    /// The runs the job computes: its shard, or the whole plan (1/1).
    pub fn slice(&self) -> Slice {
        self.shard.unwrap_or(Slice::WHOLE)
    }

    /// The command that reproduces the job's results, quoted for a shell: the scenario as the
    /// user named it (a file, or `builtin:NAME`; `builtin:lesson` for the built-in lesson), the
    /// plan's seed and replications, every `--set`, and the `--shard` if it has one.
    pub fn reproduce_command(&self, plan: &Plan) -> String {
        let cfg = plan.base();
        let file = match &self.scenario {
            ScenarioRef::Lesson => ScenarioRef::LESSON_FILE,
            ScenarioRef::File(f) => f,
        };
        let mut words: Vec<String> = ["salesim", "run", file, "--seed"]
            .map(str::to_string)
            .into();
        words.push(cfg.seed.to_string());
        words.push("--replications".into());
        words.push(cfg.replications.to_string());
        words.extend(self.options.set_words());
        words.extend(self.deals_words());
        words.extend(self.slice_words());
        crate::shown::shell_command(&words)
    }

    /// The command that continues the job after a stop, writing into `out`, quoted for a shell:
    /// the command that ran it (`salesim lesson` for the built-in lesson) with `--resume`.
    pub fn resume_command(&self, plan: &Plan, out: &Path) -> String {
        let tail = [
            "--resume".to_string(),
            "--out".to_string(),
            out.display().to_string(),
        ];
        match &self.scenario {
            ScenarioRef::File(_) => format!(
                "{} {}",
                self.reproduce_command(plan),
                crate::shown::shell_command(&tail)
            ),
            ScenarioRef::Lesson => {
                let mut words = vec!["salesim".to_string(), "lesson".to_string()];
                if let Some(r) = self.options.replications {
                    words.extend(["--replications".to_string(), r.to_string()]);
                }
                if let Some(s) = self.options.seed {
                    words.extend(["--seed".to_string(), s.to_string()]);
                }
                words.extend(self.options.set_words());
                words.extend(self.deals_words());
                words.extend(self.slice_words());
                words.extend(tail);
                crate::shown::shell_command(&words)
            }
        }
    }

    fn deals_words(&self) -> Option<String> {
        self.deals.then(|| "--deals".to_string())
    }

    fn slice_words(&self) -> Vec<String> {
        match self.shard {
            None => Vec::new(),
            Some(slice) => vec!["--shard".to_string(), slice.to_string()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{build, ScenarioSource, LESSON};

    #[test]
    fn the_replications_and_seed_flags_win_over_a_set_of_the_same_key() {
        let source = ScenarioSource::parse("<built-in lesson>", LESSON).unwrap();
        let options = Options {
            replications: Some(5),
            seed: Some(9),
            set: vec!["replications=7".into(), "seed=3".into()],
        };
        let cfg = build(&source, &options.overrides().unwrap()).unwrap();
        assert_eq!((cfg.replications, cfg.seed), (5, 9));
    }
}
