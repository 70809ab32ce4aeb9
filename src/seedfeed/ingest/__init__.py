"""Seed files → articles: read the seeds directory safely, decode, parse, bound (pure but for the reads).

:mod:`.seeds` lists and opens the seeds directory; :mod:`.decode` turns bytes
into text; :mod:`.parse` turns text into an :class:`~seedfeed.model.Article`
with :mod:`.credits`, :mod:`.lexicon` (one table per language) and
:mod:`.slug`; :mod:`.limits` bounds what one article may carry; :mod:`.load`
does all of it for one file, in a worker or in the build.
"""
