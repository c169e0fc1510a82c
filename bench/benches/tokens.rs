//! Criterion benches: seal and open for every contender.
//!
//! `cargo bench -p sealed-session-bench --bench tokens` (see `bench/run.sh`,
//! which also regenerates `results.md` and `results.svg`).
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use sealed_session_bench::contenders;

fn bench(c: &mut Criterion) {
    for mut contender in contenders() {
        let token = contender.seal();
        println!(
            "token length: {:<24} {:>4} bytes",
            contender.name(),
            token.len()
        );
        let name = contender.name();
        c.bench_function(&format!("seal/{name}"), |b| {
            b.iter(|| black_box(contender.seal()))
        });
        c.bench_function(&format!("open/{name}"), |b| {
            b.iter(|| black_box(contender.open(black_box(&token))))
        });
    }
}

fn config() -> Criterion {
    // Short runs: 2-core machine, ~20 benches. Medians are stable at this size.
    Criterion::default()
        .warm_up_time(Duration::from_millis(800))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
