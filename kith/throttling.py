"""API rate limits keyed on the real client address (``kith.clientip``), never on
a header the client wrote."""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from kith.clientip import client_ip


class ClientIPMixin:
    def get_ident(self, request):
        return client_ip(request)


class AnonThrottle(ClientIPMixin, AnonRateThrottle):
    """Anonymous clients: a number of requests a minute per address."""


class UserThrottle(ClientIPMixin, UserRateThrottle):
    """Signed-in clients: per account.

    Anonymous requests are left to AnonThrottle. DRF's UserRateThrottle would
    count them a second time against the same address (at the higher signed-in
    rate, so it never decided anything), which cost every anonymous API request
    five more queries on the database cache.
    """

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None  # not throttled here
        return super().get_cache_key(request, view)
