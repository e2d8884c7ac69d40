"""The history site: every notice, every version, any two compared, the archived pages, a feed.

A stage (docs/site.md): it imports ``core`` and itself only. The application
hands it an open DuckDB connection (read-only is enough), the crawler's
raw-page folder and the site folder; ``build_site`` writes plain files any
web server can host. ``history.serve`` shows a built site on 127.0.0.1.
"""

from history.build import SiteReport, build_site

__all__ = ["SiteReport", "build_site"]
