from django.conf import settings

from . import access


def navigation(request):
    """What the navigation bar needs: the user's role (one cached lookup per request)."""
    user = getattr(request, "user", None)
    role = access.role_of(user) if user is not None else access.Role.NONE
    own_providers = access.provider_ids_for(user) if role in access.PROVIDER_ROLES else frozenset()
    return {
        "role": str(role),
        # The provider page in the navigation, for the usual case of a person working for one provider.
        "own_provider_id": next(iter(own_providers)) if len(own_providers) == 1 else None,
        "is_coordinator": role == access.Role.COORDINATOR,
        "sees_district": role in access.COUNTY_ROLES,
        "is_provider_user": role in access.PROVIDER_ROLES,
        "county_name": settings.COUNTY_NAME,
        # Logged in, but the code step of the two-factor login is still to come: no navigation yet.
        "two_factor_pending": getattr(request, "two_factor_step", None) is not None,
    }
