"""Kith's own tables that belong to no one app."""

from django.db import models


class RateLimit(models.Model):
    """One client's request count for one rate limit (``kith.throttling``).

    A sliding-window counter: the requests allowed in the current window of the
    limit's length and in the one before it, so that one row of fixed size per
    client holds what a list of every request's time held before.
    """

    key = models.CharField(max_length=200, primary_key=True)  # "throttle_anon_<address>"
    window_number = models.BigIntegerField()  # seconds since the epoch // window length
    hits = models.IntegerField()  # requests allowed in window_number
    previous_hits = models.IntegerField()  # requests allowed in the window before it
    allowed = models.BooleanField()  # whether the latest request was allowed
    expires_at = models.FloatField(db_index=True)  # epoch seconds: no longer counts after

    class Meta:
        db_table = "kith_rate_limit"

    def __str__(self) -> str:
        return f"{self.key}: {self.hits} this window, {self.previous_hits} the last"
