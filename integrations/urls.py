from django.urls import path

from integrations import pages

app_name = "integrations"

urlpatterns = [
    path("", pages.exchanges, name="exchanges"),
    path("<int:pk>/retry/", pages.retry, name="retry"),
    path("connections/<int:pk>/read/", pages.read_now, name="read_now"),
]
