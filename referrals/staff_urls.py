from django.urls import path

from referrals import staff_views as views

app_name = "staff"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("assign/", views.bulk_assign, name="bulk_assign"),
    path("intake/", views.intake, name="intake"),
    path("erasure/", views.erasure_requests, name="erasure_requests"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.open_notification, name="open_notification"),
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path("cases/<str:reference>/slip/", views.slip, name="slip"),
    path("cases/<str:reference>/files/<int:pk>/", views.attachment, name="attachment"),
    path("cases/<str:reference>/<str:action>/", views.case_action, name="case_action"),
    path("referrals/<int:pk>/<str:action>/", views.referral_action, name="referral_action"),
]
