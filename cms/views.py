from django.shortcuts import render


def data_sources(request):
    """Where Kith's open data comes from, with the attributions its licences require."""
    return render(request, "cms/data_sources.html")
