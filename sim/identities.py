"""Synthetic identities: Kazakh IINs (generator and checker), Turkmen passport numbers, and
localised names from Faker.

An IIN is 12 digits: birth date YYMMDD, a century-and-sex digit (3/4 for men/women born in the
1900s, 5/6 in the 2000s, 1/2 in the 1800s), a 4-digit serial and a check digit computed by the
official two-pass weighting (weights 1..11, then 3..11,1,2; a second remainder of 10 means the
number is never issued).

Names are made lazily and deterministically from a person's own seed, so a run of 60,000 agents
pays for Faker only for the people someone actually looks at.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from functools import lru_cache

from faker import Faker
from faker.providers import BaseProvider

_FIRST_WEIGHTS = tuple(range(1, 12))
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_CENTURY_BASE = {1800: 1, 1900: 3, 2000: 5}


def iin_check_digit(first_eleven: str) -> int | None:
    """The check digit for 11 leading digits, or None if no valid IIN starts with them."""
    digits = [int(c) for c in first_eleven]
    remainder = sum(d * w for d, w in zip(digits, _FIRST_WEIGHTS, strict=True)) % 11
    if remainder == 10:
        remainder = sum(d * w for d, w in zip(digits, _SECOND_WEIGHTS, strict=True)) % 11
        if remainder == 10:
            return None
    return remainder


def iin_birth_date(iin: str) -> dt.date | None:
    """The birth date an IIN encodes, or None if its date or century digit is impossible."""
    century_digit = int(iin[6])
    if century_digit not in range(1, 7):
        return None
    century = 1800 + 100 * ((century_digit - 1) // 2)
    try:
        return dt.date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return None


def is_valid_iin(iin: str) -> bool:
    """True for a well-formed IIN: 12 digits, a real birth date, and the right check digit."""
    if len(iin) != 12 or not iin.isdigit() or iin_birth_date(iin) is None:
        return False
    return iin_check_digit(iin[:11]) == int(iin[11])


def make_iin(birth: dt.date, female: bool, rng: random.Random) -> str:
    """A valid IIN for this birth date and sex, with a random serial."""
    century = _CENTURY_BASE[birth.year // 100 * 100]
    while True:
        head = f"{birth:%y%m%d}{century + int(female)}{rng.randrange(10_000):04d}"
        check = iin_check_digit(head)
        if check is not None:
            return f"{head}{check}"


def corrupt_iin(iin: str, rng: random.Random) -> str:
    """A fabricated-looking IIN: the same number with its check digit made wrong."""
    right = int(iin[11])
    wrong = (right + rng.randrange(1, 10)) % 10
    return f"{iin[:11]}{wrong}"


TM_SERIES = ("AG", "AH", "BN", "DZ", "LB", "MR")
"""Turkmen passport series used here: Ashgabat and the five velayats (an ASSUMPTION: no public
format or check digit was found, see README)."""
_TM_NUMBER = re.compile(r"^I-(AG|AH|BN|DZ|LB|MR) [0-9]{6}$")


def make_tm_passport(rng: random.Random) -> str:
    """A Turkmen identity number in the assumed passport form `I-AH 123456`."""
    return f"I-{TM_SERIES[rng.randrange(len(TM_SERIES))]} {rng.randrange(1_000_000):06d}"


def is_valid_tm_passport(number: str) -> bool:
    """True for the assumed Turkmen passport form (there is no check digit to verify)."""
    return bool(_TM_NUMBER.match(number))


def corrupt_tm_passport(number: str, rng: random.Random) -> str:
    """A fabricated Turkmen number: a series the register never issued."""
    return f"I-{rng.choice(('ZZ', 'QX', 'TT'))} {number[-6:]}"


class LocalNames(BaseProvider):
    """Names from a short local list, surname first; feminine surnames take an ending."""

    male: tuple[str, ...] = ()
    female: tuple[str, ...] = ()
    surnames: tuple[str, ...] = ()
    feminine: tuple[tuple[str, ...], str] = ((), "")
    """(surname endings that change for women, what they add)."""

    def local_name(self, female: bool) -> str:
        first = self.random_element(self.female if female else self.male)
        surname = self.random_element(self.surnames)
        endings, suffix = self.feminine
        if female and surname.endswith(endings):
            surname += suffix
        return f"{surname} {first}"


class KazakhNames(LocalNames):
    """Kazakh first names and surnames (Faker has no Kazakh locale)."""

    male = (
        "Нурлан",
        "Ержан",
        "Асхат",
        "Данияр",
        "Бауыржан",
        "Айдос",
        "Серик",
        "Марат",
        "Ерлан",
        "Алмас",
        "Тимур",
        "Арман",
        "Жандос",
        "Кайрат",
        "Дамир",
        "Нуржан",
        "Ермек",
        "Асет",
        "Аян",
        "Дархан",
    )
    female = (
        "Айгерим",
        "Динара",
        "Гульнара",
        "Жанар",
        "Айжан",
        "Асель",
        "Мадина",
        "Салтанат",
        "Камила",
        "Алия",
        "Акмарал",
        "Жансая",
        "Аружан",
        "Гаухар",
        "Индира",
        "Сауле",
        "Томирис",
        "Айнур",
        "Дана",
        "Меруерт",
    )
    surnames = (
        "Ахметов",
        "Сейткали",
        "Нурланов",
        "Жумабаев",
        "Касымов",
        "Абенов",
        "Оспанов",
        "Искаков",
        "Тулеубаев",
        "Бекмуханбетов",
        "Садыков",
        "Мухамеджанов",
        "Сарсенбаев",
        "Омаров",
        "Есенов",
        "Кенжебаев",
        "Утебаев",
        "Байжанов",
        "Рахимов",
        "Смагулов",
    )

    feminine = (("ов", "ев", "ин"), "а")

    def kazakh_name(self, female: bool) -> str:
        return self.local_name(female)


class TurkmenNames(LocalNames):
    """Turkmen first names and surnames (Faker has no Turkmen locale)."""

    male = (
        "Serdar",
        "Merdan",
        "Batyr",
        "Döwlet",
        "Atamyrat",
        "Maksat",
        "Myrat",
        "Rustam",
        "Begench",
        "Arslan",
        "Guwanch",
        "Nurmuhammet",
        "Yhlas",
        "Kerim",
        "Shatlyk",
    )
    female = (
        "Ogulgerek",
        "Aýna",
        "Jeren",
        "Maýsa",
        "Gülnar",
        "Bahar",
        "Aýgül",
        "Mähri",
        "Selbi",
        "Leýli",
        "Sona",
        "Ogulbike",
        "Enejan",
        "Näzik",
        "Gözel",
    )
    surnames = (
        "Annaýew",
        "Berdiýew",
        "Durdyýew",
        "Geldiýew",
        "Hojamyradow",
        "Orazow",
        "Saparow",
        "Täçmyradow",
        "Ataýew",
        "Charyýew",
        "Myradow",
        "Nurýew",
    )

    feminine = (("ew", "ow"), "a")

    def turkmen_name(self, female: bool) -> str:
        return self.local_name(female)


@lru_cache(maxsize=8)
def _faker(locale: str) -> Faker:
    fake = Faker(locale)
    fake.add_provider(KazakhNames)
    fake.add_provider(TurkmenNames)
    return fake


def person_name(seed: int, female: bool, locale: str = "kk_KZ") -> str:
    """A deterministic name for one person: the same seed always gives the same name."""
    fake = _faker("ru_RU" if locale in {"kk_KZ", "tk_TM"} else locale)
    fake.seed_instance(seed)
    if locale == "kk_KZ":
        return str(fake.kazakh_name(female))
    if locale == "tk_TM":
        return str(fake.turkmen_name(female))
    return str(fake.name_female() if female else fake.name_male())
