"""Import throughput: synthetic text dumps and HTML pages through the real import command.

Generates N text dumps and M saved HTML pages (invented, deterministic) in a temporary folder,
runs ``scripts/import_articles.py`` on them into a fresh content folder, then again (the
re-import of an unchanged archive), and prints inputs/s, wall time, CPU time (parent and
workers) and peak RSS (largest single process).

    python benchmarks/bench_import.py [--texts 10000] [--html 1000] [--jobs 0]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLACES = [("LISBON", "Portugal"), ("NAIROBI", "Kenya"), ("OSLO", "Norway"), ("LIMA", "Peru"),
          ("HANOI", "Vietnam"), ("ACCRA", "Ghana"), ("QUITO", "Ecuador"), ("PERTH", "Australia")]
SUBJECTS = ["the port authority", "a farmers' cooperative", "the city council", "a rail operator",
            "the central bank", "a hospital trust", "the football federation", "a solar firm"]
VERBS = ["announced", "approved", "postponed", "criticised", "expanded", "reviewed", "funded"]
OBJECTS = ["a new ferry route", "plans for a bridge", "a rise in fees", "a pilot scheme",
           "a merger with a rival", "a water project", "a training programme", "a study of pay"]
AGENCIES = ["Reuters", "AFP", "AP", "Xinhua"]


def sentence(rng: random.Random) -> str:
    return (f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
            f"on {rng.choice(['Monday', 'Tuesday', 'Friday'])}, officials said, "
            f"citing {rng.randrange(2, 99)} percent support among {rng.randrange(100, 999)} "
            f"residents surveyed in {rng.randrange(1, 12)} districts.")


def paragraphs(rng: random.Random, count: int) -> list[str]:
    return [" ".join(sentence(rng) for _ in range(rng.randrange(2, 4))) for _ in range(count)]


def text_dump(i: int) -> str:
    rng = random.Random(i)
    city, country = rng.choice(PLACES)
    agency = rng.choice(AGENCIES)
    body = paragraphs(rng, rng.randrange(4, 9))
    body[0] = f"{city}, {country} ({agency}) - {body[0]}"
    month = rng.choice(["March", "June", "October"])
    day = f"{rng.randrange(1, 28)} {month} 20{rng.randrange(10, 30)}"
    teasers = [f"Teaser story {i}-{k}" if k % 2 == 0 else "A summary line." for k in range(6)]
    return "\n".join([f"Story {i}: {sentence(rng)[:70]}", *body, agency, day, *teasers]) + "\n"


def html_page(i: int) -> str:
    rng = random.Random(-i - 1)
    body = "".join(f"<p>{p}</p>" for p in paragraphs(rng, rng.randrange(4, 8)))
    title = f"Page {i}: {sentence(rng)[:60]}"
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
            f"<meta property='article:published_time' content='2031-0{rng.randrange(1, 9)}-1"
            f"{rng.randrange(0, 9)}T08:00:00Z'><meta property='og:site_name' content='Bench Post'>"
            f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}"
            f"</article><footer>Bench Post</footer></body></html>")


def generate(folder: Path, texts: int, pages: int) -> None:
    for i in range(texts):
        shard = folder / "text" / f"{i // 1000:03}"
        shard.mkdir(parents=True, exist_ok=True)
        (shard / f"story-{i:06}.txt").write_text(text_dump(i), encoding="utf-8")
    for i in range(pages):
        shard = folder / "html" / f"{i // 1000:03}"
        shard.mkdir(parents=True, exist_ok=True)
        (shard / f"page-{i:06}.html").write_text(html_page(i), encoding="utf-8")


def timed_import(inputs: Path, content: Path, report: Path, jobs: int) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "scripts" / "import_articles.py"), "--jobs",
                    str(jobs), "--content", str(content), "--report", str(report), str(inputs)],
                   check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_import.py", description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=10_000, help="text dumps (default 10000)")
    parser.add_argument("--html", type=int, default=1_000, help="HTML pages (default 1000)")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (0: one per core)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        generate(base / "in", args.texts, args.html)
        total = args.texts + args.html
        for label in ("first import", "re-import"):
            wall, cpu = timed_import(base / "in", base / "content", base / "r.jsonl", args.jobs)
            print(f"{label}: {total} inputs ({args.texts} text, {args.html} html) "
                  f"in {wall:.1f} s wall, {cpu:.1f} s CPU: {total / wall:.0f} inputs/s")
        statuses: dict[str, int] = {}
        for line in (base / "r.jsonl").read_text().splitlines():
            status = line.split('"status": "', 1)[1].split('"', 1)[0]
            statuses[status] = statuses.get(status, 0) + 1
        print("re-import statuses:", statuses)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS (largest process): {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
