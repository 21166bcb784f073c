"""What every view of the API shares: pages, ETags, callers and limits."""

import hashlib
import json

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
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


def action_views(
    serializers: dict, base, *, kind: str, tag: str, responses, permissions=None, if_match=True
) -> dict:
    """One view per action (name -> its input serializer), each a subclass of ``base`` with
    its own input in the schema (operation ``<kind>s_<name>``); ``permissions`` (name ->
    the permission of the registry) says in the schema what each needs, ``if_match``
    that it takes the If-Match header."""
    views = {}
    for name, serializer in serializers.items():
        view = type(
            f"{kind.title()}{name.title().replace('_', '')}View",
            (base,),
            {"action_name": name, "serializer_class": serializer},
        )
        schema = {
            "tags": [tag],
            "operation_id": f"{kind}s_{name}",
            "request": serializer,
            "responses": responses,
        }
        if if_match:
            schema["parameters"] = [OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)]
        if permissions is not None:
            schema["description"] = _("Needs the permission %(permission)s.") % {
                "permission": permissions[name]
            }
        views[name] = extend_schema_view(post=extend_schema(**schema))(view)
    return views
