"""Reading the column's pages: pure functions of (HTML bytes, URL) to dataclasses.

``listing.parse_list``, ``article.parse_article``, ``classify.classify_list`` and
``classify.classify_article`` are the entry points; ``periods``, ``contacts`` and
``inspection`` read facts from text; ``pager`` reads a list's pager of any kind;
``text``/``dates``/``document`` are shared helpers. A site's profile
(``crawler.profiles``) says what differs between sites: every list and article
reader takes one (``auto`` by default).
"""
