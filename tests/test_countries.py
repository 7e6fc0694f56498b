"""Country detection: data, dateline, the traps (one rule each), salience, evaluation."""

from __future__ import annotations

import pytest

from newsarchive.countries import (
    CountryResult,
    all_countries,
    country,
    dateline_country,
    detect_countries,
    leading_dateline,
)


def codes(title: str, body: str = "", **kwargs: object) -> tuple[str, ...]:
    return detect_countries(title, body, **kwargs).codes  # type: ignore[arg-type]


def mentioned(title: str, body: str = "") -> set[str]:
    return {m.code for m in detect_countries(title, body).mentions}


# --- data ------------------------------------------------------------------------------


def test_country_record() -> None:
    germany = country("de")
    assert (germany.code, germany.name, germany.slug) == ("DE", "Germany", "germany")
    assert germany.flag == "🇩🇪"
    assert germany.region == "Europe"
    assert country("TR").slug == "turkiye"
    assert country("CI").slug.isascii()


def test_unknown_code_raises_key_error() -> None:
    with pytest.raises(KeyError):
        country("XX")


def test_all_countries_sorted_and_complete() -> None:
    every = all_countries()
    assert len(every) >= 249
    assert [c.code for c in every] == sorted(c.code for c in every)
    assert all(c.slug and c.slug.isascii() for c in every)


@pytest.mark.parametrize(("name", "code"), [
    ("Soviet Union", "RU"), ("USSR", "RU"), ("West Germany", "DE"), ("East Germany", "DE"),
    ("Burma", "MM"), ("Zaire", "CD"), ("Peking", "CN"), ("Bombay", "IN"),
    ("Czechoslovakia", "CZ"), ("Yugoslavia", "RS"), ("Ceylon", "LK"), ("Persia", "IR"),
    ("Siam", "TH"), ("Rhodesia", "ZW"), ("Turkey", "TR"), ("Britain", "GB"),
    ("U.K.", "GB"), ("America", "US"), ("U.S.", "US"), ("Holland", "NL"),
])
def test_aliases_and_historical_names(name: str, code: str) -> None:
    assert codes(f"Talks with {name} resume", f"Officials from {name} met on Monday.") == (code,)


@pytest.mark.parametrize(("word", "code"), [("Syrian", "SY"), ("Russian", "RU"),
                                            ("Swiss", "CH"), ("Dutch", "NL")])
def test_demonyms(word: str, code: str) -> None:
    assert code in codes(f"{word} minister resigns", f"The {word} minister quit on Friday.")


def test_capitals_and_cities() -> None:
    assert codes("Talks in Tbilisi", "Ministers met in Tbilisi and again in Tbilisi.") == ("GE",)
    assert "AU" in codes("Sydney property prices climb", "Prices in Sydney rose again.")


# --- dateline --------------------------------------------------------------------------


@pytest.mark.parametrize(("dateline", "code"), [
    ("LUCCA, Italy (Reuters) -", "IT"),
    ("NEW YORK, March 3 -", "US"),
    ("HIGH BRIDGE, N.J., March 5 -", "US"),
    ("CALGARY, Alberta, March 2 -", "CA"),
    ("TOKYO, April 1 -", "JP"),
    ("WASHINGTON (Reuters) -", "US"),
    ("ATLANTA, Georgia -", "US"),
    ("TBILISI, Georgia -", "GE"),
    ("SOMEWHERE, March 3 -", ""),
])
def test_dateline_country(dateline: str, code: str) -> None:
    assert dateline_country(dateline) == code


def test_dateline_found_at_start_of_body() -> None:
    body = "LUCCA, Italy (Reuters) - Foreign ministers of the Group of Seven met on Monday."
    assert leading_dateline(body) == "LUCCA, Italy"
    result = detect_countries("Ministers meet", body)
    assert result.codes == ("IT",)
    assert result.mentions[0].signals[0] == "dateline"


def test_dateline_beats_a_passing_mention() -> None:
    body = ("A software maker said its quarterly profit doubled on strong demand. It also "
            "opened a small sales office that will serve customers in Canada next year.")
    assert codes("Software maker profit doubles", body, dateline="BOSTON, March 3 -") == ("US",)


def test_caption_places_are_a_strong_signal() -> None:
    body = "Crowds gathered in the old town square for the spring festival."
    assert codes("Spring festival", body, places=("FR",)) == ("FR",)
    assert codes("Spring festival", body, places=("Paris",)) == ("FR",)


# --- traps: each test fails without its rule --------------------------------------------


def test_georgia_the_state() -> None:
    assert "GE" not in mentioned("Storm hits Atlanta, Georgia", "Trees fell across the city.")
    body = "Georgia's governor signed the budget bill into law on Tuesday."
    assert codes("Budget signed", body) == ("US",)


def test_georgia_the_country() -> None:
    body = ("Georgia's parliament met in Tbilisi on Tuesday. Georgian officials said the "
            "vote on Georgia's budget would take place next week.")
    assert codes("Georgia budget vote", body) == ("GE",)


def test_jordan_and_chad_as_person_names() -> None:
    assert mentioned("Michael Jordan scores 40", "Michael Jordan led the team again.") == set()
    assert mentioned("Drummer on tour", "Chad Smith played for two hours.") == set()
    assert mentioned("Coach praises guard", "Mr. Jordan said the team played well.") == set()
    assert codes("Jordan's king visits", "King Abdullah of Jordan arrived.") == ("JO",)
    assert codes("Chad's president visits", "Chad's president arrived in the capital.") == ("TD",)


def test_turkey_the_bird() -> None:
    assert mentioned("Holiday dinner", "Families ate turkey and pie on Thursday.") == set()
    assert mentioned("Thanksgiving Turkey sales rise", "Thanksgiving Turkey sales rose.") == set()
    assert codes("Turkey's parliament votes", "Turkey's parliament voted on Monday.") == ("TR",)


def test_niger_is_not_nigeria() -> None:
    assert codes("Nigeria oil output", "Nigeria's oil output rose in Nigeria.") == ("NG",)
    assert codes("Niger uranium", "Niger's uranium exports rose, Niger said.") == ("NE",)
    assert codes("Nigerien troops", "Nigerien troops left on Friday.") == ("NE",)


@pytest.mark.parametrize(("name", "code"), [
    ("Guinea", "GN"), ("Guinea-Bissau", "GW"), ("Equatorial Guinea", "GQ"),
    ("Papua New Guinea", "PG"),
])
def test_guinea_family(name: str, code: str) -> None:
    assert mentioned(f"Election in {name}", f"Voters in {name} went to the polls.") == {code}


def test_us_states_that_contain_country_names() -> None:
    assert mentioned("Drought in New Mexico", "Farmers in New Mexico wait for rain.") == {"US"}
    assert mentioned("New Jersey toll rise", "New Jersey drivers pay more.") == {"US"}


def test_washington_is_the_us_government() -> None:
    body = "Washington imposed new tariffs, and Washington said more would follow."
    assert codes("Washington raises tariffs", body) == ("US",)


def test_firm_and_agency_names_are_not_places() -> None:
    assert "FK" not in mentioned("Morgan Stanley results", "Morgan Stanley said profit rose.")
    body = "The talks ended, Agence France-Presse reported, citing officials."
    assert "FR" not in mentioned("Talks end", body)


def test_currency_and_firm_qualifiers_are_weak() -> None:
    body = ("The rand rose to 48 U.S. cents, dealers in South Africa said, and the Swiss Bank "
            "Corp unit said it expected more gains.")
    assert codes("Rand firms", body) == ("ZA",)


def test_shared_demonyms_follow_the_story() -> None:
    assert codes("Dominican vote", "Dominican voters went to the polls on Sunday.") == ("DO",)
    body = "Congolese troops left Brazzaville. Officials in Congo said more would follow."
    assert codes("Congolese troops leave", body) == ("CG",)


def test_lower_case_common_words_are_not_countries() -> None:
    body = "She collected fine china and japan lacquer boxes and ate a turkey sandwich."
    assert mentioned("Collector's sale", body) == set()


# --- salience and result ---------------------------------------------------------------


def test_salience_keeps_what_the_story_is_about() -> None:
    body = ("Brazil's central bank raised interest rates on Tuesday to curb inflation, "
            "officials in Brazil said. Brazilian exports fell. Analysts compared the move "
            "with a similar decision taken years ago elsewhere, including in Chile.")
    result = detect_countries("Brazil raises rates", body)
    assert result.codes == ("BR",)
    assert {m.code for m in result.mentions} == {"BR", "CL"}


def test_mentions_carry_scores_counts_offsets_signals() -> None:
    title = "Japan and Korea agree"
    body = "Japan and South Korea agreed on Monday. Japan said the deal was fair."
    result = detect_countries(title, body)
    assert isinstance(result, CountryResult)
    japan = next(m for m in result.mentions if m.code == "JP")
    assert japan.count == 3
    assert japan.first_offset == 0
    assert japan.signals == ("headline", "lead", "body")
    korea = next(m for m in result.mentions if m.code == "KR")
    assert korea.first_offset == title.index("Korea")
    assert result.codes[0] == "JP"
    scores = [m.score for m in result.mentions]
    assert scores == sorted(scores, reverse=True)


def test_empty_story() -> None:
    assert detect_countries("", "") == CountryResult((), ())


def test_matching_is_linear_enough_for_long_texts() -> None:
    body = "Officials in France and Germany met in Paris. " * 5000
    result = detect_countries("Long story", body)
    assert set(result.codes) == {"FR", "DE"}


# --- evaluation on the shared corpus (skips when ../shared is absent) --------------------


def test_reuters_subset_micro_f1() -> None:
    from benchmarks.corpora import CorpusMissing
    from benchmarks.eval_countries import evaluate, labelled, predict_detector

    try:
        stories = labelled(1500)
    except CorpusMissing as exc:
        pytest.skip(str(exc))
    scores = evaluate(stories, predict_detector)
    assert scores.f1 >= 0.88
