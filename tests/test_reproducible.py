"""Reproducible output: the same content built twice, in different folders, at different times,
from files created in a different order, gives byte-identical trees (`diff -r` finds nothing)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import BIN, FIXTURES, ROOT, run_import

SAMPLES = ROOT / "samples" / "text"

sys.path.insert(0, str(ROOT / "plugins"))
from pagefind_index import deterministic, shards  # noqa: E402


def tree(root: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file (and symlink target) under root."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[relative] = f"-> {path.readlink()}"
        elif path.is_file():
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def differences(a: Path, b: Path) -> list[str]:
    left, right = tree(a), tree(b)
    return sorted(name for name in left.keys() | right.keys() if left.get(name) != right.get(name))


def copy_in_reverse_order(source: Path, target: Path) -> None:
    """Same files, created in the opposite order: directory listings come out differently."""
    for path in sorted(source.rglob("*"), reverse=True):
        destination = target / path.relative_to(source)
        if path.is_file():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def publish(content: Path, output: Path, **env: str) -> None:
    """The Makefile's `publish` recipe: pelican with publishconf.py and SITEURL."""
    subprocess.run(
        [str(BIN / "pelican"), str(content), "-o", str(output), "-s", "publishconf.py"],
        cwd=ROOT,
        env={**os.environ, "SITEURL": "https://archive.example.test", **env},
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[Path, Path]:
    """The project's fixtures and samples (which include two stories of the same day), built
    in two folders, a second apart, from files created in opposite orders, with different
    hash seeds (Pelican finds content files through a set) and time zones."""
    first = tmp_path_factory.mktemp("first")
    second = tmp_path_factory.mktemp("second-build-elsewhere") / "nested"
    run_import(first / "content", first / "report.jsonl", FIXTURES / "text", SAMPLES)
    copy_in_reverse_order(first / "content", second / "content")
    publish(first / "content", first / "output", TZ="UTC", PYTHONHASHSEED="1")
    time.sleep(1.1)  # a later second: any build time stamp would show
    publish(second / "content", second / "output", TZ="Pacific/Chatham", PYTHONHASHSEED="2")
    return first / "output", second / "output"


def story_count(site: Path) -> int:
    return len(list(site.glob("[12][0-9][0-9][0-9]/[01][0-9]/[0-3][0-9]/*/index.html")))


def test_two_builds_of_the_same_content_are_byte_identical(two_builds):
    first, second = two_builds
    assert story_count(first) > 20
    assert (first / "pagefind" / "pagefind-entry.json").is_file()
    assert differences(first, second) == []


def test_index_does_not_depend_on_directory_order(two_builds, tmp_path):
    """The Pagefind CLI numbers pages in readdir order and writes filters in a random
    order; the deterministic indexer gives one bundle for one site."""
    first, second = two_builds
    a, b = tmp_path / "a", tmp_path / "elsewhere" / "b"
    shutil.copytree(first, a)
    copy_in_reverse_order(second, b)
    for site in (a, b):
        shutil.rmtree(site / "pagefind")
        summary = shards.build_shards(site, jobs=2)
        assert summary.pages == story_count(site) > 20
    assert differences(a / "pagefind", b / "pagefind") == []


def test_deterministic_index_holds_what_the_cli_index_holds(two_builds, tmp_path):
    """Same pages, words, filters and sorts as `pagefind --site`, only in canonical order
    (our page order is exactly the CLI's `date` sort, same-day stories included)."""
    cli, ours = tmp_path / "cli", tmp_path / "ours"
    shutil.copytree(two_builds[0], cli)
    shutil.copytree(two_builds[0], ours)
    shutil.rmtree(cli / "pagefind")
    subprocess.run(
        [str(BIN / "python"), "-m", "pagefind_bin", "--site", str(cli)],
        check=True,
        capture_output=True,
    )
    deterministic.build_index(ours)
    assert bundle_contents(cli / "pagefind") == bundle_contents(ours / "pagefind")


def test_shards_together_hold_what_the_cli_index_holds(two_builds, tmp_path):
    """The year shards hold, between them, the pages, words, filters and date order of one
    `pagefind --site` index of the whole site."""
    cli = tmp_path / "cli"
    shutil.copytree(two_builds[0], cli)
    shutil.rmtree(cli / "pagefind")
    subprocess.run(
        [str(BIN / "python"), "-m", "pagefind_bin", "--site", str(cli)],
        check=True,
        capture_output=True,
    )
    whole = bundle_contents(cli / "pagefind")
    manifest = json.loads((two_builds[0] / "pagefind" / "shards.json").read_text())
    assert len(manifest["shards"]) > 1
    parts = [bundle_contents(two_builds[0] / "pagefind" / s["path"]) for s in manifest["shards"]]
    assert sorted(url for part in parts for url in part["pages"]) == whole["pages"]
    words: dict[str, list] = {}
    filters: dict[str, dict[str, list]] = {}
    for part in parts:
        for word, found in part["words"].items():
            words.setdefault(word, []).extend(found)
        for name, values in part["filters"].items():
            for value, urls in values.items():
                filters.setdefault(name, {}).setdefault(value, []).extend(urls)
    assert {word: sorted(found) for word, found in words.items()} == whole["words"]
    assert {n: {v: sorted(u) for v, u in values.items()} for n, values in filters.items()} == (
        whole["filters"]
    )
    # Shards in name order are in date order: their date sorts, one after the other, are
    # the whole index's.
    assert [url for part in parts for url in part["sorts"]["date"]] == whole["sorts"]["date"]


def bundle_contents(bundle: Path) -> dict:
    """A bundle as plain data keyed by page URL, independent of page numbers and file names."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    ((language, info),) = entry["languages"].items()
    meta = deterministic.read_data_file(bundle / f"pagefind.{info['hash']}.pf_meta")
    urls = []
    for page_hash, _words in meta[1]:
        fragment = gzip.decompress((bundle / "fragment" / f"{page_hash}.pf_fragment").read_bytes())
        urls.append(json.loads(fragment[len(deterministic.SIGNATURE) :])["url"])
    words = {}
    for chunk in meta[2]:
        for word in deterministic.read_data_file(bundle / "index" / f"{chunk[2]}.pf_index")[0]:
            page = 0  # page numbers are stored as differences from the previous one
            found = []
            for delta, *positions in word[1]:
                page += delta
                found.append((urls[page], positions))
            words[word[0]] = sorted(found)
    filters = {}
    for name, filter_hash in meta[3]:
        values = deterministic.read_data_file(bundle / "filter" / f"{filter_hash}.pf_filter")[1]
        filters[name] = {value: sorted(urls[p] for p in pages) for value, pages in values}
    sorts = {name: [urls[p] for p in pages] for name, pages in meta[4]}
    # Our canonical form leaves out a `date` sort that is exactly page order (fragments are
    # named by page number and search.js orders by it), so that sort is page order here; the
    # CLI's bundle keeps Pagefind's own `date` sort, which the comparisons check it against.
    for name in deterministic.PAGE_ORDER_SORTS:
        if name not in sorts and all(
            deterministic.page_number(page_hash) == n for n, (page_hash, _) in enumerate(meta[1])
        ):
            sorts[name] = list(urls)
    return {
        "language": language,
        "pages": sorted(urls),
        "words": words,
        "filters": filters,
        "sorts": sorts,
        "entry": {k: v for k, v in entry.items() if k != "languages"},
    }


def test_canonicalising_twice_changes_nothing(two_builds, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(two_builds[0], site)
    deterministic.build_index(site)
    before = tree(site / "pagefind")
    deterministic.canonicalise_bundle(site / "pagefind")
    assert tree(site / "pagefind") == before


def test_cbor_round_trip():
    value = ["1.5.2", [["en_abc", 300], ["en_def", 70000]], [], [["year", "en_1"]], [], ["t"]]
    encoded = deterministic.cbor_encode(value)
    assert deterministic.cbor_decode(encoded) == (value, len(encoded))
    # RFC 8949 heads: an 8-byte integer, a negative integer, a UTF-8 text string.
    assert deterministic.cbor_encode([2**32, -5, "é"]) == bytes.fromhex(
        "831b00000001000000002462c3a9"
    )


def test_unsupported_pagefind_args_stop_the_build():
    assert deterministic.options_from_args(["--root-selector", "main", "-k"]) == (
        deterministic.IndexOptions(root_selector="main", keep_index_url=True)
    )
    with pytest.raises(deterministic.PagefindError, match="--serve"):
        deterministic.options_from_args(["--serve"])


def test_stories_of_the_same_moment_have_one_order():
    """Pelican finds content files through a set (hash order) and sorts them by date with a
    stable sort, so stories of the same date would come out in a different order from one
    build to the next unless the sort key breaks the tie (samples/ has such a pair)."""
    from types import SimpleNamespace

    from pelican.settings import read_settings
    from pelican.utils import order_content

    settings = read_settings(str(ROOT / "pelicanconf.py"))
    day = datetime(2017, 3, 21, tzinfo=UTC)
    stories = [SimpleNamespace(date=day, slug=slug) for slug in ("severe-coral", "drought-appeal")]
    stories.append(SimpleNamespace(date=day.replace(year=2018), slug="later"))
    orders = {
        tuple(s.slug for s in order_content(list(given), settings["ARTICLE_ORDER_BY"]))
        for given in (stories, stories[::-1])
    }
    assert orders == {("later", "drought-appeal", "severe-coral")}
