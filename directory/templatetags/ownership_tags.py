"""Who manages a listing, for templates: ``{% load ownership_tags %}``.

    {% if user|manages:page %}…{% endif %}          owner or manager
    {% if page|has_owner %}…{% endif %}            someone on Kith answers for it
    {{ page|account_holder }}                      the person contacted and paid

Thin wrappers over ``directory.ownership``, which decides.
"""

from django import template

from directory import ownership

register = template.Library()


@register.filter
def manages(user, listing) -> bool:
    return ownership.manages(user, listing)


@register.filter
def has_owner(listing) -> bool:
    return ownership.has_owner(listing)


@register.filter
def account_holder(listing):
    return ownership.account_holder(listing)
