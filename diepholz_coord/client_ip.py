"""The client's address, trusting X-Forwarded-For only as far as configured proxies wrote it.

`TRUSTED_PROXY_COUNT` (settings; 1 behind the compose proxy, 0 without a proxy) says how many proxies in front of
the application append to X-Forwarded-For. The client is the entry the outermost trusted proxy added, counted
from the right; everything left of it may be made up by the client. Without trusted proxies the header is
ignored and the socket's address counts.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    address = address.strip()
    if address.startswith("[") and "]" in address:  # [IPv6]:port
        address = address[1 : address.index("]")]
    elif address.count(":") == 1:  # IPv4:port
        address = address.split(":")[0]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote  # not (fully) through the trusted proxies: the socket's address
    return _valid(forwarded[-count]) or remote
