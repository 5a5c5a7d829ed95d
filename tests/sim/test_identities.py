"""Synthetic identities: Kazakh IINs are valid by the official check, fabricated ones are not."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given
from hypothesis import strategies as st

from sim.identities import corrupt_iin, iin_birth_date, is_valid_iin, make_iin, person_name

births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))


@given(births, st.booleans(), st.integers(0, 2**32))
def test_generated_iins_always_pass_the_checker_and_encode_the_birth_date(
    birth: dt.date, female: bool, seed: int
) -> None:
    iin = make_iin(birth, female, random.Random(seed))
    assert is_valid_iin(iin)
    assert iin_birth_date(iin) == birth
    assert int(iin[6]) % 2 == (1 if not female else 0)


@given(births, st.booleans(), st.integers(0, 2**32))
def test_corrupted_iins_fail_the_checker(birth: dt.date, female: bool, seed: int) -> None:
    rng = random.Random(seed)
    assert not is_valid_iin(corrupt_iin(make_iin(birth, female, rng), rng))


def _weighted(digits: str, weights: tuple[int, ...] | range) -> int:
    return sum(int(c) * w for c, w in zip(digits, weights, strict=True))


def test_check_digit_falls_back_to_the_second_weights_when_the_first_remainder_is_10() -> None:
    first, second = range(1, 12), (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
    heads = (f"8501013{serial:04d}" for serial in range(10_000))
    fallback = [h for h in heads if _weighted(h, first) % 11 == 10]
    assert fallback, "the official rule has heads that need the second pass"
    for head in fallback:
        remainder = _weighted(head, second) % 11
        issued = [d for d in range(10) if is_valid_iin(f"{head}{d}")]
        assert issued == ([] if remainder == 10 else [remainder])


def test_malformed_iins_are_rejected() -> None:
    assert not is_valid_iin("12345")
    assert not is_valid_iin("85013130000A")
    assert not is_valid_iin("851332300001")  # month 13


def test_names_are_deterministic_per_seed_and_localised() -> None:
    assert person_name(42, female=True) == person_name(42, female=True)
    assert len({person_name(seed, female=True) for seed in range(20)}) > 5
    name = person_name(7, female=False)
    assert len(name.split()) == 2 and all(ch.isalpha() or ch == " " for ch in name)
