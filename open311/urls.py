from django.urls import re_path

from open311 import views

app_name = "open311"

# The format is the path's suffix, as the standard has it: services.xml, services.json.
FORMAT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(rf"^discovery{FORMAT}", views.discovery, name="discovery"),
    re_path(rf"^services{FORMAT}", views.service_list, name="services"),
    re_path(
        rf"^services/(?P<service_code>[^/]+){FORMAT}", views.service_definition, name="service"
    ),
    re_path(rf"^requests{FORMAT}", views.service_requests, name="requests"),
    re_path(
        rf"^requests/(?P<service_request_id>[^/]+){FORMAT}", views.service_request, name="request"
    ),
    re_path(rf"^tokens/(?P<token>[^/]+){FORMAT}", views.token, name="token"),
    # Anything else under /open311/v2/ is answered in the standard's format too.
    re_path(r"", views.not_found),
]
