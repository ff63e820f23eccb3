//! Criterion benchmarks of the simulator (figures and commands in BENCHMARKS.md).
//!
//! - `lesson_replication/*`: one replication of the built-in lesson market, as the experiment runs
//!   it: generate the world, then `engine::run` one variant to the 12-quarter horizon.
//! - `large_market_step`: `Engine::step` (one business day) of a 200,000-account market (the lesson
//!   scaled ×50: 500 + 250 + 200 reps), measured after a one-quarter warm-up so that journeys,
//!   pipelines and annoyance are under way.
//! - `target_picking/every_rep/<variant>`: every rep of every vendor picks whom to contact next once
//!   (`Engine::pick_targets_for_every_rep`), on a copy of the lesson market after one quarter of
//!   the variant (the lesson's 10 reps of ours and 11 rivals'; pipelines and knowledge under
//!   way); the copy each pick round starts from is made and dropped outside the measured time.
//! - `fanout/threads/{1,2}`: `experiment::execute` of a small plan (lesson market at 1,000
//!   accounts, 8 replications × 2 variants) on a pool of 1 and of 2 threads.
//!
//! Measurement times are kept short (the development machine has 2 shared cores):
//! `cargo bench --bench engine`; one group: `cargo bench --bench engine -- large_market`.
//! For a profiler, `cargo bench --bench engine -- --profile-time 10 lesson_replication`.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use salesim::engine::{self, Engine};
use salesim::experiment;
use salesim::scenario::{self, Config, Override, ScenarioSource};
use salesim::world;
use std::hint::black_box;
use std::time::Duration;

const SEED: u64 = 20261126;

/// The built-in lesson with `path=value` overrides.
fn lesson(sets: &[&str]) -> Config {
    let overrides: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    scenario::load(None, &overrides).unwrap().1
}

fn lesson_replication(c: &mut Criterion) {
    let cfg = lesson(&[]);
    let mut group = c.benchmark_group("lesson_replication");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("world", |b| {
        b.iter(|| black_box(world::generate(&cfg, SEED)))
    });
    for (variant, name) in cfg
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| (i, v.name.clone()))
    {
        group.bench_function(BenchmarkId::new("world+run", name), |b| {
            b.iter(|| {
                let world = world::generate(&cfg, SEED);
                black_box(engine::run(&cfg, &world, variant, SEED))
            })
        });
    }
    group.finish();
}

fn large_market_step(c: &mut Criterion) {
    // Long horizon so the measured days never reach its end; the lesson's teams ×50.
    let cfg = lesson(&[
        "market.customers=200000",
        "horizon_quarters=200",
        "vendors.0.teams.0.reps=250",
        "vendors.0.teams.1.reps=250",
        "vendors.1.teams.0.reps=250",
        "vendors.2.teams.0.reps=200",
    ]);
    let horizon = cfg.horizon_days();
    let warm_up_days = 65;
    let mut group = c.benchmark_group("large_market_step");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    group.bench_function("200k_accounts_950_reps", |b| {
        let world = world::generate(&cfg, SEED);
        let fresh = || {
            let mut e = Engine::new(&cfg, &world, 0, SEED);
            for _ in 0..warm_up_days {
                e.step();
            }
            e
        };
        let mut engine = fresh();
        let mut days = warm_up_days;
        b.iter(|| {
            if days + 1 >= horizon {
                engine = fresh();
                days = warm_up_days;
            }
            engine.step();
            days += 1;
        })
    });
    group.finish();
}

fn target_picking(c: &mut Criterion) {
    let cfg = lesson(&[]);
    let world = world::generate(&cfg, SEED);
    let mut group = c.benchmark_group("target_picking");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let warmed = |variant: usize| {
        let mut e = Engine::new(&cfg, &world, variant, SEED);
        for _ in 0..salesim::calendar::DAYS_PER_QUARTER {
            e.step();
        }
        e
    };
    for (variant, name) in cfg
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| (i, v.name.clone()))
    {
        let engine = warmed(variant);
        group.bench_function(BenchmarkId::new("every_rep", name), |b| {
            b.iter_batched_ref(
                || engine.clone(),
                |e| black_box(e.pick_targets_for_every_rep()),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn fanout(c: &mut Criterion) {
    let source = ScenarioSource::parse("<built-in lesson>", scenario::LESSON).unwrap();
    let overrides: Vec<Override> = ["market.customers=1000", "replications=8"]
        .iter()
        .map(|s| Override::parse(s).unwrap())
        .collect();
    let plan = experiment::plan(&source, &overrides).unwrap();
    let mut group = c.benchmark_group("fanout");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for threads in [1usize, 2] {
        group.bench_with_input(BenchmarkId::new("threads", threads), &threads, |b, &t| {
            b.iter(|| {
                let mut runs = 0usize;
                let throughput = experiment::execute(&plan, Some(t), &|| {}, &mut |_, r| {
                    runs += r.runs.len();
                    Ok(())
                })
                .unwrap();
                black_box((runs, throughput))
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    lesson_replication,
    large_market_step,
    target_picking,
    fanout
);
criterion_main!(benches);
