"""Language: what ingest and search both know about text.

analysis   tokens (CJK bigrams), stop words, Snowball stems in each article's language, the
           Whoosh analyzer (nltk loaded only if needed)
languages  each article's language (py3langid, with fallbacks), language codes and names, each
           language's analysis: its stop list (data/stopwords/) and Snowball stemmer
passages   sentences (Punkt, news abbreviations; CJK full stops) grouped into passages with
           exact offsets
names      when two names are one entity or one source (keys, aliases; no spaCy)
name_data  the alias and demonym tables names reads
dates      dates in the forms news gives them, and the day key
"""
