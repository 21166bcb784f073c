"""Places as outside systems write them: a province, district and subdistrict by code or
by name, in Thai or English, with or without the word for its kind ("จังหวัด", "อ.",
"เขต", "แขวง" ...), read by ``geothai`` like an address written by hand; or as one of the
values an administrator mapped (``ValueMapping``). No map boundaries are available here,
so a point (latitude, longitude) is kept on a case but never used to place it."""

from dataclasses import dataclass

import geothai

from agencies.models import District, Province, Subdistrict
from integrations.models import ValueMapping


@dataclass(frozen=True)
class Place:
    province: Province | None
    district: District | None = None
    subdistrict: Subdistrict | None = None


def _mapped(system: str, kind: str, value: str) -> str | None:
    """The code an administrator mapped ``value`` of the system's list to, if any."""
    row = (
        ValueMapping.objects.filter(system=system, kind=kind, code=value.strip())
        .values_list(f"{kind}_id", flat=True)
        .first()
    )
    return row or None


def _province_code(system: str, name: str) -> str | None:
    text = name.strip()
    if not text:
        return None
    if text.isdigit():
        return text if Province.objects.filter(code=text).exists() else None
    wanted = geothai.normalize(text)
    found = next((p for p in geothai.provinces() if geothai.is_province(p, wanted)), None)
    return found.code if found else _mapped(system, ValueMapping.Kind.PROVINCE, text)


def _district_code(system: str, province: str, name: str) -> str | None:
    text = name.strip()
    if not text:
        return None
    if text.isdigit():
        return (
            text if text[:2] == province and District.objects.filter(code=text).exists() else None
        )
    wanted = geothai.normalize(text)
    found = next((d for d in geothai.districts(province) if geothai.is_district(d, wanted)), None)
    if found is not None:
        return found.code
    mapped = _mapped(system, ValueMapping.Kind.DISTRICT, text)
    return mapped if mapped and mapped[:2] == province else None


def place(system: str, province: str, district: str = "", subdistrict: str = "") -> Place:
    """The province, district and subdistrict these names (or codes) are, as far as they
    are clear: a part not found, or not inside the part above it, is None (and so is a
    subdistrict whose name fits more than one)."""
    province_code = _province_code(system, province)
    if province_code is None:
        return Place(None)
    found = Province.objects.get(code=province_code)
    district_code = _district_code(system, province_code, district)
    if district_code is None:
        return Place(found)
    amphoe = District.objects.get(code=district_code)
    return Place(found, amphoe, _subdistrict(amphoe, subdistrict.strip()))


def _subdistrict(amphoe: District, text: str) -> Subdistrict | None:
    if not text:
        return None
    if text.isdigit():
        return Subdistrict.objects.filter(code=text, district=amphoe).first()
    fits = geothai.match(text, district=amphoe.name_th, province=amphoe.province.name_th)
    if len(fits) != 1:
        return None
    return Subdistrict.objects.get(code=fits[0].subdistrict.code)
