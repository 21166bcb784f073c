"""Names in Thai dictionary order (``agencies.collation``): a leading vowel (เ แ โ ใ ไ) is
read after its consonant, tone marks only break ties, Thai before Latin; the database's
order (PostgreSQL's ICU collation, or SQLite's copy of it) and the order in memory agree
on every place name of the country, in Thai and in English."""

import random

import pytest
from django.utils import translation

from agencies.collation import dictionary_key, in_name_order, sorted_by_name
from agencies.models import District, Province, Subdistrict

# As a Thai dictionary lists them: ใจ under จ, the two เชียง provinces under ช after ชุมพร,
# โต๊ะ under ต after ตรัง, แพร่ under พ after พะเยา.
THAI_WORDS = [
    "กรุงเทพมหานคร",
    "ไก่",
    "ขอนแก่น",
    "ใจ",
    "ชลบุรี",
    "ชัยภูมิ",
    "ชุมพร",
    "เชียงราย",
    "เชียงใหม่",
    "ตรัง",
    "โต๊ะ",
    "พะเยา",
    "แพร่",
    "อุบลราชธานี",
]


def shuffled(words: list[str]) -> list[str]:
    words = list(words)
    random.Random(17).shuffle(words)
    return words


def test_a_leading_vowel_is_read_after_its_consonant():
    assert sorted(shuffled(THAI_WORDS), key=dictionary_key) == THAI_WORDS
    assert sorted(THAI_WORDS) != THAI_WORDS  # the order of code points is not it


def test_tone_marks_only_break_ties_and_thai_comes_before_latin():
    words = ["กา", "ก่า", "ก้า", "Bangkok", "phayao", "Phrae", "Phra Nakhon Si Ayutthaya"]

    assert sorted(shuffled(words), key=dictionary_key) == words


def names(rows) -> list[str]:
    return [row.name for row in rows]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("model", [Province, District, Subdistrict])
def test_the_database_and_the_memory_order_every_place_name_alike(model, language):
    """PostgreSQL's ICU collation (or SQLite's, from the same key) against the key."""
    with translation.override(language):
        from_database = names(in_name_order(model.objects.all()))
        in_memory = names(sorted_by_name(model.objects.all()))

    assert len(from_database) == model.objects.count() > 70
    assert from_database == in_memory


@pytest.mark.django_db
def test_the_provinces_in_thai_and_in_english():
    with translation.override("th"):
        thai = names(in_name_order(Province.objects.all()))
    with translation.override("en"):
        english = names(in_name_order(Province.objects.all()))

    assert thai[:3] == ["กระบี่", "กรุงเทพมหานคร", "กาญจนบุรี"]
    assert thai.index("ชุมพร") + 1 == thai.index("เชียงราย") == thai.index("เชียงใหม่") - 1
    assert thai[-1] == "อุบลราชธานี"
    assert english[:3] == ["Amnat Charoen", "Ang Thong", "Bangkok"]
    # Spaces are passed over, as in a dictionary: Phrae comes before Phra Nakhon.
    assert english.index("Phrae") < english.index("Phra Nakhon Si Ayutthaya")
