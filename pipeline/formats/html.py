"""HTML: the page's main text, separated from site chrome (menus, footers, cookie notices) by rules on html.parser."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from hitta.pipeline.formats.document import BLANK_RUNS, Extracted, fold_space, iso_date
from hitta.pipeline.formats.sniff import decode_bytes

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
# Never content: code, embedded media, controls, and the page's own navigation and side columns.
_DROP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "head", "nav", "button", "iframe", "select",
     "textarea", "object", "embed", "canvas", "math", "dialog", "audio", "video", "map", "input", "label",
     "title", "menu"}
)
# Site header, footer and side column; inside an article or main they carry the title, byline, date and
# fact or contact boxes instead.
_CHROME_TAGS = frozenset({"header", "footer", "aside"})
_CONTENT_TAGS = frozenset({"article", "main"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_DROP_ROLES = frozenset(
    {"navigation", "menu", "menubar", "search", "dialog", "alertdialog", "tablist", "toolbar"}
)
_CHROME_ROLES = frozenset({"banner", "contentinfo", "complementary"})
# Whole class/id tokens (split at - _ space and camelCase) naming page chrome. Exact tokens, not
# prefixes: Danish 'navn' (name) must not read as 'nav'.
_CHROME_TOKENS = frozenset(
    {"nav", "navbar", "navi", "navigation", "mainnav", "subnav", "topnav", "menu", "menus", "mainmenu", "submenu",
     "megamenu", "menubar", "breadcrumb", "breadcrumbs", "crumbs", "brodsmulor", "brødkrumme", "brotkrumen",
     "cookie", "cookies", "cookiebanner", "cookiebot", "cookieconsent", "consent", "gdpr",
     "footer", "sitefooter", "foot", "pagefoot",
     "related", "relatedposts", "share", "sharing", "sharedaddy", "shariff", "sharebar", "social", "socialmedia",
     "some", "newsletter", "sidebar", "skip", "skiplink", "skiplinks", "skipnav", "comments", "respond",
     "pagination", "pager", "sronly", "sr", "visuallyhidden", "screen", "invisible", "tags", "tagcloud",
     "advert", "ads", "toolbar", "rating", "feedback"}
)
_CAMEL = re.compile(r"(?<=[a-zäöüåæø])(?=[A-ZÄÖÜÅÆØ])")
_TOKEN_SPLIT = re.compile(r"[-_\s:./]+")
# Token pairs that name chrome only together ('sr-only', 'screen-reader-text', 'visually-hidden').
_CHROME_PAIRS = frozenset({("sr", "only"), ("screen", "reader"), ("visually", "hidden"), ("element", "invisible")})
_SINGLE_ONLY_IN_PAIRS = frozenset({"sr", "screen", "invisible"})
_BLOCK_BREAKS = {
    **dict.fromkeys(
        ("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "figure", "ul", "ol", "dl", "hr",
         "header", "footer", "section", "article", "main", "details", "address", "form"),
        "\n\n",
    ),
    **dict.fromkeys(
        ("div", "li", "tr", "br", "dt", "dd", "figcaption", "caption", "summary", "center", "fieldset", "legend",
         "body", "option", "tbody", "thead", "tfoot"),
        "\n",
    ),
    **dict.fromkeys(("td", "th"), "\t"),
}
_BREAK_RANK = {"": 0, " ": 0, "\t": 1, "\n": 2, "\n\n": 3}
# Containers judged by link density: mostly-link blocks are menus, teaser lists and tag clouds.
_LINK_DENSITY_TAGS = frozenset({"div", "section", "ul", "ol", "dl", "table", "tbody", "p", "li", "span", "td"})
MAX_LINK_DENSITY = 0.5
# Closing one of these implies closing an open element of the paired kinds (HTML's optional end tags).
_IMPLIED_END = {
    "p": {"p"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "tr": {"tr", "td", "th"},
    "td": {"td", "th"}, "th": {"td", "th"}, "option": {"option"}, "thead": {"tbody", "thead"},
    "tbody": {"tbody", "thead"},
}
_CLOSES_P = frozenset(
    {"div", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "blockquote", "pre",
     "form", "header", "footer", "nav", "aside", "address", "dl", "figure", "main", "hr", "details", "fieldset"}
)
_SCOPE_BOUNDARY = frozenset({"ul", "ol", "table", "dl", "div", "section", "article", "main", "body", "html"})
_DATE_META = (
    "article:published_time", "og:article:published_time", "datepublished", "date", "dc.date", "dc.date.issued",
    "dc.date.created", "dcterms.date", "dcterms.issued", "dcterms.created", "publish-date", "publish_date",
    "publication_date", "pubdate", "citation_publication_date", "parsely-pub-date", "sailthru.date",
)
_HTML_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


# Deeper elements (unclosed <font>/<div> in generated junk) are flattened into their ancestor, keeping
# the recursive walks far from Python's recursion limit.
MAX_HTML_DEPTH = 200


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    children: list[_Node | str]
    parent: _Node | None
    depth: int = 0
    # (visible chars, link chars) once the subtree is final (pruned), so ancestors need not re-walk it.
    measured: tuple[int, int] | None = None


class _TreeBuilder(HTMLParser):
    """Build a forgiving element tree (implied end tags, stray end tags ignored) plus page metadata."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {}, [], None)
        self.current = self.root
        self.metas: list[dict[str, str]] = []
        self.title_parts: list[str] | None = None
        self.title: str | None = None
        self.json_ld: list[str] = []

    def _open_path(self) -> list[_Node]:
        path, node = [], self.current
        while node is not self.root and node is not None:
            path.append(node)
            node = node.parent
        return path

    def _close_implied(self, tag: str) -> None:
        if tag in _CLOSES_P and self.current.tag == "p":
            self.current = self.current.parent or self.root
        kinds = _IMPLIED_END.get(tag)
        if not kinds:
            return
        for node in self._open_path():
            if node.tag in kinds:
                self.current = node.parent or self.root
                return
            if node.tag in _SCOPE_BOUNDARY:
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr_map = {key.lower(): (value or "") for key, value in attrs}
        if self.title_parts is not None:
            # An unclosed <title> ends at the next element, so it cannot swallow the page.
            self._end_title()
            if self.current.tag == "title":
                self.current = self.current.parent or self.root
        if tag == "meta":
            self.metas.append(attr_map)
        if tag == "title" and self.title is None and self.current.tag != "svg":
            self.title_parts = []
        self._close_implied(tag)
        node = _Node(tag, attr_map, [], self.current, self.current.depth + 1)
        self.current.children.append(node)
        if tag not in _VOID and node.depth < MAX_HTML_DEPTH:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.current.tag == tag:
            self.current = self.current.parent or self.root

    def _end_title(self) -> None:
        self.title = fold_space("".join(self.title_parts or [])) or None
        self.title_parts = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.title_parts is not None:
            self._end_title()
        for node in self._open_path():
            if node.tag == tag:
                self.current = node.parent or self.root
                return

    def handle_data(self, data: str) -> None:
        if self.title_parts is not None:
            self.title_parts.append(data)
        if self.current.tag == "script" and self.current.attrs.get("type", "").lower() == "application/ld+json":
            self.json_ld.append(data)
        self.current.children.append(data)


def _class_tokens(node: _Node) -> list[str]:
    raw = " ".join(node.attrs.get(key, "") for key in ("class", "id"))
    return [token.lower() for token in _TOKEN_SPLIT.split(_CAMEL.sub(" ", raw)) if token]


def _named_chrome(node: _Node) -> bool:
    """Return True when the element's class or id names page chrome (menu, cookie banner, share bar, ...)."""
    tokens = _class_tokens(node)
    for first, second in zip(tokens, tokens[1:]):
        if (first, second) in _CHROME_PAIRS:
            return True
    return any(token in _CHROME_TOKENS and token not in _SINGLE_ONLY_IN_PAIRS for token in tokens)


def _hidden(node: _Node) -> bool:
    style = node.attrs.get("style", "").replace(" ", "").lower()
    return (
        "hidden" in node.attrs
        or node.attrs.get("aria-hidden", "").lower() == "true"
        or "display:none" in style
        or "visibility:hidden" in style
    )


def _text_lengths(node: _Node, in_link: bool = False) -> tuple[int, int]:
    """Return (visible characters, characters inside navigation links) under a node."""
    total = linked = 0
    for child in node.children:
        if isinstance(child, str):
            size = len(child.strip())
            total += size
            linked += size if in_link else 0
        elif child.tag not in ("script", "style", "template", "noscript"):
            href = child.attrs.get("href", "").lower()
            # mailto:/tel: links are contact data, not navigation.
            link = in_link or (child.tag == "a" and not href.startswith(("mailto:", "tel:")))
            if child.measured is not None:
                sub_total, sub_linked = child.measured
                sub_linked = sub_total if link else sub_linked
            else:
                sub_total, sub_linked = _text_lengths(child, link)
            total += sub_total
            linked += sub_linked
    return total, linked


def _heading_header(node: _Node) -> bool:
    """Return True for a <header> that only wraps a heading (TYPO3 content elements), not the site banner."""
    if node.tag != "header" or not any(_find_all(node, lambda n: n.tag in _HEADINGS)):
        return False
    total, linked = _text_lengths(node)
    return linked == 0 and total < 300


def _only_headings(node: _Node) -> bool:
    """Return True when all text under node sits in headings (a list's title left behind by pruning)."""
    for child in node.children:
        if isinstance(child, str):
            if child.strip():
                return False
        elif child.tag not in _HEADINGS and not _only_headings(child):
            return False
    return True


def _prune(node: _Node, in_content: bool, page_chars: int) -> bool:
    """Remove chrome children of node in place (tag, role, hidden, class/id, link density); True if any went."""
    kept: list[_Node | str] = []
    for child in node.children:
        if isinstance(child, str):
            kept.append(child)
            continue
        role = child.attrs.get("role", "").lower()
        inside = in_content or child.tag in _CONTENT_TAGS or role == "main"
        if child.tag in _DROP_TAGS or role in _DROP_ROLES or _hidden(child):
            continue
        if (child.tag in _CHROME_TAGS or role in _CHROME_ROLES) and not in_content and not _heading_header(child):
            continue
        if child.tag == "form":
            # ASP.NET pages wrap the whole page in one <form>; a real form has no long paragraph.
            total, _ = _text_lengths(child)
            if total < 0.3 * page_chars:
                continue
        if child.tag not in ("html", "body", "main", "article") and _named_chrome(child):
            total, linked = _text_lengths(child)
            # A wrapper named 'has-sidebar' around the whole page is not chrome.
            if total < 0.5 * page_chars or linked > MAX_LINK_DENSITY * total:
                continue
        # Judge link density after the child's own chrome is gone (screen-reader text inside links).
        lost_part = _prune(child, inside, page_chars)
        child.measured = total, linked = _text_lengths(child)
        if child.tag in _LINK_DENSITY_TAGS:
            if total and linked > MAX_LINK_DENSITY * total:
                continue
        if lost_part and child.tag not in _HEADINGS and _only_headings(child):
            continue  # 'Related news' whose list was removed
        kept.append(child)
    removed = any(a is not b for a, b in zip(kept, node.children)) or len(kept) != len(node.children)
    node.children = kept
    return removed


def _find_all(node: _Node, match: Any) -> Iterator[_Node]:
    for child in node.children:
        if isinstance(child, _Node):
            if match(child):
                yield child
            yield from _find_all(child, match)


def _content_root(root: _Node) -> _Node:
    """Return <main> (or the dominant <article>) when it holds a fair share of the remaining text, else root."""
    total, _ = _text_lengths(root)
    if not total:
        return root
    mains = list(_find_all(root, lambda n: n.tag == "main" or n.attrs.get("role", "").lower() == "main"))
    articles = list(_find_all(root, lambda n: n.tag == "article"))
    for candidates, share in ((mains, 0.2), (articles, 0.5)):
        if candidates:
            best = max(candidates, key=lambda n: _text_lengths(n)[0])
            if _text_lengths(best)[0] >= share * total:
                return best
    return root


class _Renderer:
    """Render a pruned tree as text: blocks as lines, paragraphs apart, table cells tab-separated."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending = ""

    def brk(self, kind: str) -> None:
        if _BREAK_RANK[kind] > _BREAK_RANK[self.pending]:
            self.pending = kind

    def add(self, data: str, preformatted: bool) -> None:
        if not preformatted:
            data = re.sub(r"[ \t\n\r\f]+", " ", data)
            if not data.strip() and (self.pending or not self.parts):
                return
        if self.pending:
            self.parts.append(self.pending)
            self.pending = ""
        self.parts.append(data)

    def render(self, node: _Node, preformatted: bool = False) -> None:
        for child in node.children:
            if isinstance(child, str):
                self.add(child, preformatted)
                continue
            kind = _BLOCK_BREAKS.get(child.tag, "")
            self.brk(kind)
            self.render(child, preformatted or child.tag == "pre")
            self.brk(kind)

    def text(self) -> str:
        lines = [line.strip(" ") for line in "".join(self.parts).split("\n")]
        return BLANK_RUNS.sub("\n\n", "\n".join(lines).replace("\f", " ")).strip()


def _first_h1(node: _Node) -> str | None:
    for h1 in _find_all(node, lambda n: n.tag == "h1"):
        renderer = _Renderer()
        renderer.render(h1)
        text = fold_space(renderer.text())
        if text:
            return text
    return None


def _html_title(builder: _TreeBuilder, h1: str | None) -> str | None:
    """Return og:title, else the h1 when the <title> contains it (no site name), else <title>."""
    for meta in builder.metas:
        if meta.get("property", meta.get("name", "")).lower() == "og:title" and fold_space(meta.get("content", "")):
            return fold_space(meta["content"])
    title = builder.title
    if h1 and (not title or h1 in title):
        return h1
    return title


def _json_ld_dates(blobs: list[str]) -> Iterator[str]:
    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            for key in ("datePublished", "dateCreated"):
                if isinstance(value.get(key), str):
                    yield value[key]
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    for blob in blobs:
        try:
            yield from walk(json.loads(blob))
        except (ValueError, RecursionError):
            continue


def _html_date(builder: _TreeBuilder, content: _Node) -> str | None:
    """Return the publication date from meta tags, JSON-LD, or a <time datetime> in the main content."""
    by_name: dict[str, str] = {}
    for meta in builder.metas:
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key and meta.get("content") and key not in by_name:
            by_name[key] = meta["content"]
    candidates = [by_name[key] for key in _DATE_META if key in by_name]
    candidates += list(_json_ld_dates(builder.json_ld))
    candidates += [n.attrs["datetime"] for n in _find_all(content, lambda n: n.tag == "time" and "datetime" in n.attrs)]
    for candidate in candidates:
        date = iso_date(candidate)
        if date:
            return date
    return None


def extract_html(html: str) -> Extracted:
    """Return the main text of a web page (menus, footers, cookie notices, teaser lists dropped), title, date."""
    builder = _TreeBuilder()
    builder.feed(html)
    # What the parser still holds at the end is an unfinished construct (an unclosed comment, tag
    # or attribute value); close() would emit it as text, where browsers show nothing.
    if builder.rawdata.lstrip().startswith("<"):
        builder.rawdata = ""
    builder.close()
    page_chars, _ = _text_lengths(builder.root)
    root = builder.root
    _prune(root, False, page_chars)
    content = _content_root(root)
    renderer = _Renderer()
    renderer.render(content)
    text = renderer.text()
    h1 = _first_h1(content)
    return Extracted(
        text=text, title=_html_title(builder, h1), date=_html_date(builder, content), format="html", pages=None
    )


def decode_html(data: bytes) -> str:
    """Decode a web page's bytes by its BOM, its <meta charset>, UTF-8 or cp1252; bad bytes never refuse a page."""
    match = _HTML_CHARSET.search(data[:4096])
    return decode_bytes(data, match.group(1).decode("ascii", "ignore") if match else None, errors="replace")
