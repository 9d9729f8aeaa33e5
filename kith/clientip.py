"""The address a request came from, for rate limits and login lockouts.

Anyone can send an ``X-Forwarded-For`` header, so it is believed only as far
as ``KITH_TRUSTED_PROXIES`` says: with 0 (the default) Kith uses the address
of the connection itself; with N, Kith sits behind N proxies of its own, each
appending the address it saw, so the client is the Nth address from the right.
Addresses further left were written by the client and are ignored.

One function for every limit: the API throttles (``kith.throttling``), the
contact form (``cms.contact``) and allauth's sign-in limits
(``accounts.adapter``).
"""

import ipaddress

from django.conf import settings


def _clean(address: str) -> str:
    address = address.strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def client_ip(request) -> str:
    """The client's address as Kith's own proxies report it, else the connection's."""
    remote = _clean(request.META.get("REMOTE_ADDR", "")) or "unknown"
    trusted = settings.KITH_TRUSTED_PROXIES
    if trusted <= 0:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < trusted:
        # The request skipped some of our proxies: the nearest of them saw this address.
        return _clean(hops[0]) or remote if hops else remote
    return _clean(hops[-trusted]) or remote
