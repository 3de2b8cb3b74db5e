#!/usr/bin/env python3
"""talkwatch's feed reader against feedparser, on feedparser's own test feeds.

    python3 bench/feeds/run.py            # prints the comparison

The first run makes a venv under ~/.cache/talkwatch/feeds with feedparser (pinned) from PyPI
and unpacks feedparser's source distribution there for its `tests/wellformed` and
`tests/illformed` feeds (never committed). For every feed file it counts the entries feedparser
reads that have a title or text (markup alone does not count), those with a title and a
link or text, and the ones talkwatch's reader
(`benches/feeds.rs`, `ingest::parse_feed`) gets; ill-formed feeds count as recovered when
talkwatch gets entries, reported when it refuses them with a reason.
"""
import json
import os
import subprocess
import sys
import tarfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path.home() / ".cache/talkwatch/feeds"
VERSION = "6.0.11"


def venv():
    py = CACHE / "venv/bin/python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(CACHE / "venv")], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", f"feedparser=={VERSION}"], check=True)
    tests = CACHE / f"feedparser-{VERSION}/tests"
    if not tests.exists():
        subprocess.run(
            [str(py), "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps",
             f"feedparser=={VERSION}", "-d", str(CACHE)],
            check=True,
        )
        with tarfile.open(CACHE / f"feedparser-{VERSION}.tar.gz") as tar:
            tar.extractall(CACHE, filter="data")
    return py, tests


FEEDPARSER_COUNT = r"""
import json, re, sys, feedparser
def visible(value):
    if isinstance(value, list):
        value = " ".join(v.get("value", "") for v in value)
    return bool(re.sub(r"<[^>]*>|&[a-z#0-9]+;|\s", "", value or ""))
for path in sys.stdin.read().split("\n"):
    if not path:
        continue
    try:
        d = feedparser.parse(path)
        # Text a reader would see: markup and entities alone do not count.
        text = lambda e: visible(e.get("summary")) or visible(e.get("content"))
        title = lambda e: visible(e.get("title"))
        read = sum(1 for e in d.entries if title(e) or text(e))
        storable = sum(1 for e in d.entries if title(e) and (e.get("link") or text(e)))
    except Exception:
        read = storable = 0
    print(json.dumps({"path": path, "read": read, "storable": storable}))
"""


def main():
    py, tests = venv()
    sets = {name: tests / name for name in ("wellformed", "illformed")}
    results = {}
    for name, folder in sets.items():
        files = sorted(str(p) for p in folder.rglob("*") if p.is_file())
        fp = subprocess.run([str(py), "-c", FEEDPARSER_COUNT], input="\n".join(files),
                            capture_output=True, text=True, check=True).stdout
        ours = subprocess.run(["cargo", "bench", "-q", "--bench", "feeds"], cwd=ROOT,
                              env={**os.environ, "TALKWATCH_FEEDS": str(folder)},
                              capture_output=True, text=True, check=True).stdout
        fp = {r["path"]: r for r in map(json.loads, fp.splitlines())}
        ours = {r["path"]: r for r in map(json.loads, ours.splitlines())}
        results[name] = (fp, ours)

    fp, ours = results["wellformed"]
    print(f"wellformed: {len(fp)} feeds")
    for key, what in (("read", "entries with a title or text"),
                      ("storable", "entries with a title and a link or text")):
        total = sum(r[key] for r in fp.values())
        got = sum(min(ours[p].get(key, 0), r[key]) for p, r in fp.items())
        print(f"  {what}: feedparser {total}, talkwatch {got} ({got / total:.3f})")
        by_dir = defaultdict(lambda: [0, 0])
        for p, r in fp.items():
            d = Path(p).relative_to(sets["wellformed"]).parts[0]
            by_dir[d][0] += r[key]
            by_dir[d][1] += min(ours[p].get(key, 0), r[key])
        for d, (n, g) in sorted(by_dir.items()):
            if n and g < n:
                print(f"    {d:<18} {g:>4} / {n:<4} {g / n:.3f}")
        if "-v" in sys.argv:
            for p, r in fp.items():
                if ours[p].get(key, 0) < r[key]:
                    o = ours[p].get("error") or f"{ours[p].get(key, 0)} entries"
                    print(f"      {Path(p).relative_to(sets['wellformed'])}: feedparser {r[key]}, talkwatch {o}")

    fp, ours = results["illformed"]
    print(f"illformed: {len(fp)} feeds")
    for p, r in sorted(fp.items()):
        o = ours[p]
        state = (f"recovered {o['read']} of {r['read']}" if o.get("read")
                 else f"reported: {o['error']}" if "error" in o
                 else f"0 entries, no reason (feedparser {r['read']})")
        print(f"  {Path(p).name:<40} {state}")


if __name__ == "__main__":
    main()
