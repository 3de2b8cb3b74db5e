#!/usr/bin/env bash
# Work per question without this VM's timing noise: instructions counted by valgrind's callgrind,
# for talkwatch (everything inside `Answerer::ask`: plan, search, whole-article scores, the
# articles from SQLite, quotes and highlights) and for tantivy-py (its timed `search` call:
# query parsing, top 10, stored ids; measured as the difference between a run with 2 rounds of
# questions and one with none, so index building cancels out).
#
#   python3 bench/compare/run.py --only-talkwatch   # once: venv, corpus, release build
#   bash bench/compare/instructions.sh              # ~10 minutes on 2 cores; needs valgrind
#
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
bin=$root/${bin#"$root/"}

talkwatch() { # set -> instructions per question
    local d=$work/$1 n
    n=$(wc -l <"$d/queries.jsonl")
    TALKWATCH_COMPARE_DIR=$d TALKWATCH_COMPARE_REPEAT=1 valgrind --tool=callgrind \
        --callgrind-out-file="$d/tw.out" --toggle-collect='talkwatch::answer::Answerer::ask' \
        "$bin" >/dev/null 2>"$d/tw.err"
    # Every question is asked twice (warm-up and one timed round), both inside the toggle.
    echo $(($(grep -m1 -E '^(summary|totals):' "$d/tw.out" | awk '{print $2}') / (2 * n)))
}

tantivy_py() { # set -> instructions per question
    local d=$work/$1 n total0 total2
    n=$(wc -l <"$d/queries.jsonl")
    for rounds in 0 2; do
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
    total0=$(grep -m1 -E '^(summary|totals):' "$d/py0.out" | awk '{print $2}')
    total2=$(grep -m1 -E '^(summary|totals):' "$d/py2.out" | awk '{print $2}')
    echo $(((total2 - total0) / (2 * n)))
}

cd "$root"
echo "| questions | talkwatch instructions/question | tantivy-py instructions/question | ratio |"
echo "|---|---|---|---|"
for set in headlines natural; do
    talkwatch "$set" >"$work/$set.tw" &
    tantivy_py "$set" >"$work/$set.py"
    wait
    tw=$(cat "$work/$set.tw")
    py=$(cat "$work/$set.py")
    printf '| %s | %s | %s | %.2f× |\n' "$set" "$tw" "$py" "$(echo "$tw / $py" | bc -l)"
done
