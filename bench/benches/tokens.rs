//! Criterion benches: seal and open for every contender.
//!
//! `cargo bench -p sealed-session-bench --bench tokens` (see `bench/run.sh`,
//! which also regenerates `results.md` and `results.svg`).
use std::hint::black_box;
use std::time::Duration;

use chacha20poly1305::aead::AeadInPlace;
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use criterion::{criterion_group, criterion_main, Criterion};
use sealed_session::{format, Key, Timestamp};
use sealed_session_bench::thread_cpu::ThreadCpu;
use sealed_session_bench::{contenders, KEY, LIFETIME, USER_ID};

fn bench(c: &mut Criterion<ThreadCpu>) {
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

/// The parts of a seal, to explain the totals: the AEAD alone (RustCrypto
/// and this crate's default path), the OS randomness of one seal, and
/// sealed-session's seal with a fixed nonce seed (no RNG at all).
fn parts(c: &mut Criterion<ThreadCpu>) {
    let key = Key::from_bytes(KEY);
    let rc = XChaCha20Poly1305::new(&KEY.into());
    let nonce = [7u8; 24];
    let aad = [1u8; 65]; // PAE(header, nonce, "")
    let msg = [b'a'; 75]; // the default payload with a 5-byte user id
    c.bench_function("part/aead RustCrypto chacha20poly1305 (75 B)", |b| {
        b.iter(|| {
            let mut m = msg;
            let tag = rc
                .encrypt_in_place_detached(XNonce::from_slice(&nonce), &aad, &mut m)
                .expect("short");
            black_box((m, tag))
        })
    });
    c.bench_function("part/aead sealed-session default (75 B)", |b| {
        b.iter(|| {
            let mut m = msg;
            let tag = format::__aead::seal(&key, &nonce, &aad, &mut m);
            black_box((m, tag))
        })
    });
    c.bench_function(
        "part/getrandom 40 B (one seal's session id + nonce seed)",
        |b| {
            b.iter(|| {
                let mut s = [0u8; 40];
                getrandom::fill(&mut s).expect("OS RNG");
                black_box(s)
            })
        },
    );
    let token = key.seal("12234", LIFETIME).expect("seal");
    c.bench_function("part/keyed BLAKE2b-192 nonce (104 B payload)", |b| {
        use blake2::digest::{consts::U24, Mac};
        let payload = [b'a'; 104];
        b.iter(|| {
            let mut mac = <blake2::Blake2bMac<U24> as Mac>::new_from_slice(&nonce).expect("24");
            mac.update(black_box(&payload));
            black_box(mac.finalize().into_bytes())
        })
    });
    c.bench_function("part/sealed-session format::open (no claims)", |b| {
        b.iter(|| black_box(format::open(&key, black_box(&token)).expect("open")))
    });
    c.bench_function("part/sealed-session seal, fixed seed (no RNG)", |b| {
        b.iter(|| {
            let now = Timestamp::now();
            black_box(
                sealed_session::__seal_claims_with_nonce_seed(
                    &key, &[9; 24], USER_ID, LIFETIME, now,
                )
                .expect("seal"),
            )
        })
    });
}

fn config() -> Criterion<ThreadCpu> {
    // Short runs: 2-core machine, ~20 benches. Medians are stable at this
    // size. Thread CPU time, not wall time: the machine is shared.
    Criterion::default()
        .with_measurement(ThreadCpu)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .sample_size(40)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench, parts
}
criterion_main!(benches);
