"""Complaints and no-shows about bookings: reported by the person's side, answered once by
the provider, resolved or escalated by a moderator.

``records`` holds the transition table and the rule bookings read (a no-show
holds delivery); ``services`` the steps; ``notices`` tells people; ``views``,
``forms`` and ``urls`` the pages; ``admin`` the moderators' queue.
"""
