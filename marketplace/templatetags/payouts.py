"""``{% payout_status user as words %}``: whether someone can be paid by card, in plain words
(for "My listings", which belongs to the directory)."""

from django import template

from marketplace.payments import connect

register = template.Library()


@register.simple_tag
def payout_status(user) -> str:
    return connect.STATUS_WORDS[connect.status_of(user)]
