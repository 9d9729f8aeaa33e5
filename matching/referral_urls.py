"""Referrals to user-led organisations (/plan/referrals/)."""

from django.urls import path, re_path

from matching import referral_views as views

urlpatterns = [
    path("", views.referral_list, name="referral_list"),
    path("new/<int:ulo_page_id>/", views.referral_new, name="referral_new"),
    path("inbox/", views.referral_inbox, name="referral_inbox"),
    path("<int:pk>/", views.referral_detail, name="referral_detail"),
    path("<int:pk>/messages/", views.referral_message, name="referral_message"),
    path("<int:pk>/consent/", views.referral_contact_consent, name="referral_contact_consent"),
    re_path(
        r"^(?P<pk>[0-9]+)/(?P<action>accept|decline|contacted|close)/$",
        views.referral_action,
        name="referral_action",
    ),
]
