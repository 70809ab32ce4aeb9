"""The edges that touch disk: the state database, the published files, the build lock.

:mod:`.state` is the database (its tables in :mod:`.schema`, the last listing
in :mod:`.snapshot`, what to do when it is damaged in :mod:`.health`);
:mod:`.publish` writes documents atomically; :mod:`.record` reads the
published feeds back when the state is lost; :mod:`.lock` keeps one build
per output directory.
"""
