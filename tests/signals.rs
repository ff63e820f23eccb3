//! What a rep can observe of the customer's buying cycle, and whether acting on it times contacts
//! better (issue 27): on the built-in lesson market, the aligned team's `on_journey_share` (our
//! contacts that reach an account in an active buying journey) and its welcome share rise with
//! the quality of each signal its vendor observes, its `on_journey_share` with how much it
//! listens; with nothing to go on, prospecting is no better than a random pick; signals it does not use leave a
//! stage-blind team's runs exactly as they were; and a `--set` aimed at our preset never reaches
//! a rival or the warm-up.
//!
//! The runs use the library on the lesson's market (4,000 accounts, 400 per rep of ours) over
//! eight quarters, ten replications with common random numbers, so differences are paired.

mod lesson_market;

use lesson_market::{paired, per_replication, records, run, LESSON, NO_SIGNALS};

/// The aligned team's `on_journey_share` at each setting rises, each step with a paired 95% CI
/// above zero. With `welcome`, its welcome share rises too: its `unwelcome_share` falls at every
/// step (the point estimates; a half-way step moves it by a few tenths of a point, within the
/// noise of ten replications) and from the first setting to the last with a paired CI below zero.
fn assert_rises_with(what: &str, settings: &[Vec<&str>], welcome: bool) {
    let runs: Vec<_> = settings.iter().map(|extra| run(LESSON, extra)).collect();
    let per = |metric: &str| -> Vec<Vec<f64>> {
        runs.iter()
            .map(|r| per_replication(r, "aligned", metric))
            .collect()
    };
    let shares = per("on_journey_share");
    for (k, pair) in shares.windows(2).enumerate() {
        let (mean, half) = paired(&pair[0], &pair[1]);
        assert!(
            mean - half > 0.0,
            "{what}: step {k} → {}: on_journey_share moved by {mean:.4} ± {half:.4}",
            k + 1
        );
    }
    if welcome {
        let unwelcome = per("unwelcome_share");
        for (k, pair) in unwelcome.windows(2).enumerate() {
            let (mean, half) = paired(&pair[0], &pair[1]);
            assert!(
                mean < 0.0,
                "{what}: step {k} → {}: unwelcome_share moved by {mean:.4} ± {half:.4}",
                k + 1
            );
        }
        let (mean, half) = paired(&unwelcome[0], &unwelcome[unwelcome.len() - 1]);
        assert!(
            mean + half < 0.0,
            "{what}: first to last setting: unwelcome_share moved by {mean:.4} ± {half:.4}"
        );
    }
}

/// A signal of better quality: the aligned team's contacts reach buying accounts more often and
/// are welcome more often.
fn assert_rises(what: &str, settings: &[Vec<&str>]) {
    assert_rises_with(what, settings, true);
}

fn with(base: &[&'static str], extra: &[&'static str]) -> Vec<&'static str> {
    let mut out = base.to_vec();
    out.extend_from_slice(extra);
    out
}

#[test]
fn a_trigger_signal_from_none_to_perfect_times_the_aligned_teams_contacts_better() {
    let settings = [
        with(&NO_SIGNALS, &[]),
        with(
            &NO_SIGNALS,
            &[
                "customers.signals.trigger_recall=0.5",
                "customers.signals.trigger_precision=0.5",
            ],
        ),
        with(
            &NO_SIGNALS,
            &[
                "customers.signals.trigger_recall=1",
                "customers.signals.trigger_precision=1",
            ],
        ),
    ];
    assert_rises("trigger events", &settings);
}

#[test]
fn an_intent_signal_from_none_to_perfect_times_the_aligned_teams_contacts_better() {
    let settings = [
        with(&NO_SIGNALS, &[]),
        with(
            &NO_SIGNALS,
            &[
                "customers.signals.intent_recall=0.5",
                "customers.signals.intent_precision=0.5",
            ],
        ),
        with(
            &NO_SIGNALS,
            &[
                "customers.signals.intent_recall=1",
                "customers.signals.intent_precision=1",
            ],
        ),
    ];
    assert_rises("intent data", &settings);
}

#[test]
fn renewal_dates_from_none_to_all_time_the_aligned_teams_contacts_better() {
    let settings = [
        with(&NO_SIGNALS, &[]),
        with(&NO_SIGNALS, &["customers.signals.renewal_visibility=0.5"]),
        with(&NO_SIGNALS, &["customers.signals.renewal_visibility=1"]),
    ];
    assert_rises("renewal dates", &settings);
}

#[test]
fn a_nurture_programme_from_no_response_to_perfect_times_the_aligned_teams_contacts_better() {
    let settings = [
        with(&NO_SIGNALS, &[]),
        with(
            &NO_SIGNALS,
            &[
                "customers.signals.nurture_response=0.5",
                "customers.signals.nurture_precision=0.5",
            ],
        ),
        with(
            &NO_SIGNALS,
            &[
                "customers.signals.nurture_response=1",
                "customers.signals.nurture_precision=1",
            ],
        ),
    ];
    assert_rises("nurture", &settings);
}

#[test]
fn more_of_the_book_on_nurture_times_the_aligned_teams_contacts_better() {
    let settings = [
        with(&NO_SIGNALS, &["strategies.aligned.nurture=0"]),
        with(
            &NO_SIGNALS,
            &[
                "customers.signals.nurture_response=1",
                "strategies.aligned.nurture=0.5",
            ],
        ),
        with(
            &NO_SIGNALS,
            &[
                "customers.signals.nurture_response=1",
                "strategies.aligned.nurture=1",
            ],
        ),
    ];
    assert_rises("nurture share", &settings);
}

/// With no signals and no listening, prospecting picks by account size alone; within one segment
/// size says nothing of when an account buys, so both teams' prospecting reaches buying accounts
/// as often as a random account of the same territory (the observer's baseline), within one
/// percentage point; with listening the aligned team's picks beat that baseline clearly.
#[test]
fn with_nothing_to_go_on_prospecting_is_no_better_than_a_random_pick_and_listening_beats_it() {
    let one_segment = [
        "market.segment_mix.smb=0",
        "market.segment_mix.mid_market=1",
        "market.segment_mix.enterprise=0",
    ];
    let blind = with(
        &with(&NO_SIGNALS, &one_segment),
        &["strategies.aligned.listening=0"],
    );
    let result = run(LESSON, &blind);
    for team in ["aggressive", "aligned"] {
        let picked = per_replication(&result, team, "prospecting_on_journey_share");
        let random = per_replication(&result, team, "territory_on_journey_share");
        let (mean, half) = paired(&random, &picked);
        assert!(
            mean.abs() + half < 0.01,
            "{team}: prospecting beats a random pick by {mean:.4} ± {half:.4} with nothing to go on"
        );
    }
    let listening = run(LESSON, &with(&NO_SIGNALS, &one_segment));
    let picked = per_replication(&listening, "aligned", "prospecting_on_journey_share");
    let random = per_replication(&listening, "aligned", "territory_on_journey_share");
    let (mean, half) = paired(&random, &picked);
    assert!(
        mean - half > 0.05,
        "a listening team's prospecting should beat a random pick: {mean:.4} ± {half:.4}"
    );
}

#[test]
fn listening_more_times_the_aligned_teams_contacts_better() {
    let settings: Vec<Vec<&str>> = [0.0, 0.3, 0.6, 1.0]
        .iter()
        .map(|x| -> Vec<&str> {
            vec![Box::leak(
                format!("strategies.aligned.listening={x}").into_boxed_str(),
            )]
        })
        .collect();
    assert_rises_with("listening", &settings, false);
}

/// With no rival listening either, the signals reach no rep of the aggressive variant's market:
/// its runs are bit for bit the same whatever the signals' quality (the signals' draws are the
/// accounts' own, made whoever listens), while the aligned team's change.
#[test]
fn signals_a_team_does_not_use_change_nothing_of_its_runs() {
    let text = LESSON.replace(
        "strategy = \"rival-aligned\"",
        "strategy = \"rival-aggressive\"",
    );
    assert_ne!(text, LESSON, "the lesson's challenger sells rival-aligned");
    let none = run(&text, &NO_SIGNALS);
    let perfect = run(
        &text,
        &[
            "customers.signals.trigger_recall=1",
            "customers.signals.trigger_precision=1",
            "customers.signals.intent_recall=1",
            "customers.signals.intent_precision=1",
            "customers.signals.renewal_visibility=1",
            "customers.signals.nurture_response=1",
            "customers.signals.nurture_precision=1",
        ],
    );
    assert_eq!(
        records(&none, "aggressive"),
        records(&perfect, "aggressive")
    );
    assert_ne!(records(&none, "aligned"), records(&perfect, "aligned"));
}

/// With both of our variants aligned, a `--set` on the aggressive preset reaches nothing: the
/// rivals sell their own presets and the warm-up the reference's.
#[test]
fn a_set_aimed_at_an_unused_preset_of_ours_changes_no_output() {
    let text = LESSON
        .replace("reference = \"aggressive\"", "reference = \"aligned\"")
        .replace(
            "name = \"aggressive\"\nstrategy = \"aggressive\"",
            "name = \"aligned-too\"\nstrategy = \"aligned\"",
        );
    assert!(text.contains("aligned-too"));
    let before = run(&text, &[]);
    let after = run(&text, &["strategies.aggressive.discount_max=0"]);
    for variant in ["aligned", "aligned-too"] {
        assert_eq!(
            records(&before, variant),
            records(&after, variant),
            "{variant}"
        );
    }
    // Control: the same set aimed at a rival's preset does change the market.
    let rival = run(&text, &["strategies.rival-aggressive.discount_max=0"]);
    assert_ne!(records(&before, "aligned"), records(&rival, "aligned"));
}
