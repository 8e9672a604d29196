//! The real-news workflow: confidence intervals in `eval`, cross-validation by outlet with
//! extra training rows and out-of-fold predictions, and `suggest` choosing what to label next.

use crate::workdir::Workdir;

/// `train.tsv` with ids named like the real pool's (`<outlet>-<number>`), three outlets.
fn with_outlet_ids(wd: &Workdir) {
    let mut out = String::from("id\tlabel\ttext\n");
    for (i, line) in wd.read_string("train.tsv").lines().skip(1).enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        let outlet = ["alpha", "beta", "gamma"][i % 3];
        out.push_str(&format!("{outlet}-{i:06}\t{}\t{}\n", fields[1], fields[2]));
    }
    wd.write("outlets.tsv", out);
}

#[test]
fn eval_gives_intervals_that_hold_the_point_estimate() {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    let json = wd
        .ok(&["eval", "dev.tsv", "--model", "m.model", "--json"])
        .json();
    let point = json["macro_f1"].as_f64().unwrap();
    let interval = &json["intervals"]["macro_f1"];
    let (low, high) = (
        interval["low"].as_f64().unwrap(),
        interval["high"].as_f64().unwrap(),
    );
    assert!(low <= point && point <= high, "{low} {point} {high}");
    assert_eq!(json["intervals"]["resamples"], 1000);
    assert_eq!(
        json["intervals"]["per_label_f1"].as_array().unwrap().len(),
        3
    );

    let text = wd.ok(&[
        "eval",
        "dev.tsv",
        "--model",
        "m.model",
        "--bootstrap",
        "200",
    ]);
    text.assert_stdout_has("95% bootstrap intervals (200 resamples): macro-F1 ");
    let none = wd.ok(&["eval", "dev.tsv", "--model", "m.model", "--bootstrap", "0"]);
    assert!(!none.stdout.contains("bootstrap"), "{none}");
}

#[test]
fn cv_by_outlet_holds_out_each_outlet_and_writes_out_of_fold_predictions() {
    let wd = Workdir::new();
    with_outlet_ids(&wd);
    let run = wd.ok(&[
        "cv",
        "outlets.tsv",
        "--by-outlet",
        "--with",
        "dev.tsv",
        "--epochs",
        "5",
        "--predictions",
        "oof.tsv",
    ]);
    run.assert_stdout_has("leave-one-outlet-out (3 outlets) cross-validation on outlets.tsv (48 rows, training folds also take 18 rows of dev.tsv)");
    for outlet in ["alpha", "beta", "gamma"] {
        let line = run
            .lines()
            .into_iter()
            .find(|l| l.starts_with(outlet))
            .unwrap_or_else(|| panic!("no line for {outlet}:{run}"));
        assert_eq!(line.split_whitespace().nth(1), Some("16"), "{line}");
    }
    let oof = wd.read_string("oof.tsv");
    let rows: Vec<Vec<&str>> = oof
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 48, "{oof}");
    assert_eq!(
        oof.lines().next(),
        Some("id\tline\tgold\tpredicted\tconfidence\tfold\tp_assertion\tp_denial\tp_allegation")
    );
    let outlets = wd.read_string("outlets.tsv");
    for (row, source) in rows.iter().zip(outlets.lines().skip(1)) {
        let source: Vec<&str> = source.split('\t').collect();
        assert_eq!((row[0], row[2]), (source[0], source[1]), "id and gold");
        let confidence: f64 = row[4].parse().unwrap();
        assert!((1.0 / 3.0..=1.0).contains(&confidence), "{confidence}");
        // The fold is the outlet held out; the predicted label has the largest probability,
        // which is the confidence, and the probabilities sum to one.
        assert_eq!(row[5], source[0].split('-').next().unwrap(), "{oof}");
        let probabilities: Vec<f64> = row[6..].iter().map(|p| p.parse().unwrap()).collect();
        let column = ["assertion", "denial", "allegation"]
            .iter()
            .position(|l| *l == row[3])
            .unwrap();
        assert_eq!(format!("{:.4}", probabilities[column]), row[4], "{oof}");
        assert!(
            probabilities.iter().all(|p| *p <= probabilities[column]),
            "{oof}"
        );
        assert!(
            (probabilities.iter().sum::<f64>() - 1.0).abs() < 2e-4,
            "{oof}"
        );
    }

    // One outlet cannot be left out against nothing.
    let one = wd
        .read_string("outlets.tsv")
        .replace("beta-", "alpha-")
        .replace("gamma-", "alpha-");
    wd.write("one.tsv", one);
    wd.fails(&["cv", "one.tsv", "--by-outlet"], 1)
        .assert_stderr_has("at least two groups");
}

#[test]
fn suggest_skips_known_ids_and_writes_only_ids_and_sentences() {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    with_outlet_ids(&wd);
    let pool = wd
        .read_string("outlets.tsv")
        .replace("id\tlabel\ttext", "id\tlabel\tsentence");
    wd.write("pool.tsv", pool);
    wd.write(
        "known.tsv",
        "id\tlabel\nalpha-000000\tdenial\nbeta-000001\tassertion\n",
    );
    let args = [
        "suggest",
        "pool.tsv",
        "--model",
        "m.model",
        "--skip-ids",
        "known.tsv",
        "--n",
        "10",
        "--out",
        "next.tsv",
    ];
    let run = wd.ok(&args);
    run.assert_stderr_has("suggested 10 of 46 unlabelled sentences");
    let next = wd.read_string("next.tsv");
    let lines: Vec<&str> = next.lines().collect();
    assert_eq!(lines[0], "id\tsentence");
    assert_eq!(lines.len(), 11, "{next}");
    for line in &lines[1..] {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            fields.len(),
            2,
            "only id and sentence, no model output: {line}"
        );
        assert!(!["alpha-000000", "beta-000001"].contains(&fields[0]));
    }
    // The same seed gives the same batch.
    let again = wd.ok(&args);
    assert_eq!(wd.read_string("next.tsv"), next, "{again}");
    run.assert_stderr_has("(2 already labelled or chosen were skipped, by the ids of known.tsv)");

    // The ids of the project's datasets/real/*.tsv and of the readings waiting in
    // datasets/real/incoming/*.tsv are skipped too, whatever --skip-ids adds.
    wd.write(
        "datasets/real/test.tsv",
        "id\tlabel\nalpha-000003\tdenial\n",
    );
    wd.write(
        "datasets/real/round9.tsv",
        "id\tstratum\tset\nbeta-000004\tnone\tx\n",
    );
    wd.write(
        "datasets/real/incoming/s99.tsv",
        "id\tlabel\trule\thard\tnote\nalpha-000006\tassertion\t0\t0\t\n",
    );
    wd.write("datasets/real/incoming/README.md", "not a file of ids\n");
    let suggest = |extra: &[&str]| {
        let mut args = vec!["suggest", "pool.tsv", "--model", "m.model", "--n", "48"];
        args.extend_from_slice(extra);
        wd.ok(&args)
    };
    let all = suggest(&[]);
    all.assert_stderr_has("suggested 45 of 45 unlabelled sentences (3 already labelled")
        .assert_stderr_has(
            "by the ids of datasets/real/round9.tsv, datasets/real/test.tsv, \
             datasets/real/incoming/s99.tsv)",
        );
    for labelled in ["alpha-000003", "beta-000004", "alpha-000006"] {
        assert!(!all.stdout.contains(labelled), "{labelled}: {all}");
    }
    let more = suggest(&["--skip-ids", "known.tsv"]);
    more.assert_stderr_has("suggested 43 of 43 unlabelled sentences (5 already");
    let own = suggest(&["--no-project-ids"]);
    own.assert_stderr_has("suggested 48 of 48 unlabelled sentences (0 already");

    wd.write("noid.tsv", "label\tsentence\ndenial\tنفت الوزارة الخبر\n");
    wd.fails(&["suggest", "noid.tsv", "--model", "m.model"], 1)
        .assert_stderr_has("noid.tsv:2: every pool row needs an id");
}

#[test]
fn suggest_refuses_a_repeated_pool_id_like_a_labelled_file() {
    let wd = Workdir::new();
    wd.train("m.model", &[]);
    wd.write(
        "pool.tsv",
        "id\tsentence\nalpha-1\tنفت الوزارة الخبر\nbeta-2\tافتتح الرئيس المعرض الدولي\n\
         alpha-1\tزعمت مصادر أن الاجتماع أُلغي\n",
    );
    let pool = ["suggest", "pool.tsv", "--model", "m.model", "--n", "5"];
    let run = wd.fails(&pool, 1);
    run.assert_stderr_has("pool.tsv:4: id \"alpha-1\" appears twice (first on line 2)");
    assert!(run.stdout.is_empty(), "{run}");

    let run = wd.ok(&[&pool[..], &["--skip-bad-rows"]].concat());
    run.assert_stderr_has("warning: skipped bad row: pool.tsv:4: ")
        .assert_stderr_has("suggested 2 of 2 unlabelled sentences");
    // the first row keeps the id
    let mut rows = run.lines()[1..].to_vec();
    rows.sort_unstable();
    let kept = [
        "alpha-1\tنفت الوزارة الخبر",
        "beta-2\tافتتح الرئيس المعرض الدولي",
    ];
    assert_eq!(rows, kept, "{run}");
}
