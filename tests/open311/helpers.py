"""An Open311 client for the tests: the standard's calls, and its answers read back into
plain data from either format (XML with ElementTree, JSON with json)."""

import json
from urllib.parse import urlencode
from xml.etree import ElementTree

from django.test import Client

ROOT = "/open311/v2"
FORMATS = ["json", "xml"]

# What a valid POST requests sends, as a client fills the service definition in.
NEW_REQUEST = {
    "jurisdiction_id": "th.mou-referral",
    "service_code": "unpaid-wages",
    "first_name": "สมชาย",
    "last_name": "ใจดี",
    "phone": "081 234 5678",
    "email": "somchai@example.com",
    "description": "นายจ้างไม่จ่ายค่าจ้างมาสามเดือนแล้ว ขอความช่วยเหลือ",
    "attribute[province]": "10",
}

# Items of the lists, as the standard names them in XML.
LISTS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def client(language: str = "th") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def get(path: str, language: str = "th", **params):
    return client(language).get(f"{ROOT}/{path}", params)


def post(fmt: str, data: dict, language: str = "th", **headers):
    """POST requests.{fmt} as the standard sends it: a urlencoded form."""
    return client(language).post(
        f"{ROOT}/requests.{fmt}",
        urlencode(data, doseq=True),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
        **headers,
    )


def _element(element: ElementTree.Element):
    if element.tag in LISTS:
        return [_element(child) for child in element]
    if len(element):
        return {child.tag: _element(child) for child in element}
    return element.text


def read(response):
    """The answer as plain data. XML's texts stay strings, and its empty elements None,
    as a client reading XML sees them."""
    content_type = response["Content-Type"]
    if content_type == "application/json; charset=utf-8":
        return json.loads(response.content)
    assert content_type == "text/xml; charset=utf-8", content_type
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return _element(ElementTree.fromstring(response.content))  # noqa: S314 (the portal's own)


def root_of(response) -> str:
    return ElementTree.fromstring(response.content).tag  # noqa: S314 (the portal's own)


def errors(response) -> list[str]:
    """The descriptions of the standard's error list, checking its shape and codes."""
    body = read(response)
    assert isinstance(body, list) and body, body
    if response["Content-Type"].startswith("text/xml"):
        assert root_of(response) == "errors"
    for error in body:
        assert set(error) == {"code", "description"}
        assert int(error["code"]) == response.status_code
    return [error["description"] for error in body]


def flag(value) -> bool:
    """A boolean as JSON or XML carries it."""
    return value is True or value == "true"
