"""Stripe's webhook route, included by ``marketplace.urls`` at /marketplace/stripe/webhook/."""

from django.urls import path

from marketplace import webhooks

urlpatterns = [
    path("webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
