"""Open311's two formats: XML (required by the standard) and JSON (its "Spark" mapping).

A document is plain data: dicts, lists, strings, numbers, booleans and None. In XML a
list is an element holding one child per item, named by ``ITEM_NAMES`` (``<services>``
holds ``<service>``, ``<attributes>`` holds ``<attribute>``); in JSON it is an array. A
list at the top is the document itself in JSON and its root element in XML, as the
standard's examples show: ``[{...}]`` and ``<service_requests><request>...``.
"""

import json
import re
from xml.etree import ElementTree

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

FORMATS = ("xml", "json")
MEDIA_TYPES = {"xml": "text/xml", "json": "application/json"}
CONTENT_TYPES = {fmt: f"{media}; charset=utf-8" for fmt, media in MEDIA_TYPES.items()}
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# Characters XML 1.0 cannot carry at all (control characters, lone surrogates): a note an
# officer pasted with one in it must not make the whole list unreadable to every client.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def format_of(path: str) -> str:
    """The format a path asks for by its suffix; XML, the standard's own, otherwise."""
    return "json" if path.rstrip("/").endswith(".json") else "xml"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_IN_XML.sub("", str(value))


def _fill(element: ElementTree.Element, value) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ElementTree.SubElement(element, name), child)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES[element.tag]
        for item in value:
            _fill(ElementTree.SubElement(element, item_name), item)
    else:
        element.text = _text(value)


def to_xml(root: str, document) -> bytes:
    element = ElementTree.Element(root)
    _fill(element, document)
    return (XML_DECLARATION + ElementTree.tostring(element, encoding="unicode")).encode()


def to_json(document) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def respond(fmt: str, root: str, document, status: int = 200) -> HttpResponse:
    """The document as an HTTP answer in ``fmt``; ``root`` names XML's root element."""
    body = to_json(document) if fmt == "json" else to_xml(root, document)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    # Messages and names follow Accept-Language.
    patch_vary_headers(response, ["Accept-Language"])
    return response


def errors(fmt: str, status: int, descriptions) -> HttpResponse:
    """The standard's error list: one ``{code, description}`` per message, each with the
    HTTP status as its code."""
    if not isinstance(descriptions, list | tuple):
        descriptions = [descriptions]
    document = [{"code": status, "description": str(text)} for text in descriptions]
    return respond(fmt, "errors", document, status=status)
