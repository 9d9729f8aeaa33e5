"""The contact form at /contact/: what someone writes is emailed to the site's contact address.

``KITH_CONTACT_EMAIL`` receives it, with the sender's address as Reply-To.
Each address (IP) may send ``CONTACT_LIMIT`` messages per ``CONTACT_WINDOW``
seconds, so the form cannot be used to flood the inbox.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage

from kith.clientip import client_ip

CONTACT_LIMIT = 5
CONTACT_WINDOW = 60 * 60

TOPICS = [
    ("help", "Help using Kith"),
    ("listing", "A listing or a provider"),
    ("accessibility", "An accessibility problem"),
    ("privacy", "My personal data"),
    ("other", "Something else"),
]


class ContactForm(forms.Form):
    name = forms.CharField(
        label="Your name", max_length=100, error_messages={"required": "Enter your name."}
    )
    email = forms.EmailField(
        label="Your email address",
        help_text="We only use it to reply to you.",
        error_messages={
            "required": "Enter your email address, so we can reply.",
            "invalid": "Enter an email address like name@example.org.",
        },
    )
    topic = forms.ChoiceField(
        label="What is it about?",
        choices=TOPICS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what your message is about."},
    )
    message = forms.CharField(
        label="Your message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="If it is about a page, say which one. Please do not include health details "
        "we do not need.",
        error_messages={"required": "Write your message."},
    )


def rate_limited(request) -> bool:
    """True once this address has sent CONTACT_LIMIT messages in the window (counts this one).

    The address is the real client's (``kith.clientip``): behind Kith's own
    proxies the connection's address is the proxy's, shared by everyone.
    """
    key = f"kith-contact:{client_ip(request)}"
    cache.add(key, 0, CONTACT_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, CONTACT_WINDOW)
        count = 1
    return count > CONTACT_LIMIT


def send_contact_message(data: dict) -> None:
    topic = dict(TOPICS)[data["topic"]]
    body = (
        f"From: {data['name']} <{data['email']}>\n"
        f"About: {topic}\n\n"
        f"{data['message']}\n\n"
        "Sent with the contact form on Kith. Reply to this email to answer them."
    )
    EmailMessage(
        subject=f"Kith contact form: {topic}",
        body=body,
        to=[settings.KITH_CONTACT_EMAIL],
        reply_to=[data["email"]],
    ).send()
