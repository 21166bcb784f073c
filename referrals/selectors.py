from django.db.models import QuerySet

from referrals.models import Category


def help_categories() -> QuerySet[Category]:
    """The active help categories in display order, with their lead agency loaded."""
    return Category.objects.filter(is_active=True).select_related("lead_agency")
