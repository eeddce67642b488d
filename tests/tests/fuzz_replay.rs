//! A short fuzzing run of every fuzz target, on stable Rust, in the test
//! command: each committed corpus input as it is, then deterministic
//! mutations of them (bit flips, byte changes, boundary values, insertions,
//! deletions, truncations, splices of two inputs) for a few seconds a target.
//! `scripts/fuzz` runs the same targets coverage-guided under libFuzzer; this
//! keeps the targets and corpora working and every known input passing.
//!
//! An input that panics is written to `target/fuzz-replay-failures/` so it
//! can be added to the corpus once fixed.

#[path = "../../fuzz/src/lib.rs"]
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use siteatlas_fixtures::Rng;

/// Wall-clock budget of mutations per target.
const BUDGET: Duration = Duration::from_secs(4);
/// Largest input produced by mutation, bytes.
const MAX_LEN: usize = 256 * 1024;

/// Values that tend to sit on boundaries of length fields and counters.
const INTERESTING: [&[u8]; 10] = [
    &[0],
    &[0xff],
    &[0x7f],
    &[0x80],
    &[0xff, 0xff, 0xff, 0xff],
    &[0, 0, 0, 0x80],
    b"NaN",
    b"-1e308",
    b"[[[",
    b"\"\\u0000\"",
];

fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(7) {
            0 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] = rng.next_u64() as u8;
            }
            2 => {
                let value = INTERESTING[rng.below(INTERESTING.len())];
                let end = (at + value.len()).min(out.len());
                out.splice(at..end, value.iter().copied());
            }
            3 => {
                let n = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
                out.splice(at..at, bytes);
            }
            4 if !out.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(out.len());
                out.drain(at.min(end)..end);
            }
            5 => out.truncate(at),
            _ if !other.is_empty() => {
                let from = rng.below(other.len());
                let len = 1 + rng.below(other.len() - from);
                out.splice(at..at, other[from..from + len].iter().copied());
            }
            _ => {}
        }
    }
    out.truncate(MAX_LEN);
    out
}

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .map(|path| {
            let bytes = std::fs::read(&path).expect("corpus file");
            (path, bytes)
        })
        .collect();
    inputs.sort();
    inputs
}

/// Runs `body` on `input`; on a panic, keeps the input and says where.
fn run_one(target: &str, body: fn(&[u8]), input: &[u8]) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| body(input))).map_err(|_| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fuzz-replay-failures");
        std::fs::create_dir_all(&dir).expect("failure folder");
        let hash = input.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        let path = dir.join(format!("{target}-{hash:016x}"));
        std::fs::write(&path, input).expect("failure input");
        format!("{target} panicked on the input saved as {}", path.display())
    })
}

#[test]
fn every_fuzz_target_survives_its_corpus_and_mutations_of_it() {
    let mut failures = Vec::new();
    for (target, body) in targets::TARGETS {
        let inputs = corpus(target);
        assert!(!inputs.is_empty(), "{target}: empty corpus");
        for (path, bytes) in &inputs {
            if let Err(e) = run_one(target, body, bytes) {
                failures.push(format!("{e} (corpus file {})", path.display()));
            }
        }
        let mut rng = Rng::new(0x5eed ^ target.len() as u64);
        let started = Instant::now();
        let mut runs = 0;
        while started.elapsed() < BUDGET && failures.len() < 10 {
            let (_, base) = &inputs[rng.below(inputs.len())];
            let (_, other) = &inputs[rng.below(inputs.len())];
            let input = mutate(&mut rng, base, other);
            if let Err(e) = run_one(target, body, &input) {
                failures.push(e);
            }
            runs += 1;
        }
        eprintln!(
            "{target}: {} corpus inputs and {runs} mutations in {:.1} s",
            inputs.len(),
            started.elapsed().as_secs_f64()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
