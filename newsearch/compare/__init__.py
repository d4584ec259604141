"""Comparing outlets: who says what figure, on whose authority, and where the figures differ.

numbers     a figure's words -> value, range and kind (quantulum3, loaded on first use), and
            its qualifier ("around", "as many as"...) from a small documented table
claims      article bodies -> their sentences holding a number, parsed (spaCy's tagger,
            parser and lemmatizer), -> claims; sentence reads one parsed sentence's claims
            (value, qualifier, what it counts, the event), attribution who gives them
groups      claims grouped by what they count and the event (lemmas and a synonym table);
            whether each group's figures agree (their ranges overlap) and their spread
duplicates  near-duplicate sentences and passages (MinHash over word shingles, rensa)
cache       each article's claims saved beside the index generation, by content hash
prepare     every article's claims found ahead (index --claims, or a small run), for compare
run         ``compare``: the matching articles' claims, grouped, duplicates shown once

Nothing here is imported by a query: ``newsearch compare`` and ``--collapse`` load it.
"""
