"""What a build must do, decided before any of it is done (pure).

:mod:`.plan` compares the listing with the last build's; :mod:`.dates` is
the published/updated policy; :mod:`.archive` the RFC 5005 paging rule;
:mod:`.links` gives related stories their URLs.
"""
