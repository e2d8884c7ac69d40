"""Reading the column's pages: pure functions of (HTML bytes, URL) to dataclasses.

``listing.parse_list``, ``article.parse_article``, ``classify.classify_list`` and
``classify.classify_article`` are the entry points; ``periods``, ``contacts`` and
``inspection`` read facts from text; ``text``/``dates``/``document`` are shared helpers.
"""
