#!/usr/bin/env python3
"""talkwatch's article extraction beside trafilatura and readability-lxml, on the public
article-extraction benchmark (181 news pages with hand-checked article text), scored with the
benchmark's own metric (its `evaluate.py`: token-shingle precision, recall and F1 per page).

    python3 bench/extraction/run.py --aeb PATH   # a checkout of
        # https://github.com/scrapinghub/article-extraction-benchmark (html/, ground-truth.json,
        # evaluate.py, extractors/); default ~/.cache/talkwatch/aeb

Nothing of the benchmark is committed. The other extractors run from a venv under
~/.cache/talkwatch/extraction (pinned versions from PyPI) through the benchmark's own
`extractors/run_*.py` scripts; talkwatch runs through `benches/extract.rs`
(`TALKWATCH_EXTRACT_OUT`), which also times extraction.
"""
import argparse
import gzip
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path.home() / ".cache/talkwatch"
PINS = ["trafilatura==2.0.0", "readability-lxml==0.8.1", "lxml_html_clean==0.4.1",
        "html-text==0.6.2"]


def venv():
    py = CACHE / "extraction/venv/bin/python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(py.parents[1])], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *PINS], check=True)
    return py


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aeb", type=Path, default=CACHE / "aeb")
    ap.add_argument("--bootstrap", type=int, default=200)
    args = ap.parse_args()
    aeb = args.aeb.resolve()
    if not (aeb / "ground-truth.json").exists():
        sys.exit(f"no benchmark checkout at {aeb}: clone "
                 "https://github.com/scrapinghub/article-extraction-benchmark there")
    pages = CACHE / "aeb-pages"
    pages.mkdir(parents=True, exist_ok=True)
    for gz in (aeb / "html").glob("*.html.gz"):
        target = pages / gz.name[: -len(".gz")]
        if not target.exists():
            target.write_bytes(gzip.decompress(gz.read_bytes()))
    (aeb / "output").mkdir(exist_ok=True)
    ours = aeb / "output" / "talkwatch.json"
    timing = subprocess.run(
        ["cargo", "bench", "-q", "--bench", "extract"], cwd=ROOT, check=True,
        capture_output=True, text=True,
        env={**os.environ, "TALKWATCH_PAGES": str(pages), "TALKWATCH_EXTRACT_OUT": str(ours)},
    ).stdout
    py = venv()
    for script in ("run_trafilatura.py", "run_readability.py"):
        subprocess.run([str(py), str(aeb / "extractors" / script)], cwd=aeb, check=True,
                       env={**os.environ, "PYTHONPATH": str(aeb / "extractors")})

    spec = importlib.util.spec_from_file_location("aeb_evaluate", aeb / "evaluate.py")
    evaluate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(evaluate)
    truth = json.loads((aeb / "ground-truth.json").read_text())
    # Pages split by the parity of their id's first hex digit: changes to talkwatch's extraction
    # are looked at on the tuning half only; the held-out half is reported, never inspected.
    halves = {
        "all 181": set(truth),
        "tuning half": {k for k in truth if int(k[0], 16) % 2 == 0},
        "held-out half": {k for k in truth if int(k[0], 16) % 2 == 1},
    }
    for label, keys in halves.items():
        print(f"{label} ({len(keys)} pages)")
        print(f"  {'extractor':<14} {'F1':>13} {'precision':>15} {'recall':>15} {'accuracy':>15}")
        sub_truth = {k: truth[k] for k in truth if k in keys}
        for name in ("talkwatch", "trafilatura", "readability"):
            prediction, _ = evaluate.load_prediction(aeb / "output" / f"{name}.json")
            sub = {}
            for key in sub_truth:
                body = (prediction.get(key) or {}).get("articleBody") or ""
                sub[key] = {"articleBody": body}
            m = evaluate.evaluate(sub_truth, sub, args.bootstrap)
            print(f"  {name:<14} {m['f1']:.3f} ± {m['f1_std']:.3f}   {m['precision']:.3f} ± "
                  f"{m['precision_std']:.3f}   {m['recall']:.3f} ± {m['recall_std']:.3f}   "
                  f"{m['accuracy']:.3f} ± {m['accuracy_std']:.3f}")
    print()
    print(timing.strip())


if __name__ == "__main__":
    main()
