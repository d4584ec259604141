"""Copies and stories: the same story told many times, and a story followed over time.

copies     what makes one article a copy of another (MinHash LSH over word shingles with
           rensa, the exact similarity, the date window, no figure or name swapped)
cluster    stories: salient-term vectors, single-pass clustering within a time window
sidefile   ``<generation>/stories.sqlite``: articles, LSH bands, copy links, stories
tracker    the indexing run's side: each batch's copies and stories, committed with the index
groups     copy groups as queries read them (the original, each copy's similarity)
reorder    a page with copies collapsed (``--collapse-copies``) and/or recency blended
recency    ``--recency HALF_LIFE``: a publication-date decay of the score
diff       what a copy changed, word by word (``newsearch show``)
lookup     live articles by id; an article's copies with their changes
timeline   matching articles per day, week or month and outlet
figures    the periods where a story's figures changed (compare's claims, timeline --figures)
listing    ``newsearch stories`` and ``newsearch story ID`` from the index's story field
similar    ``newsearch similar ID``: articles like one by salient words and vectors

The indexing run (ingest/run.py) holds a tracker; queries read the side file and the index's
``story`` field, never the tracker, and a missing side file only means no copies are known.
"""
