"""The object permissions Django asks about (``user.has_perm(perm, obj)``), answered by the
portal's own rules.

django-guardian's rows record which agencies have, or had, a part in a case; whether a
person may use them depends on their role, the case's restriction and the purpose of the
access, which ``agencies.permissions`` decides. Guardian's ``ObjectPermissionBackend``
would answer from the rows alone (yes to an agency administrator, to an intake officer on
a restricted case), so it is not installed: this backend stands in its place.
"""

from agencies import permissions


class CasePermissionBackend:
    """Answers ``has_perm`` for an object by ``agencies.permissions.has_object_permission``;
    authenticates nobody and grants nothing without an object (that is ModelBackend's)."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if obj is None or not getattr(user_obj, "is_active", False):
            return False
        app_label, _dot, codename = perm.partition(".")
        if app_label != obj._meta.app_label:
            return False
        return permissions.has_object_permission(user_obj, codename, obj)

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if obj is None:
            return set()
        return {
            f"{obj._meta.app_label}.{codename}"
            for codename in permissions.OBJECT_PERMISSIONS
            if self.has_perm(user_obj, f"{obj._meta.app_label}.{codename}", obj)
        }
