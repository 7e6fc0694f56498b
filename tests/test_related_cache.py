"""The neighbour cache of related stories: a warm build gives exactly what a clean one gives,
and searches again only what a change can reach."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pytest

from benchmarks.bench_related import synthetic_stories
from newsarchive import related_cache, related_search, related_vectors
from newsarchive.related import RelatedOptions, related
from newsarchive.related_terms import TermTable, count_terms

N = 900


@pytest.fixture(scope="module")
def stories():
    return synthetic_stories(N + 10, seed=7)


@pytest.fixture
def searched(monkeypatch):
    """Rows each call of ``top_rows`` searched (a fresh search per row)."""
    calls: list[int] = []
    real = related_vectors.top_rows

    def counting(vectors, targets, rows, depth, **kwargs):
        calls.append(len(rows))
        return real(vectors, targets, rows, depth, **kwargs)

    monkeypatch.setattr(related_vectors, "top_rows", counting)
    return calls


def same(warm, cold) -> bool:
    """Byte for byte: ids, order, scores and reasons."""
    return repr(warm) == repr(cold)


def edited(story, extra: str):
    return dataclasses.replace(story, text=f"{story.text} {extra}")


def test_add_edit_delete_relabel_match_a_clean_build(stories, tmp_path, searched):
    base = stories[:N]
    steps = {
        "cold": base,
        "add one": [*base, stories[N]],
        "add three": [*base, *stories[N:N + 4]],
        "edit one": [*base[:10], edited(base[10], base[20].text[:200]), *base[11:],
                     *stories[N:N + 4]],
        "delete two": [*base[:10], edited(base[10], base[20].text[:200]), *base[11:30],
                       *base[32:], *stories[N:N + 4]],
        "relabel": [*base[:10], dataclasses.replace(base[10], topics=("t999",),
                                                    countries=("NZ",)), *base[11:30],
                    *base[32:], *stories[N:N + 4]],
        "change a date": [dataclasses.replace(base[0], date=None), *base[1:10],
                          dataclasses.replace(base[10], topics=("t999",), countries=("NZ",)),
                          *base[11:30], *base[32:], *stories[N:N + 4]],
    }
    for step, batch in steps.items():
        searched.clear()
        warm = related(batch, 5, cache_dir=tmp_path)
        redone = sum(searched)
        assert same(warm, related(batch, 5)), step
        if step != "cold":
            assert redone < len(batch) / 4, (step, redone)  # the cache did the rest
    assert redone < len(batch) / 4


def test_adding_a_story_searches_only_what_it_can_reach(stories, tmp_path, searched):
    related(stories[:N], 5, cache_dir=tmp_path)
    searched.clear()
    related(stories[:N + 1], 5, cache_dir=tmp_path)
    with_cache = sum(searched)
    searched.clear()
    related(stories[:N + 1], 5)
    assert sum(searched) == N + 1  # a clean build searches every story
    assert 1 <= with_cache <= (N + 1) // 10


def test_many_changes_fall_back_to_a_full_search(stories, tmp_path, searched, caplog):
    related(stories[:N], 5, cache_dir=tmp_path)
    texts = [s.text for s in stories[:N]]
    changed = [dataclasses.replace(s, text=texts[(i + 7) % N]) if i % 2 else s
               for i, s in enumerate(stories[:N])]
    searched.clear()
    with caplog.at_level(logging.INFO, logger="newsarchive"):
        warm = related(changed, 5, cache_dir=tmp_path)
    assert sum(searched) == N
    assert "too many changes" in caplog.text
    assert same(warm, related(changed, 5))


def test_lists_that_lose_their_reserve_are_searched_again(stories, tmp_path, monkeypatch):
    monkeypatch.setattr(related_search, "RESERVE", 0)
    short: list[int] = []
    merge = related_search._merge

    def counting(*args, **kwargs):
        rows = merge(*args, **kwargs)
        short.append(int(rows.sum()))
        return rows

    monkeypatch.setattr(related_search, "_merge", counting)
    batch = list(stories[:N])
    related(batch, 5, cache_dir=tmp_path)
    # Delete a story and its closest neighbours: their lists lose entries they cannot refill.
    first = related(batch, 5)[batch[0].id]
    gone = {batch[0].id, *(link.id for link in first[:3])}
    smaller = [s for s in batch if s.id not in gone]
    assert same(related(smaller, 5, cache_dir=tmp_path), related(smaller, 5))
    assert short and short[0] > 0  # some lists were searched again


def test_candidates_change_is_followed(stories, tmp_path):
    batch = stories[:N]
    allowed = {s.id for s in batch[::2]}
    related(batch, 5, cache_dir=tmp_path, candidates=allowed)
    allowed |= {s.id for s in batch[1:40:2]}
    assert same(related(batch, 5, cache_dir=tmp_path, candidates=allowed),
                related(batch, 5, candidates=allowed))


def test_corrupt_cache_is_rebuilt_with_a_warning(stories, tmp_path, caplog):
    batch = stories[:300]
    related(batch, 5, cache_dir=tmp_path)
    path = tmp_path / related_cache.CACHE_NAME
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with caplog.at_level(logging.WARNING):
        warm = related(batch, 5, cache_dir=tmp_path)
    assert "unreadable neighbour cache" in caplog.text
    assert same(warm, related(batch, 5))
    state, status = related_cache.load(path, _fingerprint_of(path))
    assert status == "used" and state is not None and len(state.search.ids) == len(batch)


def test_wrong_arrays_in_a_readable_file_are_refused(stories, tmp_path, caplog):
    batch = stories[:300]
    related(batch, 5, cache_dir=tmp_path)
    path = tmp_path / related_cache.CACHE_NAME
    with np.load(path) as data:
        arrays = dict(data)
    arrays["index"] = arrays["index"] + 5000  # rows that do not exist
    with path.open("wb") as out:
        np.savez(out, **arrays)
    with caplog.at_level(logging.WARNING):
        assert same(related(batch, 5, cache_dir=tmp_path), related(batch, 5))
    assert "unreadable neighbour cache" in caplog.text


@pytest.mark.parametrize("change", [
    {"k": 4}, {"options": RelatedOptions(title_weight=0.5)},
    {"options": RelatedOptions(date_weight=0.05)},
])
def test_other_settings_ignore_the_cache(stories, tmp_path, searched, caplog, change):
    batch = stories[:300]
    related(batch, 5, cache_dir=tmp_path)
    k = change.get("k", 5)
    options = change.get("options")
    searched.clear()
    with caplog.at_level(logging.INFO, logger="newsarchive"):
        warm = related(batch, k, cache_dir=tmp_path, options=options)
    assert "other settings" in caplog.text
    assert sum(searched) == len(batch)
    assert same(warm, related(batch, k, options=options))


def test_another_cache_version_is_not_read(stories, tmp_path, monkeypatch, searched):
    batch = stories[:300]
    related(batch, 5, cache_dir=tmp_path)
    monkeypatch.setattr(related_cache, "CACHE_VERSION", "999")
    searched.clear()
    assert same(related(batch, 5, cache_dir=tmp_path), related(batch, 5))
    assert sum(searched) == 2 * len(batch)  # neither call could use the old lists


def test_cache_write_is_atomic(stories, tmp_path, monkeypatch):
    batch = stories[:200]
    related(batch, 5, cache_dir=tmp_path)
    path = tmp_path / related_cache.CACHE_NAME
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(related_cache.np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        related([*batch, stories[200]], 5, cache_dir=tmp_path)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.tmp"))


def test_same_cache_bytes_from_the_same_stories(stories, tmp_path):
    batch = stories[:300]
    related(batch, 5, cache_dir=tmp_path / "a")
    related(list(reversed(batch)), 5, cache_dir=tmp_path / "b")
    name = related_cache.CACHE_NAME
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


# --- the properties the cache relies on ---------------------------------------------------


def test_idf_moves_in_steps():
    assert related_vectors.archive_scale(1) == 1.0
    assert related_vectors.archive_scale(1000) == related_vectors.archive_scale(1024)
    assert related_vectors.archive_scale(1025) > 1024
    df = np.arange(1, 3000)
    idf = related_vectors.quantised_idf(df, 20_000)
    assert np.all(np.diff(idf) <= 0)
    assert len(np.unique(idf)) < 40  # a few steps, not one value per df
    assert np.array_equal(idf, related_vectors.quantised_idf(df, 20_001))


def test_a_story_vector_does_not_depend_on_its_neighbours_rows(stories):
    """The same counts give the same bits whatever rows surround them."""
    batch = sorted(stories[:400], key=lambda s: s.id)
    table = count_terms([s.title for s in batch], [s.text for s in batch])
    whole = related_vectors.search_vectors(table, 0.3, 2200, 32)
    rows = np.arange(0, 400, 3)
    part = related_vectors.search_vectors(
        TermTable(table.keys[rows], table.terms, table.counts[rows]), 0.3, 2200, 32)
    # IDF differs between the two tables, so compare only where it is the same.
    df_whole = np.bincount(table.counts.indices, minlength=len(table.terms))
    df_part = np.bincount(table.counts[rows].indices, minlength=len(table.terms))
    same_idf = related_vectors.quantised_idf(df_whole, 400) == related_vectors.quantised_idf(
        df_part, len(rows))
    for r, row in enumerate(rows.tolist()):
        cols = table.counts[row].indices
        if np.all(same_idf[cols]) and np.all((df_whole[cols] <= 2200) == (df_part[cols] <= 2200)):
            assert whole[row].indices.tolist() == part[r].indices.tolist()
            assert whole[row].data.tobytes() == part[r].data.tobytes()


def test_searching_some_rows_gives_the_bits_of_searching_all(stories):
    batch = sorted(stories[:500], key=lambda s: s.id)
    table = count_terms([s.title for s in batch], [s.text for s in batch])
    vectors = related_vectors.search_vectors(table, 0.3, 2200, 32)
    targets = related_vectors.transposed_targets(vectors, np.ones(500, dtype=bool))
    everything = related_vectors.top_rows(vectors, targets, np.arange(500), 64)
    some = np.asarray([3, 99, 250, 499])
    few = related_vectors.top_rows(vectors, targets, some, 64)
    assert few.index.tobytes() == everything.index[some].tobytes()
    assert few.sim.tobytes() == everything.sim[some].tobytes()
    # and a cosine has the same bits from either side
    i, j = 3, int(everything.index[3, 0])
    back = everything.index[j].tolist().index(i) if i in everything.index[j] else None
    if back is not None:
        assert everything.sim[j, back].tobytes() == everything.sim[i, 0].tobytes()


def _fingerprint_of(path) -> str:
    with np.load(path) as data:
        return str(data["fingerprint"])
