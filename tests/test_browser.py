"""The reader's archive in a real browser: Debian's Chromium driven by Playwright.

The photographed sample archive (tests/browser_support.py) is served on 127.0.0.1 and every
page type is opened at desktop and phone width with the site's Content Security Policy in
force: no console error, no CSP violation, no failed request; screenshots are saved to
output-artifacts/screenshots/. Search is exercised as a reader would: words, a country filter,
the date order, the keyboard, a click through to the story. axe-core audits the main pages.
Skipped with a message when /usr/bin/chromium (or Playwright) is not installed.
"""

from __future__ import annotations

import itertools
import json
import shutil
import sys
from unittest import mock

import pytest

from tests.browser_support import (
    PageProblems,
    launch_chromium,
    reader_site,
    require_chromium,
    screenshot,
    serve,
)
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "plugins"))
from pagefind_index import deterministic, shards

from tests.test_pagefind_shards import chunk_words, shard_meta

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install playwright)"
).expect

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ARTICLE = "2018/09/23/hamburg-voters-back-return-of-the-tram-in-close-referendum/"
CAPTION_ONLY = (
    "2016/08/23/a-powerful-typhoon-lashed-japan-s-southern-okinawa-islands-on-tuesday-injuring/"
)
PAGES = {
    "home": "",
    "article": ARTICLE,
    "article-caption-only": CAPTION_ONLY,
    "topic": "topics/politics/",
    "topics": "topics/",
    "country": "countries/kenya/",
    "countries": "countries/",
    "source": "sources/reuters/",
    "archives": "archives/",
    "year": "2017/",
    "month": "2017/03/",
    "day": "2018/09/23/",
    "photos": "photos/",
    "photo": None,  # found from the article page
    "search": "search/?q=drought",
    "not-found": "no/such/page/",
}
AUDITED = ("home", "article", "topic", "country", "year", "search", "photos")


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    require_chromium()
    site = reader_site(tmp_path_factory) / "dev"
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser(site_url):
    with launch_chromium() as browser:
        yield browser


def open_page(browser, url, viewport=DESKTOP, **options):
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    problems = PageProblems(page)
    return context, page, problems


def wait_for_search(page):
    # Locator assertions, not wait_for_function: its polling would need eval, which the
    # site's Content Security Policy forbids.
    page.wait_for_selector("#search-form[data-ready='true']", timeout=15_000)
    expect(page.locator("#search-status")).to_contain_text("found", timeout=15_000)


_PHOTO: dict[str, str] = {}


def photo_page(site_url, browser):
    if site_url in _PHOTO:
        return _PHOTO[site_url]
    context, page, _ = open_page(browser, site_url)
    page.goto(site_url + ARTICLE)
    href = page.get_attribute(".lead-photo a.photo-link", "href")
    url = _PHOTO[site_url] = page.evaluate("h => new URL(h, location.href).href", href)
    context.close()
    return url


def page_url(site_url, browser, name):
    return photo_page(site_url, browser) if name == "photo" else site_url + PAGES[name]


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_type_renders_cleanly(site_url, browser, name, width):
    context, page, problems = open_page(browser, site_url, DESKTOP if width == "desktop" else PHONE)
    url = page_url(site_url, browser, name)
    if name == "not-found":
        # The stdlib server has no custom 404: open the page hosts serve for a missing path.
        page.goto(site_url + "404.html")
    else:
        response = page.goto(url)
        assert response.ok, url
    if name == "search":
        wait_for_search(page)
    page.wait_for_load_state("networkidle")
    assert page.locator("main h1").count() == 1
    assert page.evaluate(
        "document.querySelector('meta[http-equiv=Content-Security-Policy]') !== null"
    )
    screenshot(page, f"{name}-{width}")
    context.close()
    assert problems.errors == [], problems.errors


def test_images_are_responsive_and_lazy_below_the_fold(site_url, browser):
    context, page, problems = open_page(browser, site_url)
    page.goto(site_url + ARTICLE)
    page.wait_for_load_state("networkidle")
    lead = page.locator(".lead-photo img")
    assert lead.evaluate("img => img.complete && img.naturalWidth > 0")
    assert lead.evaluate("img => img.currentSrc").endswith(".webp")  # <picture> picks WebP
    assert page.locator(".more-photo img").first.get_attribute("loading") == "lazy"
    for img in page.locator("img").all():
        assert img.get_attribute("width") and img.get_attribute("height")
    context.close()
    assert problems.errors == []


def test_search_finds_filters_sorts_and_opens_a_story(site_url, browser):
    context, page, problems = open_page(browser, site_url)
    page.goto(site_url + "search/?q=drought")
    wait_for_search(page)
    titles = page.locator("#search-results h3 a").all_inner_texts()
    assert any("Kenya" in t or "parched" in t for t in titles), titles
    total = len(titles)
    assert "stor" in page.inner_text("#search-status")

    page.select_option("#filter-country", label=_option(page, "#filter-country", "Somalia"))
    expect(page.locator("#search-status")).to_contain_text("Somalia")
    narrowed = page.locator("#search-results li").count()
    assert 0 < narrowed < total
    assert "country=Somalia" in page.url

    page.select_option("#filter-country", "")
    page.select_option("#search-sort", "newest")
    expect(page.locator("#search-status")).to_contain_text("newest")
    newest = page.locator("#search-results time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert len(newest) > 1 and newest == sorted(newest, reverse=True)
    page.select_option("#search-sort", "oldest")
    expect(page.locator("#search-status")).to_contain_text("oldest")
    oldest = page.locator("#search-results time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert oldest == sorted(oldest) and oldest[0] < newest[0]

    first = page.locator("#search-results h3 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_load_state("domcontentloaded")
    assert page.inner_text("main h1") == title
    context.close()
    assert problems.errors == [], problems.errors


def _all_results(page):
    """Every result's link, in order, pressing "More" until all are shown."""
    while page.locator("#search-more").is_visible():
        count = page.locator("#search-results li").count()
        page.click("#search-more")
        expect(page.locator("#search-results li")).not_to_have_count(count)
    return page.locator("#search-results h3 a").evaluate_all("as => as.map(a => a.href)")


def test_search_date_order_is_url_order_across_shards(site_url, browser):
    """Newest/oldest: shard after shard, within a shard by page number (the index has no
    date sort any more). The order must stay the one Pagefind's `date` sort gave, which is
    URL order (/YYYY/MM/DD/slug/; tests/test_reproducible.py checks that against the CLI),
    same-day stories included: descending for newest, ascending for oldest."""
    context, page, problems = open_page(browser, site_url)
    orders = {}
    for sort in ("newest", "oldest"):
        page.goto(site_url + f"search/?q=the&sort={sort}")
        wait_for_search(page)
        expect(page.locator("#search-status")).to_contain_text(sort)
        orders[sort] = _all_results(page)
        total = int(page.inner_text("#search-status").split()[0].replace(",", ""))
        assert len(orders[sort]) == total
    newest, oldest = orders["newest"], orders["oldest"]
    years = {href.removeprefix(site_url).split("/")[0] for href in newest}
    assert len(newest) > 20 and len(years) >= 3  # many stories, several shards
    days = [href.removeprefix(site_url).rsplit("/", 2)[0] for href in newest]
    assert len(set(days)) < len(days)  # stories of the same day, ordered by slug
    assert newest == sorted(newest, reverse=True)
    assert oldest == sorted(newest)
    context.close()
    assert problems.errors == [], problems.errors


def _chunks(bundle):
    """Each shard's chunk list and the words of each chunk."""
    manifest = json.loads((bundle / "shards.json").read_text())
    for shard in manifest["shards"]:
        folder = bundle / shard["path"]
        words = chunk_words(folder, shard_meta(folder)[2])
        yield list(words.values())


def _found(page, url, term):
    page.goto(url + f"search/?q={term}")
    wait_for_search(page)
    expect(page.locator("#search-status")).to_contain_text(f"for “{term}”")
    return [href.removeprefix(url) for href in _all_results(page)]


def test_the_recut_word_index_finds_all_that_pagefinds_own_chunks_find(
    tmp_path_factory, site_url, browser
):
    """Our index cuts Pagefind's word chunks smaller (pagefind_index/deterministic.py). The
    same site indexed with Pagefind's own chunks, searched in chromium for the words on
    either side of each of our cuts and their prefixes of 3 characters or more, finds no
    story the re-cut index does not."""
    site = reader_site(tmp_path_factory) / "dev"
    plain = tmp_path_factory.mktemp("pagefind-chunks") / "dev"
    shutil.copytree(site, plain)
    with (
        mock.patch.object(deterministic, "_recut_word_index", lambda *args: None),
        mock.patch.object(shards, "FORMAT", -shards.FORMAT),  # every shard indexed again
    ):
        shards.build_shards(plain, jobs=1)
    ours, theirs = list(_chunks(site / "pagefind")), list(_chunks(plain / "pagefind"))
    assert sum(map(len, theirs)) < sum(map(len, ours))  # the baseline has Pagefind's cuts
    # The promise is for terms of 3+ characters: each word's first three, where a cut that
    # split a family would show, and the whole words.
    terms = set()
    for chunks in ours:
        for left, right in itertools.pairwise(chunks):
            terms.update(t for w in (left[-1], right[0]) for t in (w[:3], w) if len(t) >= 3)
    terms = sorted(t for t in terms if t.isalpha())
    terms = terms[:: max(1, len(terms) // 30)]
    assert len(terms) >= 12, terms
    context, page, problems = open_page(browser, site_url)
    found_any = 0
    with serve(plain) as plain_url:
        for term in terms:
            recut, native = _found(page, site_url, term), _found(page, plain_url, term)
            assert set(native) <= set(recut), (term, sorted(set(native) - set(recut)))
            found_any += bool(recut)
    context.close()
    assert found_any >= len(terms) // 2, (found_any, terms)
    assert problems.errors == [], problems.errors


def _option(page, select, starts):
    labels = page.locator(f"{select} option").all_inner_texts()
    return next(label for label in labels if label.startswith(starts))


def test_search_by_keyboard_from_the_header_box(site_url, browser):
    context, page, problems = open_page(browser, site_url)
    page.goto(site_url)
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.focus("#q")
    page.keyboard.type("tram")
    page.keyboard.press("Enter")
    wait_for_search(page)
    assert page.input_value("#search-q") == "tram"
    page.focus("#search-q")
    for _ in range(30):  # Tab through the controls to the first result
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#search-results') !== null"):
            break
    assert "tram" in page.evaluate("document.activeElement.textContent").lower()
    page.keyboard.press("Enter")
    page.wait_for_url("**/hamburg-voters-back-return-of-the-tram-in-close-referendum/")
    context.close()
    assert problems.errors == [], problems.errors


def test_search_without_javascript_says_what_to_do(site_url, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "search/")
    assert not page.locator("#search-form").is_visible()
    message = page.inner_text("main")
    assert "needs JavaScript" in message and "by year, month and day" in message
    screenshot(page, "search-no-js")
    context.close()


def test_content_security_policy_is_enforced(site_url, browser):
    context, page, problems = open_page(browser, site_url)
    page.goto(site_url + ARTICLE)
    blocked = page.evaluate(
        """() => new Promise(resolve => {
            window.__ran = false;
            document.addEventListener('securitypolicyviolation',
                e => resolve({ran: window.__ran, directive: e.violatedDirective}));
            const s = document.createElement('script');
            s.textContent = 'window.__ran = true';
            document.body.append(s);
        })"""
    )
    assert blocked == {"ran": False, "directive": "script-src-elem"}
    # The JSON-LD data block is in the DOM, parses, and caused no violation on load.
    data = page.evaluate(
        "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)"
    )
    assert data["@type"] == "NewsArticle"
    context.close()
    # The only problems are the two reports (console + event) of the one script we injected.
    assert len(problems.errors) == 2, problems.errors
    assert all(
        "inline script" in e or "CSP violation: script-src-elem inline" in e
        for e in problems.errors
    ), problems.errors


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", AUDITED)
def test_axe_finds_no_serious_or_critical_violations(site_url, browser, name, scheme):
    from axe_playwright_python.sync_playwright import Axe

    context, page, _ = open_page(browser, site_url, color_scheme=scheme)
    page.goto(page_url(site_url, browser, name))
    if name == "search":
        wait_for_search(page)
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    if scheme == "dark":
        screenshot(page, f"{name}-dark")
    context.close()
    assert bad == [], bad
