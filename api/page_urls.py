from django.urls import path

from api import pages

app_name = "api_keys"

urlpatterns = [
    path("", pages.key_list, name="list"),
    path("<slug:prefix>/revoke/", pages.revoke, name="revoke"),
]
