"""The portal's URLs plus two reference views, for the benchmark server only.

Served when ``ROOT_URLCONF=bench.urls``: the constant view measures the cost of the server
and the middleware, the trivial-query view adds one round trip to the database. A page's
throughput reads best as a share of the second.
"""

from django.db import connection
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_safe


@require_safe
def constant(request):
    return HttpResponse(b"ok", content_type="text/plain")


@require_safe
def trivial_query(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (value,) = cursor.fetchone()
    return HttpResponse(str(value).encode(), content_type="text/plain")


urlpatterns = [
    path("bench/constant", constant),
    path("bench/trivial-query", trivial_query),
    path("", include("portal.urls")),
]
