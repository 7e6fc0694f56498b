"""The importer's cache of the content files (newsarchive.index_cache): the same index and the
same content as reading every file, never stale, rebuilt when damaged, and really used."""

from __future__ import annotations

import logging
import os
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from newsarchive.content import iter_content
from newsarchive.dedup import NUM_PERM, NearDuplicateIndex, signature
from newsarchive.importer import scan_content
from newsarchive.index import ContentIndex, content_files
from newsarchive.index_cache import ImportCache, cache_file
from newsarchive.topic_feedback import FEEDBACK_FILE
from tests.conftest import ROOT, run_import

SAMPLES = ROOT / "samples"


def _index_view(index: ContentIndex) -> dict:
    """Everything an import looks stories up by, comparable between two indexes."""
    return {
        "by_key": index.by_key,
        "by_slug": index.by_slug,
        "by_fingerprint": index.by_fingerprint,
        "by_caption": index.by_caption,
        "near": [(p, index.near.signature_of(i)) for i, p in enumerate(index.near.paths)],
    }


def _cached_index(content: Path, cache_dir: Path) -> tuple[ContentIndex, ImportCache]:
    cache = ImportCache.open(cache_dir, content)
    index, _ = scan_content(content, cache)
    index.save_cache()
    return index, cache


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples imported once (with the cache beside the content folder)."""
    tmp = tmp_path_factory.mktemp("cached")
    run_import(tmp / "content", tmp / "r.jsonl", SAMPLES)
    return tmp


def _copy(archive: Path, tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(archive / "content", content)
    return content


def test_cache_gives_the_index_reading_every_file_gives(archive: Path, tmp_path: Path) -> None:
    content = _copy(archive, tmp_path)
    scanned = ContentIndex.scan(content)
    first, _ = _cached_index(content, tmp_path / "cache")  # builds the cache: reads every file
    second, _ = _cached_index(content, tmp_path / "cache")  # from the cache
    assert first.files_read == scanned.files_read == len(list(iter_content(content)))
    assert _index_view(first) == _index_view(scanned) == _index_view(second)


def test_unchanged_files_are_not_read_again(archive: Path, tmp_path: Path) -> None:
    content = _copy(archive, tmp_path)
    _cached_index(content, tmp_path / "cache")
    # Rows made within RACY_NS of their file's last change are checked by content once;
    # pretend the files are older so that this run trusts their stamps.
    old = 1_600_000_000_000_000_000
    for path in iter_content(content):
        os.utime(path, ns=(old, old))
    _cached_index(content, tmp_path / "cache")  # the new stamps: every file read once more
    index, _ = _cached_index(content, tmp_path / "cache")
    assert index.files_read == 0
    assert len(index.near) == len(list(iter_content(content)))


def test_import_reads_no_stored_file_when_the_cache_is_fresh(archive: Path, tmp_path: Path,
                                                             caplog) -> None:
    content = _copy(archive, tmp_path)
    run_import(content, tmp_path / "r1.jsonl", SAMPLES)  # builds the cache for this copy
    for path in iter_content(content):
        os.utime(path, ns=(1_600_000_000_000_000_000,) * 2)
    run_import(content, tmp_path / "r2.jsonl", SAMPLES)  # new stamps recorded
    from newsarchive.importer import Options, run

    with caplog.at_level(logging.INFO, logger="newsarchive.importer"):
        counts = run(Options(content, (SAMPLES,), tmp_path / "r3.jsonl"))
    assert counts["unchanged"] and not counts["imported"]
    assert "0 content files read" in caplog.text


def test_same_import_with_and_without_the_cache(tmp_path: Path) -> None:
    """Two batches, the second with near-duplicates and re-imports of the first: the same
    statuses and the same files whether the second run starts from the cache or not."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    text = (SAMPLES / "text").iterdir()
    stories = sorted(p for p in text if p.suffix == ".txt")
    for path in stories[:10]:
        shutil.copy(path, first / path.name)
    for path in stories[5:]:  # five again, the rest new
        shutil.copy(path, second / path.name)
    for path in stories[:4]:  # near-duplicates: the same story with its last paragraph cut
        lines = path.read_text(encoding="utf-8").split("\n")
        body_end = max(i for i, line in enumerate(lines) if len(line) > 200)
        lines[0] = f"Elsewhere: {lines[0]}"  # another site's headline: another story key
        (second / f"copy-{path.name}").write_text("\n".join(lines[:body_end] +
                                                            lines[body_end + 1:]))
    results = []
    for mode in ("cache", "no-cache"):
        content = tmp_path / mode / "content"
        run_import(content, tmp_path / mode / "r1.jsonl", first)
        flag = () if mode == "cache" else ("--no-cache",)
        records = _run(content, tmp_path / mode / "r2.jsonl", *flag, second)
        files = {p.relative_to(content): p.read_bytes() for p in iter_content(content)}
        results.append(([(r["status"], Path(r["output"]).relative_to(content) if r["output"]
                          else None) for r in records], files))
    assert results[0] == results[1]
    assert {"duplicate", "unchanged", "imported"} <= {status for status, _ in results[0][0]}


def _run(content: Path, report: Path, *args) -> list[dict]:
    import json
    import subprocess
    import sys

    subprocess.run([sys.executable, str(ROOT / "scripts" / "import_articles.py"), "--content",
                    str(content), "--report", str(report), *map(str, args)],
                   check=True, capture_output=True)
    return [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]


def test_files_changed_behind_the_cache_are_read_again(archive: Path, tmp_path: Path) -> None:
    content = _copy(archive, tmp_path)
    cache_dir = tmp_path / "cache"
    _cached_index(content, cache_dir)
    files = list(iter_content(content))
    edited, deleted, moved = files[0], files[1], files[2]
    # Edited in place with the same size and the same mtime: only the content hash tells.
    text = edited.read_text(encoding="utf-8")
    stat = edited.stat()
    new_title = "Title: " + "X" * (len(text.split("\n")[0]) - len("Title: "))
    edited.write_text(new_title + text[text.index("\n"):], encoding="utf-8")
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    deleted.unlink()
    added = moved.with_name("added-by-hand.md")
    moved.rename(added)
    index, _ = _cached_index(content, cache_dir)
    assert _index_view(index) == _index_view(ContentIndex.scan(content))
    assert edited in index.by_slug.values() and deleted not in index.near.paths
    assert added in index.near.paths and moved not in index.near.paths


def test_corrupt_cache_is_rebuilt_with_a_log_line(archive: Path, tmp_path: Path,
                                                  caplog) -> None:
    content = _copy(archive, tmp_path)
    cache_dir = tmp_path / "cache"
    _cached_index(content, cache_dir)
    path = cache_file(cache_dir, content)
    path.write_bytes(b"this is not an SQLite database" * 100)
    with caplog.at_level(logging.WARNING):
        index, cache = _cached_index(content, cache_dir)
    assert "rebuilding" in caplog.text and cache.rebuilt
    assert _index_view(index) == _index_view(ContentIndex.scan(content))
    index, cache = _cached_index(content, cache_dir)
    assert not cache.rebuilt


def test_cache_of_another_version_or_folder_is_not_trusted(archive: Path, tmp_path: Path,
                                                           caplog) -> None:
    content = _copy(archive, tmp_path)
    cache_dir = tmp_path / "cache"
    _, cache = _cached_index(content, cache_dir)
    db = cache.db
    assert db is not None
    db.execute("UPDATE meta SET value = 'older' WHERE name = 'code'")
    cache.close()
    with caplog.at_level(logging.WARNING):
        index, cache = _cached_index(content, cache_dir)
    assert "another version" in caplog.text and index.files_read == len(index.near)


def test_feedback_from_the_cache_equals_feedback_from_every_file(tmp_path: Path) -> None:
    """Editors' topic corrections: the document frequencies kept in the cache give the same
    learned words as counting every file."""
    content = tmp_path / "content"
    run_import(content, tmp_path / "r.jsonl", SAMPLES / "text")
    for path in list(iter_content(content))[:3]:
        text = path.read_text(encoding="utf-8")
        start = text.index("\nTopics: ") + len("\nTopics: ")
        end = text.index("\n", start)
        path.write_text(text[:start] + "environment" + text[end:], encoding="utf-8")
    scan_content(content)  # every file read
    expected = (content / FEEDBACK_FILE).read_bytes()
    (content / FEEDBACK_FILE).unlink()
    _cached_index(content, tmp_path / "cache")
    (content / FEEDBACK_FILE).unlink()
    index, _ = _cached_index(content, tmp_path / "cache")
    assert (content / FEEDBACK_FILE).read_bytes() == expected
    assert index.files_read < len(index.near)  # only the corrected files were read


def test_content_files_walk_in_iter_content_order(tmp_path: Path) -> None:
    for rel in ("b.md", "a/z.md", "a/b/c.md", ".hidden/x.md", "a/.y.md", "a/b.txt", "c/d.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("Title: x\n")
    (tmp_path / "link").symlink_to(tmp_path / "c")
    expected = list(iter_content(tmp_path))
    assert [Path(full) for _, full in content_files(tmp_path)] == expected
    assert [rel for rel, _ in content_files(tmp_path)] == [
        p.relative_to(tmp_path).as_posix() for p in expected]


def test_bulk_loaded_lsh_finds_what_one_by_one_finds() -> None:
    """add_many() + add() give the same candidates, scores and ties as add() alone."""
    rng = random.Random(7)
    texts = [" ".join(rng.choice("abcdefghijklmnop") * rng.randint(1, 3) for _ in range(60))
             for _ in range(200)]
    texts += [t.replace("a", "b", 3) for t in texts[:50]]  # near-duplicates
    sigs = [signature(t) for t in texts]
    paths = [Path(f"s{i}.md") for i in range(len(texts))]
    one, bulk = NearDuplicateIndex(), NearDuplicateIndex()
    for path, sig in zip(paths, sigs, strict=True):
        one.add(path, sig)
    bulk.add_many(paths[:150], np.array(sigs[:150], dtype=np.uint32).reshape(-1, NUM_PERM))
    for path, sig in zip(paths[150:], sigs[150:], strict=True):
        bulk.add(path, sig)
    for sig in sigs + [signature(t + " extra words here") for t in texts[:40]]:
        for threshold in (0.5, 0.7, 0.9):
            assert one.find(sig, threshold) == bulk.find(sig, threshold)
            assert one.find(sig, threshold) == scored_one_by_one(one, sig, threshold)


def scored_one_by_one(index: NearDuplicateIndex, sig, threshold: float):
    """find() as it was before candidates were scored in bulk: each with similarity()."""
    from newsarchive.dedup import BANDS, ROWS, similarity

    sig, best, seen = tuple(sig), None, set()
    for band in range(BANDS):
        for row in index._buckets.get((band, sig[band * ROWS : (band + 1) * ROWS]), ()):
            if row not in seen:
                seen.add(row)
                score = similarity(sig, index.signature_of(row))
                if score >= threshold and (best is None or score > best[0]):
                    best = (score, index.paths[row])
    return best[1] if best else None
