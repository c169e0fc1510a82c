//! Opening through a key ring costs the same whatever the ring's size:
//! `cargo bench -p sealed-session-bench --bench keyring`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use sealed_session::{Key, KeyRing, Timestamp};

fn keys(n: u8) -> Vec<Key> {
    (1..=n).map(|i| Key::from_bytes([i; 32])).collect()
}

fn ring_of(keys: &[Key]) -> KeyRing {
    keys[1..]
        .iter()
        .fold(KeyRing::new(keys[0].clone()), |r, k| {
            r.with_retired(k.clone())
        })
}

fn open(c: &mut Criterion) {
    let now = Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
    let life = Duration::from_secs(3600);
    let ks = keys(10);
    let mut g = c.benchmark_group("open");

    let key = &ks[0];
    let bare = key.seal_at("12234", life, now).unwrap();
    g.bench_function("key", |b| b.iter(|| key.open_at(black_box(&bare), now)));

    for n in [1usize, 3, 10] {
        let ring = ring_of(&ks[..n]);
        // Sealed by the last key added, so routing has the most to skip.
        let last = KeyRing::new(ks[n - 1].clone())
            .seal_at("12234", life, now)
            .unwrap();
        assert!(ring.open_at(&last, now).is_ok());
        g.bench_function(format!("ring of {n}, last key"), |b| {
            b.iter(|| ring.open_at(black_box(&last), now))
        });
    }
    let ring3 = ring_of(&ks[..3]);
    let current = ring3.seal_at("12234", life, now).unwrap();
    g.bench_function("ring of 3, current key", |b| {
        b.iter(|| ring3.open_at(black_box(&current), now))
    });
    g.finish();
}

fn seal(c: &mut Criterion) {
    let now = Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
    let life = Duration::from_secs(3600);
    let ks = keys(3);
    let mut g = c.benchmark_group("seal");
    g.bench_function("key", |b| {
        b.iter(|| ks[0].seal_at(black_box("12234"), life, now))
    });
    let ring = ring_of(&ks);
    g.bench_function("ring of 3", |b| {
        b.iter(|| ring.seal_at(black_box("12234"), life, now))
    });
    g.finish();
}

/// Routing alone (footer to key), without the AEAD: the only part of
/// opening that could depend on the ring's size.
fn route(c: &mut Criterion) {
    use sealed_session::KeySource;
    let ks = keys(10);
    let mut g = c.benchmark_group("route");
    for n in [1usize, 3, 10] {
        let ring = ring_of(&ks[..n]);
        let footer = KeyRing::new(ks[n - 1].clone()).footer().to_vec();
        assert!(ring.opening_key(&footer).is_ok());
        g.bench_function(format!("ring of {n}, last key"), |b| {
            b.iter(|| ring.opening_key(black_box(&footer)).is_ok())
        });
    }
    g.finish();
}

criterion_group!(benches, open, seal, route);
criterion_main!(benches);
