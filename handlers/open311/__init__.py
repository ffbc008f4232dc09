"""Open311 GeoReport v2 for city systems: the service list from the taxonomy, requests filed as cases by
the same path as a dialogue's, their status followed, API keys.

Nothing personal leaves: no name, phone or email is ever shown, and a request's description (with the
identifiers in it masked) only to a caller with a valid key. The web adapter is bot/open311/.
"""
