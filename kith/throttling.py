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
    """Signed-in clients: per account (the address is used only before sign-in)."""
