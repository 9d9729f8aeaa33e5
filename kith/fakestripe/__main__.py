"""``python -m kith.fakestripe``: start the fake Stripe."""

from kith.fakestripe import main

main()
