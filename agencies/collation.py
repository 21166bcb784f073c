"""Names in the order a Thai dictionary gives them, in Thai and in English.

The DOPA codes follow no order a reader knows, and the order of Unicode code points puts
every name that starts with a leading vowel (เ แ โ ใ ไ) after all the others: เชียงใหม่
would follow อุบลราชธานี. A Thai dictionary reads the consonant first (เชียงใหม่ is found under ช, after
ชุมพร), ignores tone marks unless two words differ only by them, and puts Thai before
Latin letters. ICU's Thai collation does exactly that: PostgreSQL has it as
``"th-TH-x-icu"``, and the embedded SQLite is given a collation of the same name here,
built on ``dictionary_key``, a pure-Python copy of the same rules (tests hold it to
PostgreSQL's order for every place name of ``geothai``, in both languages).
"""

import unicodedata

from django.db.backends.signals import connection_created
from django.db.models import QuerySet
from django.db.models.functions import Collate
from django.utils.translation import get_language

THAI_ORDER = "th-TH-x-icu"

LEADING_VOWELS = "เแโใไ"
CONSONANTS = ("\u0e01", "\u0e2e")  # ก to ฮ
# Tone marks, the shortener and the silencer: they only tell apart words that are
# otherwise the same (กา, ก่า, ก้า).
MARKS = "\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
# Signs that ICU sorts like punctuation: the repetition and abbreviation signs.
SIGNS = "ๆฯ๏๚๛"
DIGIT, THAI, LATIN, OTHER = 1, 2, 3, 4
AFTER_ALL = 0x10FFFF


def _in_reading_order(text: str) -> list[str]:
    """The letters as they are read: a leading vowel after the consonant it precedes."""
    letters = list(unicodedata.normalize("NFD", text))
    index = 0
    while index < len(letters) - 1:
        first, second = letters[index], letters[index + 1]
        if first in LEADING_VOWELS and CONSONANTS[0] <= second <= CONSONANTS[1]:
            letters[index], letters[index + 1] = second, first
            index += 1
        index += 1
    return letters


def dictionary_key(text: str) -> tuple:
    """A sort key that puts names in ICU's Thai order: by letters (digits, then Thai, then
    Latin, case and accents aside), then by tone marks and accents, then by case, then by
    the spaces and punctuation that ICU's Thai order otherwise passes over."""
    letters, marks, cases, punctuation = [], [], [], []
    for char in _in_reading_order(text):
        is_thai = "\u0e00" <= char <= "\u0e7f"
        if char in MARKS or (unicodedata.combining(char) and not is_thai):
            if marks:
                marks[-1] += (ord(char),)
            punctuation.append(AFTER_ALL)
            continue
        if char in SIGNS:
            punctuation.append(ord(char))
            continue
        if char.isdigit():
            letters.append((DIGIT, str(unicodedata.digit(char))))
        elif is_thai:
            letters.append((THAI, char))
        elif char.isalpha():
            folded = char.casefold()
            letters.append((LATIN if char < "\u0250" else OTHER, folded))
            cases.append(char != folded)
        else:
            punctuation.append(ord(char))
            continue
        marks.append(())
        punctuation.append(AFTER_ALL)
    return (letters, marks, cases, punctuation)


def _compare(first: str, second: str) -> int:
    a, b = dictionary_key(first), dictionary_key(second)
    return (a > b) - (a < b)


def in_name_order(queryset: QuerySet) -> QuerySet:
    """Places or agencies by their name in the active language, as a dictionary orders
    them (their code breaks a tie)."""
    column = "name_en" if (get_language() or "th").startswith("en") else "name_th"
    return queryset.order_by(Collate(column, THAI_ORDER), "pk")


def sorted_by_name(items, name=lambda item: item.name) -> list:
    """Items in memory (a snapshot's rows) by their name, in the same order."""
    return sorted(items, key=lambda item: dictionary_key(name(item)))


def _register_for_sqlite(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_collation(THAI_ORDER, _compare)


connection_created.connect(_register_for_sqlite, dispatch_uid="agencies_thai_order")
