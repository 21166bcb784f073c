"""Where an issue of Traffy Fondue is: the place names Traffy itself sends (``province``,
``district``, ``subdistrict`` in its query answers; only an ``address`` line in its
new-issue webhook), read as places by ``integrations.places``."""

import re

from integrations.models import System
from integrations.places import Place, place

# The words before each part of a Thai address, long and short (Bangkok's khwaeng and
# khet too); ``geothai`` reads a name with or without them.
_PARTS = {
    "subdistrict": r"(?:ตำบล|ต\.|แขวง)",
    "district": r"(?:อำเภอ|อ\.|เขต)",
    "province": r"(?:จังหวัด|จ\.)",
}
_BANGKOK = re.compile(r"กรุงเทพมหานคร|กรุงเทพฯ?|กทม\.?|Bangkok", re.IGNORECASE)


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
    """The issue's place, as precisely as its names allow (``integrations.places``); None
    when no province is named or known."""
    found = place(System.TRAFFY, **names_in(issue))
    return found if found.province is not None else None
