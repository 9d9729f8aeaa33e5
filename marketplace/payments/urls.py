"""Money pages and Stripe's webhook, mounted at /marketplace/ (``marketplace:``)."""

from django.urls import path

from marketplace.payments import payout_views, views, webhooks

urlpatterns = [
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/pay/<str:token>/", views.invoice_for_payer, name="invoice_for_payer"),
    path("payment-details/", views.payment_details, name="payment_details"),
    path("invoices/<int:pk>/<slug:action>/", views.invoice_action, name="invoice_action"),
    path("statements/<int:plan_pk>/", views.statement, name="statement"),
    path("statements/<int:plan_pk>/csv/", views.statement_csv, name="statement_csv"),
    path("statements/<int:plan_pk>/print/", views.statement_print, name="statement_print"),
    path("payouts/", payout_views.payouts_page, name="payouts"),
    path("payouts/connect/", payout_views.payouts_connect, name="payouts_connect"),
    path("payouts/return/", payout_views.payouts_return, name="payouts_return"),
    path("payouts/csv/", payout_views.payouts_csv, name="payouts_csv"),
]
