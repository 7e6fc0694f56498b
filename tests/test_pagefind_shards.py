"""The sharded Pagefind index: one bundle per year, rebuilt only where pages changed, and an
incremental index byte-identical to a clean index of the same site."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, build_site, run_import

sys.path.insert(0, str(ROOT / "plugins"))
from pagefind_index import shards
from pagefind_index.deterministic import PagefindError
from pagefind_index.fingerprint import view_digest

SAMPLES = ROOT / "samples" / "text"
STORY_PATH = re.compile(r"^(\d{4})/\d\d/\d\d/[^/]+/index\.html$")


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
    assert all(
        s["year"] == s["name"] and s["path"] == f"shards/{s['name']}/" for s in manifest["shards"]
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
    # Other stories' links (prev/next, related) and the site's header change; the story does not.
    changed = html.replace("</nav>", "<a href='/x/'>Later story: something new</a></nav>", 1)
    changed = changed.replace("<body", "<body data-note='rebuilt'", 1)
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
    meta = {
        name: (output / "pagefind" / "shards" / name / "shard.json").stat().st_mtime_ns
        for name in years
    }
    build_site(content, output, settings_file(work))  # the plugin indexes in place

    after = json.loads((output / "pagefind" / "shards.json").read_text())
    names = [s["name"] for s in after["shards"]]
    assert gone not in names and not (output / "pagefind" / "shards" / gone).exists()
    assert story_years(output).get(added_year) == years[added_year] + 1
    kept = [n for n in names if n not in (edited_year, added_year)]
    # Shards whose pages Pagefind reads did not change keep their files (neighbour links
    # and related-story lists around the changed stories changed in other years too).
    for name in kept:
        assert (output / "pagefind" / "shards" / name / "shard.json").stat().st_mtime_ns == meta[
            name
        ]
    assert tree(output / "pagefind") == tree(clean_index(output, tmp_path / "clean", jobs=1))
