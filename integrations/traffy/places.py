"""Where an issue of Traffy Fondue is, in our provinces, districts and subdistricts: from
the place names Traffy itself sends (``province``, ``district``, ``subdistrict`` in its
query answers; only an ``address`` line in its new-issue webhook), matched with
``geothai`` like an address written by hand. No map boundaries are available here, so the
latitude and longitude are kept on the case but not used to place it.
"""

import re
from dataclasses import dataclass

import geothai

from agencies.models import District, Province, Subdistrict

# The words before each part of a Thai address, long and short (Bangkok's khwaeng and
# khet too); ``geothai`` reads a name with or without them.
_PARTS = {
    "subdistrict": r"(?:ตำบล|ต\.|แขวง)",
    "district": r"(?:อำเภอ|อ\.|เขต)",
    "province": r"(?:จังหวัด|จ\.)",
}
_BANGKOK = re.compile(r"กรุงเทพมหานคร|กรุงเทพฯ?|กทม\.?|Bangkok", re.IGNORECASE)


@dataclass(frozen=True)
class Place:
    province: Province
    district: District | None = None
    subdistrict: Subdistrict | None = None


def names_in(issue: dict) -> dict[str, str]:
    """The subdistrict, district and province named by the issue: its own fields when it
    has them, else read from its address line."""
    names = {part: str(issue.get(part) or "").strip() for part in _PARTS}
    address = str(issue.get("address") or "")
    for part, words in _PARTS.items():
        if not names[part]:
            found = re.search(rf"{words}\s*([^\s,]+)", address)
            names[part] = found.group(1) if found else ""
    if not names["province"] and _BANGKOK.search(address):
        names["province"] = "กรุงเทพมหานคร"
    return names


def place_of(issue: dict) -> Place | None:
    """The issue's place, as precisely as its names allow (a subdistrict only when exactly
    one fits); None when no province is named or known."""
    names = names_in(issue)
    if names["subdistrict"]:
        found = geothai.match(
            names["subdistrict"], district=names["district"], province=names["province"]
        )
        if len(found) == 1:
            return Place(
                Province.objects.get(pk=found[0].province.code),
                District.objects.get(pk=found[0].district.code),
                Subdistrict.objects.get(pk=found[0].subdistrict.code),
            )
    province = _province(names["province"])
    if province is None:
        return None
    return Place(Province.objects.get(pk=province.code), _district(province, names["district"]))


def _province(name: str):
    if not name:
        return None
    wanted = geothai.normalize(name)
    return next((p for p in geothai.provinces() if geothai.is_province(p, wanted)), None)


def _district(province, name: str) -> District | None:
    if not name:
        return None
    wanted = geothai.normalize(name)
    districts = geothai.districts(province.code)
    found = next((d for d in districts if geothai.is_district(d, wanted)), None)
    return District.objects.get(pk=found.code) if found else None
