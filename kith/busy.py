"""No database hiccup reaches a person as a server error.

A deadlock PostgreSQL broke, a row lock that timed out, or SQLite's "database
is locked" under a burst of writes all leave nothing half-done: the request's
transaction was rolled back. So instead of a 500 the person sees a short
"please try again" page (503, with Retry-After), and the event is logged.
"""

import logging

from django.db import OperationalError
from django.shortcuts import render

logger = logging.getLogger(__name__)


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        logger.warning("Database busy for %s %s: %s", request.method, request.path, exception)
        response = render(request, "busy.html", status=503)
        response["Retry-After"] = "5"
        return response
