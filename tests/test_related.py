"""Related stories: the pure ranking (no Pelican) and a real tiny Pelican build."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from newsarchive.related import RelatedInput, RelatedInputError, related
from newsarchive.related_terms import CACHE_NAME, load_cache

ROOT = Path(__file__).resolve().parent.parent

WHEAT = "wheat harvest grain farmers tonnes export crop drought prices"
BANK = "central bank interest rate inflation yen monetary policy governor"
FOOTBALL = "football club league match goal striker coach season stadium"


def story(ident: str, words: str, day: int = 1, extra: str = "", **fields) -> RelatedInput:
    text = f"{words} {extra} " * 3
    return RelatedInput(ident, f"{ident} {words.split()[0]}", text, dt.date(2020, 1, day),
                        **fields)


def archive() -> list[RelatedInput]:
    return [
        story("w1", WHEAT, 1, "italy rain"), story("w2", WHEAT, 2, "france rain"),
        story("w3", WHEAT, 3, "spain sun"), story("b1", BANK, 1, "japan"),
        story("b2", BANK, 4, "japan tokyo"), story("b3", BANK, 9, "korea"),
        story("f1", FOOTBALL, 2, "milan"), story("f2", FOOTBALL, 5, "turin"),
    ]


def ids(lists, key):
    return [link.id for link in lists[key]]


def test_topical_neighbours_first_and_never_itself():
    lists = related(archive(), 5)
    assert set(ids(lists, "w1")[:2]) == {"w2", "w3"}
    assert set(ids(lists, "b2")[:2]) == {"b1", "b3"}
    for key, links in lists.items():
        assert key not in [link.id for link in links]
        assert len({link.id for link in links}) == len(links)


def test_near_duplicate_wire_copy_is_suppressed():
    copy = RelatedInput("w1-copy", "w1 wheat", story("w1", WHEAT, 1, "italy rain").text + " x",
                        dt.date(2020, 1, 1))
    lists = related([*archive(), copy], 5)
    assert "w1-copy" not in ids(lists, "w1")
    assert "w1" not in ids(lists, "w1-copy")
    assert "w2" in ids(lists, "w1-copy")


def test_deterministic_whatever_the_input_order(tmp_path):
    stories = archive()
    first = related(stories, 5)
    assert related(list(reversed(stories)), 5) == first
    assert related(stories, 5, cache_dir=tmp_path) == first
    assert related(stories[::2] + stories[1::2], 5, cache_dir=tmp_path) == first


def test_article_without_text_or_title():
    empty = RelatedInput("empty", "", "", None)
    lists = related([*archive(), empty], 5)
    assert lists["empty"] == []
    assert all("empty" not in ids(lists, key) for key in lists)


def test_k_larger_than_archive():
    lists = related(archive()[:3], 50)
    assert set(ids(lists, "w1")) == {"w2", "w3"}
    assert related([], 5) == {}
    assert related(archive(), 0) == {s.id: [] for s in archive()}


def test_duplicate_ids_are_refused():
    with pytest.raises(RelatedInputError):
        related([story("a", WHEAT), story("a", BANK)], 5)


def test_reasons_name_shared_topics_countries_and_terms():
    a = story("a", WHEAT, 1, "rain italy", topics=("agriculture",), countries=("IT", "FR"))
    b = story("b", WHEAT, 2, "sun spain", topics=("agriculture", "weather"), countries=("IT",))
    (link,) = related([a, b], 5)["a"]
    assert link.reasons[:2] == ("topic:agriculture", "country:IT")
    assert any(reason.startswith("term:") for reason in link.reasons)


def test_cache_keeps_only_current_stories_and_reuses_them(tmp_path):
    stories = archive()
    related(stories, 5, cache_dir=tmp_path)
    assert len(load_cache(tmp_path / CACHE_NAME).keys) == len(stories)
    changed = [*stories[:-1], story("f2", FOOTBALL, 5, "genoa")]
    assert related(changed, 5, cache_dir=tmp_path) == related(changed, 5)
    assert len(load_cache(tmp_path / CACHE_NAME).keys) == len(stories)
    (tmp_path / CACHE_NAME).write_bytes(b"not a cache")
    assert related(changed, 5, cache_dir=tmp_path) == related(changed, 5)


# --- a real tiny Pelican build -------------------------------------------------------------

STORIES = {
    "wheat-italy": ("Italy wheat harvest shrinks after drought", "agriculture", "IT", WHEAT),
    "wheat-france": ("France wheat exports fall as drought bites", "agriculture", "FR", WHEAT),
    "wheat-spain": ("Spain grain farmers count drought losses", "agriculture", "ES", WHEAT),
    "bank-japan": ("Bank of Japan holds interest rate", "economy", "JP", BANK),
    "bank-korea": ("Korea central bank raises rate on inflation", "economy", "KR", BANK),
    "bank-euro": ("Euro central bank governor warns on inflation", "economy", "DE", BANK),
    "football-milan": ("Milan football club wins derby match", "sport", "IT", FOOTBALL),
    "football-turin": ("Turin striker scores twice in league match", "sport", "IT", FOOTBALL),
}


def write_content(folder: Path) -> None:
    folder.mkdir()
    for day, (slug, (title, topic, country, words)) in enumerate(sorted(STORIES.items()), 1):
        body = "\n\n".join(f"{title}. " + " ".join(words.split()[i:] + words.split()[:i])
                           for i in range(4))
        (folder / f"{slug}.md").write_text(
            f"Title: {title}\nDate: 2021-05-{day:02d} 10:00\nSlug: {slug}\nSource: Wire <b>&</b>\n"
            f"Topics: {topic}\nCountries: {country}\nSummary: {title}\n\n{body}\n",
            encoding="utf-8",
        )


def minimal_theme(folder: Path) -> Path:
    """Pelican's simple theme, with an article page that includes the repo's partial."""
    import pelican

    simple = Path(pelican.__file__).parent / "themes" / "simple" / "templates"
    shutil.copytree(simple, folder / "templates")
    (folder / "templates" / "partials").mkdir()
    shutil.copy(ROOT / "theme/templates/partials/related.html", folder / "templates/partials")
    (folder / "templates" / "article.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>{{ article.title }}</h1>'
        '{{ article.content }}{% include "partials/related.html" %}{% endblock %}',
        encoding="utf-8",
    )
    return folder


def build(tmp_path: Path, **override) -> Path:
    from pelican import Pelican
    from pelican.settings import read_settings

    write_content(tmp_path / "content")
    out = tmp_path / "output"
    settings = read_settings(path=None, override={
        "PATH": str(tmp_path / "content"), "OUTPUT_PATH": str(out),
        "CACHE_PATH": str(tmp_path / "cache"), "THEME": str(minimal_theme(tmp_path / "theme")),
        "PLUGIN_PATHS": [str(ROOT / "plugins")], "PLUGINS": ["related_stories"],
        "JINJA_ENVIRONMENT": {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True},
        "ARTICLE_URL": "{slug}/", "ARTICLE_SAVE_AS": "{slug}/index.html",
        "SITEURL": "", "TIMEZONE": "UTC", "DEFAULT_LANG": "en", "FEED_ALL_ATOM": None,
        "CATEGORY_FEED_ATOM": None, "LOAD_CONTENT_CACHE": False, **override,
    })
    Pelican(settings).run()
    return out


def test_built_article_page_lists_related_stories(tmp_path):
    out = build(tmp_path)
    page = lxml_html.fromstring((out / "wheat-italy/index.html").read_bytes())
    (aside,) = page.xpath("//*[@data-related]")
    assert aside.get("data-pagefind-ignore") is not None
    hrefs = aside.xpath(".//a/@href")
    assert set(hrefs[:2]) == {"/wheat-france/", "/wheat-spain/"}
    assert "/wheat-italy/" not in hrefs
    assert "agriculture" in aside.xpath(".//a/@title")[0]
    assert aside.xpath(".//time")  # its datetime (``date_iso``) comes from site_extras
    source_html = lxml_html.tostring(aside, encoding="unicode")
    assert "<b>" not in source_html  # untrusted metadata stays escaped
    assert (tmp_path / "cache" / "related" / CACHE_NAME).exists()


@pytest.mark.parametrize("bad", [-1, "5", True])
def test_wrong_setting_stops_the_build(tmp_path, bad):
    # Pelican imports the plugin from PLUGIN_PATHS, so the class is matched by name.
    with pytest.raises(Exception, match="RELATED_STORIES_MAX") as error:
        build(tmp_path, RELATED_STORIES_MAX=bad)
    assert type(error.value).__name__ == "RelatedStoriesError"


def test_reasons_read_as_names_without_repeats():
    from plugins.related_stories.related_stories import readable_reasons

    codes = ("country:KE", "topic:politics", "term:kenya", "term:drought")
    assert readable_reasons(codes) == ["Kenya", "Politics", "“drought”"]
    # The shared part is worked out once per distinct set; other orders take the general
    # way, with the same rule (a key term repeating a shared label is dropped anywhere).
    assert readable_reasons(("country:KE", "term:rain")) == ["Kenya", "“rain”"]
    assert readable_reasons(("term:kenya", "country:KE", "term:Rain")) == ["Kenya", "“Rain”"]
    assert readable_reasons(("term:kenya",)) == ["“kenya”"]
    assert readable_reasons(()) == []
    first = readable_reasons(codes)
    first.append("mutated")  # each link gets its own list
    assert readable_reasons(codes) == ["Kenya", "Politics", "“drought”"]


def varied_archive(count: int) -> list[RelatedInput]:
    """``count`` stories mixing the three vocabularies, so the lists have real ties to break."""
    words = [WHEAT.split(), BANK.split(), FOOTBALL.split()]
    stories = []
    for i in range(count):
        main, other = words[i % 3], words[(i // 3) % 3]
        body = " ".join(main[j % 9] + " " + other[(i + j) % 9] for j in range(i % 7 + 5))
        stories.append(RelatedInput(f"s{i:03d}", f"{main[i % 9]} {other[i % 5]}", body,
                                    dt.date(2020, 1 + i % 12, 1 + i % 28),
                                    topics=(f"t{i % 4}",), countries=(("IT", "FR")[i % 2],)))
    return stories


def test_parallel_counting_and_search_match_serial_byte_for_byte(monkeypatch, tmp_path):
    from newsarchive import related_terms, related_vectors
    from newsarchive.related import RelatedOptions

    pools = []

    class CountingPool(related_terms.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(self)
            super().__init__(*args, **kwargs)

    stories = varied_archive(300)
    monkeypatch.setattr(related_terms, "PARALLEL_MIN_STORIES", 10)
    monkeypatch.setattr(related_terms, "CHUNK_STORIES", 37)
    monkeypatch.setattr(related_terms, "ProcessPoolExecutor", CountingPool)
    monkeypatch.setattr(related_vectors, "PAIR_BLOCK", 500)  # several blocks per pair_dot
    # Earlier tests in the same session may leave idle threads (HTTP servers, Playwright),
    # which make count_terms refuse to fork; none of them runs during this test.
    monkeypatch.setattr(related_terms.threading, "active_count", lambda: 1)
    titles, texts = [s.title for s in stories], [s.text for s in stories]
    serial = related_terms.count_terms(titles, texts, workers=1)
    parallel = related_terms.count_terms(titles, texts, workers=2)
    assert len(pools) == 1  # the parallel path really ran
    for field in ("keys", "terms"):
        assert getattr(parallel, field).tolist() == getattr(serial, field).tolist()
    for field in ("data", "indices", "indptr"):
        assert getattr(parallel.counts, field).tobytes() == getattr(serial.counts, field).tobytes()
    one = related(stories, 5, options=RelatedOptions(workers=1))
    two = related(stories, 5, options=RelatedOptions(workers=2))
    assert repr(two) == repr(one)
    assert repr(related(stories, 5, cache_dir=tmp_path)) == repr(one)


def fake_articles() -> list:
    """Objects with what the plugin reads of a Pelican article."""
    from types import SimpleNamespace

    return [
        SimpleNamespace(url=f"{s.id}/", title=s.title, _content=f"<p>{s.text}</p>", date=s.date,
                        metadata={})
        for s in archive()
    ]


def background_settings(tmp_path: Path) -> dict:
    return {"RELATED_STORIES_MAX": 3, "RELATED_STORIES_MIN_SCORE": 0.0,
            "RELATED_STORIES_CACHE": str(tmp_path / "related")}


def test_a_failed_background_process_is_replaced_by_the_build_process(tmp_path, caplog):
    """The child dies without a word: the parent says so and computes the same lists itself."""
    import os

    from plugins.related_stories import related_stories as plugin

    settings = background_settings(tmp_path)
    expected = plugin.compute_links(fake_articles(), settings)
    assert any(expected), "nothing to compare"
    pid = os.fork()
    if pid == 0:
        os._exit(3)
    articles = fake_articles()
    job = plugin._Background(articles, settings, pid, str(tmp_path / "never-written.pickle"))
    plugin._pending.append(job)
    plugin.finish_pending()
    assert "background process failed" in caplog.text and "exit status" in caplog.text
    got = [[(articles.index(o), s, r) for o, s, r in a.related_stories] for a in articles]
    assert got == expected
    assert plugin._pending == []


def test_background_lists_arrive_with_the_childs_log_records(tmp_path, caplog):
    import logging

    from plugins.related_stories import related_stories as plugin

    caplog.set_level(logging.INFO)
    settings = background_settings(tmp_path)
    articles = fake_articles()
    job = plugin._start(articles, settings)
    assert job is not None and job.pid > 0
    plugin.finish_pending()
    assert not Path(job.path).exists()
    assert "linked 8 articles (in the background)" in caplog.text
    # the child's own records (the word counter's), logged by the parent under their origin
    assert any(r.name.startswith("newsarchive.") for r in caplog.records), caplog.text
    expected = plugin.compute_links(fake_articles(), settings)
    assert [[(articles.index(o), s, r) for o, s, r in a.related_stories] for a in articles] == (
        expected
    )


def test_a_childs_record_the_parent_has_shown_already_is_dropped_not_raised(tmp_path):
    """Pelican's logger drops a repeated message by raising FilteredMessage from its filter;
    a record relayed from the background process that the parent has shown already (both
    logged it after the fork, as with ``pelican -D``) must not stop the build."""
    import logging
    import os
    import pickle

    from pelican.log import FatalLogger

    from plugins.related_stories import related_stories as plugin

    previous = logging.getLoggerClass()
    logging.setLoggerClass(FatalLogger)
    try:
        logger = logging.getLogger(f"newsarchive.relay_test_{os.getpid()}_{tmp_path.name}")
    finally:
        logging.setLoggerClass(previous)
    assert isinstance(logger, FatalLogger)
    words = f"the same words, logged twice ({tmp_path.name})"
    logger.warning(words)  # the parent, after the fork
    child_record = logger.makeRecord(logger.name, logging.WARNING, __file__, 1, words, (), None)
    fields = dict(vars(child_record), msg=child_record.getMessage(), args=None)
    settings = background_settings(tmp_path)
    articles = fake_articles()
    expected = plugin.compute_links(fake_articles(), settings)
    path = tmp_path / "outcome.pickle"
    path.write_bytes(pickle.dumps({"linked": expected, "logs": [fields]}))
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    plugin._pending.append(plugin._Background(articles, settings, pid, str(path)))
    plugin.finish_pending()  # raised FilteredMessage before the fix
    assert plugin._pending == []
    assert [[(articles.index(o), s, r) for o, s, r in a.related_stories] for a in articles] == (
        expected
    )


def test_a_failed_build_stops_the_related_stories_process_instead_of_waiting(tmp_path):
    """At exit with lists still being worked out (the build failed or was interrupted before
    they were needed), the process is stopped, not waited for, and what it was writing in
    the cache folder is removed."""
    import os
    import time

    from plugins.related_stories import related_stories as plugin

    cache, finished = tmp_path / "related", tmp_path / "finished"
    cache.mkdir()
    writing = cache / "neighbours-v1.npz.4242.tmp"

    def work():
        writing.write_bytes(b"half a cache file")  # an atomic write under way
        time.sleep(5)
        finished.write_text("the lists were worked out", encoding="utf-8")
        return []

    job = plugin._start([], {"RELATED_STORIES_CACHE": str(cache)}, work)
    for _ in range(200):  # until the process is under way
        if writing.exists():
            break
        time.sleep(0.05)
    assert writing.exists()
    plugin._abandon()
    assert not finished.exists()  # stopped, not waited for
    assert list(cache.iterdir()) == []
    assert not Path(job.path).exists()
    assert plugin._pending == []
    with pytest.raises(ChildProcessError):  # reaped
        os.waitpid(job.pid, os.WNOHANG)
