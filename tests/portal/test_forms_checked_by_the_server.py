"""Forms are checked by the portal, in the reader's language: the browser's own check
("Please fill out this field.", in the browser's language) is turned off on every form."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FORM_TAG = re.compile(r"<form\b[^>]*>", re.DOTALL)


def test_every_form_of_every_page_leaves_checking_to_the_server():
    unchecked = [
        f"{path.relative_to(TEMPLATES)}: {tag}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for tag in FORM_TAG.findall(path.read_text())
        if "novalidate" not in tag
    ]
    assert len(list(TEMPLATES.rglob("*.html"))) > 50
    assert unchecked == []
