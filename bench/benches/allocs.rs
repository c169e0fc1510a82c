//! Heap allocations per seal and per open, for every contender, counted by a
//! global allocator wrapper. Prints one line per contender:
//! `allocs<TAB>name<TAB>seal<TAB>open<TAB>token length`.
//!
//! `cargo bench -p sealed-session-bench --bench allocs`
use sealed_session_bench::{alloc_counter, contenders};

#[global_allocator]
static COUNTER: alloc_counter::Counting = alloc_counter::Counting;

fn main() {
    // `cargo bench` passes `--bench`; there is nothing to filter.
    const ROUNDS: usize = 100;
    println!("# name\tallocs/seal\tallocs/open\ttoken bytes");
    for mut c in contenders() {
        // Warm up: first-use costs (thread-locals, lazy statics, RNG pools).
        let mut token = String::new();
        for _ in 0..3 {
            token = c.seal();
            c.open(&token);
        }
        let (_, seal) = alloc_counter::count(|| {
            for _ in 0..ROUNDS {
                drop(std::hint::black_box(c.seal()));
            }
        });
        let (_, open) = alloc_counter::count(|| {
            for _ in 0..ROUNDS {
                drop(std::hint::black_box(c.open(&token)));
            }
        });
        println!(
            "allocs\t{}\t{}\t{}\t{}",
            c.name(),
            per_op(seal, ROUNDS),
            per_op(open, ROUNDS),
            token.len()
        );
    }
}

fn per_op(total: usize, rounds: usize) -> String {
    if total.is_multiple_of(rounds) {
        (total / rounds).to_string()
    } else {
        format!("{:.2}", total as f64 / rounds as f64)
    }
}
