from django.urls import path

from referrals import public_views as views

app_name = "public"

urlpatterns = [
    path("requests/new/", views.new_request, name="new_request"),
    path("requests/<str:reference>/received/", views.received, name="received"),
    path("places/", views.places, name="places"),
    path("privacy/", views.privacy, name="privacy"),
    path("track/", views.track, name="track"),
    path("track/<str:reference>/", views.case_page, name="case"),
    path("track/<str:reference>/data.json", views.data_export, name="data_export"),
    path("track/<str:reference>/forget/", views.forget, name="forget"),
    path("track/<str:reference>/<str:action>/", views.case_action, name="case_action"),
]
