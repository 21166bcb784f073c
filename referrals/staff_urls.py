from django.urls import path

from referrals import converters  # noqa: F401 (registers <case_reference:...>)
from referrals import staff_views as views
from referrals.staff import approvals

app_name = "staff"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("assign/", views.bulk_assign, name="bulk_assign"),
    path("intake/", views.intake, name="intake"),
    path("approvals/", approvals.approvals, name="approvals"),
    path("proposals/<int:pk>/withdraw/", approvals.withdraw_proposal, name="withdraw_proposal"),
    path("transfers/<int:pk>/<str:action>/", approvals.transfer_action, name="transfer_action"),
    path("erasure/", views.erasure_requests, name="erasure_requests"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.open_notification, name="open_notification"),
    path("cases/<case_reference:reference>/", views.case_detail, name="case"),
    path("cases/<case_reference:reference>/slip/", views.slip, name="slip"),
    path("cases/<case_reference:reference>/files/<int:pk>/", views.attachment, name="attachment"),
    path("cases/<case_reference:reference>/<str:action>/", views.case_action, name="case_action"),
    path(
        "cases/<case_reference:reference>/<str:action>/form/",
        views.case_action_form,
        name="case_action_form",
    ),
    path("referrals/<int:pk>/<str:action>/", views.referral_action, name="referral_action"),
]
