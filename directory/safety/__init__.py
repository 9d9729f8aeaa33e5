"""Safety in the directory: suspending a listing at once, and providers' checks.

``records`` holds what search and other apps read (is a listing suspended,
which checks are verified); ``services`` the moderators' and owners' steps;
``notices`` tells owners; ``views`` the owner's checks page; ``admin`` the
moderators' pages in the Wagtail admin.
"""
