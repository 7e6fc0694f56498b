"""The sharded Pagefind index: one bundle per year, rebuilt only where pages changed, and an
incremental index byte-identical to a clean index of the same site."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import random
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, build_site, run_import

sys.path.insert(0, str(ROOT / "plugins"))
from pagefind_index import deterministic, fingerprint, shards
from pagefind_index.deterministic import PagefindError
from pagefind_index.fingerprint import parsed_view_digest, view_digest

SAMPLES = ROOT / "samples" / "text"
STORY_PATH = re.compile(r"^(\d{4})/\d\d/\d\d/[^/]+/index\.html$")
SHARD_PATH = re.compile(r"^shards/(.+)-[0-9a-f]{12}/$")


def tree(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def clean_index(site: Path, target: Path, **kwargs) -> Path:
    """The same site indexed from scratch, in another folder."""
    shutil.copytree(site, target, ignore=shutil.ignore_patterns("pagefind"))
    shards.build_shards(target, **kwargs)
    return target / "pagefind"


def settings_file(folder: Path) -> Path:
    path = folder / "settings.py"
    path.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from pelicanconf import *  # noqa: F403\n"
        f"THEME = {str(ROOT / 'theme')!r}\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        f"CACHE_PATH = {str(folder / 'cache')!r}\n"
        "PAGEFIND_JOBS = 2\n"
        # A rebuild starts from an empty output folder except for the index.
        "DELETE_OUTPUT_DIRECTORY = True\n"
        "OUTPUT_RETENTION = ['pagefind']\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The fixtures and samples (stories in five years), built with the plugin."""
    base = tmp_path_factory.mktemp("shards")
    run_import(base / "content", base / "report.jsonl", FIXTURES / "text", SAMPLES)
    build_site(base / "content", base / "output", settings_file(base))
    return base


def story_years(output: Path) -> dict[str, int]:
    years: dict[str, int] = {}
    for path in output.rglob("index.html"):
        found = STORY_PATH.match(path.relative_to(output).as_posix())
        if found:
            years[found.group(1)] = years.get(found.group(1), 0) + 1
    return years


def test_one_shard_per_year_with_a_manifest(site):
    bundle = site / "output" / "pagefind"
    manifest = json.loads((bundle / "shards.json").read_text())
    years = story_years(site / "output")
    assert len(years) >= 3
    assert {s["name"]: s["pages"] for s in manifest["shards"]} == years
    # Folders carry a fingerprint of the shard's content (fragments are named by page number).
    assert all(
        s["year"] == s["name"] and SHARD_PATH.match(s["path"]).group(1) == s["name"]
        for s in manifest["shards"]
    )
    assert sorted(p.name for p in (bundle / "shards").iterdir()) == sorted(
        s["path"].split("/")[1] for s in manifest["shards"]
    )
    assert manifest["pages"] == sum(years.values())
    for shard in manifest["shards"]:
        folder = bundle / shard["path"]
        assert (folder / "pagefind-entry.json").is_file() and list((folder / "fragment").iterdir())
        assert not list(folder.glob("*.js"))  # the runtime lives once, at the top
    assert (bundle / "pagefind.js").is_file()
    # The filter menus' counts: what pagefind.filters() would sum over the shards.
    counts = json.loads((bundle / "filters.json").read_text())
    assert counts["year"] == years
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == sum(years.values())


def shard_meta(folder: Path) -> list:
    entry = json.loads((folder / "pagefind-entry.json").read_text())
    ((language, info),) = entry["languages"].items()
    assert language == "en"
    return deterministic.read_data_file(folder / f"pagefind.{info['hash']}.pf_meta")


def fragment_url(folder: Path, name: str) -> str:
    raw = gzip.decompress((folder / "fragment" / f"{name}.pf_fragment").read_bytes())
    return json.loads(raw[len(deterministic.SIGNATURE) :])["url"]


def test_meta_names_fragments_by_page_number_and_has_no_date_sort(site):
    """The per-page metadata the browser loads for a search: short sequential fragment names
    and no `date` sort (page order is date order; search.js sorts by page number)."""
    bundle = site / "output" / "pagefind"
    manifest = json.loads((bundle / "shards.json").read_text())
    for shard in manifest["shards"]:
        folder = bundle / shard["path"]
        meta = shard_meta(folder)
        names = [page[0] for page in meta[1]]
        assert names == [deterministic.fragment_name("en", n) for n in range(len(names))]
        assert [deterministic.page_number(name) for name in names] == list(range(len(names)))
        assert sorted(p.stem for p in (folder / "fragment").iterdir()) == sorted(names)
        assert meta[4] == [] and shard["sorts"] == []  # no sort left in the index
        # Page n is the n-th story in URL order, which is date order, same day by slug.
        urls = [fragment_url(folder, name) for name in names]
        assert urls == sorted(urls) and all(u.startswith(f"/{shard['year']}/") for u in urls)
    assert [deterministic.fragment_name("fr", n) for n in (0, 9, 10, 35, 36, 1296)] == [
        "fr_0",
        "fr_9",
        "fr_a",
        "fr_z",
        "fr_10",
        "fr_100",
    ]


def test_a_date_sort_that_is_not_page_order_is_kept(site, tmp_path):
    """A story whose sort date disagrees with its URL: its shard keeps Pagefind's `date` sort
    (listed in the manifest, so the search page asks Pagefind for it), and only that shard."""
    copy = tmp_path / "site"
    shutil.copytree(site / "output", copy)
    manifest = json.loads((copy / "pagefind" / "shards.json").read_text())
    years = story_years(copy)
    year = max(years, key=lambda y: (years[y], y))  # a year of several stories
    page = copy / max(  # its last story, now dated before the others
        p.relative_to(copy).as_posix()
        for p in (copy / year).rglob("index.html")
        if STORY_PATH.match(p.relative_to(copy).as_posix())
    )
    html = page.read_text(encoding="utf-8")
    sort = 'data-pagefind-sort="date:{}"'
    changed = re.sub(sort.format("[0-9-]+"), sort.format(f"{year}-00-00"), html)
    assert changed != html
    page.write_text(changed, encoding="utf-8")
    assert shards.build_shards(copy, jobs=1).rebuilt == (year,)
    after = json.loads((copy / "pagefind" / "shards.json").read_text())
    assert {s["name"]: s["sorts"] for s in after["shards"]} == {
        s["name"]: (["date"] if s["name"] == year else []) for s in manifest["shards"]
    }
    shard = next(s for s in after["shards"] if s["name"] == year)
    meta = shard_meta(copy / "pagefind" / shard["path"])
    ((name, order),) = meta[4]
    assert (
        name == "date"
        and order != list(range(len(meta[1])))
        and sorted(order) == list(range(len(meta[1])))
    )


def chunk_for(chunks: list, term: str) -> str | None:
    """The chunk Pagefind 1.5's WebAssembly loads for a search term (``request_indexes``):
    the first whose range holds the term, else the first whose range, both cut to the
    term's length, holds it."""
    for first, last, name in chunks:
        if first <= term <= last:
            return name
    for first, last, name in chunks:
        head, tail = term[: len(first)], term[: len(last)]
        if head >= first[: len(term)] and tail <= last[: len(term)]:
            return name
    return None


def chunk_words(folder: Path, chunks: list) -> dict[str, list[str]]:
    return {
        name: [w[0] for w in deterministic.read_data_file(folder / "index" / f"{name}.pf_index")[0]]
        for _first, _last, name in chunks
    }


def test_word_index_is_cut_small_and_each_term_finds_all_its_words(site):
    """Pagefind cuts its word index at ~20,000 positions; a search loads one chunk per shard
    and term, so the index is cut again, smaller, between words that differ early: every
    term of 3 or more characters ("oil", "tax") finds all the words it begins in the chunk it
    loads."""
    bundle = site / "output" / "pagefind"
    manifest = json.loads((bundle / "shards.json").read_text())
    cut = 0
    for shard in manifest["shards"]:
        folder = bundle / shard["path"]
        chunks = shard_meta(folder)[2]
        names = [name for _, _, name in chunks]
        assert names == [deterministic.fragment_name("en", n) for n in range(len(names))]
        assert sorted(p.stem for p in (folder / "index").iterdir()) == sorted(names)
        words = chunk_words(folder, chunks)
        everything = [w for name in names for w in words[name]]
        assert everything == sorted(everything) and len(set(everything)) == len(everything)
        cut += len(chunks) - 1
        for word in everything:
            for length in range(3, len(word) + 1):  # the promise: terms of 3+ characters
                term = word[:length]
                found = chunk_for(chunks, term)
                assert found is not None, term
                assert [w for w in everything if w.startswith(term)] == [
                    w for w in words[found] if w.startswith(term)
                ], term
    assert cut >= len(manifest["shards"])  # Pagefind wrote one chunk per shard here


def test_recut_keeps_every_word_entry_and_cuts_long_runs_only_when_forced(tmp_path, monkeypatch):
    """Words sharing 3 leading characters are cut apart only past CHUNK_FORCE times the
    target, and words sharing more only past CHUNK_HARD times; each entry is kept byte for
    byte, and the ranges are shortened as Pagefind shortens them."""
    target = 200
    monkeypatch.setattr(deterministic, "CHUNK_BYTES_MIN", target)
    monkeypatch.setattr(deterministic, "CHUNK_BYTES_FACTOR", 0)
    letters = "abcdefghijklmnopqrstuvwxyz"
    names = [
        "apple",
        "apricot",
        *(f"pro{c}x" for c in letters),  # a run sharing exactly 3 characters
        *(f"stati{c}{d}" for c in letters for d in "ab"),  # a run sharing 5
        "zebra",
    ]
    assert names == sorted(names)
    words = [[w, [[1, [-25, *range(i, i + 40)]], [2, [i, i + 1]]]] for i, w in enumerate(names)]
    index = tmp_path / "index"
    index.mkdir()
    body = deterministic.cbor_encode([words])
    (index / "en_0123abc.pf_index").write_bytes(gzip.compress(deterministic.SIGNATURE + body))
    meta = ["1.5.2", [], [["apple", "zebra", "en_0123abc"]], [], [], []]
    deterministic._recut_word_index(tmp_path, "en", meta)
    chunks = meta[2]
    assert not (index / "en_0123abc.pf_index").exists()
    entries = [deterministic.read_data_file(index / f"{name}.pf_index")[0] for _, _, name in chunks]
    assert [e for chunk in entries for e in chunk] == words
    size = {w[0]: len(deterministic.cbor_encode(w)) for w in words}
    forced = hard = 0
    for (left, right), (before, after) in zip(
        itertools.pairwise(chunks), itertools.pairwise(entries), strict=True
    ):
        a, b = before[-1][0], after[0][0]
        common = deterministic.common_prefix(a, b)
        assert (left[1], right[0]) == (a[: common + 1], b[: common + 1])
        run = sum(size[w[0]] for w in before)
        assert run >= target
        if common == deterministic.CUT_PREFIX + 1:  # inside the "pro…" run
            assert run >= deterministic.CHUNK_FORCE * target
            forced += 1
        elif common > deterministic.CUT_PREFIX + 1:  # inside the "stati…" run
            assert run >= deterministic.CHUNK_HARD * target
            hard += 1
    assert forced >= 1 and hard >= 1 and chunks[0][0] == "apple" and chunks[-1][1] == "zebra"
    found = {
        name: [w[0] for w in chunk] for (_, _, name), chunk in zip(chunks, entries, strict=True)
    }
    for word in names:
        assert word in found[chunk_for(chunks, word)]


def test_word_chunks_benchmark_replays_the_cut_in_use(site, capsys):
    """benchmarks/word_chunks.py compares cut rules by replaying the index's own cutting
    (``cut_word_list``) on the words it reads back from a built index: with the rule in use,
    that gives exactly the chunks the index has."""
    from benchmarks import word_chunks

    bundle = site / "output" / "pagefind"
    manifest = json.loads((bundle / "shards.json").read_text())
    replayed = word_chunks.shard_words(site / "output")
    assert len(replayed) == len(manifest["shards"])
    for words, shard in zip(replayed, manifest["shards"], strict=True):
        folder = bundle / shard["path"]
        chunks = shard_meta(folder)[2]
        built = chunk_words(folder, chunks)
        assert word_chunks.cut(words, deterministic._may_cut) == [built[n] for _, _, n in chunks]
    assert word_chunks.main([str(site / "output")]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"in use .*: [\d,]+ chunks; .*3 chars 0 of [\d,]+", printed), printed


def test_plan_splits_large_years_and_keeps_other_pages_apart():
    pages = [f"2019/01/{d:02d}/s/index.html" for d in range(1, 8)] + ["2020/01/01/a/index.html"]
    plans = shards.plan_shards([*pages, "about/index.html"], max_pages=3)
    assert [(p.name, len(p.pages), p.year) for p in plans] == [
        ("2019-1", 2, "2019"),
        ("2019-2", 2, "2019"),
        ("2019-3", 3, "2019"),
        ("2020", 1, "2020"),
        ("other", 1, None),
    ]
    assert [page for plan in plans[:3] for page in plan.pages] == pages[:7]  # in path order
    with pytest.raises(PagefindError):
        shards.plan_shards(pages, max_pages=0)


def test_index_is_the_same_for_any_number_of_jobs(site, tmp_path):
    one = clean_index(site / "output", tmp_path / "one", jobs=1)
    two = clean_index(site / "output", tmp_path / "two", jobs=2, max_pages=4)
    assert tree(one) == tree(site / "output" / "pagefind")
    three = clean_index(site / "output", tmp_path / "three", jobs=3, max_pages=4)
    assert tree(two) == tree(three)
    assert len(json.loads((two / "shards.json").read_text())["shards"]) > len(
        story_years(site / "output")
    )


def links_walk_in_order() -> tuple[str, bool]:
    found = deterministic.link_farm_root()
    if found is None:
        pytest.skip("no tmpfs whose directory listing follows creation order")
    return found


def test_the_cli_over_links_writes_the_services_bytes(site, tmp_path, monkeypatch):
    """`pagefind --site` over a folder of links walked in page order gives the bytes the
    service gives, shard by shard, and it is the CLI that indexed (not the fallback)."""
    links_walk_in_order()
    used: list[bool] = []
    original = deterministic.index_with_cli

    def recording(*args, **kwargs):
        summary = original(*args, **kwargs)
        used.append(summary is not None)
        return summary

    monkeypatch.setattr(deterministic, "index_with_cli", recording)
    cli = clean_index(site / "output", tmp_path / "cli", max_pages=4, indexer="auto")
    assert len(used) > len(story_years(site / "output")) and all(used)
    service = clean_index(site / "output", tmp_path / "service", max_pages=4, indexer="service")
    assert len(used) > len(story_years(site / "output"))  # the service was not offered the CLI
    assert tree(cli) == tree(service)
    # and the plugin's own index (the CLI by default) is the service's, shard for shard
    whole = clean_index(site / "output", tmp_path / "whole", indexer="service")
    assert tree(whole) == tree(site / "output" / "pagefind")


def test_folders_of_links_made_ahead_in_the_calling_thread_are_the_ones_the_cli_walks(
    site, tmp_path, monkeypatch
):
    """``prepare_shards(ahead=n)`` makes the folders of links of the first n shards to be
    indexed in the calling thread (in a build, the main thread, before the index's thread
    starts); ``finish`` walks those instead of making its own, the bundles are the same
    bytes, and no folder of links is left behind."""
    import threading

    root, _newest_first = links_walk_in_order()
    made: list[tuple[str, int]] = []
    original = deterministic._link_farm

    def recording(site_path, files, farm_root):
        made.append((threading.current_thread().name, len(files)))
        return original(site_path, files, farm_root)

    monkeypatch.setattr(deterministic, "_link_farm", recording)
    target = tmp_path / "ahead"
    shutil.copytree(site / "output", target, ignore=shutil.ignore_patterns("pagefind"))
    before = set(Path(root).iterdir())
    prepared = shards.prepare_shards(target, max_pages=4, ahead=2)
    stale = [c for c in prepared.checks if c.kept is None]
    assert len(stale) > 2
    here = threading.current_thread().name
    assert [name for name, _ in made] == [here, here]
    first_two = shards._in_index_order(stale)[:2]
    assert [n for _, n in made] == [len(c.task.plan.pages) for c in first_two]
    assert len(deterministic._ahead) == 2
    prepared.finish(jobs=2)
    assert len(made) == len(stale)  # the others made when their shard's turn came
    assert all(name != here for name, _ in made[2:])
    assert deterministic._ahead == {}
    assert set(Path(root).iterdir()) == before
    plain = clean_index(site / "output", tmp_path / "plain", max_pages=4)  # none made ahead
    assert tree(target / "pagefind") == tree(plain)


def test_folders_of_links_made_ahead_and_not_used_are_removed(site, tmp_path):
    """A shard made ahead for the CLI but indexed by the service leaves no folder behind."""
    root, _newest_first = links_walk_in_order()
    target = tmp_path / "unused"
    shutil.copytree(site / "output", target, ignore=shutil.ignore_patterns("pagefind"))
    before = set(Path(root).iterdir())
    options = deterministic.IndexOptions()
    assert deterministic.make_link_farm_ahead(target, ["404.html"], options)
    assert len(set(Path(root).iterdir()) - before) == 1
    shards.prepare_shards(target, max_pages=4, indexer="service").finish(jobs=1)
    assert deterministic._ahead == {} and set(Path(root).iterdir()) == before


def test_a_cli_walk_out_of_page_order_is_refused_and_the_service_indexes(
    site, tmp_path, monkeypatch, caplog
):
    """Links made so that the CLI meets them backwards: each shard's CLI bundle fails the
    page-order check and the service indexes it, with the same bytes as ever."""
    root, newest_first = links_walk_in_order()
    monkeypatch.setattr(deterministic, "link_farm_root", lambda: (root, not newest_first))
    checked: list[tuple[int, int | None]] = []
    original = deterministic._words_if_in_order

    def checking(bundle, files):
        words = original(bundle, files)
        checked.append((len(files), words))
        return words

    monkeypatch.setattr(deterministic, "_words_if_in_order", checking)
    with caplog.at_level("INFO", logger=deterministic.log.name):
        backwards = clean_index(site / "output", tmp_path / "backwards")
    several = [words for pages, words in checked if pages > 1]
    assert several and all(words is None for words in several)
    assert tree(backwards) == tree(site / "output" / "pagefind")
    assert "not the files in sorted order); the service indexes them" in caplog.text


@pytest.mark.parametrize("trouble", ["no room", "cannot make a folder"])
def test_a_tmpfs_that_cannot_take_the_links_leaves_the_index_to_the_service(
    site, tmp_path, monkeypatch, caplog, trouble
):
    links_walk_in_order()
    if trouble == "no room":
        monkeypatch.setattr(deterministic, "LINK_FARM_BYTES_PER_PAGE", 1 << 60)
    else:

        def full(*args, **kwargs):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(deterministic.tempfile, "mkdtemp", full)
    with caplog.at_level("INFO", logger=deterministic.log.name):
        index = clean_index(site / "output", tmp_path / "index")
    assert tree(index) == tree(site / "output" / "pagefind")
    expected = "too little room" if trouble == "no room" else "No space left on device"
    assert expected in caplog.text


def test_the_indexer_setting_is_checked():
    from pagefind_index.pagefind_index import check_settings

    with pytest.raises(PagefindError, match="PAGEFIND_INDEXER must be one of 'auto', 'service'"):
        check_settings({"PAGEFIND_INDEXER": "cli"})
    check_settings({"PAGEFIND_INDEXER": "service"})


def test_changes_outside_what_pagefind_reads_keep_the_shard(site, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(site / "output", copy)
    page = next(
        p
        for p in sorted(copy.rglob("index.html"))
        if STORY_PATH.match(p.relative_to(copy).as_posix())
    )
    year = page.relative_to(copy).parts[0]
    html = page.read_text(encoding="utf-8")
    before = view_digest(html.encode())
    assert before.startswith("cut:")  # the fast way: no parser
    assert view_digest(html.encode()) == before
    # Other stories' links (prev/next, related) and the site's header change; the story does
    # not: those regions carry data-pagefind-ignore and nothing Pagefind reads.
    assert html.count('<nav class="prev-next"') == 1 and "</header>" in html
    changed = re.sub(r'(<nav class="prev-next"[^>]*>)', r'\1<a href="/x/">Later: new</a>', html)
    changed = changed.replace("</header>", "<a href='/y/'>New menu item</a></header>", 1)
    changed = re.sub(r'(<aside class="related"[^>]*>)', r"\1<p>Another story</p>", changed)
    assert changed != html and view_digest(changed.encode()) == before
    page.write_text(changed, encoding="utf-8")
    assert shards.build_shards(copy, jobs=1).rebuilt == ()
    # Text inside data-pagefind-body changes the shard, and only that one.
    body = changed.replace(
        '<div class="body"', '<p>Zanzibarian lighthouse.</p><div class="body"', 1
    )
    assert body != changed and view_digest(body.encode()) != before
    page.write_text(body, encoding="utf-8")
    assert shards.build_shards(copy, jobs=1).rebuilt == (year,)
    assert tree(copy / "pagefind") == tree(clean_index(copy, tmp_path / "clean", jobs=1))


def test_incremental_index_equals_clean_index_after_adding_editing_and_deleting(site, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(site, work, ignore=shutil.ignore_patterns("cache"))
    content, output = work / "content", work / "output"
    years = story_years(output)
    stories = sorted((content / "articles").rglob("*.md"))
    by_year: dict[str, list[Path]] = {}
    for story in stories:
        by_year.setdefault(story.relative_to(content / "articles").parts[0], []).append(story)
    gone = min(by_year, key=lambda y: (len(by_year[y]), y))  # a year that disappears
    edited_year, added_year = sorted(set(by_year) - {gone})[:2]
    for story in by_year[gone]:
        story.unlink()
    edited = by_year[edited_year][0]
    text = edited.read_text(encoding="utf-8")
    edited.write_text(
        text + "\nA paragraph added by an editor about quinoa tariffs.\n", encoding="utf-8"
    )
    template = by_year[added_year][0].read_text(encoding="utf-8")
    added = re.sub(r"(?m)^Title: .*$", "Title: Lighthouse keepers return to Zanzibar", template)
    added = re.sub(r"(?m)^Slug: .*$", "Slug: lighthouse-keepers-return-to-zanzibar", added)
    (by_year[added_year][0].parent / "lighthouse-keepers.md").write_text(added, encoding="utf-8")
    before = json.loads((output / "pagefind" / "shards.json").read_text())
    paths = {s["name"]: s["path"] for s in before["shards"]}
    meta = {
        name: (output / "pagefind" / path / "shard.json").stat().st_mtime_ns
        for name, path in paths.items()
    }
    build_site(content, output, settings_file(work))  # the plugin indexes in place

    after = json.loads((output / "pagefind" / "shards.json").read_text())
    names = [s["name"] for s in after["shards"]]
    assert gone not in names and not (output / "pagefind" / paths[gone]).exists()
    assert story_years(output).get(added_year) == years[added_year] + 1
    kept = [n for n in names if n not in (edited_year, added_year)]
    # Shards whose pages Pagefind reads did not change keep their files (neighbour links
    # and related-story lists around the changed stories changed in other years too).
    new_paths = {s["name"]: s["path"] for s in after["shards"]}
    for name in kept:
        assert new_paths[name] == paths[name]
        assert (output / "pagefind" / paths[name] / "shard.json").stat().st_mtime_ns == meta[name]
    # Changed shards moved to new folders (new URLs: no stale cached fragment) and the old
    # folders are gone.
    for name in (edited_year, added_year):
        assert new_paths[name] != paths[name] and not (output / "pagefind" / paths[name]).exists()
    assert len(list((output / "pagefind" / "shards").iterdir())) == len(names)
    assert tree(output / "pagefind") == tree(clean_index(output, tmp_path / "clean", jobs=1))


PAGE = """<!DOCTYPE html><html lang="en"><head><title>T</title></head><body>
<header data-pagefind-ignore="all"><nav>menu</nav></header>
<article data-pagefind-body><h1>Story</h1><p>Text.</p>
<footer class="provenance" data-pagefind-ignore>Archived</footer></article>
<aside class="related" data-pagefind-ignore><ul><li>Other</li></ul></aside>
<nav class="prev-next" data-pagefind-ignore="all"><a href="/p/">Earlier</a></nav>
<footer data-pagefind-ignore="all">Site</footer></body></html>"""


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        ("<li>Other</li>", "<li>Another</li>", True),  # related list: cut
        ("Earlier</a>", "Later</a>", True),  # earlier/later links: cut
        ("<nav>menu</nav>", "<nav>menu, more</nav>", True),  # inside the ignored header
        ("Archived", "Archived again", None),  # ignored part of the body
        ("<p>Text.</p>", "<p>Text!</p>", False),  # indexed text
        ("<title>T</title>", "<title>U</title>", False),  # the title Pagefind reads
        ('lang="en"', 'lang="fr"', False),  # the index language
        ("Site</footer>", "Site<b>!</b></footer>", True),
        # Not cut, so a change inside counts: something Pagefind reads inside the region ...
        ("<li>Other</li>", '<li data-pagefind-filter="tag">Other</li>', False),
        # ... a nested element of the same name (the end tag would be its own) ...
        ("<li>Other</li>", "<li><aside>x</aside>Other</li>", False),
        # ... a comment (HTML tokenises differently), an attribute Pagefind reads on the
        # region itself, and a region without data-pagefind-ignore.
        ("<li>Other</li>", "<li><!-- </aside> -->Other</li>", False),
        (
            'class="related" data-pagefind-ignore',
            'data-pagefind-ignore data-pagefind-meta="x"',
            False,
        ),
        ('<footer data-pagefind-ignore="all">Site', "<footer>Site", False),
    ],
)
def test_only_regions_pagefind_provably_skips_are_left_out_of_the_digest(old, new, same):
    assert old in PAGE
    changed = PAGE.replace(old, new, 1)
    assert (view_digest(changed.encode()) == view_digest(PAGE.encode())) is bool(
        same or same is None
    )
    # Whatever the fast way leaves out outside the body, the parsing way does not see either
    # (None: inside the body, which the parsing way takes whole).
    if same:
        assert parsed_view_digest(changed.encode()) == parsed_view_digest(PAGE.encode())


def test_the_render_pool_hands_each_pages_digests_to_the_index(site, tmp_path):
    """render_pool computes each page's index cache entry from its bytes while rendering; a
    build with the index off leaves them in the cache, equal to what reading every page back
    gives, and an index run over that cache reads no page for its digests."""
    content = site / "content"
    settings = settings_file(tmp_path)
    settings.write_text(
        settings.read_text() + "PAGEFIND_ENABLED = False\nDELETE_OUTPUT_DIRECTORY = False\n",
        encoding="utf-8",
    )
    build_site(content, tmp_path / "output", settings)
    cache = tmp_path / "cache" / "pagefind-pages.json"
    handed = json.loads(cache.read_text())["pages"]
    # A rebuild that writes no file learns nothing new: the entries stand, not even rewritten.
    before = cache.stat().st_mtime_ns
    build_site(content, tmp_path / "output", settings)
    assert cache.stat().st_mtime_ns == before
    pages = sorted(
        p.relative_to(tmp_path / "output").as_posix()
        for p in (tmp_path / "output").rglob("*.html")
        if not p.relative_to(tmp_path / "output").as_posix().startswith("pagefind/")
    )
    assert sorted(handed) == pages
    assert sum(len(entry) == 3 for entry in handed.values()) == sum(
        story_years(site / "output").values()
    )

    # What the index would read: the same entries from the files on disk.
    read_back = {}
    for page in pages:
        path = tmp_path / "output" / page
        read_back[page] = shards.page_entry(path.read_bytes(), path.stat())
    assert handed == read_back

    # The index run that follows trusts them: no page is read for a digest.
    opened: list[str] = []
    original = shards.raw_digest

    def counting(data: bytes) -> str:
        opened.append("digest")
        return original(data)

    shards.raw_digest = counting
    try:
        shards.build_shards(
            tmp_path / "output", cache_file=tmp_path / "cache" / "pagefind-pages.json"
        )
    finally:
        shards.raw_digest = original
    assert opened == []
    assert tree(tmp_path / "output" / "pagefind") == tree(
        clean_index(tmp_path / "output", tmp_path / "clean")
    )


# The scans the index used before has_body and _ignored_starts: every tag tried by a regex.
REFERENCE_BODY = re.compile(rb"<[a-zA-Z][^<>]*\sdata-pagefind-body(?=[\s=/>])")


REFERENCE_END = {
    tag: re.compile(rb"</" + tag + rb"\s*>", re.I)
    for tag in (b"aside", b"nav", b"header", b"footer")
}


def reference_cut(data: bytes) -> bytes:
    """fingerprint._cut_ignored as it was, with its regexes."""
    pieces, position = [], 0
    for start in fingerprint._IGNORED_START.finditer(data):
        if start.start() < position:
            continue
        tag, attributes = start.group(1).lower(), start.group(2)
        if not fingerprint._IGNORE_ATTR.search(attributes):
            continue
        if b"data-pagefind-" in fingerprint._IGNORE_ATTR.sub(b"", attributes).lower():
            continue
        end = REFERENCE_END[tag].search(data, start.end())
        if end is None:
            continue
        inner = data[start.end() : end.start()].lower()
        if b"<" + tag in inner or any(m in inner for m in fingerprint._UNSAFE_INSIDE):
            continue
        pieces += [data[position : start.start()], b"<" + tag + b" cut>"]
        position = end.end()
    return b"".join([*pieces, data[position:]]) if pieces else data


PIECES = [
    b"<",
    b">",
    b" ",
    b"\t",
    b"\n",
    b"=",
    b"/",
    b'"',
    b"x",
    b"A",
    b"1",
    b"<div",
    b"<p>",
    b"</p>",
    b"data-pagefind-body",
    b"DATA-PAGEFIND-BODY",
    b" data-pagefind-body",
    b"data-pagefind-ignore",
    b" DATA-Pagefind-Ignore",
    b'="all"',
    b"<aside",
    b"</aside>",
    b"<NAV",
    b"</nav >",
    b"<header",
    b"</header>",
    b"<footer",
    b"</footer>",
    b"<!--",
    b"-->",
    b"<script>",
    b"data-pagefind-meta",
    b"<aside data-pagefind-ignore>",
    b"<nav class=x data-pagefind-ignore>",
    b"text ",
    b"<b>",
    b"</aside\t\n>",
    b"</ASIDE",
    b"</nav",
    b"</footerx>",
    b"\f",
    b"\v",
]


def test_the_quick_scans_find_what_the_regexes_find(site):
    """has_body and the ignored regions found from the attribute names give exactly what the
    regexes give: on every page of the built site, and on 20,000 random mixtures of the
    pieces that can fool a scan (names outside tags, upper case, '>' inside a tag, names at
    the very end, nested and unclosed regions)."""
    pages = [p.read_bytes() for p in sorted((site / "output").rglob("*.html"))]
    assert sum(shards.has_body(page) for page in pages) > 10
    rng = random.Random(7)
    samples = pages + [
        b"".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40))) for _ in range(20_000)
    ]
    cut = 0
    for data in samples:
        assert shards.has_body(data) is (REFERENCE_BODY.search(data) is not None), data
        quick = fingerprint._cut_ignored(data)
        assert quick == reference_cut(data), data
        cut += quick != data
    assert cut > 1000  # the mixtures do reach the cutting


def test_recut_names_a_chunk_it_cannot_read(tmp_path):
    index = tmp_path / "index"
    index.mkdir()
    # [[["a", …]]] whose first word's page list stops in the middle
    body = bytes.fromhex("8181") + bytes.fromhex("8261618201")
    (index / "en_0123abc.pf_index").write_bytes(gzip.compress(deterministic.SIGNATURE + body))
    meta = ["1.5.2", [], [["a", "a", "en_0123abc"]], [], [], []]
    with pytest.raises(PagefindError, match=r"en_0123abc\.pf_index: undecodable word entry"):
        deterministic._recut_word_index(tmp_path, "en", meta)
    assert (index / "en_0123abc.pf_index").exists() and meta[2][0][2] == "en_0123abc"


def test_an_index_that_fails_beside_the_build_fails_the_build(tmp_path, monkeypatch, caplog):
    """In a build the index is finished in a thread of its own (while the sitemap and the
    caches are written); what it raises is raised again by the last ``finalized`` receiver,
    so the build fails as it did when the index ran in the main thread."""
    from types import SimpleNamespace

    from pagefind_index import pagefind_index

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        "<html><body data-pagefind-body><p>words to index</p></body></html>", encoding="utf-8"
    )
    settings = {**pagefind_index.DEFAULTS, "CACHE_PATH": str(tmp_path / "cache")}
    pelican = SimpleNamespace(output_path=str(site), settings=settings)

    def failing(self, jobs=None):
        raise PagefindError("the shard could not be indexed")

    monkeypatch.setattr(shards.PreparedShards, "finish", failing)
    pagefind_index.on_finalized(pelican)
    with pytest.raises(PagefindError, match="could not be indexed"):
        pagefind_index.finish_index(pelican)
    pagefind_index.finish_index(pelican)  # nothing left waiting: a second call is a no-op

    # A later ``finalized`` receiver raised, so finish_index never ran: the next build's
    # start (get_generators) waits for the index and reports its error.
    pagefind_index.on_finalized(pelican)
    run = pagefind_index._runs[id(pelican)]
    with caplog.at_level("WARNING"):
        pagefind_index.finish_leftover(pelican)
    assert not run.is_alive() and id(pelican) not in pagefind_index._runs
    assert "could not be indexed" in caplog.text


def test_the_page_cache_is_parsed_once_and_written_only_when_it_changes(tmp_path, monkeypatch):
    """In a build the writer records the pages it wrote and the index then reads and
    rewrites the same 5 MB page cache: it is parsed once per process while its file is
    unchanged, not written when it would get the same entries, and read again when
    anything else replaced it."""
    cache = tmp_path / "pagefind-pages.json"
    parsed: list[Path] = []
    original = shards._read_json

    def counting(path):
        parsed.append(path)
        return original(path)

    monkeypatch.setattr(shards, "_read_json", counting)
    monkeypatch.setattr(shards, "_cache_memo", {})
    shards.record_pages(cache, {"a/index.html": [[1, 2, 3, 4]]})
    assert shards._load_cache(cache) == {"a/index.html": [[1, 2, 3, 4]]}
    assert parsed == [cache]  # record_pages found no file; the load after it parsed nothing
    written = cache.stat()
    shards._save_cache(cache, {"a/index.html": [[1, 2, 3, 4]]})
    assert shards.stat_stamp(cache.stat()) == shards.stat_stamp(written)  # not rewritten
    shards._save_cache(cache, {"b/index.html": [[5, 6, 7, 8]]})
    assert json.loads(cache.read_text())["pages"] == {"b/index.html": [[5, 6, 7, 8]]}
    assert shards._load_cache(cache) == {"b/index.html": [[5, 6, 7, 8]]}
    assert parsed == [cache]
    other = tmp_path / "other.json"  # another program replaces the file
    other.write_text(json.dumps({"format": shards.FORMAT, "pages": {"c/index.html": [[9]]}}))
    other.replace(cache)
    assert shards._load_cache(cache) == {"c/index.html": [[9]]}
    assert parsed == [cache, cache]
    mine = shards._load_cache(cache)
    mine["d/index.html"] = [[0]]  # a caller's copy: the memo is not changed through it
    assert shards._load_cache(cache) == {"c/index.html": [[9]]}


def _story_page(output: Path) -> Path:
    return next(
        p
        for p in sorted(output.rglob("index.html"))
        if STORY_PATH.match(p.relative_to(output).as_posix())
    )


def test_shards_started_from_the_page_cache_are_found_up_to_date_by_the_index(site, tmp_path):
    """In a build the shards the page cache shows out of date start as soon as the pages are
    written (``speculate``), before the output is listed; the index proper then finds them
    up to date and indexes nothing again, and the bundle is a clean index's."""
    target, cache = tmp_path / "ahead", tmp_path / "cache" / "pagefind-pages.json"
    shutil.copytree(site / "output", target, ignore=shutil.ignore_patterns("pagefind"))
    shards.build_shards(target, cache_file=cache)
    page = _story_page(target)
    data = page.read_bytes().replace(b"</h1>", b" (corrected)</h1>", 1)
    page.write_bytes(data)  # a page the writer rewrote, with its fact recorded as it does
    shards.record_pages(
        cache, {page.relative_to(target).as_posix(): shards.page_entry(data, page.stat())}
    )
    thread = shards.speculate(target, cache_file=cache)
    assert thread is not None
    prepared = shards.prepare_shards(target, cache_file=cache, wait=thread.join)
    summary = prepared.finish()
    assert not thread.is_alive()
    assert summary.rebuilt == ()  # the year's shard was indexed ahead, and only then
    assert tree(target / "pagefind") == tree(clean_index(target, tmp_path / "clean"))
    assert shards.speculate(target, cache_file=cache) is None  # nothing out of date now


def test_a_wrong_guess_from_the_page_cache_is_indexed_again_by_the_index(site, tmp_path):
    """A page cache that names a page the site no longer has (say, removed after its facts
    were recorded): the shard started early is not the one the listing asks for, so the
    index proper indexes that year itself, with the same bytes as a clean index, and the
    folder made early goes as any stale folder does."""
    target, cache = tmp_path / "wrong", tmp_path / "cache" / "pagefind-pages.json"
    shutil.copytree(site / "output", target, ignore=shutil.ignore_patterns("pagefind"))
    shards.build_shards(target, cache_file=cache)
    page = _story_page(target)
    data = page.read_bytes().replace(b"</h1>", b" (corrected)</h1>", 1)
    page.write_bytes(data)
    gone = page.parent.with_name(page.parent.name + "-gone") / "index.html"
    gone.parent.mkdir()
    gone.write_bytes(data.replace(b" (corrected)</h1>", b" (gone)</h1>", 1))
    shards.record_pages(
        cache,
        {
            p.relative_to(target).as_posix(): shards.page_entry(p.read_bytes(), p.stat())
            for p in (page, gone)
        },
    )
    shutil.rmtree(gone.parent)
    thread = shards.speculate(target, cache_file=cache)
    assert thread is not None
    summary = shards.prepare_shards(target, cache_file=cache, wait=thread.join).finish()
    year = page.relative_to(target).as_posix()[:4]
    assert summary.rebuilt == (year,)  # indexed again by the index proper
    assert tree(target / "pagefind") == tree(clean_index(target, tmp_path / "clean"))
    manifest = json.loads((target / "pagefind" / "shards.json").read_text())
    named = {shard["path"].split("/")[1] for shard in manifest["shards"]}
    assert {p.name for p in (target / "pagefind" / "shards").iterdir()} == named


def test_the_first_shard_is_indexed_while_the_others_are_still_checked(site, tmp_path, monkeypatch):
    """A full index checks each shard (reads and fingerprints its pages) just before it
    would start it, largest first, and starts the stale ones at once: Pagefind runs while
    the later shards are read, instead of after every page was (2.3 s of one core at
    20,000 pages). The bundle is the one checking every shard first gives, byte for byte."""
    eager = tmp_path / "eager"
    shutil.copytree(site / "output", eager, ignore=shutil.ignore_patterns("pagefind"))
    prepared = shards.prepare_shards(eager, max_pages=4, ahead=1)  # checks all, then runs
    assert prepared.checks is not None
    prepared.finish(jobs=2)

    events: list[tuple[str, str]] = []
    check, finish = shards.check_shard, shards.finish_shard

    def checking(task):
        events.append(("check", task.plan.name))
        return check(task)

    def indexing(found):
        events.append(("index", found.task.plan.name))
        return finish(found)

    monkeypatch.setattr(shards, "check_shard", checking)
    monkeypatch.setattr(shards, "finish_shard", indexing)
    piped = tmp_path / "piped"
    shutil.copytree(site / "output", piped, ignore=shutil.ignore_patterns("pagefind"))
    shards.build_shards(piped, max_pages=4, jobs=2)
    checked = [name for kind, name in events if kind == "check"]
    assert len(checked) > 3
    first_index = next(i for i, (kind, _) in enumerate(events) if kind == "index")
    last_check = max(i for i, (kind, _) in enumerate(events) if kind == "check")
    assert first_index < last_check
    # Largest shards first, as _run starts them.
    sizes = {c.task.plan.name: len(c.task.plan.pages) for c in prepared.checks}
    assert [sizes[name] for name in checked] == sorted(sizes.values(), reverse=True)
    assert tree(piped / "pagefind") == tree(eager / "pagefind")
