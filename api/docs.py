"""The API's documentation pages, from files vendored by drf-spectacular-sidecar.

Swagger UI and ReDoc set styles from their scripts (and ReDoc runs a web worker from a
blob), so these two pages alone allow inline styles and blob workers; scripts stay
same-origin only, as everywhere else. ReDoc's bundle would fetch the Redocly logo from
cdn.redoc.ly: it is served here with the portal's own icon instead, since nothing is
fetched from outside at run time.
"""

import functools
from pathlib import Path

import drf_spectacular_sidecar
from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

BLOB = "blob:"
DOCS_POLICY = {"style-src": [UNSAFE_INLINE], "worker-src": [SELF, BLOB], "img-src": [BLOB]}
REDOC_BUNDLE = (
    Path(drf_spectacular_sidecar.__file__).parent / "static/drf_spectacular_sidecar/redoc/bundles"
) / "redoc.standalone.js"
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@method_decorator(csp_update(DOCS_POLICY), name="dispatch")
class SwaggerView(SpectacularSwaggerSplitView):
    pass


@method_decorator(csp_update(DOCS_POLICY), name="dispatch")
class RedocView(SpectacularRedocView):
    @staticmethod
    def _redoc_standalone():
        return reverse("api:redoc-script")


@functools.cache
def _bundle() -> bytes:
    return REDOC_BUNDLE.read_text().replace(REDOCLY_LOGO, static("favicon.svg")).encode()


@require_safe
@cache_control(public=True, max_age=86400)
def redoc_script(request):
    return HttpResponse(_bundle(), content_type="text/javascript; charset=utf-8")
