"""HTML of the column's pages in the site's two templates (Jinja files under ``templates/``).

Template A is the older design, B the redesign (other class names and
wrappers, ``发布日期`` without the time, body paragraphs indented with
ideographic spaces, headings in ``<strong>``). Both carry the same text for a
notice. ``mixed`` serves older articles in A and newer ones in B, as a site
does whose redesign only applied to new pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from jinja2 import Environment, PackageLoader, StrictUndefined

from replica.generator import Listing
from replica.model import NoticeSpec, cn_date

TEMPLATES = ("A", "B", "mixed")
MIXED_CUTOFF = date(2025, 1, 1)  # in "mixed", articles published from this day on use B
PAGE_SIZE = 20

_env = Environment(
    loader=PackageLoader("replica", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class PagerLink:
    """One element of the pager; ``href`` is None for a disabled 首页/上一页/下一页/尾页."""

    label: str
    href: str | None = None
    current: bool = False


def page_name(page_no: int) -> str:
    """The file of list page ``page_no``: index.html, index_2.html, …"""
    return "index.html" if page_no == 1 else f"index_{page_no}.html"


def page_count(entries: int) -> int:
    """How many list pages ``entries`` notices take; an empty column still has page 1."""
    return max(1, -(-entries // PAGE_SIZE))


def pager(page_no: int, pages: int) -> list[PagerLink]:
    """首页 上一页 [a window of up to five page numbers, … where cut] 下一页 尾页."""

    def link(label: str, target: int, enabled: bool) -> PagerLink:
        return PagerLink(label, f"./{page_name(target)}" if enabled else None)

    first = max(1, min(page_no - 2, pages - 4))
    last = min(pages, first + 4)
    links = [link("首页", 1, page_no > 1), link("上一页", page_no - 1, page_no > 1)]
    if first > 1:
        links.append(PagerLink("…"))
    for n in range(first, last + 1):
        links.append(PagerLink(str(n), current=True) if n == page_no else link(str(n), n, True))
    if last < pages:
        links.append(PagerLink("…"))
    links += [link("下一页", page_no + 1, page_no < pages), link("尾页", pages, page_no < pages)]
    return links


def article_template(template: str, notice: NoticeSpec) -> str:
    """The template an article is served in (``mixed`` decides by publication date)."""
    if template == "mixed":
        return "B" if notice.published_on >= MIXED_CUTOFF else "A"
    return template


def render_list(template: str, page_no: int, pages: int, entries: Sequence[Listing]) -> bytes:
    """List page ``page_no`` of ``pages`` showing ``entries`` (newest first)."""
    name = "B" if template == "mixed" else template
    html = _env.get_template(f"{name}/list.html").render(
        entries=entries, pager=pager(page_no, pages), doc_id=f"index_{page_no}"
    )
    return html.encode("utf-8")


def render_article(template: str, notice: NoticeSpec) -> bytes:
    """The article page of ``notice``."""
    name = article_template(template, notice)
    html = _env.get_template(f"{name}/article.html").render(
        notice=notice, signed_on=cn_date(notice.signed_on), doc_id=notice.notice_id
    )
    return html.encode("utf-8")


def render_page(name: str, **context: object) -> bytes:
    """A page outside the column: ``home.html``, ``not_found.html``, ``error.html``."""
    return _env.get_template(name).render(**context).encode("utf-8")


_INDENT = {"gd": "\u0020\u0020", "trs": "\u3000\u3000", "variant": ""}


def render_column_list(column, entries, pager_links: list[PagerLink], *, page_no: int,
                       pages: int) -> bytes:
    """A list page of one of ``replica.columns.COLUMNS``: ``entries`` are (listing, href)."""
    html = _env.get_template(f"columns/{column.skin}_list.html").render(
        column=column, entries=entries, pager=pager_links, page_no=page_no, pages=pages,
        doc_id=f"{column.path}{page_no}",
    )
    return html.encode("utf-8")


def render_column_article(column, notice: NoticeSpec, signed_on: str) -> bytes:
    """An article page of one of ``replica.columns.COLUMNS`` in its column's skin."""
    html = _env.get_template(f"columns/{column.skin}_article.html").render(
        column=column, notice=notice, signed_on=signed_on, indent=_INDENT[column.skin],
        doc_id=notice.notice_id,
    )
    return html.encode("utf-8")
