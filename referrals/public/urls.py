from django.urls import path

from referrals import converters  # noqa: F401 (registers <case_reference:...>)
from referrals.public import asking, following, recovering

app_name = "public"

urlpatterns = [
    path("requests/new/", asking.new_request, name="new_request"),
    path("requests/<case_reference:reference>/received/", asking.received, name="received"),
    path("places/", asking.places, name="places"),
    path("privacy/", asking.privacy, name="privacy"),
    path("track/", following.track, name="track"),
    path("track/forgot/", recovering.forgot, name="forgot_secret"),
    path("track/forgot/code/", recovering.enter_code, name="secret_code"),
    path(
        "track/<case_reference:reference>/new-secret/",
        recovering.new_secret,
        name="new_secret",
    ),
    path("track/<case_reference:reference>/", following.case_page, name="case"),
    path("track/<case_reference:reference>/data.json", following.data_export, name="data_export"),
    path("track/<case_reference:reference>/forget/", following.forget, name="forget"),
    path(
        "track/<case_reference:reference>/confirm-email/<str:token>/",
        following.confirm_email,
        name="confirm_email",
    ),
    path(
        "track/<case_reference:reference>/<str:action>/", following.case_action, name="case_action"
    ),
]
