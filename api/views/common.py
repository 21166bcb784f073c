"""What every view of the API shares: pages, ETags, callers and limits."""

import hashlib
import json

from rest_framework.pagination import CursorPagination

from api.access import CallerThrottle, IsCaller
from api.errors import PreconditionFailed


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ByCode(CursorPagination):
    ordering = "code"
    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000


class ById(ByCode):
    ordering = "id"


def etag_of(data) -> str:
    """The ETag of a representation: a digest of what the caller would read."""
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def matches(header: str, tag: str) -> bool:
    tags = {part.strip().removeprefix("W/") for part in header.split(",")}
    return "*" in tags or tag in tags


class ApiView:
    """What every view of the API shares: callers, limits, the one error shape."""

    permission_classes = [IsCaller]
    throttle_classes = [CallerThrottle]


def expected_version(request, current_tag, data, version_now) -> int | None:
    """The version the caller saw: from If-Match (412 if the ETag changed) or the body."""
    if_match = request.headers.get("If-Match")
    if if_match is not None and current_tag is not None:
        if not matches(if_match, current_tag()):
            raise PreconditionFailed()
        return data.get("version") or version_now
    return data.get("version")
