"""The offline edition: links to files, hosted canonical URLs, no requests, search from disk."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from newsarchive.offline import OfflineBuildError, build_offline_edition
from newsarchive.offline_links import PageReport, SitePage, local_url, rewrite_html
from newsarchive.offline_search import (
    classic_script,
    module_as_function_body,
    patch_pagefind_imports,
)
from tests.conftest import ROOT

HOSTED = "https://news.example.net"
CHROMIUM = Path("/usr/bin/chromium")
BRIDGE = "2018/03/14/harbour-bridge-plan-wins-council-vote-after-six-hour-debate/index.html"
ECUADOR = "ecuador-s-central-bank-kept-its-benchmark-rate-unchanged-on-thursday"


def make_offline(content: Path, output: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "scripts/make_offline.py"), "--content", str(content)]
    command += ["--output", str(output), "--site-url", HOSTED]
    return subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="session")
def edition(sample_site, tmp_path_factory) -> Path:
    """The offline edition of the project's fixtures, built once with the real CLI."""
    output = tmp_path_factory.mktemp("offline") / "archive"
    done = make_offline(sample_site / "content", output)
    assert "3 stories" in done.stdout
    return output


def pages(edition: Path) -> list[Path]:
    return sorted(edition.rglob("*.html"))


# --- The files ------------------------------------------------------------------------------


def test_every_internal_link_names_a_file_that_exists(edition):
    checked = 0
    for page in pages(edition):
        doc = lxml_html.fromstring(page.read_bytes())
        for element, attribute, url, _ in doc.iterlinks():
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//") or not parts.path:
                continue
            target = (page.parent / parts.path).resolve()
            where = f"{page.relative_to(edition)}: <{element.tag} {attribute}={url}>"
            assert target.is_file(), f"not a file: {where}"
            assert target.is_relative_to(edition.resolve()), f"leaves the edition: {where}"
            checked += 1
    assert checked > 300


_URL_ATTRIBUTES = ("href", "src", "action", "srcset", "poster", "data", "content")
_JS_ROOT_PATH = re.compile(r"[\"'`]/[\w.-]+/")
_ABSOLUTE = re.compile(r"https?://[^\s\"'`<)]+")
# Never requested: XML namespaces, Pagefind's URL-parsing base, translators' credits.
_NOT_REQUESTS = re.compile(r"https?://(www\.w3\.org/|example\.com|p$)|https://[\w./-]+>")


def html_problems(name: str, path: Path) -> list[str]:
    """Root-relative URLs anywhere; absolute URLs only on links, canonical and feed links."""
    problems = []
    for element in lxml_html.fromstring(path.read_bytes()).iter():
        rel = element.get("rel") or ""
        may_be_absolute = element.tag in ("a", "area") or "canonical" in rel or "alternate" in rel
        for attribute in _URL_ATTRIBUTES:
            value = (element.get(attribute) or "").strip()
            where = f"{name}: <{element.tag} {attribute}={value}>"
            if value.startswith("/"):
                problems.append(f"root-relative {where}")
            elif "://" in value and attribute != "content" and not may_be_absolute:
                problems.append(f"external {where}")
    return problems


def script_or_style_problems(name: str, path: Path) -> list[str]:
    text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
    if path.suffix == ".css":
        found = re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
        return [f"{name}: url({u})" for u in found if u.startswith("/") or "://" in u]
    problems = [f"{name}: {m.group(0)}" for m in _JS_ROOT_PATH.finditer(text)]
    external = [u for u in _ABSOLUTE.findall(text) if not _NOT_REQUESTS.match(u)]
    return problems + [f"{name}: {u}" for u in external]


def test_no_root_relative_or_external_urls_in_html_css_js(edition):
    problems = []
    for path in sorted(edition.rglob("*")):
        name = path.relative_to(edition).as_posix()
        if path.suffix == ".html":
            problems += html_problems(name, path)
        elif path.suffix in (".css", ".js") and "offline-data" not in name:
            problems += script_or_style_problems(name, path)
    assert problems == []


def test_canonical_and_og_url_name_the_hosted_page(edition):
    doc = lxml_html.fromstring((edition / BRIDGE).read_bytes())
    hosted = f"{HOSTED}/{BRIDGE.removesuffix('index.html')}"
    canonical = doc.xpath("//link[@rel='canonical']/@href")
    assert canonical == [hosted]
    assert doc.xpath("//meta[@property='og:url']/@content") in ([], [hosted])
    feed = (edition / "feeds/all.atom.xml").read_text(encoding="utf-8")
    assert f"{HOSTED}/2018/03/14/" in feed


def test_edition_carries_launcher_readme_and_description(edition):
    record = json.loads((edition / "edition.json").read_text(encoding="utf-8"))
    assert record["source"] == HOSTED
    assert (record["articles"], record["first_date"], record["last_date"]) == (
        3,
        "2017-07-06",
        "2019-02-05",
    )
    assert record["generator"]["pagefind"] and record["generator"]["pelican"]
    assert (edition / "README.txt").is_file()
    assert not (edition / "pagefind/pagefind.js").exists()  # the module cannot run from disk
    assert not list((edition / "pagefind").rglob("*.pf_index"))  # all as classic scripts


def test_serve_py_serves_the_edition_on_loopback_only(edition):
    process = subprocess.Popen(
        [sys.executable, str(edition / "serve.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        with urllib.request.urlopen(url + "index.html", timeout=10) as answer:
            assert b"<html" in answer.read()
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "127.0.0.1" in (edition / "serve.py").read_text(encoding="utf-8")


def test_same_content_gives_byte_identical_edition(sample_site, edition, tmp_path):
    again = tmp_path / "again"
    make_offline(sample_site / "content", again)
    first = {p.relative_to(edition): p.read_bytes() for p in edition.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    # The search data is exactly as reproducible as the Pagefind plugin's index (file names
    # and bytes of filters and metadata vary while the plugin runs the plain CLI).
    index = ("pagefind/offline-data/", "pagefind/pagefind-offline.js", "edition.json")

    def stable(files):
        return {name: data for name, data in files.items() if not str(name).startswith(index)}

    assert stable(first) == stable(second)
    assert len(first) == len(second)


def test_refuses_to_replace_a_folder_that_is_not_an_edition(sample_site, tmp_path):
    precious = tmp_path / "photos"
    precious.mkdir()
    (precious / "holiday.jpg").write_bytes(b"jpeg")
    with pytest.raises(OfflineBuildError, match="not an offline edition"):
        build_offline_edition(sample_site / "content", precious, ROOT / "pelicanconf.py", HOSTED)
    assert (precious / "holiday.jpg").read_bytes() == b"jpeg"


# --- The pieces -----------------------------------------------------------------------------


def site_page(path: str, files: set[str], folders: set[str]) -> SitePage:
    return SitePage(path, files.__contains__, folders.__contains__)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("../topics/x/", "../topics/x/index.html"),
        ("../topics/x", "../topics/x/index.html"),
        ("./", "index.html"),
        ("../", "../index.html"),
        ("/topics/x/?page=2#top", "../topics/x/index.html?page=2#top"),
        ("../theme/site.css", "../theme/site.css"),
        ("#main", "#main"),
        ("https://example.org/a/", "https://example.org/a/"),
        ("mailto:desk@example.org", "mailto:desk@example.org"),
    ],
)
def test_local_url_points_at_files(url, expected):
    files = {"index.html", "topics/x/index.html", "theme/site.css", "search/index.html"}
    page = site_page("search/index.html", files, {"", "topics", "topics/x", "theme", "search"})
    report = PageReport()
    assert local_url(url, page, report) == expected
    assert report.broken == []


def test_rewrite_html_edits_only_the_tags_it_must():
    source = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n'
        '<link rel="canonical" href="../a/">\n<link rel=stylesheet href="/s.css">\n</head>\n'
        "<body><p class=x>Caf&eacute; &amp; <b>bold</b></p><a href='../b/'>b</a>\n"
        '<img src="https://tracker.example/p.gif" alt="">\n'
        '<script type="module" src="../app.js"></script></body></html>\n'
    )
    files = {"a/index.html", "b/index.html", "s.css", "app.js"}
    page = site_page("a/index.html", files, {"", "a", "b"})
    text, report = rewrite_html(source, page, HOSTED, head_extra="<!--x-->")
    assert "<p class=x>Caf&eacute; &amp; <b>bold</b></p>" in text  # untouched bytes
    assert f'<link rel="canonical" href="{HOSTED}/a/">' in text
    assert '<link rel="stylesheet" href="../s.css">' in text
    assert '<a href="../b/index.html">' in text
    assert "tracker.example" not in text and report.dropped
    assert '<script src="../app.js" defer>' in text and report.modules == ["app.js"]
    assert "<!--x--></head>" in text


def test_pagefind_imports_ask_for_the_offline_runtime_first():
    code = 'p = await import(new URL("pagefind.js", bundle).href); q = import("./other.js");'
    patched = patch_pagefind_imports(code)
    assert (
        'await (window.__pagefindOffline||import(new URL("pagefind.js", bundle).href));' in patched
    )
    assert 'q = import("./other.js")' in patched
    assert patch_pagefind_imports(patched) == patched


def test_module_body_conversion_refuses_what_it_cannot_wrap():
    body = module_as_function_body("var a=import.meta.url;function f(){}export{f};")
    assert body.endswith("return {f};") and "__pagefindModuleUrl" in body
    with pytest.raises(OfflineBuildError):
        module_as_function_body('import{x}from"./y.js";export{x};')
    with pytest.raises(OfflineBuildError):
        classic_script('import { a } from "./a.js";\na();', "app.js")


# --- In a real browser, from file://, with no server ----------------------------------------


@pytest.fixture()
def browser_page():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); browser test skipped")
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync",
            ],
        )  # fmt: skip
        page = context.new_page()
        page.requests = []  # every request the pages make: all must be file://
        page.errors = []
        page.on("request", lambda request: page.requests.append(request.url))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        try:
            yield page
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


def follow(page, selector: str) -> str:
    """Click the first link matching ``selector``; the new page must be a file, not a folder."""
    with page.expect_navigation():
        page.locator(selector).first.click()
    path = urlsplit(page.url).path
    assert page.url.startswith("file://") and path.endswith(".html"), page.url
    assert "Index of" not in page.title() and not page.locator("#parentDirLinkBox").count()
    return path


def test_browse_and_search_from_disk_in_chromium(edition, browser_page):
    page = browser_page
    page.goto((edition / "index.html").as_uri())
    assert page.locator("h1").first.inner_text()

    follow(page, "main a[href*='harbour-bridge']")
    assert "Harbour bridge plan" in page.locator("h1").first.inner_text()
    follow(page, "main a[href*='topics/politics/']")
    assert "Politics" in page.locator("h1").first.inner_text()
    follow(page, "main a[href*='harbour-bridge']")
    follow(page, "main a[href*='countries/sweden/']")
    assert "Sweden" in page.locator("h1").first.inner_text()
    follow(page, "header a[href*='archives/']")
    follow(page, "main a[href$='2018/index.html']")
    follow(page, "main a[href='03/index.html']")
    assert page.locator(f"main a[href*='{BRIDGE.split('/')[3]}']").count()

    # The header's search box leads to the search page, which searches the index on disk.
    follow(page, "header a[href*='search/']")
    page.goto(page.url.split("?")[0] + "?q=central+bank")
    result = page.locator(f"main a[href*='{ECUADOR}']")
    result.first.wait_for(timeout=15_000)
    assert result.first.get_attribute("href").startswith("file://")

    # A filter, through the page's own control: "council" is in two stories, one from 2018.
    page.goto(page.url.split("?")[0] + "?q=council")
    page.locator("main a[href*='harbour-bridge']").first.wait_for(timeout=15_000)
    assert page.locator("main a[href*='council-publishes']").count() == 1
    page.select_option("select[data-filter='year']", "2018")
    page.locator("main a[href*='council-publishes']").wait_for(state="detached", timeout=15_000)
    # The list is emptied before the filtered results are drawn: wait for them.
    page.locator("main a[href*='harbour-bridge']").first.wait_for(timeout=15_000)
    assert page.locator("main a[href*='harbour-bridge']").count() == 1
    assert page.locator("main a[href*='council-publishes']").count() == 0

    # The same engine through the offline API that the search page uses: the shard manifest
    # and one Pagefind instance per year's shard, all read from disk.
    found = page.evaluate(
        """async () => {
            const pagefind = window.__pagefindOffline;
            const bundle = new URL("../pagefind/", document.baseURI);
            const shards = new URL("shards.json", bundle).href;
            const manifest = await (await pagefind.fetchFile(shards)).json();
            let all = [], afp = 0, primary = true;
            for (const shard of manifest.shards) {
                const basePath = new URL(shard.path, bundle).href;
                const instance = new pagefind.PagefindInstance({basePath, primary});
                await instance.init("en", {load_wasm: primary});
                primary = false;
                all = all.concat((await instance.search("council")).results);
                const fromAfp = {filters: {source: "AFP"}};
                afp += (await instance.search("council", fromAfp)).results.length;
            }
            const first = await all[0].data();
            return {shards: manifest.shards.length, all: all.length, afp, url: first.url};
        }"""
    )
    assert found["shards"] >= 2
    assert found["all"] == 2 and found["afp"] == 0
    assert found["url"].startswith("file://") and found["url"].endswith("index.html")

    follow(page, "main a[href*='harbour-bridge']")
    assert [url for url in page.requests if not url.startswith("file://")] == []
    assert page.errors == []
