"""Kith's allauth adapter: sign-in rate limits count the real client address."""

from allauth.account.adapter import DefaultAccountAdapter

from kith.clientip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        return client_ip(request)
