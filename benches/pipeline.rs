//! Criterion benches of each pipeline stage on the shipped sentences, in sentences/second:
//! normalise + tokenise, featurise (hashed counts + TF-IDF), one training epoch, predict.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use linfa::ParamGuard;
use stance::data::{read_records, Format, LabelPolicy, Record};
use stance::{Bundle, TrainConfig};
use std::path::Path;
use std::time::Duration;

fn sentences() -> Vec<Record> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/train.tsv");
    read_records(&path, Format::Tsv, LabelPolicy::Required).expect("datasets/train.tsv parses")
}

fn model() -> Bundle {
    Bundle::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models/stance.model"))
        .expect("models/stance.model loads")
}

/// One sample-size and warm-up policy for every bench.
fn configure(c: &mut Criterion) -> criterion::BenchmarkGroup<'_, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group("pipeline");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group
}

fn stages(c: &mut Criterion) {
    let records = sentences();
    let texts: Vec<&str> = records.iter().map(|r| r.text.as_str()).collect();
    let bundle = model();
    let pipeline = &bundle.pipeline;
    let mut group = configure(c);
    group.throughput(Throughput::Elements(texts.len() as u64));

    group.bench_function(BenchmarkId::new("normalize_tokenize", texts.len()), |b| {
        b.iter(|| {
            for t in &texts {
                std::hint::black_box(pipeline.featurizer().pipeline().tokenize(t).unwrap());
            }
        })
    });
    group.bench_function(BenchmarkId::new("featurize", texts.len()), |b| {
        b.iter(|| {
            for t in &texts {
                std::hint::black_box(pipeline.features(t).unwrap());
            }
        })
    });
    group.bench_function(BenchmarkId::new("predict", texts.len()), |b| {
        b.iter(|| {
            for t in &texts {
                std::hint::black_box(pipeline.predict(t).unwrap());
            }
        })
    });

    let config = TrainConfig::default();
    let data = stance::trainer::dataset(pipeline, &records).unwrap();
    let params = config.model.epochs(1).check().unwrap();
    group.bench_function(BenchmarkId::new("train_epoch", texts.len()), |b| {
        b.iter(|| std::hint::black_box(params.fit_with_dev(&data, None, &mut |_| {}).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
