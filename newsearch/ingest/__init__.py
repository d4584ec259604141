"""Indexing: readers -> articles -> index documents.

readers/   files of every format to ``Article`` objects (or ``Skip`` with a reason)
pipeline   build_index: the lock, the generation (a rebuild swapped in atomically), dry runs
run        one run: count each item, write the changes in batches, commit as it goes, prune
identity   which indexed article an item is (by id, place and text): moved files keep theirs
document   an Article (with its entity mentions) as the index document
entities   spaCy NER and the cleaning of its names; ner_pool/ner_worker run it in processes;
           entities_lang other languages' (French by its spaCy model, the others' places by
           places_i18n, the gazetteer's names in each language)
"""
