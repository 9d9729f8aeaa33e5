"""What a Kith server process does once it has loaded, before it serves anyone."""

import gc


def freeze_loaded_objects() -> int:
    """Load every view now, then put everything loaded so far out of the garbage
    collector's sight (``gc.freeze``); returns how many objects that was.

    A Kith process holds a quarter of a million long-lived objects (Django, Wagtail,
    models, URL patterns, vocabularies). Python's full collections walk all of them,
    which took about 160 ms and landed on roughly one match request in seven
    (benchmarks/matching.py: API p95 213 ms, against 71 ms once frozen). Frozen objects
    are never collected; they were never going to be garbage anyway.
    """
    from django.urls import get_resolver

    _views = get_resolver().url_patterns  # imports every view module now, not at a first request
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
