"""Open Referral UK (ORUK) 3.0: Kith's directory as open data, and other directories into Kith.

* ``ids``: stable UUIDs for Kith's records (no table needed);
* ``serialise``: live listings and vocabularies as ORUK 3.0 objects;
* ``views`` / ``urls``: the read API under ``/oruk/``;
* ``importer``: ORUK 3.0 and 1.0-shaped feeds, and Kith's CSV template, into listings;
* ``export``: the whole directory as an ORUK 3.0 feed or that CSV;
* ``schemas``: the official ORUK 3.0 JSON schemas and OpenAPI, shipped for validation.
"""
