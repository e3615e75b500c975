"""Who may act for which provider: the one place that answers it.

Roles (DESIGN.md):
- coordinator: the county's course coordination; everything, all providers. Group "Koordination"
  (or a superuser).
- county staff: county departments; read district overviews and statistics, no participant names.
  Group "Kreisverwaltung".
- provider admin / provider staff: through a Membership of the user in a provider.

Answers for views: another provider's object → 404 (it "does not exist" for you), a missing right inside one's
own provider → 403, anonymous → login (LoginRequiredMiddleware).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


COORDINATOR_GROUP = "Koordination"
COUNTY_STAFF_GROUP = "Kreisverwaltung"


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    COUNTY_STAFF = "county_staff"
    PROVIDER_ADMIN = "provider_admin"
    PROVIDER_STAFF = "provider_staff"
    NONE = "none"


COUNTY_ROLES = frozenset({Role.COORDINATOR, Role.COUNTY_STAFF})
PROVIDER_ROLES = frozenset({Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF})


def _group_names(user) -> frozenset[str]:
    # Cached on the user object: one query per request however often roles are asked.
    if not hasattr(user, "_access_group_names"):
        user._access_group_names = frozenset(user.groups.values_list("name", flat=True))
    return user._access_group_names


def _memberships(user) -> dict[int, str]:
    """provider id → membership role ("admin"/"staff") of the user's active memberships."""
    if not hasattr(user, "_access_memberships"):
        from courses.models import Membership

        user._access_memberships = dict(
            Membership.objects.filter(user=user, provider__active=True).values_list("provider_id", "role")
        )
    return user._access_memberships


def role_of(user: AbstractBaseUser | AnonymousUser) -> Role:
    """The strongest role of the user."""
    if not user.is_authenticated or not user.is_active:
        return Role.NONE
    if user.is_superuser or COORDINATOR_GROUP in _group_names(user):
        return Role.COORDINATOR
    if COUNTY_STAFF_GROUP in _group_names(user):
        return Role.COUNTY_STAFF
    roles = set(_memberships(user).values())
    if "admin" in roles:
        return Role.PROVIDER_ADMIN
    if "staff" in roles:
        return Role.PROVIDER_STAFF
    return Role.NONE


def is_coordinator(user) -> bool:
    return role_of(user) == Role.COORDINATOR


def sees_whole_district(user) -> bool:
    """Coordinator and county staff read data of all providers (county staff: aggregates, no names)."""
    return role_of(user) in COUNTY_ROLES


def provider_ids_for(user) -> frozenset[int]:
    """Providers whose data the user may see as their own. Empty for county roles (they see all)."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(_memberships(user))


def admin_provider_ids_for(user) -> frozenset[int]:
    """Providers the user administers (courses, venues, staff accounts)."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(pid for pid, role in _memberships(user).items() if role == "admin")


def may_view_provider_data(user, provider_id: int) -> bool:
    return sees_whole_district(user) or provider_id in provider_ids_for(user)


def may_manage_provider(user, provider_id: int) -> bool:
    """Create/edit courses and venues, manage staff accounts of this provider."""
    return is_coordinator(user) or provider_id in admin_provider_ids_for(user)


def may_report_places(user, provider_id: int) -> bool:
    """Coordinator for everyone; provider admin and staff for their own provider."""
    return is_coordinator(user) or provider_id in provider_ids_for(user)


def manageable_providers(user):
    """Queryset of the providers the user may manage (choices in forms; never trust a posted id)."""
    from courses.models import Provider

    qs = Provider.objects.filter(active=True)
    if is_coordinator(user):
        return qs
    return qs.filter(pk__in=admin_provider_ids_for(user))


def require_role(*roles: Role) -> Callable:
    """View decorator: 403 unless the user has one of the roles (login is already enforced globally)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if role_of(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
