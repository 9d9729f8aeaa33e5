"""Dates and times as people write them: "6pm on 6 January 2027", "6:30pm", "midday"."""

from django import template
from django.utils import timezone

register = template.Library()


def time_words(value) -> str:
    """A time of day in plain English: "6pm", "6:30pm", "midday", "midnight"."""
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    if value.hour == 12 and value.minute == 0:
        return "midday"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


@register.filter
def when(value) -> str:
    """A moment in local time: "6pm on 6 January 2027". Never ends in a full stop, so a
    sentence can (unlike Django's "p.m.")."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{time_words(value)} on {value.day} {value:%B %Y}"
