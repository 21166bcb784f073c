"""Places as outside systems write them: a province, district and subdistrict by code or
by name, in Thai or English, with or without the word for its kind ("จังหวัด", "อำเภอ",
"เขต", "ตำบล", "แขวง"); or as one of the values an administrator mapped
(``ValueMapping``)."""

import re
from dataclasses import dataclass
from functools import cache

from agencies.models import District, Province, Subdistrict
from integrations.models import ValueMapping

_KIND_WORDS = re.compile(
    r"^(จังหวัด|จ\.|อำเภอ|อ\.|เขต|ตำบล|ต\.|แขวง|king amphoe|amphoe|khet|tambon|khwaeng)\s*",
    re.IGNORECASE,
)
_ENGLISH_SUFFIX = re.compile(r"\s+(province|district|sub-?district)$", re.IGNORECASE)
# What people write for Bangkok, beside geothai's names.
_BANGKOK = {"กรุงเทพ", "กรุงเทพฯ", "กทม", "กทม.", "bangkok", "กรุงเทพมหานคร"}
BANGKOK_CODE = "10"


def bare(name: str) -> str:
    """A place's name without the word for its kind, spaces folded, lower case."""
    text = " ".join((name or "").split())
    text = _ENGLISH_SUFFIX.sub("", _KIND_WORDS.sub("", text))
    return text.casefold()


@cache
def _index(model, parent: str) -> dict[str, str]:
    """Bare names (Thai and English) to codes, of a parent's places (a file of 100,000
    complaints reads the same few places again and again). Codes are the primary keys
    and never change; the places come from geothai."""
    rows = model.objects.all()
    if model is District:
        rows = rows.filter(province_id=parent)
    elif model is Subdistrict:
        rows = rows.filter(district_id=parent)
    index = {}
    for code, thai, english in rows.values_list("code", "name_th", "name_en"):
        index.setdefault(bare(thai), code)
        index.setdefault(bare(english), code)
    return index


def _code(model, name: str, parent: str = "") -> str | None:
    wanted = bare(name)
    if not wanted:
        return None
    if wanted.isdigit():
        return wanted if model.objects.filter(code=wanted).exists() else None
    return _index(model, parent).get(wanted)


@dataclass(frozen=True)
class Place:
    province: Province | None
    district: District | None = None
    subdistrict: Subdistrict | None = None


def place(system: str, province: str, district: str = "", subdistrict: str = "") -> Place:
    """The province, district and subdistrict these names (or codes) are; a part that is
    not found is None (a district of another province is not found)."""
    mapped = ValueMapping.objects.filter(
        system=system, kind=ValueMapping.Kind.PROVINCE, code=province.strip()
    ).first()
    code = mapped.province_id if mapped and mapped.province_id else None
    if code is None:
        code = BANGKOK_CODE if bare(province) in _BANGKOK else _code(Province, province)
    if code is None:
        return Place(None)
    found = Province.objects.get(code=code)
    mapped = ValueMapping.objects.filter(
        system=system, kind=ValueMapping.Kind.DISTRICT, code=district.strip()
    ).first()
    amphoe = mapped.district_id if mapped and mapped.district_id else None
    if amphoe is None or not amphoe.startswith(code):
        amphoe = _code(District, district, code) if district else None
    if amphoe is None or not amphoe.startswith(code):
        return Place(found)
    tambon = _code(Subdistrict, subdistrict, amphoe) if subdistrict else None
    return Place(
        found,
        District.objects.get(code=amphoe),
        Subdistrict.objects.get(code=tambon) if tambon and tambon.startswith(amphoe) else None,
    )
