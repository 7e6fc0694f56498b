"""Topic, country and source pages and feeds, on a real build of the project's fixtures."""

from __future__ import annotations

import datetime as dt
import logging
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from lxml import html as lxml_html

from newsarchive.taxonomy import (
    article_terms,
    country_term,
    group_by_term,
    newest_first_pairs,
    split_list,
    topic_term,
)
from plugins.taxonomies.taxonomies import TaxonomyError, check_settings

ATOM = "{http://www.w3.org/2005/Atom}"


def page(path):
    return lxml_html.fromstring(path.read_bytes())


def test_index_pages_list_terms_with_counts(sample_site):
    out = sample_site / "output"
    countries = page(out / "countries/index.html")
    regions = [h.text for h in countries.xpath("//section[@class='region']/h2")]
    assert regions == sorted(regions) and "Europe" in regions and "Africa" in regions
    sweden = countries.xpath("//a[@data-iso-code='SE']")[0]
    assert "Sweden" in sweden.text_content() and "🇸🇪" in sweden.text_content()
    assert sweden.getparent().findtext("small") == "(1)"
    topics = page(out / "topics/index.html")
    assert topics.xpath("//a[@data-iptc='medtop:11000000']")  # politics, top level
    sources = [
        a.text for a in page(out / "sources/index.html").xpath("//ul[@class='term-list']//a")
    ]
    assert sources == ["AFP", "Reuters"]


def test_term_pages_carry_codes_for_machines_and_names_for_people(sample_site):
    out = sample_site / "output"
    kenya = page(out / "countries/kenya/index.html")
    assert kenya.xpath("//header[@data-code='KE']")
    assert kenya.xpath("string(//h1)").strip().endswith("Kenya")
    assert kenya.xpath("//abbr[@data-iso-code='KE']/text()") == ["KE"]
    politics = page(out / "topics/politics/index.html")
    assert politics.xpath("//a/@data-iptc-uri") == [
        "http://cv.iptc.org/newscodes/mediatopic/11000000"
    ]
    stories = politics.xpath("//ol[@class='story-list']//h3/a/@href")
    assert stories and all(
        (out / "topics/politics" / s / "index.html").resolve().exists() for s in stories
    )


def test_empty_terms_have_no_page_and_one_story_terms_work(sample_site):
    out = sample_site / "output"
    assert not (out / "countries/italy").exists()
    assert not (out / "topics/sport").exists()
    (only,) = page(out / "sources/afp/index.html").xpath("//ol[@class='story-list']//h3/a")
    assert "Ecuador" in only.text


def test_atom_feed_per_term(sample_site):
    feed = ElementTree.parse(sample_site / "output/feeds/countries/sweden.atom.xml").getroot()
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert titles == ["Harbour bridge plan wins council vote after six-hour debate"]


def test_article_links_to_its_terms_and_filters_search(sample_site):
    doc = page(
        sample_site
        / "output/2018/03/14/harbour-bridge-plan-wins-council-vote-after-six-hour-debate/index.html"
    )
    assert doc.xpath("//a[@data-pagefind-filter='country']/text()") == ["Sweden"]
    assert doc.xpath("//a[@data-pagefind-filter='topic']")
    assert doc.xpath("//dl[@class='filed-under']//a[text()='Reuters']/@href")


def story(slug, day, **meta):
    return SimpleNamespace(
        slug=slug, date=dt.datetime(2020, 1, day), metadata=meta, source_path=slug
    )


def test_grouping_is_newest_first_and_deterministic():
    a, b, c = (
        story("a", 1, countries="KE"),
        story("b", 3, countries="KE, SO"),
        story("c", 3, countries="SO"),
    )
    groups = group_by_term((s, article_terms(s)["country"]) for s in (a, b, c))
    assert [t.code for t in groups] == ["KE", "SO"]
    assert [s.slug for s in groups[country_term("KE")]] == ["b", "a"]
    assert [s.slug for s in groups[country_term("SO")]] == ["c", "b"]


def test_grouping_pairs_given_in_order_are_not_put_in_order_again():
    """The taxonomy generator orders its stories once (``newest_first_pairs``) for the three
    kinds of term; ``ordered=True`` files them as they come, which gives the same groups."""
    stories = [story(f"s{i}", 1 + i % 5, countries="KE, SO" if i % 2 else "KE") for i in range(9)]
    pairs = [(s, article_terms(s)["country"]) for s in stories]
    ordered = newest_first_pairs(pairs)
    assert [s.slug for s, _ in ordered] == ["s4", "s8", "s3", "s7", "s2", "s6", "s1", "s5", "s0"]
    assert group_by_term(ordered, ordered=True) == group_by_term(reversed(pairs))
    # as given, when told they are in order (the generator's promise, not checked)
    assert [s.slug for s in group_by_term(pairs, ordered=True)[country_term("KE")]] == [
        s.slug for s in stories
    ]


def test_unknown_terms_are_named_and_ignored(caplog):
    with caplog.at_level(logging.WARNING):
        terms = article_terms(story("x", 1, topics="politics, no-such-topic", countries="ZZ"))
    assert [t.slug for t in terms["topic"]] == ["politics"] and terms["country"] == ()
    assert "no-such-topic" in caplog.text and "'ZZ'" in caplog.text


def test_split_list_and_terms():
    assert split_list(" a, b ,, c") == ("a", "b", "c") and split_list(None) == ()
    assert topic_term("politics").uri.endswith("/11000000")


@pytest.mark.parametrize(
    "override", [{"TAXONOMY_TOPIC_URL": "topics/"}, {"TAXONOMY_FEED_MAX_ITEMS": "50"}]
)
def test_wrong_settings_stop_the_build(override):
    with pytest.raises(TaxonomyError):
        check_settings(dict(override))
