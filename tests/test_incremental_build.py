"""Incremental builds (plugins/render_pool): rebuilding in place after a change gives exactly
the files a clean build of the same content gives, while rendering only a few pages.

One archive (a copy of content/) is changed step by step and rebuilt in place; after every
step a clean build of the same content and theme goes into a new folder with its own cache,
and the two trees must be byte-identical, with no file more or less."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_parallel_build import (
    bare_writer,
    build,
    differences,
    last_build,
    snapshot_code,
    tree,
    write_settings,
    writer_module,
)

ARTICLES = "articles"


def story(content: Path, pattern: str) -> Path:
    (path,) = sorted((content / ARTICLES).rglob(f"*{pattern}*.md"))
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def new_story(content: Path, source: Path, date: str, slug: str, title: str) -> Path:
    """A copy of a story under another date, slug and title (same topics, countries, text)."""
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^Title: .*$", f"Title: {title}", text, count=1)
    text = re.sub(r"(?m)^Date: .*$", f"Date: {date}", text, count=1)
    text = re.sub(r"(?m)^Slug: .*$", f"Slug: {slug}", text, count=1)
    target = content / ARTICLES / date[:4] / date[5:7] / f"{slug}.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


class Archive:
    """The archive that is rebuilt in place, and clean builds to compare it with."""

    def __init__(self, base: Path):
        self.base = base
        self.content = base / "content"
        self.theme = base / "theme"
        self.output = base / "output"
        self.cache = base / "cache"
        shutil.copytree(ROOT / "content", self.content)
        shutil.copytree(ROOT / "theme", self.theme)
        self.code = snapshot_code(base / "code")
        self.settings = write_settings(
            base, self.cache, self.code, theme=self.theme, RENDER_JOBS=2, RENDER_SKIP_UNCHANGED=True
        )
        self.clean_builds = 0

    def rebuild(self) -> dict:
        build(self.content, self.output, self.settings)
        return last_build(self.cache)

    def assert_equals_clean_build(self) -> None:
        self.clean_builds += 1
        folder = self.base / f"clean-{self.clean_builds}"
        folder.mkdir()
        settings = write_settings(
            folder,
            folder / "cache",
            self.code,
            theme=self.theme,
            RENDER_JOBS=2,
            RENDER_SKIP_UNCHANGED=True,
        )
        build(self.content, folder / "output", settings)
        assert tree(self.output), "nothing was built"
        assert differences(self.output, folder / "output") == []
        shutil.rmtree(folder)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Archive:
    archive = Archive(tmp_path_factory.mktemp("incremental"))
    first = archive.rebuild()
    assert first["rendered"] == first["pages"] > 100 and first["volatile"] == 0
    # Related stories are worked out in the background (38 stories ≥ 16): the pages that
    # cannot read them are keyed meanwhile (render_pool's _early_keys) until the lists are
    # there, the rest in the render processes (test_keys_are_the_same_early_or_late).
    assert 0 <= first["keyed_early"] < first["pages"], first
    return archive


def assert_few_rendered(stats: dict, at_most: float) -> None:
    """The rebuild rendered only a part of the pages (the rest were skipped unchanged)."""
    assert stats["volatile"] == 0, stats
    assert 0 < stats["rendered"] <= at_most * stats["pages"], stats
    assert stats["skipped"] == stats["pages"] - stats["rendered"], stats


def test_rebuild_without_changes_renders_nothing(archive):
    stats = archive.rebuild()
    assert stats["rendered"] == 0 and stats["skipped"] == stats["pages"], stats
    archive.assert_equals_clean_build()


def test_add_newest_story(archive):
    new_story(
        archive.content,
        story(archive.content, "night-trains-return"),
        "2031-10-02",
        "night-trains-extend-to-the-coast",
        "Night trains extend to the coast",
    )
    assert_few_rendered(archive.rebuild(), 0.5)
    archive.assert_equals_clean_build()


def test_add_story_in_the_middle(archive):
    new_story(
        archive.content,
        story(archive.content, "hamburg-voters-back-return"),
        "2018-09-20",
        "hamburg-orders-its-first-new-trams",
        "Hamburg orders its first new trams",
    )
    # In a 40-story archive one more story reorders many related-story lists (the weights
    # are corpus-wide); in a large one it changes a few.
    assert_few_rendered(archive.rebuild(), 0.75)
    archive.assert_equals_clean_build()


def page_keys(cache: Path) -> dict[str, str]:
    """Each page's render key in the last build's manifest (a page whose key changed was
    rendered again)."""
    (manifest,) = (cache / "render_pool").glob("*.json")
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    return {page: entry[0] for page, entry in files.items()}


def test_a_story_on_a_new_day_leaves_the_years_other_period_pages_alone(archive):
    """The year page's calendar counts the new story, so the year page changes; the other
    months' and days' pages of that year show no grid of the new day's month and are not
    rendered again (render keys by ``period_calendars[period_num]``)."""
    archive.rebuild()
    before = page_keys(archive.cache)
    new_story(
        archive.content,
        story(archive.content, "camera-traps-record"),
        "2018-06-05",
        "snow-leopard-cubs-filmed-in-qinghai",
        "Snow leopard cubs filmed in Qinghai",
    )
    archive.rebuild()
    after = page_keys(archive.cache)
    rendered = {page for page, key in after.items() if before.get(page) != key}
    days = {p for p in before if re.fullmatch(r"2018/\d\d/\d\d/index\.html", p)}
    months = {p for p in before if re.fullmatch(r"2018/\d\d/index\.html", p)}
    others = (days | months) - {"2018/06/index.html"}
    assert len(days) >= 5 and len(months) >= 5, (days, months)
    assert not others & rendered, sorted(others & rendered)
    assert {"2018/index.html", "2018/06/index.html", "2018/06/05/index.html"} <= rendered
    archive.assert_equals_clean_build()


def test_edit_a_story_body(archive):
    edit(
        story(archive.content, "ghana-lawmakers-approve-levy"),
        "\n\n",
        "\n\nA paragraph added by an editor after publication.\n\n",
    )
    stats = archive.rebuild()
    assert_few_rendered(stats, 0.2)
    archive.assert_equals_clean_build()


def test_edit_a_title(archive):
    """A title shows on the story, its neighbours, the related lists that name it and every
    list page it is on."""
    edit(
        story(archive.content, "malaysia-and-new-zealand-strike-tariff"),
        "Title: ",
        "Title: Updated: ",
    )
    assert_few_rendered(archive.rebuild(), 0.5)
    archive.assert_equals_clean_build()


def test_delete_a_story(archive):
    """Its page, its photo page and term pages that only it had disappear, as in a clean
    build."""
    gone = story(archive.content, "teenager-traore-storms")
    gone.unlink()
    stats = archive.rebuild()
    assert_few_rendered(stats, 0.75)
    assert stats["removed"] >= 1, stats
    assert not (archive.output / "2018" / "02").exists() or not any(
        "teenager-traore" in p.as_posix() for p in (archive.output / "2018").rglob("*")
    )
    archive.assert_equals_clean_build()


def test_change_a_template(archive):
    """A template change renders the pages that use it (and only those)."""
    edit(
        archive.theme / "templates" / "term.html",
        '<p class="kicker">',
        '<p class="kicker term-kind">',
    )
    stats = archive.rebuild()
    assert_few_rendered(stats, 0.9)
    archive.assert_equals_clean_build()
    assert "term-kind" in (archive.output / "topics" / "trade" / "index.html").read_text(
        encoding="utf-8"
    )


def test_change_a_shared_partial(archive):
    """A partial every article includes: every article page is rendered again."""
    before = archive.rebuild()
    edit(
        archive.theme / "templates" / "partials" / "related.html",
        "<h2>Related stories</h2>",
        "<h2>Related</h2>",
    )
    stats = archive.rebuild()
    articles = len(list((archive.content / ARTICLES).rglob("*.md")))
    assert stats["rendered"] >= articles, (before, stats)
    archive.assert_equals_clean_build()


def test_default_settings_in_place_rebuild_equals_clean_build(tmp_path):
    """The way editors rebuild: the project's own settings (render_pool without skipping,
    Pagefind's year shards re-indexed only where pages changed, the related-stories and
    other caches kept), a story added, one edited and one deleted, then `pelican` again into
    the same folder: the same bytes as a clean build, search index included."""
    code = snapshot_code(tmp_path / "code")
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    output, cache = tmp_path / "output", tmp_path / "cache"
    settings = write_settings(tmp_path, cache, code, PAGEFIND_ENABLED=True, PAGEFIND_JOBS=2)
    build(content, output, settings)
    shards = json.loads((output / "pagefind" / "shards.json").read_text(encoding="utf-8"))

    stories = sorted((content / ARTICLES).rglob("*.md"))
    first, middle, last = stories[0], stories[len(stories) // 2], stories[-1]
    new_story(content, middle, "2019-05-02T09:00:00+00:00", "harbour-added", "Harbour added")
    edit(first, "\n\n", "\n\nAn added opening paragraph about the harbour.\n\n")
    last.unlink()
    rebuilt = build(content, output, settings, args=("--verbose",))
    # The years whose pages changed were indexed as soon as the pages were written, before
    # the output was listed, and the index then found them up to date (shards.speculate);
    # not the year of the story deleted, whose page the page cache still named then.
    logged = re.sub(r"\s+", " ", re.sub(r"\S+\.py:\d+", " ", rebuilt.stdout + rebuilt.stderr))
    said = re.search(r"(\d+) re-indexed, (\d+) of them as soon as the pages were written", logged)
    assert said and 0 < int(said[2]) < int(said[1]), logged[-2000:]

    clean = tmp_path / "clean"
    clean.mkdir()
    clean_settings = write_settings(
        clean, clean / "cache", code, PAGEFIND_ENABLED=True, PAGEFIND_JOBS=2
    )
    build(content, clean / "output", clean_settings)
    assert differences(output, clean / "output") == []
    after = json.loads((output / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    kept = {s["path"] for s in shards["shards"]} & {s["path"] for s in after["shards"]}
    assert kept, "unchanged years' shards are kept, not indexed again"


def test_turning_the_index_on_renders_no_page_again(tmp_path):
    """A site built with the search index off (the benchmark indexes in a stage of its own),
    rebuilt with it on (``-e PAGEFIND_ENABLED=true``, as the benchmark's rebuilds do): the
    index settings are read after the pages are written (Pagefind's ``finishing_settings``),
    so no page is rendered again, and the index is made. Another setting still renders
    every page."""
    code = snapshot_code(tmp_path / "code")
    output, cache = tmp_path / "output", tmp_path / "cache"
    settings = write_settings(tmp_path, cache, code, RENDER_SKIP_UNCHANGED=True)
    build(ROOT / "content", output, settings)
    first = last_build(cache)
    assert first["rendered"] == first["pages"] and not (output / "pagefind").exists()
    snapshot = (cache / "story-snapshot.pickle").stat()
    on = ("-e", "PAGEFIND_ENABLED=true", "PAGEFIND_JOBS=1")
    build(ROOT / "content", output, settings, args=on)
    assert last_build(cache)["rendered"] == 0, last_build(cache)
    # Every story was restored from the snapshot (none made again: the file is not rewritten).
    after = (cache / "story-snapshot.pickle").stat()
    assert (after.st_ino, after.st_mtime_ns) == (snapshot.st_ino, snapshot.st_mtime_ns)
    assert (output / "pagefind" / "shards.json").is_file()
    # The sitemap took the index's listing of the output (OUTPUT_LISTING): the same as one
    # made by walking the finished folder.
    from plugins.site_extras.sitemap import write_sitemaps

    listed = (output / "sitemap.xml").read_text(encoding="utf-8")
    base = re.search(r"<loc>(https?://[^/<]+)", listed)[1]
    write_sitemaps(output, base, 50_000)
    assert (output / "sitemap.xml").read_text(encoding="utf-8") == listed
    other = ("-e", 'DEFAULT_DATE_FORMAT="%d %B %Y"')
    build(ROOT / "content", output, settings, args=other)
    assert last_build(cache)["rendered"] == first["pages"], last_build(cache)


@dataclasses.dataclass
class _Link:
    """A stand-in for taxonomies' TermLink: one object shared by the stories of a term."""

    name: str
    count: int


def test_render_keys_walk_lists_of_shared_links_once_per_readable_set(monkeypatch):
    """Two stories' lists of the same links are walked once per readable set (the second
    is known by its items), and a list's fingerprint still follows what a page can read."""
    sys.path.insert(0, str(ROOT / "plugins"))
    from render_pool.fingerprint import Fingerprinter

    def fingerprinter():
        return Fingerprinter({}, {}, [str(Path(__file__).resolve())])

    link = _Link("Weather", 3)
    first, second = [link], [link]
    fp = fingerprinter()
    walked = []
    walk = fp._walk
    monkeypatch.setattr(fp, "_walk", lambda obj, t, mode: walked.append(t) or walk(obj, t, mode))
    names_only, with_count = frozenset({"name"}), frozenset({"name", "count"})
    fp.set_readable(names_only)
    part = fp.value(first, fp.IDENTITY)
    assert fp.value(second, fp.IDENTITY) == part
    assert walked == [list, _Link], "the second list is known by its items"
    fp.set_readable(with_count)
    counted = fp.value(second, fp.IDENTITY)
    assert counted != part, "a page that reads the count has it in its key"

    link.count = 4  # a story added to the term: a new build, a new Fingerprinter
    fp = fingerprinter()
    fp.set_readable(names_only)
    assert fp.value(second, fp.IDENTITY) == part, "a page that does not read the count"
    fp.set_readable(with_count)
    assert fp.value(first, fp.IDENTITY) != counted


def test_skipping_unchanged_pages_refuses_the_generator_caching_layer():
    """Articles restored whole by Pelican's generator cache carry the previous build's
    context; keys over them ran for over 10 minutes at 20k. The build stops at once, naming
    both settings, instead."""
    sys.path.insert(0, str(ROOT / "plugins"))
    from render_pool.render_pool import RenderPoolSettingsError, check_settings

    settings = {"RENDER_SKIP_UNCHANGED": True, "CONTENT_CACHING_LAYER": "generator"}
    with pytest.raises(RenderPoolSettingsError, match='CONTENT_CACHING_LAYER = "reader"'):
        check_settings(settings)
    for fine in (
        {"RENDER_SKIP_UNCHANGED": True, "CONTENT_CACHING_LAYER": "reader"},
        {"RENDER_SKIP_UNCHANGED": True},  # Pelican's default layer
        {"RENDER_SKIP_UNCHANGED": False, "CONTENT_CACHING_LAYER": "generator"},  # no keys
    ):
        check_settings(fine)
        assert fine["RENDER_JOBS"] >= 1


LATE_PROBE = """
import os
from blinker import signal

def content_fields(_writer):
    ready = os.environ["LATE_PROBE_READY"] == "1"
    return {"late": ["related_stories"], "ready": lambda: ready}

def register():
    signal("render_pool.content_fields").connect(content_fields)
"""


def test_keys_are_the_same_early_or_late(tmp_path, monkeypatch):
    """A page's render key is the same whether the parent made it while a plugin's late
    fields were being worked out (_early_keys) or a render process made it after (once the
    plugin says they are there): a rebuild that keys the other way renders nothing."""
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "late_probe.py").write_text(LATE_PROBE, encoding="utf-8")
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    code = snapshot_code(tmp_path / "code")
    settings = write_settings(
        tmp_path,
        tmp_path / "cache",
        code,
        RENDER_JOBS=2,
        RENDER_SKIP_UNCHANGED=True,
        RELATED_STORIES_BACKGROUND=False,  # the probe alone declares late fields
    )
    with settings.open("a", encoding="utf-8") as handle:
        handle.write(f"PLUGIN_PATHS = [*PLUGIN_PATHS, {str(probe)!r}]\n")
        handle.write('PLUGINS = [*PLUGINS, "late_probe"]\n')
    output = tmp_path / "output"
    monkeypatch.setenv("LATE_PROBE_READY", "0")  # never there: every page that can is keyed early
    build(content, output, settings)
    early = last_build(tmp_path / "cache")
    assert early["rendered"] == early["pages"] > 100, early
    assert early["keyed_early"] > 100, early
    monkeypatch.setenv("LATE_PROBE_READY", "1")  # there at once: the render processes key them
    build(content, output, settings)
    late = last_build(tmp_path / "cache")
    assert late["keyed_early"] < writer_module().EARLY_READY_EVERY, late
    assert late["rendered"] == 0 and late["skipped"] == late["pages"] == early["pages"], late
    monkeypatch.setenv("LATE_PROBE_READY", "0")
    build(content, output, settings)
    again = last_build(tmp_path / "cache")
    assert again["keyed_early"] == early["keyed_early"] and again["rendered"] == 0, again


def test_a_copied_context_is_keyed_by_what_the_copy_changes(tmp_path, monkeypatch):
    """Pelican gives each period page a copy of the shared context with ``period`` set. The
    key takes the names a copy shares with the shared context from that context, once, and
    the copy's own per page: changing one period re-renders that page alone, a value every
    copy shares re-renders them all, and a copy without a name the shared context has is
    keyed as without it."""
    from jinja2 import Environment, FileSystemLoader

    render_pool_writer = writer_module()
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "period.html").write_text(
        "{{ SITENAME }}: {{ period|default('all') }} {{ TAGLINE|default('-') }}", encoding="utf-8"
    )
    template = Environment(loader=FileSystemLoader(str(folder))).get_template("period.html")
    output = tmp_path / "output"

    def build(sitename: str, periods: dict[str, str | None]) -> dict:
        main = {"SITENAME": sitename, "TAGLINE": "news", "localsiteurl": ""}
        writer = bare_writer(output, tmp_path / "cache", RENDER_JOBS=1, RENDER_SKIP_UNCHANGED=True)
        writer.main_context = main
        writer.write_file("index.html", template, main, True)
        for name, period in periods.items():
            copy = main.copy()
            if period is None:
                del copy["TAGLINE"]  # a copy may also drop a name
            else:
                copy["period"] = period
            writer.write_file(f"{name}/index.html", template, copy, True)
        writer.flush()
        return writer.stats

    def page(name: str) -> str:
        return (output / name / "index.html").read_text(encoding="utf-8")

    parts = []
    original = render_pool_writer.RenderPoolWriter._context_part
    monkeypatch.setattr(
        render_pool_writer.RenderPoolWriter,
        "_context_part",
        lambda self, *args: parts.append(args[-1]) or original(self, *args),
    )
    periods = {"2019": "2019", "2020": "2020", "bare": None}
    first = build("Archive", periods)
    assert first["rendered"] == first["pages"] == 4, first
    # the shared context's part once for the page given it and once for the two copies
    # that set "period" (one more for the copy without TAGLINE), not once per copy
    assert sorted(map(sorted, parts)) == [[], ["TAGLINE"], ["period"]], parts
    assert page("2020") == "Archive: 2020 news" and page("bare") == "Archive: all -"
    assert build("Archive", periods)["rendered"] == 0
    again = build("Archive", {**periods, "2020": "2021"})
    assert again["rendered"] == 1 and page("2020") == "Archive: 2021 news", again
    renamed = build("The archive", {**periods, "2020": "2021"})
    assert renamed["rendered"] == 4 and page("bare") == "The archive: all -", renamed
