#!/usr/bin/env python3
"""Instructions per predicted sentence by function group, from callgrind runs.

usage: groups.py N LABEL=RUN.cg:BASE.cg [LABEL=RUN.cg:BASE.cg ...] [--top K]

Each LABEL pairs a callgrind file of `stance predict` on some sentences with one of the same
binary on N sentences fewer (the first part of the same input); their difference divided by N
is the cost of a sentence without process start and model load. Self costs are grouped by function name (inlining moves code between
functions, so groups are approximate). Prints a Markdown table, one column per LABEL; with
--top K, also each run's K costliest functions.
"""
import collections
import re
import subprocess
import sys

GROUPS = [
    ("reading input (reader thread)", r"RowParser|RecordReader|from_utf8|read_until|trim_matches|memchr_aligned|clean_text"),
    ("normaliser + splitter", r"FastNormalizer|Splitter|QuickCheck|is_punctuation|token_buffer|TokenBuffer|char_table|TextPipeline::tokenize|char_count"),
    ("token filter (is_alphanumeric)", r"alphabetic::lookup|n::lookup|classes::"),
    ("clitic, clause and cue passes", r"clitics::|lexicon::|cues::|cue_context::|clauses::|ending::|hashbrown|foldhash|memcmp"),
    ("walk + n-gram hashing", r"Featurizer::counts|Featurizer::buckets_into|Featurizer::walk|Map<I,F>|try_fold|FnMut|Fn<A>|FnOnce|filter_map"),
    ("sort + count", r"sort|merge_counts|count_buckets|median3|ipnsort"),
    ("IDF, norm, dot product, softmax", r"tfidf::|retain|logf|scores_into|probabilities|expf|PackedScorer|Pipeline::predict|fitted::"),
    ("output formatting", r"cli::predict|fmt|flt2dec|dragon|grisu|decimal|Formatter|write_str|Big32x40|one_line"),
    ("allocation", r"malloc|free|realloc|_int_|__rdl|__rust_|finish_grow|reserve|grow_one|from_iter|unlink_chunk|calloc|memmove|memcpy|RawVec"),
]


def self_costs(path):
    out = subprocess.run(
        ["callgrind_annotate", "--inclusive=no", "--threshold=100", path],
        capture_output=True, text=True, check=True,
    ).stdout
    costs = collections.Counter()
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*?)(?: \[.*\])?$", line)
        if m and "PROGRAM TOTALS" not in line:
            name = m.group(2)
            if name.startswith(("???:", "./")):
                name = re.sub(r"^\S*?:", "", name, count=1)
            costs[name] += int(m.group(1).replace(",", ""))
    return costs


def group_of(name):
    for group, pattern in GROUPS:
        if re.search(pattern, name):
            return group
    return "other"


def main(argv):
    top = 0
    if "--top" in argv:
        i = argv.index("--top")
        top = int(argv[i + 1])
        del argv[i:i + 2]
    n = int(argv[0])
    columns = []
    for spec in argv[1:]:
        label, files = spec.split("=", 1)
        run, base = files.split(":")
        big, small = self_costs(run), self_costs(base)
        per = {k: (v - small.get(k, 0)) / n for k, v in big.items()}
        columns.append((label, per))
    names = [g for g, _ in GROUPS] + ["other"]
    print("| group | " + " | ".join(label for label, _ in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for g in names:
        cells = [sum(v for k, v in per.items() if group_of(k) == g) for _, per in columns]
        print(f"| {g} | " + " | ".join(f"{c:,.0f}" for c in cells) + " |")
    totals = [sum(per.values()) for _, per in columns]
    print("| **total** | " + " | ".join(f"**{t:,.0f}**" for t in totals) + " |")
    for label, per in columns if top else []:
        print(f"\n{label}: costliest functions (instructions per sentence)")
        for k, v in sorted(per.items(), key=lambda kv: -kv[1])[:top]:
            print(f"  {v:8,.0f}  [{group_of(k)}] {k[:110]}")


if __name__ == "__main__":
    main(sys.argv[1:])
