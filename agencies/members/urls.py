from django.urls import path

from agencies.members import pages

app_name = "members"

urlpatterns = [
    path("", pages.member_list, name="list"),
    path("invite/", pages.invite, name="invite"),
    path("changes/", pages.changes, name="changes"),
    path("password/<str:uidb64>/<str:token>/", pages.set_password, name="set_password"),
    path("<int:pk>/", pages.member, name="member"),
    path("<int:pk>/<slug:action>/", pages.act, name="act"),
]
