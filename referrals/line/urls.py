from django.urls import path

from referrals.line import views

app_name = "line"

urlpatterns = [
    path("webhook/", views.webhook, name="webhook"),
]
