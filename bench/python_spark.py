#!/usr/bin/env python3
"""Prediction speed of stance from Python and Spark against the CLI -> bench/PYTHON.md.

On N real sentences (../shared/realnews/pool.tsv repeated up to N rows, default 1M) it times,
once each:

- the CLI: `stance --quiet predict --input FILE --threads T` (T = 1, 2), output to /dev/null;
- the binding in process: `Model.predict(texts, threads=T)` (T = 1, 2) on a list in memory,
  and `Model.predict_arrow(array, threads=T)` on a pyarrow string array in memory;
- Spark local[2] with the binding: `stance.spark.predict` with each stage (mapInArrow,
  arrow_udf, mapInPandas, pandas_udf), reading a TSV of (id, sentence), or the same rows as
  Parquet, and writing to Spark's `noop` sink;
- Spark local[2] with the CLI: `RDD.pipe` through `stance predict --format jsonl --output jsonl`
  (`stance.spark.pipe`), counted after parsing the JSON back.

For each: rows/s (wall clock) and rows per CPU-second. CPU time is the measured process tree's
user + system time: the CLI child (getrusage), this process (binding), or the Spark JVM and
every process under it (Python workers, piped CLIs), read from /proc before and after.

Run from anywhere, with the `stance` wheel, pandas, pyarrow and pyspark installed, and the
release CLI built (cargo build --release):

    python bench/python_spark.py                # 1M rows -> bench/PYTHON.md
    python bench/python_spark.py --rows 200000  # a shorter run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
POOL = ROOT.parent / "shared" / "realnews" / "pool.tsv"
MODEL = ROOT / "models" / "stance.model"
TICK = os.sysconf("SC_CLK_TCK")
#: Spark partitions of both inputs: a multiple of local[2]'s two cores, so that every wave of
#: tasks keeps both busy (with 21, the usual split of 1M rows at 16 MiB, the last task ran alone).
PARTITIONS = 20
#: The stages of `stance.spark.predict`, default first.
METHODS = ("mapInArrow", "arrow_udf", "mapInPandas", "pandas_udf")


def pool_rows() -> list[tuple[str, str]]:
    rows = []
    with POOL.open(encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        i_id, i_text = header.index("id"), header.index("sentence")
        for line in f:
            cols = line.rstrip("\n").split("\t")
            text = cols[i_text]
            if text.strip():
                rows.append((cols[i_id], text))
    return rows


def repeated(rows: list[tuple[str, str]], n: int) -> list[tuple[str, str]]:
    out = []
    rep = 0
    while len(out) < n:
        out.extend((f"{i}#{rep}", t) for i, t in rows[: n - len(out)])
        rep += 1
    return out


def tree_cpu(root_pid: int) -> float:
    """User + system seconds of a process and all its descendants (live ones, plus the
    children each has reaped)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(entry)
        parents[pid] = int(fields[1])
        utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
        times[pid] = (utime + stime + cutime + cstime) / TICK
    total = 0.0
    for pid, t in times.items():
        p = pid
        while p > 1:
            if p == root_pid:
                total += t
                break
            p = parents.get(p, 0)
    return total


def row(name: str, rows: int, wall: float, cpu: float, note: str = "") -> dict:
    return {
        "name": name,
        "rows": rows,
        "wall": wall,
        "cpu": cpu,
        "rows_per_s": rows / wall,
        "rows_per_cpu_s": rows / cpu if cpu > 0 else float("nan"),
        "note": note,
    }


def bench_cli(cli: Path, text_file: Path, rows: int, threads: int) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(os.devnull, "w") as null:
        subprocess.run(
            [str(cli), "--quiet", "predict", "--input", str(text_file), "--threads",
             str(threads), "--model", str(MODEL)],
            stdout=null, check=True,
        )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return row(f"CLI, {threads} thread{'s' if threads > 1 else ''}", rows, wall, cpu,
               "reads the file, writes text output")


def bench_binding(texts: list[str], threads: int, arrow: bool) -> dict:
    import pyarrow as pa

    import stance

    model = stance.Model.load(MODEL)
    data = pa.array(texts, type=pa.string()) if arrow else texts
    predict = model.predict_arrow if arrow else model.predict
    predict(data[:2000], threads=threads)  # warm the pool and the caches
    cpu0 = time.process_time()
    start = time.perf_counter()
    labels = predict(data, threads=threads)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    assert len(labels) == len(texts)
    plural = "s" if threads > 1 else ""
    if arrow:
        return row(f"binding in process, Arrow, {threads} thread{plural}", len(texts), wall,
                   cpu, "pyarrow string array in memory -> Arrow columns")
    return row(f"binding in process, {threads} thread{plural}", len(texts), wall, cpu,
               "list in memory -> list of labels")


def median_run(jvm: int, job: Callable[[], None], runs: int = 3) -> tuple[float, float]:
    """Wall and CPU seconds (the JVM's process tree) of the run of `job`, out of `runs`, whose
    wall time is the median (its own CPU time, not the median of the CPU times)."""
    timings = []
    for _ in range(runs):
        cpu0 = tree_cpu(jvm)
        start = time.perf_counter()
        job()
        timings.append((time.perf_counter() - start, tree_cpu(jvm) - cpu0))
    return sorted(timings)[runs // 2]


def constant_labels(batches: Iterator[Any]) -> Iterator[Any]:
    """A mapInArrow function that adds a constant label and confidence to every row."""
    import pyarrow as pa

    for batch in batches:
        n = batch.num_rows
        yield pa.RecordBatch.from_arrays(
            [*batch.columns, pa.repeat("assertion", n), pa.repeat(1.0, n)],
            names=[*batch.schema.names, "label", "confidence"],
        )


def bench_spark(tsv: Path, rows: int, cli: Path) -> list[dict]:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    import stance.spark

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("stance-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "4g")
        # TSV splits of size/PARTITIONS bytes (plus one, so there are not PARTITIONS + 1); an
        # opening cost as large, so that no two Parquet files share a partition.
        .config("spark.sql.files.maxPartitionBytes", str(tsv.stat().st_size // PARTITIONS + 1))
        .config("spark.sql.files.openCostInBytes", str(tsv.stat().st_size // PARTITIONS + 1))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    jvm = spark.sparkContext._gateway.proc.pid
    df = spark.read.csv(str(tsv), sep="\t", schema="id string, sentence string", quote="")
    # The same rows as Parquet (how large archives are usually kept), written before timing, one
    # file per partition.
    parquet_path = tsv.with_suffix(".parquet")
    df.repartition(PARTITIONS).write.mode("overwrite").parquet(str(parquet_path))
    parquet = spark.read.parquet(str(parquet_path))
    inputs = [("TSV", df), ("Parquet", parquet)]
    for kind, frame in inputs:
        partitions = frame.rdd.getNumPartitions()
        if partitions != PARTITIONS:
            sys.exit(f"{kind} input has {partitions} Spark partitions, expected {PARTITIONS}")
    # Warm up: Python workers started, model shipped and loaded in each.
    from pyspark.sql import functions

    # arrow_udf came with pyspark 4.1
    methods = [m for m in METHODS if m != "arrow_udf" or hasattr(functions, "arrow_udf")]
    warm = df.limit(4000)
    for method in methods:
        stance.spark.predict(warm, "sentence", MODEL, method=method).write.format(
            "noop"
        ).mode("overwrite").save()
    out = []
    for kind, frame in inputs:
        for method in methods:
            stage = stance.spark.predict(frame, "sentence", MODEL, method=method)
            wall, cpu = median_run(jvm, lambda: stage.write.format("noop").mode("overwrite").save())
            out.append(row(f"Spark local[2], binding, {method}, {kind} input", rows, wall, cpu,
                           f"{kind} read, {PARTITIONS} partitions, noop sink"))
        # Spark's own cost: the same mapInArrow stage and columns with a constant label and no
        # model, so what is left of a row's cost once prediction is taken away.
        schema = stance.spark._map_schema(frame, [("label", "string"), ("confidence", "double")])
        floor = frame.mapInArrow(constant_labels, schema)
        wall, cpu = median_run(jvm, lambda: floor.write.format("noop").mode("overwrite").save())
        out.append(row(f"Spark local[2], no model (constant label), mapInArrow, {kind} input",
                       rows, wall, cpu, f"{kind} read, {PARTITIONS} partitions, noop sink"))
    cpu0 = tree_cpu(jvm)
    start = time.perf_counter()
    n = stance.spark.pipe_rdd(df, "sentence", "id", MODEL, command=str(cli)).count()
    wall = time.perf_counter() - start
    cpu = tree_cpu(jvm) - cpu0
    assert n == rows, (n, rows)
    out.append(row("Spark local[2], RDD.pipe to `stance predict --output jsonl`", rows, wall, cpu,
                   f"TSV read, {PARTITIONS} partitions, JSON both ways"))
    spark.stop()
    return out


def machine() -> dict:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import pyspark

    import stance

    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.split("\n")[0]
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "pyspark": pyspark.__version__,
        "java": java,
        "stance": stance.__version__,
        "load": os.getloadavg(),
    }


def write_report(path: Path, results: list[dict], rows: int, command: str, info: dict,
                 load_after: tuple) -> None:
    by = {r["name"]: r for r in results}
    b1 = by["binding in process, 1 thread"]
    b2 = by["binding in process, 2 threads"]
    c1 = by["CLI, 1 thread"]
    lines = [
        "# Prediction speed from Python and Spark",
        "",
        f"Written by `bench/python_spark.py` (no figure typed by hand). {rows:,} real sentences: "
        "`../shared/realnews/pool.tsv` repeated. One timed run per line after a warm-up; "
        "the Spark stages' lines are the median of three runs (RDD.pipe: one run).",
        "",
        "| route | rows/s | rows per CPU-second | wall s | CPU s | what it includes |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['name']} | {r['rows_per_s']:,.0f} | {r['rows_per_cpu_s']:,.0f} | "
            f"{r['wall']:.1f} | {r['cpu']:.1f} | {r['note']} |"
        )
    lines += ["", "## Targets", ""]
    ratio_cli = b1["rows_per_s"] / c1["rows_per_s"]
    met = "met" if ratio_cli >= 0.9 else "NOT met"
    lines.append(
        f"- The binding within 10% of the CLI at one thread: binding {b1['rows_per_s']:,.0f} "
        f"rows/s vs CLI {c1['rows_per_s']:,.0f} rows/s = {ratio_cli:.0%} -> **{met}**."
    )
    for r in results:
        if r["name"].startswith("Spark"):
            share = r["rows_per_s"] / b2["rows_per_s"]
            if "no model" in r["name"]:
                continue
            if "binding" in r["name"]:
                verdict = "met" if share >= 0.7 else "NOT met"
                lines.append(
                    f"- {r['name']}: {share:.0%} of the binding's in-process speed at 2 threads "
                    f"(target >= 70%) -> **{verdict}**."
                )
            else:
                lines.append(
                    f"- {r['name']}: {share:.0%} of the binding's in-process speed at 2 threads "
                    "(no target; for comparison)."
                )
    for kind in ("TSV", "Parquet"):
        floor = by.get(f"Spark local[2], no model (constant label), mapInArrow, {kind} input")
        if floor:
            # Two cores shared by prediction (the CPU per row of the Arrow route on one thread,
            # as each Spark task runs it) and Spark's own work per row (the no-model mapInArrow
            # stage's, the lightest a stage can be): the most rows/s any stage can reach.
            predict_us = 1e6 / by["binding in process, Arrow, 1 thread"]["rows_per_cpu_s"]
            spark_us = 1e6 / floor["rows_per_cpu_s"]
            cap = 2e6 / (predict_us + spark_us)
            lines.append(
                f"- Ceiling from {kind}: prediction {predict_us:.1f} CPU-us per row plus Spark's "
                f"own {spark_us:.1f} on two cores give at most {cap:,.0f} rows/s, "
                f"{cap / b2['rows_per_s']:.0%} of the binding."
            )
    lines += [
        "",
        "Spark runs two tasks at a time (local[2]), each predicting with one thread, so its "
        "figures compare with the binding at two threads on the same two cores.",
        "",
        f"Two threads against one: CLI {by['CLI, 2 threads']['rows_per_s'] / c1['rows_per_s']:.2f}x, "
        f"binding {b2['rows_per_s'] / b1['rows_per_s']:.2f}x. Near 1x means the second core was "
        "busy with other work during the run (see the load average below); rows per CPU-second "
        "do not depend on that.",
        "",
        "## How it was measured",
        "",
        "- CLI: `stance --quiet predict --input FILE --threads T --model models/stance.model "
        "> /dev/null`, FILE one sentence per line; CPU from getrusage of the child.",
        "- Binding: `stance.Model.predict(texts, threads=T)` on a Python list already in "
        "memory (the in-process speed the targets name), and "
        "`stance.Model.predict_arrow(array, threads=T)` on a pyarrow string array already in "
        "memory; CPU from `time.process_time()` (all threads of the process).",
        "- Spark: `spark.read.csv(TSV, sep='\\t')` of (id, sentence), or the same rows written "
        "as Parquet beforehand and read with `spark.read.parquet`, then "
        "`stance.spark.predict(df, 'sentence', model, method=...)` written to the `noop` sink; "
        "`stance.spark.pipe_rdd(...)` (RDD.pipe) counted after parsing the JSON lines back. CPU is the Spark "
        "JVM's process tree (JVM, Python workers, piped CLIs) from /proc.",
        "- Spark, no model: the same input through a mapInArrow stage that adds a constant label "
        "and confidence, no model loaded: what Spark itself spends per row (reading, moving the "
        "rows to Python and back, the sink).",
        "",
        "## Machine",
        "",
        f"- {info['cpus']} CPUs ({info['cpu']}); Python {info['python']}, pyspark "
        f"{info['pyspark']}, {info['java']}, stance {info['stance']}.",
        f"- Load average before the run {info['load'][0]:.2f} / {info['load'][1]:.2f} / "
        f"{info['load'][2]:.2f}, after {load_after[0]:.2f} / {load_after[1]:.2f} / "
        f"{load_after[2]:.2f} (other work on the machine slows every route alike).",
        "",
        "## Command",
        "",
        "```sh",
        command,
        "```",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cli", type=Path, default=ROOT / "target" / "release" / "stance")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "PYTHON.md")
    parser.add_argument("--skip-spark", action="store_true")
    args = parser.parse_args()
    if not args.cli.exists():
        sys.exit(f"no CLI at {args.cli}: cargo build --release first")
    info = machine()
    data = repeated(pool_rows(), args.rows)
    texts = [t for _, t in data]
    results = []
    with tempfile.TemporaryDirectory(prefix="stance-bench-") as tmp:
        text_file = Path(tmp) / "sentences.txt"
        text_file.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
        tsv = Path(tmp) / "sentences.tsv"
        tsv.write_text("".join(f"{i}\t{t}\n" for i, t in data), encoding="utf-8")
        for threads in (1, 2):
            results.append(bench_cli(args.cli, text_file, len(texts), threads))
            print(json.dumps(results[-1]), flush=True)
        for arrow in (False, True):
            for threads in (1, 2):
                results.append(bench_binding(texts, threads, arrow))
                print(json.dumps(results[-1]), flush=True)
        del texts
        if not args.skip_spark:
            for r in bench_spark(tsv, len(data), args.cli):
                results.append(r)
                print(json.dumps(r), flush=True)
    command = "python bench/python_spark.py" + (
        f" --rows {args.rows}" if args.rows != 1_000_000 else ""
    ) + (" --skip-spark" if args.skip_spark else "")
    write_report(args.out, results, args.rows, command, info, os.getloadavg())
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
