"""Thai first, English second, on every page, with a switcher that works without JavaScript."""

from pathlib import Path

import django
import polib
import pytest
from django.conf import settings
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_a_first_visit_is_in_thai(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "th"
    assert '<html lang="th">' in response.text
    assert "ขอความช่วยเหลือจากรัฐได้ในที่เดียว" in response.text


def test_a_browser_set_to_english_still_starts_in_thai(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "th"


def test_switching_to_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert response["Content-Language"] == "en"
    assert "Ask the state for help, in one place" in response.text
    assert "Legal advice and legal aid" in response.text

    # The choice is remembered on the next visit.
    assert client.get("/")["Content-Language"] == "en"

    client.post("/i18n/setlang/", {"language": "th", "next": "/"})
    response = client.get("/")
    assert response["Content-Language"] == "th"
    assert "ปรึกษาและช่วยเหลือทางกฎหมาย" in response.text


def test_the_switcher_refuses_to_redirect_to_another_site(client):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "https://evil.example/"}, follow=False
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_an_unknown_language_is_ignored(client):
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert client.get("/")["Content-Language"] == "th"


def test_every_message_has_a_thai_translation_and_the_compiled_catalogue_is_current():
    locale = settings.BASE_DIR / "locale" / "th" / "LC_MESSAGES"
    source = polib.pofile(str(locale / "django.po"))
    compiled = polib.mofile(str(locale / "django.mo"))

    untranslated = [entry.msgid for entry in source.untranslated_entries()]
    fuzzy = [entry.msgid for entry in source.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []
    compiled_strings = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in compiled}
    source_strings = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in source.translated_entries()
    }
    assert compiled_strings == source_strings, "run `make messages` to compile django.mo"


def test_every_message_of_djangos_forms_and_validators_is_in_thai():
    """A mistake in any form is answered in Thai on a Thai page: Django's own catalogue
    lacks some of its form messages (too long a text, a NUL character ...), which the
    portal's catalogue gives."""
    english = Path(django.__file__).parent / "conf" / "locale" / "en" / "LC_MESSAGES"
    messages = [
        entry
        for entry in polib.pofile(str(english / "django.po"))
        if any(
            place.startswith(("core/validators.py", "forms/fields.py", "forms/models.py"))
            for place, _line in entry.occurrences
        )
    ]
    assert len(messages) > 40
    with translation.override("th"):
        catalogue = translation.trans_real.translation("th")
        missing = [
            entry.msgid
            for entry in messages
            if entry.msgid not in {"IPv4", "IPv6"}  # the same in Thai
            and (
                catalogue.ngettext(entry.msgid, entry.msgid_plural, 2) == entry.msgid_plural
                if entry.msgid_plural
                else catalogue.gettext(entry.msgid) == entry.msgid
            )
        ]
    assert missing == []


def test_a_text_too_long_is_refused_in_thai_on_a_thai_page():
    from referrals.forms import QuestionForm

    data = {"text": "ก" * 2001}
    with translation.override("en"):
        [in_english] = QuestionForm(data).errors["text"]
    with translation.override("th"):
        [in_thai] = QuestionForm(data).errors["text"]
    assert in_english.startswith("Ensure this value has at most 2000 characters")
    assert in_thai != in_english and "2000" in in_thai and "2001" in in_thai
