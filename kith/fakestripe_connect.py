"""Stripe Connect for the fake Stripe: Express accounts, transfers and transfer reversals.

localstripe StripeObjects, defined at module level because localstripe pickles
its whole store to disk after every change.
"""

from __future__ import annotations

from urllib.parse import quote

from localstripe.errors import UserError
from localstripe.resources import Charge, Event, StripeObject, store, try_convert_to_int
from localstripe.webhooks import schedule_webhook

FAKE_ONBOARDING_PATH = "/_config/connect/onboard/{id}"


def _metadata(value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UserError(400, "metadata must be a dictionary")
    return dict(value)


def _requested(capabilities) -> bool:
    wanted = (capabilities or {}).get("transfers") or {}
    return str(wanted.get("requested", "")).lower() == "true"


def _positive_pence(amount) -> int:
    amount = try_convert_to_int(amount)
    if not isinstance(amount, int) or amount <= 0:
        raise UserError(400, "amount must be a positive whole number of pence")
    return amount


class Account(StripeObject):
    """A connected account: nothing is switched on until onboarding is finished."""

    object = "account"
    _id_prefix = "acct_"

    def __init__(
        self,
        type=None,  # noqa: A002 - Stripe's parameter name
        country=None,
        email=None,
        capabilities=None,
        business_type=None,
        metadata=None,
        **kwargs,
    ):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        if type not in ("express", "standard", "custom"):
            raise UserError(400, "type must be express, standard or custom")
        super().__init__()
        self.type = type
        self.country = country or "GB"
        self.email = email
        self.business_type = business_type
        self.default_currency = "gbp"
        self.metadata = _metadata(metadata)
        self.charges_enabled = False
        self.payouts_enabled = False
        self.details_submitted = False
        self.capabilities = {"transfers": "inactive"} if _requested(capabilities) else {}
        self.requirements = {"currently_due": ["individual.verification.document"]}

    def _onboard(self, outcome: str) -> None:
        """The person went through Stripe's pages: enabled, or waiting for checks."""
        self.details_submitted = True
        if outcome == "pending":
            self.requirements = {"currently_due": [], "pending_verification": ["individual"]}
            if "transfers" in self.capabilities:
                self.capabilities = {**self.capabilities, "transfers": "pending"}
        else:
            self.charges_enabled = True
            self.payouts_enabled = True
            self.requirements = {"currently_due": []}
            self.capabilities = {**self.capabilities, "transfers": "active"}
        store[self.object + ":" + self.id] = self
        schedule_webhook(Event("account.updated", self))

    def _can_receive(self) -> bool:
        return self.capabilities.get("transfers") == "active"


class AccountLink:
    """Not stored (Stripe's are one-time URLs too): a page on this fake that onboards."""

    def __init__(self, account, refresh_url, return_url, type, base):  # noqa: A002
        self.object = "account_link"
        self.account = account
        self.url = (
            base
            + FAKE_ONBOARDING_PATH.format(id=account)
            + "?return_url="
            + quote(return_url, safe="")
        )
        self.refresh_url = refresh_url
        self.return_url = return_url
        self.type = type


class TransferReversal(StripeObject):
    object = "transfer_reversal"
    _id_prefix = "trr_"

    def __init__(self, transfer, amount, metadata=None, description=None):
        super().__init__()
        self.transfer = transfer.id
        self.amount = amount
        self.currency = transfer.currency
        self.metadata = _metadata(metadata)
        self.description = description
        self.destination_payment_refund = None
        self.source_refund = None


class Transfer(StripeObject):
    """Money from the platform's balance to a connected account (balances are not modelled)."""

    object = "transfer"
    _id_prefix = "tr_"

    def __init__(
        self,
        amount=None,
        currency=None,
        destination=None,
        transfer_group=None,
        source_transaction=None,
        description=None,
        metadata=None,
        **kwargs,
    ):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        amount = _positive_pence(amount)
        if not isinstance(currency, str) or not currency:
            raise UserError(400, "currency is required")
        if not isinstance(destination, str) or not destination:
            raise UserError(400, "destination is required")
        account = store.get("account:" + destination)
        if account is None:
            raise UserError(400, f"No such destination: '{destination}'")
        if not account._can_receive():
            raise UserError(
                400,
                "Your destination account needs to have at least one of the following "
                "capabilities enabled: transfers, crypto_transfers, legacy_payments",
            )
        if source_transaction is not None:
            Charge._api_retrieve(source_transaction)  # 404 if there is no such charge
        super().__init__()
        self.amount = amount
        self.amount_reversed = 0
        self.currency = currency
        self.destination = destination
        self.transfer_group = transfer_group
        self.source_transaction = source_transaction
        self.description = description
        self.metadata = _metadata(metadata)
        self.reversed = False
        self._reversals = []
        schedule_webhook(Event("transfer.created", self))

    @property
    def reversals(self):
        return {
            "object": "list",
            "data": [r._export() for r in self._reversals],
            "has_more": False,
            "total_count": len(self._reversals),
            "url": f"/v1/transfers/{self.id}/reversals",
        }

    def _reverse(self, amount=None, metadata=None, description=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        left = self.amount - self.amount_reversed
        amount = left if amount is None else _positive_pence(amount)
        if amount > left:
            raise UserError(
                400,
                f"You have attempted to reverse {amount}, but the transfer only has "
                f"{left} left to reverse.",
            )
        reversal = TransferReversal(self, amount, metadata, description)
        self._reversals.append(reversal)
        self.amount_reversed += amount
        self.reversed = self.amount_reversed >= self.amount
        store[self.object + ":" + self.id] = self
        schedule_webhook(Event("transfer.reversed", self))
        return reversal

    @classmethod
    def _api_list_all(
        cls, url, limit=None, starting_after=None, destination=None, transfer_group=None, **kwargs
    ):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        listed = super()._api_list_all(url, limit=limit, starting_after=starting_after)
        if destination is not None:
            listed._list = [t for t in listed._list if t.destination == destination]
        if transfer_group is not None:
            listed._list = [t for t in listed._list if t.transfer_group == transfer_group]
        return listed
