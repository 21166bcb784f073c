"""Emergency and hotline numbers are links a phone can call, in Thai and in English."""

import re

import pytest
from django.template import Context, Template

pytestmark = pytest.mark.django_db

PAGES = {
    "/": {"191", "1300", "1111"},
    "/requests/new/": {"191", "1300", "1111"},
    "/track/": {"1111"},
    "/privacy/": {"1111"},
}


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_the_citizens_pages_make_each_hotline_a_tel_link(client, path, language):
    client.cookies["django_language"] = language

    page = client.get(path).content.decode()

    called = set(re.findall(r'href="tel:(\d+)">\1</a>', page))
    assert PAGES[path] <= called


def test_only_the_hotlines_become_links_and_the_text_stays_escaped():
    rendered = Template("{% load portal %}{{ text|hotlines }}").render(
        Context({"text": "<b>โทร 1111</b> เรื่อง RP-2569-1111AB หรือ 11110 หรือ 1300/2"})
    )

    assert rendered == (
        '&lt;b&gt;โทร <a class="tel" href="tel:1111">1111</a>&lt;/b&gt; '
        "เรื่อง RP-2569-1111AB หรือ 11110 หรือ 1300/2"
    )
