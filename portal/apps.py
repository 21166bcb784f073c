from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_delete, post_save


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        # SQLite learns the MEDIAN aggregate as each connection opens (the embedded default).
        from portal.dashboards import aggregates  # noqa: F401
        from portal.dashboards.snapshots import forget_plan_views
        from portal.middleware import start_staff_session
        from strategies import models as plan

        user_logged_in.connect(start_staff_session, dispatch_uid="staff-session")
        # An administrator who changes the plan sees it on the strategies page at once.
        for model in (plan.Project, plan.Activity, plan.Indicator, plan.IndicatorTarget):
            post_save.connect(forget_plan_views, sender=model, dispatch_uid=f"plan-{model}")
            post_delete.connect(forget_plan_views, sender=model, dispatch_uid=f"plan-d-{model}")
        post_save.connect(forget_plan_views, sender=plan.IndicatorValue, dispatch_uid="plan-v")
        post_delete.connect(forget_plan_views, sender=plan.IndicatorValue, dispatch_uid="plan-dv")
        m2m_changed.connect(
            forget_plan_views,
            sender=plan.Project.participating_agencies.through,
            dispatch_uid="plan-m2m",
        )
