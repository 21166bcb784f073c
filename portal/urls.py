from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from portal import two_factor, views
from portal.dashboards.views.stats import public_stats

admin.site.site_header = admin.site.site_title = _("Referral portal administration")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", include((two_factor.urlpatterns, "two_factor"))),
    path("staff/api-keys/", include("api.page_urls")),
    path("staff/replies/", include("referrals.replies.urls")),
    path("staff/members/", include("agencies.members.urls")),
    path("staff/offices/", include("agencies.offices.urls")),
    path("staff/exchanges/", include("integrations.urls")),
    path("staff/imports/1111/", include("integrations.import_urls")),
    path("staff/", include("referrals.staff_urls")),
    path("dashboards/", include("portal.dashboards.urls")),
    path("plan/", include("strategies.urls")),
    path("stats/", public_stats, name="public_stats"),
    path("api/v1/", include("api.urls")),
    path("open311/v2/", include("open311.urls")),
    path("exchanges/traffy/", include("integrations.traffy.urls")),
    path("line/", include("referrals.line.urls")),
    path("", include("referrals.public.urls")),
    # The admin signs in through the portal's sign-in and its limits, not a second door.
    path("admin/login/", views.admin_sign_in),
    path("admin/", admin.site.urls),
]

handler404 = "portal.views.not_found"
