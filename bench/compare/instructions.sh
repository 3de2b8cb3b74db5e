#!/usr/bin/env bash
# Work per question without this VM's timing noise: instructions counted by valgrind's callgrind,
# for talkwatch (everything inside `Answerer::ask`: plan, search, whole-article scores, the
# articles from SQLite, quotes and highlights) and for tantivy-py (its timed `search` call:
# query parsing, top 10, stored ids).
#
#   python3 bench/compare/run.py --only-talkwatch   # once: venv, corpus, release build
#   bash bench/compare/instructions.sh              # ~20 minutes on 2 cores; needs valgrind
#   bash bench/compare/instructions.sh --talkwatch-only   # talkwatch's column alone
#
# Both count warm questions: the difference between a run asking every question in 3 rounds and
# one asking it in 1, so what a process does once (compiling the question patterns, ~130 M
# instructions at its first question; opening the index) cancels out. talkwatch is counted on
# three indexes of the same articles, built once and kept in $cache/instructions/<set>-<n>: the
# document order of an index follows its two indexing threads, and with it which blocks of
# postings the pruning search can skip, so one build's count for the headlines moves by up to
# ±10 % from one index to the next (0.71-0.86 M for the same build). The column is the mean of
# the three, with their range. To compare two builds, run the script from a worktree of each
# (`git worktree add /tmp/old <rev>`, then `CARGO_TARGET_DIR=$PWD/target bash
# /tmp/old/bench/compare/instructions.sh --talkwatch-only` shares the dependencies already
# built); both then count on the same three indexes, as long as the older build can open them.

# Question sets: the first 300 BBC headlines and the 220 natural questions, over all 2,225 articles.
# (Whole-process counts do not work for talkwatch: its parsing and writer threads spin briefly
# before they sleep, so the count of a whole run moves with the machine's timing.)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${HOME}/.cache/talkwatch/compare
src=$cache/work/bbc/talkwatch
python=$cache/venv/bin/python
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
[ -f "$src/queries.jsonl" ] || { echo "run python3 bench/compare/run.py first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for set in headlines natural; do
    mkdir -p "$work/$set"
    cp "$src/docs.jsonl" "$work/$set/"
done
awk '/"id": "k/ && n++ < 300' "$src/queries.jsonl" >"$work/headlines/queries.jsonl"
grep -v -e '"id": "k' -e '"id": "q' "$src/queries.jsonl" >"$work/natural/queries.jsonl"

# The profiling profile: release code with symbols (the release binary is stripped, and the
# count is taken inside one function). Its first build takes as long as a release build.
bin=$(cd "$root" && cargo bench --profile profiling --bench compare --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))/\1/p')
case $bin in /*) ;; *) bin=$root/$bin ;; esac

talkwatch() { # set -> mean instructions per warm question over the kept indexes (min-max)
    local d=$work/$1 n rounds total1 total3 i index counts=()
    n=$(wc -l <"$d/queries.jsonl")
    for i in 1 2 3; do
        index=$cache/instructions/$1-$i
        # Built outside valgrind the first time (ingest under it would take many minutes).
        [ -f "$index/store.sqlite" ] || TALKWATCH_COMPARE_INDEX=$index TALKWATCH_COMPARE_DIR=$d \
            TALKWATCH_COMPARE_REPEAT=1 "$bin" >/dev/null 2>"$d/build$i.err"
        # Every question is asked once to warm up, then in the timed rounds, all inside the
        # toggle.
        for rounds in 1 3; do
            TALKWATCH_COMPARE_INDEX=$index TALKWATCH_COMPARE_DIR=$d \
                TALKWATCH_COMPARE_REPEAT=$rounds valgrind --tool=callgrind \
                --callgrind-out-file="$d/tw$rounds.out" \
                --toggle-collect='talkwatch::answer::Answerer::ask' \
                "$bin" >/dev/null 2>"$d/tw$rounds.err"
        done
        total1=$(grep -m1 -E '^(summary|totals):' "$d/tw1.out" | awk '{print $2}')
        total3=$(grep -m1 -E '^(summary|totals):' "$d/tw3.out" | awk '{print $2}')
        counts+=($(((total3 - total1) / (2 * n))))
    done
    printf '%s\n' "${counts[@]}" | sort -n | awk '{s += $1; v[NR] = $1}
        END {printf "%d (%d-%d)\n", s / NR, v[1], v[NR]}'
}

tantivy_py() { # set -> instructions per question
    local d=$work/$1 n total1 total3
    n=$(wc -l <"$d/queries.jsonl")
    for rounds in 1 3; do
        valgrind --tool=callgrind --callgrind-out-file="$d/py$rounds.out" "$python" - "$d" "$rounds" \
            >/dev/null 2>"$d/py$rounds.err" <<'EOF'
import importlib.util, json, pathlib, sys
spec = importlib.util.spec_from_file_location("run", "bench/compare/run.py")
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)
d, rounds = pathlib.Path(sys.argv[1]), int(sys.argv[2])
docs = [json.loads(l) for l in open(d / "docs.jsonl")]
queries = [json.loads(l)["q"] for l in open(d / "queries.jsonl")]
engine = run.TantivyPy(docs, d / "engine")
for q in queries:  # warm-up, as in run.py
    engine.search(q)
for _ in range(rounds):
    for q in queries:
        engine.search(q)
EOF
    done
    total1=$(grep -m1 -E '^(summary|totals):' "$d/py1.out" | awk '{print $2}')
    total3=$(grep -m1 -E '^(summary|totals):' "$d/py3.out" | awk '{print $2}')
    echo $(((total3 - total1) / (2 * n)))
}

cd "$root"
echo "| questions | talkwatch instructions/question | tantivy-py instructions/question | ratio |"
echo "|---|---|---|---|"
only_talkwatch=false
[ "${1:-}" = --talkwatch-only ] && only_talkwatch=true
for set in headlines natural; do
    if $only_talkwatch; then
        printf '| %s | %s | | |\n' "$set" "$(talkwatch "$set")"
        continue
    fi
    talkwatch "$set" >"$work/$set.tw" &
    tantivy_py "$set" >"$work/$set.py"
    wait
    tw=$(cat "$work/$set.tw")
    py=$(cat "$work/$set.py")
    printf '| %s | %s | %s | %.2f× |\n' "$set" "$tw" "$py" "$(echo "${tw%% *} / $py" | bc -l)"
done
