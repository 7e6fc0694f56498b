"""Crash safety: an import killed (SIGKILL) at random points and rerun ends with exactly the
content of an uninterrupted run, and a killed run never leaves a half-written content file.

A batch of 1,500 generated text dumps and a few wire photos is imported once without
interruption (the reference), then into a second folder by runs each killed once it has
written a seeded random number of new stories (by progress, not by time, so a fast or a
loaded machine kills mid-batch alike); after each kill every content file present must be
complete (a Markdown file that
parses, a picture whose bytes match the hash in its name). The last run goes to the end: its
content folder must equal the reference byte for byte, with no temporary file left.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from newsarchive.content import REQUIRED, is_temporary, split_file
from tests.conftest import ROOT
from tests.hostile.corpus import media
from tests.hostile.stories import text_dump

STORIES = 1_500
PHOTOS = 12
KILLS = 5
SEED = 20240914


def write_batch(inputs: Path) -> None:
    inputs.mkdir()
    for i in range(STORIES):
        date = f"{1 + i % 28} March {1990 + i % 30}"
        (inputs / f"story-{i:04d}.txt").write_text(text_dump(10_000 + i, date_line=date),
                                                    encoding="utf-8")
    for i in range(PHOTOS):
        out = io.BytesIO()
        media.picture(i).save(out, "JPEG", quality=80)
        (inputs / f"photo-{i:02d}.jpg").write_bytes(out.getvalue())
        (inputs / f"photo-{i:02d}.jpg.txt").write_text(
            f"Harbour workers number {i} repair nets in Tarnholt, Norway, March {i + 1}, 2018. "
            "REUTERS/Ann Ray", encoding="utf-8")


def command(content: Path, inputs: Path) -> list[str]:
    return [sys.executable, str(ROOT / "scripts" / "import_articles.py"), "--content",
            str(content), "--report", str(content.parent / "report.jsonl"), "--jobs", "2",
            str(inputs)]


def snapshot(content: Path) -> dict[str, bytes]:
    return {str(p.relative_to(content)): p.read_bytes()
            for p in sorted(content.rglob("*")) if p.is_file()}


def incomplete_files(content: Path) -> list[str]:
    """Content files that are not whole: Markdown without its fields and body, pictures whose
    bytes do not hash to their name. Temporary files of the killed run are not content."""
    bad = []
    for path in sorted(content.rglob("*")):
        if not path.is_file() or is_temporary(path.name):
            continue
        data = path.read_bytes()
        if path.suffix == ".md":
            fields, body = split_file(data.decode("utf-8"))
            if not set(fields) >= REQUIRED or not body.endswith("\n"):
                bad.append(str(path))
        elif hashlib.sha256(data).hexdigest() != path.stem:
            bad.append(str(path))
        else:
            Image.open(io.BytesIO(data)).verify()
    return bad


def stories_written(content: Path) -> int:
    if not content.exists():
        return 0
    return sum(
        name.endswith(".md") and not is_temporary(name)
        for _folder, _dirs, names in os.walk(content)
        for name in names
    )


def killed_run(content: Path, inputs: Path, more: int) -> int:
    """Start an import and SIGKILL it (and its worker processes) once it has written ``more``
    stories beyond those already there; return its exit status (negative: killed; 0: it
    finished first)."""
    target = stories_written(content) + more
    process = subprocess.Popen(command(content, inputs), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    while process.poll() is None:
        if stories_written(content) >= target:
            os.killpg(process.pid, signal.SIGKILL)  # the session it leads: its workers
            break
        time.sleep(0.02)
    return process.wait()


def test_killed_imports_resume_to_the_same_content(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    write_batch(inputs)
    reference = tmp_path / "reference" / "content"
    subprocess.run(command(reference, inputs), check=True, capture_output=True)

    content = tmp_path / "crashed" / "content"
    rng = random.Random(SEED)
    kills, counts, temporaries = 0, [], 0
    for _ in range(KILLS):
        # 100–250 stories a run: five runs cannot write all 1,500, so each is killed mid-batch.
        status = killed_run(content, inputs, rng.randint(100, 250))
        kills += status == -signal.SIGKILL
        assert incomplete_files(content) == []
        counts.append(sum(1 for _ in content.rglob("*.md")) if content.exists() else 0)
        temporaries += sum(is_temporary(p.name) for p in tmp_path.rglob(".*"))
    assert kills == KILLS, f"only {kills} of {KILLS} runs were killed before they finished"
    assert any(0 < n < STORIES for n in counts), f"no kill landed mid-batch: {counts}"

    subprocess.run(command(content, inputs), check=True, capture_output=True)
    expected = snapshot(reference)
    assert len([name for name in expected if name.endswith(".md")]) == STORIES + PHOTOS
    assert snapshot(content) == expected
    leftovers = [p for p in tmp_path.rglob(".*") if is_temporary(p.name)]
    assert leftovers == []
    print(f"crash safety: {kills} kills survived; stories on disk after each kill: {counts}; "
          f"temporary files left by the kills (removed by the next run): {temporaries}")


def test_atomic_writes_survive_a_folder_removed_and_a_temporary_name_taken(tmp_path: Path) -> None:
    """atomic_write remembers the folders it made (no mkdir per file) and names its temporary
    files from the process id and a counter: a folder removed since is made again, a name a
    killed run left is passed over, and every temporary name is one is_temporary knows."""
    import itertools
    import shutil

    from newsarchive import content

    story = tmp_path / "articles" / "2001" / "a.md"
    content.atomic_write(story, "one", durable=False)
    shutil.rmtree(tmp_path / "articles")
    content.atomic_write(story, "two", durable=False)
    assert story.read_text(encoding="utf-8") == "two"

    upcoming = next(content._serial) + 1
    content._serial = itertools.chain([upcoming], content._serial)  # the next name it picks
    tag = f"{(os.getpid() << 20 | upcoming) & 0xFFFFFFFF:08x}"
    left = story.parent / f".a.md.{tag}.tmp"
    assert is_temporary(left.name)
    left.write_text("a killed run's write", encoding="utf-8")
    content.atomic_write(story, "three", durable=False)
    assert story.read_text(encoding="utf-8") == "three"
    assert left.read_text(encoding="utf-8") == "a killed run's write"  # not reused
    assert sorted(p.name for p in story.parent.iterdir()) == [left.name, "a.md"]
