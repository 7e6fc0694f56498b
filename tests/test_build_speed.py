"""Build cost at archive scale (issue 10): the year/month/day archives are grouped in one pass
(plugins/site_extras/period_archives.py), story URLs and dates are computed once
(plugins/site_extras/story_fields.py) and Markdown converters are reused
(plugins/fast_reading): each with the same output as Pelican's own way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pelican.contents import Article
from pelican.generators import ArticlesGenerator
from pelican.readers import MarkdownReader
from pelican.settings import read_settings
from pelican.utils import SafeDatetime

from plugins.fast_reading.fast_reading import ReusedMarkdownReader
from plugins.site_extras.period_archives import build_period_archives
from plugins.site_extras.story_fields import cache_story_fields
from tests.conftest import GOLDEN, ROOT, build_site, write_conf

SETTINGS = {
    "YEAR_ARCHIVE_SAVE_AS": "{date:%Y}/index.html",
    "YEAR_ARCHIVE_URL": "{date:%Y}/",
    "MONTH_ARCHIVE_SAVE_AS": "{date:%Y}/{date:%m}/index.html",
    "MONTH_ARCHIVE_URL": "{date:%Y}/{date:%m}/",
    "DAY_ARCHIVE_SAVE_AS": "{date:%Y}/{date:%m}/{date:%d}/index.html",
    "DAY_ARCHIVE_URL": "{date:%Y}/{date:%m}/{date:%d}/",
}


class Story:
    """A story as the archive grouping sees it; counts every ``==`` asked of it."""

    comparisons = 0

    def __init__(self, number: int, date: SafeDatetime) -> None:
        self.number = number
        self.date = date

    def __eq__(self, other: object) -> bool:
        Story.comparisons += 1
        return self is other

    __hash__ = object.__hash__


def stories(count: int) -> tuple[list[Story], list[Story]]:
    """(archive order: newest first, listing order: shuffled deterministically)."""
    made = [
        Story(i, SafeDatetime(2000 + i % 7, 1 + i * 7 % 12, 1 + i * 13 % 28, i % 24))
        for i in range(count)
    ]
    dates = sorted(made, key=lambda s: s.date, reverse=True)
    listed = sorted(made, key=lambda s: (s.number * 7919) % count)
    return dates, listed


def same_archives(ours, theirs) -> None:
    assert list(ours) == list(theirs)
    for granularity in theirs:
        assert len(ours[granularity]) == len(theirs[granularity])
        for mine, pelicans in zip(ours[granularity], theirs[granularity], strict=True):
            assert list(mine) == list(pelicans)  # same keys in the same order
            for key, value in pelicans.items():
                if isinstance(value, list):  # the same story objects in the same order
                    assert [id(s) for s in mine[key]] == [id(s) for s in value], key
                else:
                    assert mine[key] == value, key


def test_period_archives_equal_pelicans_own_without_scanning_the_archive():
    dates, listed = stories(400)
    Story.comparisons = 0
    theirs = ArticlesGenerator._build_period_archives(None, dates, listed, SETTINGS)
    pelican_comparisons = Story.comparisons
    Story.comparisons = 0
    ours = build_period_archives(dates, listed, SETTINGS)
    same_archives(ours, theirs)
    # Pelican compares every story with every story of each period: quadratic.
    assert pelican_comparisons > 400 * 400
    assert Story.comparisons == 0


def test_switched_off_granularities_and_an_empty_archive_match_pelican():
    dates, listed = stories(60)
    settings = {**SETTINGS, "DAY_ARCHIVE_SAVE_AS": "", "YEAR_ARCHIVE_SAVE_AS": ""}
    theirs = ArticlesGenerator._build_period_archives(None, dates, listed, settings)
    same_archives(build_period_archives(dates, listed, settings), theirs)
    assert list(theirs) == ["month"]
    assert build_period_archives([], [], SETTINGS) == {}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_linear_build_writes_the_same_pages_as_pelicans_own(tmp_path):
    """300 synthetic stories: every file of the build, byte for byte, with the plugins'
    grouping and memoised date formatting and with Pelican's own
    (``SITE_EXTRAS_LINEAR_ARCHIVES = False``, ``FAST_READING_MEMO = False``)."""
    content = tmp_path / "content"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.synth",
            "--mode",
            "markdown",
            "--n",
            "300",
            "--out",
            str(content),
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    ours = write_conf(tmp_path / "ours.py", content)
    pelicans = write_conf(
        tmp_path / "pelicans.py",
        content,
        SITE_EXTRAS_LINEAR_ARCHIVES=False,
        FAST_READING_MEMO=False,
    )
    build_site(content, tmp_path / "ours", ours)
    build_site(content, tmp_path / "pelicans", pelicans)
    mine, theirs = tree(tmp_path / "ours"), tree(tmp_path / "pelicans")
    assert sorted(mine) == sorted(theirs)
    assert [name for name in theirs if mine[name] != theirs[name]] == []
    # The archives exist at all three levels, paginated.
    days = [n for n in mine if n.count("/") == 3 and n.endswith("/index.html") and n[:4].isdigit()]
    assert days and any("/page/2/" in n for n in mine if n[:4].isdigit())


PROBE = """
import sys
from pelican import Pelican
from pelican.generators import ArticlesGenerator
from pelican.settings import read_settings
settings = read_settings(sys.argv[1])
pelican = Pelican(settings)  # loads and registers the plugins
generator = ArticlesGenerator(
    context=settings.copy(), settings=settings, path=settings["PATH"],
    theme=settings["THEME"], output_path=sys.argv[2],
)
method = vars(generator).get("_build_period_archives")
from pelican import contents, utils
print(utils.strftime.__module__, contents.Content.get_relative_source_path.__module__)
print(getattr(method, "__module__", None))
"""


def test_the_plugin_gives_every_articles_generator_the_linear_grouping(tmp_path):
    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    conf = write_conf(tmp_path / "conf.py", content)
    probe = [sys.executable, "-c", PROBE, str(conf), str(tmp_path / "out")]
    result = subprocess.run(probe, check=True, capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.split()[-1].endswith("site_extras.period_archives")
    # Pelican's date formatting and source paths go through the memo in a real build.
    assert [m.rsplit(".", 1)[-1] for m in result.stdout.split()[-3:-1]] == ["memo", "memo"]
    write_conf(conf, content, SITE_EXTRAS_LINEAR_ARCHIVES=False, FAST_READING_MEMO=False)
    result = subprocess.run(probe, check=True, capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.split()[-1] == "None"
    assert result.stdout.split()[-3:-1] == ["pelican.utils", "pelican.contents"]


def reader_settings(**overrides):
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(GOLDEN)})
    settings.update(overrides)
    return settings


def test_reused_markdown_converter_gives_the_same_html_and_metadata(tmp_path):
    extra = tmp_path / "notes.md"
    extra.write_text(
        "Title: Notes\nDate: 2020-01-02\nSummary: *first* line\n\n"
        "Text[^1] with <b>html</b>.\n\n[^1]: A footnote.\n\n    code\n",
        encoding="utf-8",
    )
    files = [*sorted(GOLDEN.glob("*.md")), extra]
    files = files + files[::-1]  # every file after every other, in both directions
    # FORMATTED_FIELDS makes Pelican reset and reuse the converter for metadata and drop the
    # meta preprocessor: the reused converter must get it back for the next file.
    for overrides in ({}, {"FORMATTED_FIELDS": ["summary"]}):
        for extensions in (None, ["markdown.extensions.footnotes"]):
            settings = reader_settings(**overrides)
            if extensions:
                settings["MARKDOWN"] = {**settings["MARKDOWN"], "extensions": extensions}
            reused = ReusedMarkdownReader(settings)
            fresh = MarkdownReader(settings)  # Pelican's: a new converter for every file
            for path in files:
                expected = fresh.read(str(path))
                assert reused.read(str(path)) == expected, (path, overrides, extensions)


def test_story_urls_and_dates_are_computed_once_with_the_same_values():
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    date = SafeDatetime(2019, 4, 7, 9, 30)
    story = Article(
        "<p>x</p>",
        {"title": "A", "slug": "a-story", "date": date},
        settings,
        source_path="/c/articles/2019/04/a-story.md",
        context={},
    )
    url, save_as = story.url, story.save_as
    assert cache_story_fields([story]) == 1
    assert story.override_url == url == story.url == "2019/04/07/a-story/"
    assert story.override_save_as == save_as == story.save_as == url + "index.html"
    assert story.date_iso == story.date.isoformat()
    assert (story.date_month, story.date_month_name) == ("2019-04", "April 2019")
    # A story with its own URL metadata keeps it.
    own = Article(
        "", {"title": "B", "slug": "b", "date": date, "url": "special/"}, settings, context={}
    )
    cache_story_fields([own])
    assert own.url == "special/"
    assert own.save_as == own.override_save_as  # its own URL, Pelican's save_as pattern


def test_memoised_strftime_and_source_paths_return_pelicans_values():
    """Same string as Pelican's strftime for every format kind (C89 directives, the "-" flag,
    non-C89 candidates, literal text) and date kind, asked twice; equal instants in two time
    zones are told apart; relative source paths are Pelican's."""
    import datetime
    import zoneinfo

    from pelican import contents, utils

    from plugins.fast_reading import memo

    own = utils.strftime
    formats = ["%Y/%m/%d/", "%-d %B %Y", "%B %Y", "%a %H:%M %Z %z %%", "%s %Q %-m", "{%Y}", "x"]
    utc = SafeDatetime(2020, 1, 2, 12, 0, tzinfo=datetime.UTC)
    paris = utc.astimezone(zoneinfo.ZoneInfo("Europe/Paris"))
    assert utc == paris  # equal instants: a memo keyed on the date alone would mix them up
    dates = [SafeDatetime(2020, 1, 2, 3, 4, 5), utc, paris, datetime.date(2021, 5, 6),
             datetime.datetime(2019, 12, 31, 23, 59)]
    expected = {(f, i): own(d, f) for f in formats for i, d in enumerate(dates)}
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    story = Article("<p>x</p>", {"title": "A", "date": utc}, settings,
                    source_path=str(Path(settings["PATH"]) / "articles/2020/a.md"), context={})
    relative = contents.Content.get_relative_source_path(story)
    memo.install()
    try:
        assert utils.strftime is not own
        for _ in range(2):
            assert {(f, i): utils.strftime(d, f) for f in formats
                    for i, d in enumerate(dates)} == expected
        assert paris.strftime("%H %Z") == "13 CET" and utc.strftime("%H %Z") == "12 UTC"
        assert story.get_relative_source_path() == relative == "articles/2020/a.md"
    finally:
        memo.uninstall()
    assert utils.strftime is own


# --- plain stories read without Python-Markdown's pipeline (plugins/fast_reading) ---------

# What an imported story's paragraphs are made of, and near-misses of every kind.
_PLAIN = ["word", "Word", "two words", "2017", "café", "—", '"quoted"', "it's", "a.b", "(x)",
          "{y}", "!", "+", "-", ".", "=", "|", ":", "~", "#",
          *(f"\\{c}" for c in "\\`*_{}[]()>#+-.!"), "&amp;", "&lt;", "&gt;", "&#233;",
          "&#xE9;", "&nbsp;"]
_MISSES = ["\\q", "\\&", "\\<", "\\", "&bogus", "& ", "&;", "*", "**", "_", "__", "`", "[",
           "]", "[x](y)", "<", ">", "<b>", "<http://x.test>", "  ", " ", "\t"]
_STARTS = ["## ", "# ", "### ", "- ", "* ", "+ ", "1. ", "1) ", "> ", "    ", " ", "=", "---",
           "***", "[a]: http://x.test", "<div>", "|", "2017. ", "## #", "## ", "#x"]
_ENDS = [" ", "  ", " #", "#", "\\", "&"]
_HEADERS = ["Title: A story\nTags: a,\n    b\n\n", "---\nTitle: x\n---\n", "",
            "Title: x\n\n\n", "Title: x\n \n", "Note: this\r\n\r\n"]


def _story_source(rng) -> str:
    """A content file: mostly what the importer writes, with a near-miss now and then."""

    def mostly(common, rare, odds=0.15):
        return rng.choice(rare) if rng.random() < odds else common

    blocks = []
    for _ in range(rng.randint(1, 6)):
        pieces = [mostly(rng.choice(_PLAIN), _MISSES, 0.03) for _ in range(rng.randint(0, 8))]
        blocks.append(mostly("", _STARTS) + (" ".join(pieces) or "text") + mostly("", _ENDS, 0.05))
    header = mostly("Title: A story\nDate: 2020-01-02\n\n", _HEADERS, 0.1)
    return header + mostly("\n\n", ["\n", "\n\n\n", "\n \n"], 0.05).join(blocks) + "\n"


def test_plain_stories_convert_as_python_markdown_does():
    import random

    from markdown import Markdown

    from plugins.fast_reading import plain_markdown

    md = Markdown(extensions=["markdown.extensions.meta"], output_format="html5")
    reference = Markdown(extensions=["markdown.extensions.meta"], output_format="html5")
    assert plain_markdown.applies(md)
    rng = random.Random(20261203)
    taken = 0
    for _ in range(3000):
        source = _story_source(rng)
        md.reset()
        out = plain_markdown.convert(md, source)
        reference.reset()
        expected = reference.convert(source)
        if out is not None:
            assert (out, md.Meta) == (expected, reference.Meta), source
            taken += 1
    # Both ways were exercised: plain stories took the quick path, the rest fell back.
    assert 600 < taken < 2400
    # With another extension, the quick path is not used at all.
    assert not plain_markdown.applies(Markdown(extensions=["markdown.extensions.meta", "extra"]))


def test_plain_reading_builds_the_same_site(tmp_path):
    """300 synthetic stories (every one plain) built with and without the quick path."""
    content = tmp_path / "content"
    subprocess.run(
        [sys.executable, "-m", "benchmarks.synth", "--mode", "markdown", "--n", "300",
         "--out", str(content)],
        check=True, capture_output=True, cwd=ROOT,
    )
    # The project's settings take the quick path (so the build below is not vacuous).
    reader = ReusedMarkdownReader(reader_settings())
    reader.read(str(next(content.rglob("*.md"))))
    assert reader._plain
    quick = write_conf(tmp_path / "quick.py", content)
    full = write_conf(tmp_path / "full.py", content, FAST_READING_PLAIN=False)
    build_site(content, tmp_path / "quick", quick)
    build_site(content, tmp_path / "full", full)
    mine, theirs = tree(tmp_path / "quick"), tree(tmp_path / "full")
    assert sorted(mine) == sorted(theirs) and len(mine) > 300
    assert [name for name in theirs if mine[name] != theirs[name]] == []


def test_quick_iso_dates_are_the_dates_pelican_reads():
    import itertools

    from pelican import readers

    from plugins.fast_reading import memo

    memo.install()
    try:
        assert readers.get_date is memo._quick_get_date
        pelicans = memo._installed["get_date"]
        days = ["2017-01-30", "2000-02-29", "2001-02-29", "2017-13-01", "2017-00-10", "1999-12-31"]
        times = ["", "T09:30", " 09:30", "T09:30:15", "T23:59:59", "T24:00", "T09:61",
                 "T09:30+01:00", "Z", "T09"]
        cases = [d + t for d, t in itertools.product(days, times)]
        cases += ["30 January 2017", "2017-1-3", "Jan 3, 2017 10:00"]
        for case in cases:
            try:
                mine = readers.get_date(case)
            except ValueError as exc:
                mine = str(exc)
            try:
                theirs = pelicans(case)
            except ValueError as exc:
                theirs = str(exc)
            assert (mine, type(mine)) == (theirs, type(theirs)), case
            if isinstance(theirs, readers.datetime.datetime):
                assert mine.tzinfo == theirs.tzinfo, case
    finally:
        memo.uninstall()
    assert readers.get_date is pelicans


def test_teasers_rendered_once_give_the_same_site(tmp_path):
    """300 synthetic stories (some with photos) built with each teaser rendered once per
    process and with every teaser rendered in place (``STORY_TEASER_CACHE = False``)."""
    content = tmp_path / "content"
    subprocess.run(
        [sys.executable, "-m", "benchmarks.synth", "--mode", "markdown", "--n", "300",
         "--out", str(content)],
        check=True, capture_output=True, cwd=ROOT,
    )
    cached = write_conf(tmp_path / "cached.py", content)
    direct = write_conf(tmp_path / "direct.py", content, STORY_TEASER_CACHE=False)
    build_site(content, tmp_path / "cached", cached)
    build_site(content, tmp_path / "direct", direct)
    mine, theirs = tree(tmp_path / "cached"), tree(tmp_path / "direct")
    assert sorted(mine) == sorted(theirs)
    assert [name for name in theirs if mine[name] != theirs[name]] == []
    home = mine["index.html"].decode()
    assert 'class="teaser"' in home
    assert any(b'class="thumb"' in data for name, data in mine.items() if "/page/" in name)


def test_a_teaser_is_rendered_once_and_equals_a_direct_call():
    """The filter calls the macro once per story, whatever the pages' site URLs (one that
    needs escaping included), and gives what calling the macro with each URL gives."""
    from jinja2 import DictLoader, Environment

    from plugins.site_extras import teasers

    env = Environment(
        autoescape=True,
        loader=DictLoader({
            "t.html": '{% macro teaser(story, siteurl) %}<a href="{{ siteurl }}/{{ story.url }}">'
                      "{{ story.title }}</a>{% endmacro %}",
            "page.html": '{% import "t.html" as t %}{% for s in stories %}'
                         "{{ s|story_teaser(t.teaser, SITEURL) }}{% endfor %}",
        }),
    )
    env.filters["story_teaser"] = teasers.story_teaser
    calls = []
    module = env.get_template("t.html").module

    class Story:
        def __init__(self, n):
            self.n = n

        @property
        def url(self):
            calls.append(self.n)
            return f"2020/01/0{self.n}/s{self.n}/"

        title = 'Fish & "chips" <b>'

    stories = [Story(1), Story(2), Story(3)]
    stories[2].title = f"A title quoting {teasers.STAND_IN} itself"  # escaped: no stand-in
    teasers.reset()
    page = env.get_template("page.html")
    for siteurl in ("..", "../..", 'https://x.test/a&b"c', ""):
        out = page.render(stories=stories, SITEURL=siteurl)
        direct = "".join(str(module.teaser(s, siteurl)) for s in stories)
        assert out == direct
        assert siteurl != 'https://x.test/a&b"c' or "x.test/a&amp;b&#34;c/2020" in out
    assert sorted(calls) == [1] * 5 + [2] * 5 + [3] * 5  # 4 direct calls each, 1 cached
    teasers.reset()


def generations_collected_while_objects_survive() -> list[int]:
    """The generation of each collection the collector makes while 300,000 new objects
    survive: with the default thresholds, full collections (generation 2) would be due."""
    import gc

    collected: list[int] = []

    def note(phase, info):
        if phase == "stop":
            collected.append(info["generation"])

    gc.callbacks.append(note)
    try:
        kept = [[] for _ in range(300_000)]
    finally:
        gc.callbacks.remove(note)
    assert len(kept) == 300_000
    return collected


def test_the_build_makes_no_full_garbage_collections_and_restores_the_collector():
    """From ``initialized`` until rendering starts the collector is paused; from then to
    ``finalized`` it keeps its young generations and makes no full collection, and what
    the build made before is frozen; afterwards (or with ``BUILD_FULL_GC = True``) it is
    as it was."""
    import gc
    from types import SimpleNamespace

    from plugins.fast_reading import gc_policy

    before = gc.get_threshold()
    build = SimpleNamespace(settings={})
    try:
        gc_policy.on_initialized(build)
        first, second, third = gc.get_threshold()
        assert (first, second) == before[:2] and third >= 1 << 30
        assert not gc.isenabled()
        assert generations_collected_while_objects_survive() == []  # paused
        frozen = gc.get_freeze_count()
        gc_policy.resume()  # render_pool's before_render
        assert gc.isenabled() and gc.get_freeze_count() > frozen
        collected = generations_collected_while_objects_survive()
        assert 0 in collected and 2 not in collected  # young ones ran, no full one
        gc_policy.on_initialized(build)  # a second build in the same process: still raised
        assert gc.get_threshold()[2] >= 1 << 30
        gc_policy.on_finalized(build)
        assert gc.get_threshold() == before and gc.isenabled()
        gc_policy.on_initialized(SimpleNamespace(settings={"BUILD_FULL_GC": True}))
        assert gc.get_threshold() == before and gc.isenabled()
    finally:
        gc_policy.on_finalized(build)
        gc.set_threshold(*before)
        gc.enable()
        gc.unfreeze()


PAUSED = """
import gc, os, sys
from blinker import signal
from pelican import Pelican, signals
from pelican.settings import read_settings
main, started, rendering, seen = os.getpid(), [], [], []
# from the generators (every plugin initialised) to the end of the build
signals.get_generators.connect(lambda _p: started.append(True), weak=False)
signal("render_pool.before_render").connect(lambda _w: rendering.append(True), weak=False)
def note(phase, info):
    if phase == "stop" and os.getpid() == main and started:
        seen.append("rendering" if rendering else "before")
gc.callbacks.append(note)
Pelican(read_settings(sys.argv[1])).run()
print(seen.count("before"), seen.count("rendering"))
"""


def test_the_main_process_makes_no_collection_until_rendering_starts(tmp_path):
    """A real build: the stories, archives and page records made before rendering are kept,
    so the main process collects nothing until render_pool starts rendering (0.3–0.5 s of a
    20,000-story one-story rebuild), then collects rendering's garbage as before."""
    content = tmp_path / "content"
    subprocess.run(
        [sys.executable, "-m", "benchmarks.synth", "--mode", "markdown", "--n", "300",
         "--out", str(content)],
        check=True, capture_output=True, cwd=ROOT,
    )
    conf = write_conf(tmp_path / "conf.py", content, OUTPUT_PATH=str(tmp_path / "out"),
                      RENDER_JOBS=1, READ_JOBS=1)
    result = subprocess.run([sys.executable, "-c", PAUSED, str(conf)], check=True,
                            capture_output=True, text=True, cwd=ROOT)
    before, rendering = map(int, result.stdout.split()[-2:])
    assert before == 0
    assert rendering > 0  # rendering 300 stories' pages makes garbage, and it is collected


def printed_by(code: str) -> list[str]:
    """The lines a fresh interpreter prints running ``code`` (``sys.argv[1]``: the project)."""
    result = subprocess.run(
        [sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, check=True
    )
    return result.stdout.splitlines()


def test_the_collector_is_put_back_after_the_search_index_has_finished():
    """The search index finishes in a thread behind the other ``finalized`` receivers,
    waited for by one its plugin connects at ``initialized`` (pagefind_index, listed before
    fast_reading). Until that one has run, full collections stay off: with them back on,
    canonicalising one shard of a 20,000-story rebuild took 0.56 s instead of 0.14 s."""
    code = (
        "import gc, sys; from types import SimpleNamespace\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from pelican import signals\n"
        "from plugins.fast_reading import gc_policy\n"
        "signals.finalized.connect(gc_policy.on_finalized)  # as register() does\n"
        "def last(_sender):  # as pagefind_index's finish_index, connected at initialized\n"
        "    print('third threshold while the index finishes:', gc.get_threshold()[2])\n"
        "signals.finalized.connect(last)\n"
        "before = gc.get_threshold()[2]\n"
        "gc_policy.on_initialized(SimpleNamespace(settings={}))\n"
        "signals.finalized.send(None)\n"
        "print('put back:', gc.get_threshold()[2] == before)\n"
    )
    assert printed_by(code) == [
        f"third threshold while the index finishes: {1 << 30}",
        "put back: True",
    ]


def test_an_import_makes_no_full_collections_and_puts_the_collector_back(tmp_path, monkeypatch):
    """The import keeps what it makes to the end (content index, near-duplicate table,
    records): full collections find nothing (0.79 s of a 20,000-story import's main
    process). Young collections stay on, and the thresholds are put back afterwards."""
    import gc

    from newsarchive import importer
    from newsarchive.collector import NO_FULL_COLLECTIONS, without_full_collections

    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    run = importer._run

    def watched(options):
        seen.append(gc.get_threshold())
        return run(options)

    monkeypatch.setattr(importer, "_run", watched)
    counts = importer.run(importer.Options(tmp_path / "content", (ROOT / "samples",), jobs=1))
    assert counts["imported"] > 0
    assert seen == [(*before[:2], NO_FULL_COLLECTIONS)]
    assert gc.get_threshold() == before

    with without_full_collections():
        collected = generations_collected_while_objects_survive()
    assert 0 in collected and 2 not in collected
    assert gc.get_threshold() == before


_EXIT_PROBE = (  # registered first, so it runs after every exit handler the code adds
    "import atexit, gc\n"
    "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
)


def test_a_build_process_freezes_its_objects_at_exit_so_the_last_collection_skips_them():
    """The interpreter's last collection would walk everything a build left (~1.7 s at
    20,000 stories); after a build has started, the process freezes its objects at exit,
    after the build's own exit work and before the handlers registered earlier."""
    code = _EXIT_PROBE + (
        "import gc, sys; from types import SimpleNamespace\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from plugins.fast_reading import gc_policy\n"
        "print('frozen during the build:', gc.get_freeze_count() > 0)\n"
        "gc_policy.on_initialized(SimpleNamespace(settings={}))\n"
        "gc_policy.on_initialized(SimpleNamespace(settings={}))  # registered once\n"
        "kept = [[] for _ in range(1000)]; kept.append(kept)\n"
        "gc_policy.on_finalized()\n"
    )
    assert printed_by(code) == [
        "frozen during the build: False",
        "frozen at exit: True",
    ]


def test_the_import_script_freezes_its_objects_at_exit(tmp_path):
    script = ROOT / "scripts" / "import_articles.py"
    story = ROOT / "tests" / "fixtures" / "text" / "harbour-bridge-vote.txt"
    code = _EXIT_PROBE + (
        "import runpy, sys\n"
        "sys.argv = sys.argv[1:]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    args = [str(script), "--content", str(tmp_path / "content"), str(story)]
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "frozen at exit: True"
    assert list((tmp_path / "content").rglob("*.md"))  # the import itself was done


STAMPS = """
import sys
from pelican import Pelican, cache
from pelican.settings import read_settings
taken = []
stamp = cache.FileStampDataCacher._get_file_stamp
def counted(self, filename):
    taken.append(filename)
    return stamp(self, filename)
cache.FileStampDataCacher._get_file_stamp = counted
Pelican(read_settings(sys.argv[1])).run()
print(len(taken), len(set(taken)))
"""


def test_the_content_cache_stamps_each_story_once_per_build(tmp_path):
    """Pelican's cache check stat()s a file in ``get_cached_data`` even when the cache holds
    nothing for it, and in ``cache_data`` even when the data is dropped; and the parallel
    pre-read checks every story before Pelican's loop checks it again. With the reader
    caching layer that was five stamps per story on a cold build and three on a warm one,
    where one is used. With the memo (and the pre-read handing its answers over), each
    build stamps every story once."""
    content = tmp_path / "content"
    subprocess.run(
        [sys.executable, "-m", "benchmarks.synth", "--mode", "markdown", "--n", "40",
         "--out", str(content)],
        check=True, capture_output=True, cwd=ROOT,
    )
    stories = len(list((content / "articles").rglob("*.md")))

    def stamps(conf: Path) -> tuple[int, int]:
        result = subprocess.run([sys.executable, "-c", STAMPS, str(conf)], check=True,
                                capture_output=True, text=True, cwd=ROOT)
        taken, files = map(int, result.stdout.split()[-2:])  # stamps taken, files stamped
        return taken, files

    # Pelican's reader-level cache is used only with the story snapshot off (while it is
    # on, the snapshot stands in for that cache, which then takes no stamps at all).
    snapshot = write_conf(tmp_path / "snap.py", content, OUTPUT_PATH=str(tmp_path / "snap"))
    assert stamps(snapshot) == (0, 0)
    assert stamps(snapshot) == (0, 0)
    ours = write_conf(tmp_path / "ours.py", content, OUTPUT_PATH=str(tmp_path / "ours"),
                      READ_SNAPSHOT=False)
    assert stamps(ours) == (stories, stories)  # cold: the reader layer stores each story
    assert stamps(ours) == (stories, stories)  # warm: the reader layer checks each story
    pelicans = write_conf(tmp_path / "pelicans.py", content, FAST_READING_MEMO=False,
                          OUTPUT_PATH=str(tmp_path / "pelicans"), READ_SNAPSHOT=False)
    assert stamps(pelicans) == (5 * stories, stories)
    assert stamps(pelicans) == (3 * stories, stories)


class _CountedSorts(list):
    sorts = 0

    def sort(self, *args, **kwargs):
        _CountedSorts.sorts += 1
        super().sort(*args, **kwargs)


def test_story_lists_in_order_are_checked_not_sorted_and_others_are_sorted():
    """site_extras gives every story list the total newest-first order; lists already in it
    (pelicanconf's ARTICLE_ORDER_BY is that order) are checked against the story list's
    order instead of sorted again (~19,000 lists at 20,000 stories); a list out of order, or
    holding a story the list does not, is sorted as before."""
    from types import SimpleNamespace

    from plugins.site_extras.site_extras import stable_story_order

    days = [SafeDatetime(2024, 1, 1 + i % 3) for i in range(6)]
    made = [SimpleNamespace(slug=f"s{i}", date=days[i]) for i in range(6)]
    order = sorted(made, key=lambda s: s.slug)
    order.sort(key=lambda s: s.date, reverse=True)  # newest first, same day by slug
    stray = SimpleNamespace(slug="t", date=days[0])  # (a translation: not in the list)
    in_order = _CountedSorts(order[1:4])
    shuffled = _CountedSorts([order[3], order[0], order[2]])
    with_stray = _CountedSorts([order[0], stray])
    generator = SimpleNamespace(
        settings={"ARTICLE_ORDER_BY": "custom"},
        articles=list(order),
        dates=_CountedSorts(order),
        context={"period_archives": {"day": [{"dates": in_order, "articles": shuffled}],
                                     "month": [{"dates": with_stray, "articles": []}]}},
    )
    _CountedSorts.sorts = 0
    stable_story_order(generator)
    assert list(shuffled) == [order[0], order[2], order[3]]
    assert list(in_order) == order[1:4] and list(generator.dates) == order
    assert list(with_stray) == [order[0], stray]  # (sorted: see the count)
    assert _CountedSorts.sorts == 4  # two sorts each for the two lists out of order
