"""Property-based fuzzing of every parser entry point (tests/hostile/fuzzing.py), bounded for CI.

Each entry point gets ``CI_EXAMPLES`` examples (derandomised: the same inputs every run, so CI
is deterministic); ``FUZZ_EXAMPLES=N`` overrides the count for every entry point. The long,
random run is ``make fuzz`` (scripts/fuzz.py). Each test prints how many examples it ran and how
many became stories (the rest were rejected with a reason).
"""

from __future__ import annotations

import os

import pytest

from tests.hostile.fuzzing import ENTRY_POINTS, fuzz

# About 40 s on one core in all; HTML and WARC examples cost the most (main-content extraction).
CI_EXAMPLES = {"textdump": 400, "html": 120, "json": 200, "json_record": 150, "warc": 100,
               "photo": 300, "detect": 150, "import": 100}


def test_every_entry_point_is_fuzzed() -> None:
    assert set(CI_EXAMPLES) == set(ENTRY_POINTS)


@pytest.mark.parametrize("name", list(ENTRY_POINTS))
def test_any_input_gives_a_story_or_a_reason(name: str, capsys) -> None:
    examples = int(os.environ.get("FUZZ_EXAMPLES") or CI_EXAMPLES[name])
    run = fuzz(name, examples)
    with capsys.disabled():
        print(f" [fuzz {name}: {run.examples} examples, {run.stories} stories]", end="")
    assert run.examples >= examples
