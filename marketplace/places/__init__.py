"""Places left: one number, counted from offers and their bookings (``services``).

The owner's page for a listing's price and places, which need no moderator, is
``views`` (``marketplace:listing_places``).
"""
