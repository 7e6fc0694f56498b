"""Parallel rendering (plugins/render_pool): the pages rendered by forked workers are the
pages Pelican's own Writer renders, byte for byte, and a failing page fails the build."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, build_site

SETTINGS = """\
import sys
sys.path.insert(0, {code!r})
from pelicanconf import *  # noqa: F403

PLUGIN_PATHS = [{plugins!r}]
THEME = {theme!r}
PAGEFIND_ENABLED = False
CACHE_PATH = {cache!r}
PHOTOS_CACHE = {cache!r} + "/images"
{extra}
"""


def snapshot_code(folder: Path) -> Path:
    """A copy of the project's code (settings, plugins, the newsarchive package), so every
    build of a test runs the same code even while the working tree is being edited: the
    render key covers the code, and a change between two builds renders everything."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "plugins", folder / "plugins", ignore=ignore)
    shutil.copytree(ROOT / "newsarchive", folder / "newsarchive", ignore=ignore)
    shutil.copy2(ROOT / "pelicanconf.py", folder / "pelicanconf.py")
    return folder


def write_settings(
    folder: Path, cache: Path, code: Path, theme: Path = ROOT / "theme", **settings
) -> Path:
    """A settings file: pelicanconf.py from the code snapshot with absolute paths, its own
    cache folder (so builds never share caches), Pagefind off, and the given overrides."""
    extra = "\n".join(f"{key} = {value!r}" for key, value in settings.items())
    path = (
        folder
        / f"settings-{hashlib.sha256(extra.encode() + str(cache).encode()).hexdigest()[:8]}.py"
    )
    path.write_text(
        SETTINGS.format(
            code=str(code),
            plugins=str(code / "plugins"),
            theme=str(theme),
            cache=str(cache),
            extra=extra,
        ),
        encoding="utf-8",
    )
    return path


def build(
    content: Path, output: Path, settings: Path, check: bool = True, args: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    code = settings.read_text(encoding="utf-8").split("sys.path.insert(0, ", 1)[1].split(")")[0]
    # PYTHONPATH: the snapshot's newsarchive package, not the working tree's.
    env = {**os.environ, "PYTHONPATH": code.strip("'\"")}
    return build_site(content, output, settings, check=check, env=env, args=args)


def tree(root: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file under root."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def differences(a: Path, b: Path) -> list[str]:
    left, right = tree(a), tree(b)
    return sorted(name for name in left.keys() | right.keys() if left.get(name) != right.get(name))


def last_build(cache: Path) -> dict:
    """The render_pool manifest's statistics of the last build that used this cache."""
    (manifest,) = (cache / "render_pool").glob("*.json")
    return json.loads(manifest.read_text(encoding="utf-8"))["last_build"]


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("content") / "content"
    shutil.copytree(ROOT / "content", folder)
    return folder


@pytest.fixture(scope="module")
def code(tmp_path_factory) -> Path:
    return snapshot_code(tmp_path_factory.mktemp("code"))


def test_parallel_equals_serial_and_plain_pelican(content, code, tmp_path):
    """RENDER_JOBS=2 (forked workers), RENDER_JOBS=1 (in process) and Pelican's own Writer
    (plugin off) write the same files, byte for byte."""
    outputs = {}
    for label, overrides in {
        "parallel": {"RENDER_JOBS": 2},
        "serial": {"RENDER_JOBS": 1},
    }.items():
        cache = tmp_path / f"cache-{label}"
        settings = write_settings(tmp_path, cache, code, **overrides)
        build(content, tmp_path / label, settings)
        outputs[label] = tmp_path / label
        stats = last_build(cache)
        assert stats["skipped"] == 0 and stats["rendered"] == stats["pages"] > 100
        assert stats["workers"] == overrides["RENDER_JOBS"], stats
        assert stats["volatile"] == 0, stats
    plain = write_settings(tmp_path, tmp_path / "cache-plain", code)
    with plain.open("a", encoding="utf-8") as handle:
        handle.write('PLUGINS = [p for p in PLUGINS if p != "render_pool"]\n')
    build(content, tmp_path / "plain", plain)
    assert tree(outputs["parallel"]), "nothing was built"
    assert differences(outputs["parallel"], outputs["serial"]) == []
    assert differences(outputs["parallel"], tmp_path / "plain") == []
    assert not list((tmp_path / "parallel").rglob("*.tmp")), "temporary files left behind"


def test_a_failing_page_fails_the_build_naming_it(content, code, tmp_path):
    """A template error in a worker stops the build with the page's name."""
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    term = theme / "templates" / "term.html"
    term.write_text(
        term.read_text(encoding="utf-8").replace(
            "{% block content %}", "{% block content %}{{ term.count / 0 }}", 1
        ),
        encoding="utf-8",
    )
    settings = write_settings(tmp_path, tmp_path / "cache", code, theme=theme, RENDER_JOBS=2)
    result = build(content, tmp_path / "out", settings, check=False)
    assert result.returncode != 0
    log = result.stdout + result.stderr
    assert "ZeroDivisionError" in log
    assert "/index.html" in log and "term.html" in log


@pytest.mark.parametrize(
    "setting, value",
    [("RENDER_JOBS", 0), ("READ_JOBS", 0), ("READ_JOBS", "2"), ("READ_PARALLEL_MIN_FILES", -1)],
)
def test_bad_setting_stops_the_build(content, code, tmp_path, setting, value):
    settings = write_settings(tmp_path, tmp_path / "cache", code, **{setting: value})
    result = build(content, tmp_path / "out", settings, check=False)
    assert result.returncode != 0
    assert f"{setting} must be an integer" in result.stdout + result.stderr


def writer_module():
    """plugins/render_pool/writer.py, imported as Pelican imports it (from the plugins folder)."""
    import sys

    if str(ROOT / "plugins") not in sys.path:
        sys.path.insert(0, str(ROOT / "plugins"))
    from render_pool import writer

    return writer


def bare_writer(output: Path, cache: Path, **settings):
    """A RenderPoolWriter outside Pelican, with the few settings it reads."""
    defaults = {
        "RELATIVE_URLS": True,
        "PAGINATED_TEMPLATES": {},
        "DEFAULT_PAGINATION": 10,
        "CACHE_PATH": str(cache),
        "RENDER_JOBS": 2,
        "FEED_MAX_ITEMS": 10,
    }
    return writer_module().RenderPoolWriter(str(output), settings={**defaults, **settings})


def test_writes_after_the_flush_render_at_once(tmp_path):
    """A plugin writing through the writer at `finalized` gets its page written."""
    from jinja2 import Environment

    writer = bare_writer(tmp_path / "out", tmp_path / "cache")
    template = Environment().from_string("{{ SITEURL }}|{{ word }}")
    template.name = "inline.html"
    writer.write_file("a/b/index.html", template, {"localsiteurl": ""}, True, word="before")
    assert not (tmp_path / "out" / "a/b/index.html").exists()  # recorded, not rendered
    writer.flush()
    assert (tmp_path / "out" / "a/b/index.html").read_text() == "../..|before"
    writer.write_file("late.html", template, {"localsiteurl": ""}, True, word="after")
    assert (tmp_path / "out" / "late.html").read_text() == ".|after"


def test_parallel_reading_equals_serial_reading(content, code, tmp_path):
    """Stories read by forked workers (plugins/fast_reading/parallel_reading.py) give the
    same site as Pelican's one-at-a-time loop; a file that cannot be read is reported once,
    by the main process, as without the workers; what is read is kept either way."""
    broken = content.parent / "broken-content"
    shutil.copytree(content, broken)
    (broken / "articles" / "zz-broken.md").write_text(
        "Title: Broken date\nDate: not a date at all\n\nBody.\n", encoding="utf-8"
    )
    outputs, logs = {}, {}
    for label, jobs in {"parallel": 2, "serial": 1}.items():
        cache = tmp_path / f"cache-{label}"
        settings = write_settings(
            tmp_path, cache, code, READ_JOBS=jobs, READ_PARALLEL_MIN_FILES=1, RENDER_JOBS=1
        )
        result = build(broken, tmp_path / label, settings, check=False, args=("-v",))
        outputs[label] = tmp_path / label
        logs[label] = result.stdout + result.stderr
        # kept for the next build: the stories, in fast_reading's snapshot, which stands in
        # for Pelican's reader-level content cache (not written while it does)
        assert (cache / "story-snapshot.pickle").is_file()
        assert not list(cache.glob("ArticlesGenerator*"))
    assert "read in 2 processes" in logs["parallel"]
    assert "read in" not in logs["serial"]
    for log in logs.values():
        assert log.count("zz-broken.md") == 1, log
    assert tree(outputs["parallel"]), "nothing was built"
    assert differences(outputs["parallel"], outputs["serial"]) == []


def test_the_content_cache_is_written_only_when_it_changed(content, code, tmp_path):
    """Pelican rewrites its whole content cache after every build; render_pool writes it
    only when a file was read into it. The site is the same either way. (With the story
    snapshot on, the default, Pelican's reader-level cache is not used at all.)"""
    story = content.parent / "cache-content"
    shutil.copytree(content, story)
    cache = tmp_path / "cache"
    settings = write_settings(tmp_path, cache, code, RENDER_JOBS=1, READ_SNAPSHOT=False)
    build(story, tmp_path / "out", settings)
    saved = cache / "ArticlesGenerator-Readers"
    first = saved.stat().st_mtime_ns
    build(story, tmp_path / "out", settings)
    assert saved.stat().st_mtime_ns == first, "a build that read nothing rewrote the cache"
    edited = sorted((story / "articles").rglob("*.md"))[0]
    edited.write_text(
        edited.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8"
    )
    build(story, tmp_path / "out", settings)
    assert saved.stat().st_mtime_ns != first, "a build that read a file did not save it"
    # A deleted story leaves the cache with the next save (Pelican kept it for good).
    deleted = sorted((story / "articles").rglob("*.md"))[-1]
    assert str(deleted) in cached_paths(saved)
    deleted.unlink()
    before = saved.stat().st_mtime_ns
    build(story, tmp_path / "out", settings)
    assert saved.stat().st_mtime_ns != before, "the stale entry was not dropped"
    held = cached_paths(saved)
    assert str(deleted) not in held
    assert held == {str(p) for p in (story / "articles").rglob("*.md")}
    build(story, tmp_path / "clean", write_settings(tmp_path, tmp_path / "c2", code))
    assert differences(tmp_path / "out", tmp_path / "clean") == []


def cached_paths(saved: Path) -> set[str]:
    """The content files a saved Pelican content cache holds."""
    import gzip
    import pickle

    data = saved.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return set(pickle.loads(data))  # our own test's cache file


def test_related_stories_worked_out_in_the_background_are_the_same(code, tmp_path, monkeypatch):
    """RELATED_STORIES_BACKGROUND: the lists computed in a forked process while the build goes
    on are the ones computed in the build process, page for page, with either writer."""
    from benchmarks import synth

    content = tmp_path / "content"
    synth.write_corpus(content, 60, seed=3, mode="markdown")
    scratch = tmp_path / "tmp"  # the builds' temporary files: none may be left
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setenv("COLUMNS", "400")  # one log record a line
    outputs = {}
    for label, overrides in {
        "background": {"RELATED_STORIES_BACKGROUND": True},
        "foreground": {"RELATED_STORIES_BACKGROUND": False},
        "background-plain-writer": {"RELATED_STORIES_BACKGROUND": True},
    }.items():
        settings = write_settings(tmp_path, tmp_path / f"cache-{label}", code, **overrides)
        if label.endswith("plain-writer"):
            with settings.open("a", encoding="utf-8") as handle:
                handle.write('PLUGINS = [p for p in PLUGINS if p != "render_pool"]\n')
        done = build(content, tmp_path / label, settings, args=("-v",))
        where = "in the background" if overrides["RELATED_STORIES_BACKGROUND"] else "in process"
        assert f"related stories: linked 60 articles ({where})" in done.stdout + done.stderr
        outputs[label] = tmp_path / label
    pages = [p for p in tree(outputs["background"]) if p.count("/") == 4]  # YYYY/MM/DD/slug/
    assert len(pages) == 60
    related = 0
    for page in pages:
        html = (outputs["background"] / page).read_text(encoding="utf-8")
        related += "data-related" in html
    assert related > 30, "hardly any page lists related stories: nothing was compared"
    assert differences(outputs["background"], outputs["foreground"]) == []
    assert differences(outputs["background"], outputs["background-plain-writer"]) == []
    assert list(scratch.iterdir()) == []


def test_related_stories_started_from_the_files_read_are_the_same(code, tmp_path, monkeypatch):
    """With every story file read by fast_reading's workers, the related lists are started
    from the files, before Pelican makes the stories, and used only if every story Pelican
    made has the fields worked out from its file: the pages are the ones of a build that
    works them out from the stories, and a story Pelican leaves out of the article list (a
    hidden one) has the lists worked out again."""
    from benchmarks import synth

    content = tmp_path / "content"
    synth.write_corpus(content, 60, seed=5, mode="markdown")
    monkeypatch.setenv("COLUMNS", "400")  # one log record a line
    early = {"READ_PARALLEL_MIN_FILES": 1, "READ_JOBS": 2}  # the workers read every file

    def run(label: str, **overrides) -> tuple[Path, str]:
        settings = write_settings(tmp_path, tmp_path / f"cache-{label}", code, **overrides)
        done = build(content, tmp_path / label, settings, args=("-v",))
        return tmp_path / label, done.stdout + done.stderr

    started, log = run("early", RELATED_STORIES_BACKGROUND=True, **early)
    assert "related stories: started from the files read, before the stories" in log
    assert "related stories: linked 60 articles (in the background)" in log
    made, log = run("made", RELATED_STORIES_BACKGROUND=False, **early)
    assert "started from the files read" not in log
    pages = [p for p in tree(started) if p.count("/") == 4]  # YYYY/MM/DD/slug/
    assert sum("data-related" in (started / p).read_text(encoding="utf-8") for p in pages) > 30
    assert differences(started, made) == []

    hidden = next(iter(sorted((content / "articles").rglob("*.md"))))
    text = hidden.read_text(encoding="utf-8")
    hidden.write_text(text.replace("\nSlug: ", "\nStatus: hidden\nSlug: ", 1), encoding="utf-8")
    again, log = run("hidden-early", RELATED_STORIES_BACKGROUND=True, **early)
    assert "related stories: worked out again from the stories (59 stories to link, 60 files" in log
    assert "related stories: linked 59 articles (in the background)" in log
    made, log = run("hidden-made", RELATED_STORIES_BACKGROUND=False, **early)
    assert differences(again, made) == []
    assert list((tmp_path / "cache-hidden-early").rglob("*.tmp")) == []  # the stopped one's
