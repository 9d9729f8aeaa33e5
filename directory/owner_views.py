"""Owners create and edit their own listings; every save goes to moderation."""

from django.http import HttpResponse


def my_listings(request):
    return HttpResponse("Not built yet", status=501)


def create_listing(request, kind):
    return HttpResponse("Not built yet", status=501)


def edit_listing(request, pk):
    return HttpResponse("Not built yet", status=501)


def confirm_listing(request, pk):
    return HttpResponse("Not built yet", status=501)


def confirm_by_link(request, token):
    return HttpResponse("Not built yet", status=501)
