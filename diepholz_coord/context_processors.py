from django.conf import settings

from . import access


def navigation(request):
    """What the navigation bar needs: the user's role (one cached lookup per request)."""
    user = getattr(request, "user", None)
    role = access.role_of(user) if user is not None else access.Role.NONE
    return {
        "role": str(role),
        "is_coordinator": role == access.Role.COORDINATOR,
        "sees_district": role in access.COUNTY_ROLES,
        "is_provider_user": role in access.PROVIDER_ROLES,
        "county_name": settings.COUNTY_NAME,
    }
