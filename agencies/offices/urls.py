from django.urls import path

from agencies.offices import pages

app_name = "offices"

urlpatterns = [
    path("", pages.office_list, name="list"),
    path("<int:pk>/", pages.office, name="office"),
]
