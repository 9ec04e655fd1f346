"""Measure text recovery from PDF, DOCX, ODT and HTML files generated from the sample and dev texts.

Usage (from the repo root):
    python bench/formats.py [--shared ../shared] [--formats html pdf docx odt] [--verbose] [--json FILE]

There is no network and no saved corpus of real files, so the files are made here at run time (and
never written into the repo) from the 5 samples (corpus/samples, gold in tests/gold) and the 24 dev
texts (<shared>/dev/docs, gold in <shared>/dev/gold):

- html: every text wrapped in four CMS templates (WordPress-like, Sitevision-like Swedish
  municipality, Danish kommune on ASP.NET, German TYPO3) with menus, breadcrumb, cookie banner,
  related-article list, share buttons, sidebar, footer with address and phone, inline script/style.
  Extractors: pipeline.formats.extract_html (rules), trafilatura (default and favor_recall), and
  pipeline.read.html_to_text (the earlier reader) as a baseline.
- pdf: fpdf2 with DejaVu Sans, justified single column with running header and "Sida n av m" footer,
  and a two-column layout; plus one long PDF (all texts, repeated to --long-pages pages) for the time
  per page. Libraries: pypdf and pdfminer.six raw page text, and pipeline.formats.extract_pdf.
- docx: python-docx writes each text (heading, paragraphs, a table); readers: extract_docx and
  python-docx's own paragraphs + tables.
- odt: odfpy writes each text likewise; readers: extract_odt and odfpy's teletype.

Scores per extractor, against the source text (tokens = lower-cased \\w+ runs):
  token P/R/F1 (bags of tokens), in-order character recall (characters of the source's tokens found
  in order by difflib), share of gold entity strings that survive (whitespace folded), title/date
  taken from metadata, and milliseconds per file. bench/README-formats.md has the figures.
fpdf2, pdfminer.six, trafilatura, python-docx and odfpy are bench-only: a missing one is skipped.
"""

from __future__ import annotations

import argparse
import difflib
import html as htmlmod
import io
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from hitta.pipeline.formats import FormatError, extract_docx, extract_html, extract_odt, extract_pdf  # noqa: E402

STRING_TYPES = ("organisations", "emails", "persons")
SPAN_TYPES = ("budgets", "dates", "phones")
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
TOKEN = re.compile(r"\w+")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"https?://[^\s<>\"]+|www\.[^\s<>\"]+")


@dataclass
class Doc:
    """One source text with its gold strings and the metadata put into generated files."""

    stem: str
    lang: str
    text: str
    gold: list[str]
    title: str
    date: str


@dataclass
class Score:
    """Accumulated scores of one extractor on one kind of file."""

    files: int = 0
    failures: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    char_recall: float = 0.0
    gold_total: int = 0
    gold_kept: int = 0
    titles: int = 0
    dates: int = 0
    seconds: float = 0.0
    lost: list[str] = field(default_factory=list)

    def row(self, name: str) -> str:
        n = max(1, self.files - self.failures)
        gold = self.gold_kept / self.gold_total if self.gold_total else 1.0
        return (
            f"| {name} | {self.files} | {self.failures} | {self.precision / n:.3f} | {self.recall / n:.3f} | "
            f"{self.f1 / n:.3f} | {self.char_recall / n:.3f} | {gold:.3f} ({self.gold_kept}/{self.gold_total}) | "
            f"{self.titles}/{self.files} | {self.dates}/{self.files} | {1000 * self.seconds / max(1, self.files):.1f} |"
        )


HEADER = (
    "| extractor | files | failed | token P | token R | token F1 | char R (in order) | gold strings kept | "
    "title | date | ms/file |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


def fold(text: str) -> str:
    """Return NFC text with whitespace runs folded to one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def tokens(text: str) -> list[str]:
    return TOKEN.findall(unicodedata.normalize("NFC", text).lower())


def score_text(score: Score, doc: Doc, expected: str, got: str) -> None:
    """Add token P/R/F1, in-order character recall and gold survival of one output."""
    want, have = tokens(expected), tokens(got)
    overlap = sum((Counter(want) & Counter(have)).values())
    precision = overlap / len(have) if have else 0.0
    recall = overlap / len(want) if want else 1.0
    score.precision += precision
    score.recall += recall
    score.f1 += 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    matcher = difflib.SequenceMatcher(None, want, have, autojunk=False)
    matched = sum(len("".join(want[b.a : b.a + b.size])) for b in matcher.get_matching_blocks())
    score.char_recall += matched / max(1, len("".join(want)))
    folded = fold(got)
    for string in doc.gold:
        score.gold_total += 1
        if fold(string) in folded:
            score.gold_kept += 1
        else:
            score.lost.append(f"{doc.stem}: {string}")


def load_docs(shared: Path) -> list[Doc]:
    """Return the 5 samples and 24 dev texts with gold strings, a title (first line) and a made-up date."""
    pairs = [(p, ROOT / "tests" / "gold" / f"{p.stem}.json") for p in sorted((ROOT / "corpus" / "samples").glob("*.txt"))]
    pairs += [(p, shared / "dev" / "gold" / f"{p.stem}.json") for p in sorted((shared / "dev" / "docs").glob("*.txt"))]
    docs = []
    for index, (path, gold_path) in enumerate(pairs):
        text = path.read_text(encoding="utf-8")
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        strings = [s for key in STRING_TYPES for s in gold.get(key, [])]
        strings += [item["text"] for key in SPAN_TYPES for item in gold.get(key, [])]
        first = next((line.strip() for line in text.splitlines() if line.strip()), path.stem)
        title = first if len(first) <= 90 else " ".join(first[:80].split()[:-1])
        date = f"20{18 + index % 7:02d}-{1 + index % 12:02d}-{1 + index % 28:02d}"
        docs.append(Doc(path.stem, gold["language"], text, strings, title, date))
    return docs


# ---------------------------------------------------------------------------------------------------
# HTML pages


def blocks(text: str) -> list[tuple[str, str]]:
    """Split a source text into (kind, line) blocks: 'h2' for short unpunctuated lines, else 'p'."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        short_label = len(line) <= 50 and not re.search(r"[.:!?,;)]$|[@\d]", line)
        out.append(("h2" if short_label else "p", line))
    return out


def inline(line: str) -> str:
    """Escape a line and turn e-mail addresses and URLs into links, as a CMS editor would."""
    escaped = htmlmod.escape(line, quote=False)
    escaped = EMAIL.sub(lambda m: f'<a href="mailto:{m.group(0)}">{m.group(0)}</a>', escaped)
    return URL.sub(lambda m: f'<a href="{m.group(0)}" target="_blank">{m.group(0)}</a>', escaped)


SCRIPT = """<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}
gtag('js',new Date());gtag('config','G-XYZ123');var siteConfig={"lang":"%s","search":"/sok"};</script>"""
STYLE = "<style>body{font-family:Arial}.menu li{display:inline-block}#cookie{position:fixed;bottom:0}</style>"


def wordpress(doc: Doc) -> str:
    body = "\n".join(
        f'<h2 class="wp-block-heading">{inline(t)}</h2>' if k == "h2" else f"<p>{inline(t)}</p>" for k, t in blocks(doc.text)
    )
    return f"""<!DOCTYPE html>
<html lang="{doc.lang}"><head><meta charset="UTF-8"><title>{htmlmod.escape(doc.title)} &#8211; Regionala utvecklingsprojekt</title>
<meta property="og:title" content="{htmlmod.escape(doc.title)}">
<meta property="article:published_time" content="{doc.date}T09:12:44+00:00">
<link rel="stylesheet" href="/wp-content/themes/twentytwenty/style.css">{STYLE}{SCRIPT % doc.lang}
<script type="application/ld+json">{{"@context":"https://schema.org","@graph":[{{"@type":"WebSite","name":"Projektbloggen"}},{{"@type":"Article","headline":"{htmlmod.escape(doc.title)}","datePublished":"{doc.date}T09:12:44+00:00"}}]}}</script>
</head><body class="post-template-default single single-post postid-1234 has-sidebar">
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<div id="page" class="site">
<header id="masthead" class="site-header"><div class="site-branding"><p class="site-title"><a href="/">Projektbloggen</a></p>
<p class="site-description">Nyheter om lokal och regional utveckling</p></div>
<nav id="site-navigation" class="main-navigation"><button class="menu-toggle">Meny</button><ul id="primary-menu" class="menu">
<li class="menu-item"><a href="/">Hem</a></li><li class="menu-item"><a href="/projekt/">Projekt</a></li>
<li class="menu-item"><a href="/finansiering/">Finansiering</a></li><li class="menu-item"><a href="/om-oss/">Om oss</a></li>
<li class="menu-item"><a href="/kontakt/">Kontakt</a></li></ul></nav></header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<p id="breadcrumbs"><span><a href="/">Hem</a> » <a href="/projekt/">Projekt</a> » <span class="breadcrumb_last">{htmlmod.escape(doc.title)}</span></span></p>
<article id="post-1234" class="post-1234 post type-post status-publish category-projekt tag-social tag-newsletter">
<header class="entry-header"><div class="entry-meta"><span class="posted-on">Publicerat <time class="entry-date published" datetime="{doc.date}T09:12:44+00:00">{doc.date}</time></span>
<span class="byline"> av <a class="url fn n" href="/author/redaktion/">redaktion</a></span></div></header>
<div class="entry-content">
{body}
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Dela detta:</h3><ul><li><a class="share-facebook" href="#">Facebook</a></li>
<li><a class="share-twitter" href="#">X</a></li><li><a class="share-linkedin" href="#">LinkedIn</a></li><li><a class="share-email" href="#">E-post</a></li></ul></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Relaterat</em></h3>
<div class="jp-relatedposts-items"><p class="jp-relatedposts-post"><a href="/a/">Nytt stöd till landsbygdens företagare</a><br><span>13 januari 2022</span><br>I "Landsbygd"</p>
<p class="jp-relatedposts-post"><a href="/b/">Så gick det för kulturprojekten i Kronoberg</a><br><span>2 februari 2022</span><br>I "Kultur"</p></div></div>
</div>
<footer class="entry-footer"><span class="cat-links">Kategorier: <a href="/c/projekt/">Projekt</a></span><span class="tags-links">Taggar: <a href="/t/eu/">EU</a>, <a href="/t/social/">social</a></span></footer>
</article>
<nav class="navigation post-navigation"><h2 class="screen-reader-text">Inläggsnavigering</h2><div class="nav-links"><div class="nav-previous"><a href="/prev/">Föregående inlägg: Digitala klyftan minskar</a></div></div></nav>
<div id="comments" class="comments-area"><div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Lämna ett svar</h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form"><p class="comment-notes">Din e-postadress kommer inte publiceras. Obligatoriska fält är märkta *</p>
<p class="comment-form-comment"><label for="comment">Kommentar</label><textarea id="comment" name="comment"></textarea></p>
<p class="form-submit"><input name="submit" type="submit" value="Publicera kommentar"></p></form></div></div>
</main></div>
<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries"><h2 class="widget-title">Senaste inläggen</h2><ul>
<li><a href="/x/">Ny bredbandsstrategi för Västernorrland</a></li><li><a href="/y/">Interreg Öresund-Kattegat-Skagerrak öppnar utlysning</a></li></ul></section>
<section class="widget widget_archive"><h2 class="widget-title">Arkiv</h2><ul><li><a href="/2022/03/">mars 2022</a></li><li><a href="/2022/02/">februari 2022</a></li></ul></section></aside>
</div>
<footer id="colophon" class="site-footer"><div class="site-info">Projektbloggen · Storgatan 12, 352 31 Växjö · info@projektbloggen.se · 0470-12 34 56
<a href="https://wordpress.org/">Drivs med WordPress</a></div></footer></div>
<div id="cookie-notice" role="dialog" class="cookie-notice-hidden"><div class="cookie-notice-container"><span id="cn-notice-text">Vi använder cookies för att ge dig den bästa upplevelsen på vår webbplats.</span>
<a href="#" id="cn-accept-cookie" class="cn-button">Ok</a><a href="/integritet/" class="cn-more-info">Integritetspolicy</a></div></div>
<script src="/wp-includes/js/jquery/jquery.min.js"></script><script>jQuery(function(){{jQuery('.menu-toggle').click(function(){{}});}});</script>
</body></html>"""


def sitevision(doc: Doc) -> str:
    body = "\n".join(
        f'<div class="sv-text-portlet sv-use-margins"><div class="sv-text-portlet-content"><h2 class="subheading">{inline(t)}</h2></div></div>'
        if k == "h2"
        else f'<div class="sv-text-portlet sv-use-margins"><div class="sv-text-portlet-content"><p class="normal">{inline(t)}</p></div></div>'
        for k, t in blocks(doc.text)
    )
    return f"""<!DOCTYPE html>
<html lang="sv" class="sv-no-js"><head><meta charset="utf-8"><title>{htmlmod.escape(doc.title)} - Kungsbacka kommun</title>
<meta name="DC.Date.Created" content="{doc.date}"><meta name="viewport" content="width=device-width, initial-scale=1">
{STYLE}<script>document.documentElement.className=document.documentElement.className.replace('sv-no-js','sv-js');</script>
</head><body class="sv-responsive">
<div class="sv-layout" id="svid10_cookie"><div class="env-cookie-banner" role="region" aria-label="Kakor"><p>Vi använder kakor (cookies) för att webbplatsen ska fungera på ett bra sätt för dig.
Genom att klicka på Godkänn alla tillåter du även analyskakor.</p><a href="/om-webbplatsen/kakor">Läs mer om kakor</a><button>Godkänn alla</button><button>Endast nödvändiga</button></div></div>
<div class="sv-layout" id="svid10_skip"><a href="#innehall" class="sol-skip-link">Hoppa till huvudinnehållet</a></div>
<div class="sv-layout sol-top" id="svid12_top"><div class="sv-image-portlet"><a href="/"><img src="/logo.svg" alt="Kungsbacka kommun, till startsidan"></a></div>
<div class="sol-top-tools"><a href="#">Lyssna</a> <a href="#">Translate</a> <a href="/lattlast">Lättläst</a> <a href="/e-tjanster">E-tjänster</a></div>
<div class="sv-searchform-portlet"><form action="/sok"><input type="text" name="query" placeholder="Sök"><button>Sök</button></form></div></div>
<div class="sv-layout" id="svid12_menu"><ul class="sol-menu-list">
<li><a href="/bo-och-leva">Bo och leva</a></li><li><a href="/forskola-och-skola">Förskola och skola</a></li><li><a href="/omsorg-och-stod">Omsorg och stöd</a></li>
<li><a href="/kultur-och-fritid">Kultur och fritid</a></li><li><a href="/trafik-och-stadsplanering">Trafik och stadsplanering</a></li>
<li><a href="/naringsliv-och-arbete">Näringsliv och arbete</a></li><li><a href="/kommun-och-politik">Kommun och politik</a></li></ul></div>
<div class="sv-layout" id="svid10_crumbs"><div class="sol-breadcrumbs"><a href="/">Startsida</a> <span>/</span> <a href="/kommun-och-politik">Kommun och politik</a> <span>/</span> <a href="/projekt">Projekt</a> <span>/</span> <span>{htmlmod.escape(doc.title)}</span></div></div>
<div class="sv-layout sol-page" id="svid10_page"><div class="sv-layout sol-left" id="svid12_sub"><ul class="sol-sub-menu"><li><a href="/projekt/a">Pågående projekt</a></li>
<li><a href="/projekt/b">Avslutade projekt</a></li><li><a href="/projekt/c">EU-projekt</a></li><li><a href="/projekt/d">Söka projektmedel</a></li></ul></div>
<div class="sv-layout sol-content" id="innehall"><div class="sv-text-portlet sv-use-margins"><div class="sv-text-portlet-content"><h1 class="heading">{htmlmod.escape(doc.title)}</h1></div></div>
{body}
<div class="sv-layout sol-related" id="svid12_relaterat"><h2 class="subheading">Relaterade sidor</h2><ul><li><a href="/r1">Grönplan för Kungsbacka</a></li>
<li><a href="/r2">Översiktsplan 2040</a></li><li><a href="/r3">Medborgardialog</a></li></ul></div>
<div class="sol-article-date"><p>Sidan publicerades {doc.date}</p><p>Sidan uppdaterades 2024-01-09</p></div>
<div class="sol-share"><span>Dela sidan:</span> <a href="#">Facebook</a> <a href="#">LinkedIn</a> <a href="#">E-post</a></div>
<div class="sol-feedback"><p>Hjälpte informationen på sidan dig?</p><button>Ja</button><button>Nej</button></div>
</div></div>
<div class="sv-layout sol-bottom" id="svid12_foot"><div class="sv-text-portlet"><p><strong>Kungsbacka kommun</strong><br>434 81 Kungsbacka<br>Besöksadress: Stadshuset, Storgatan 37<br>
Telefon: 0300-83 40 00<br>E-post: <a href="mailto:kungsbacka.kommun@kungsbacka.se">kungsbacka.kommun@kungsbacka.se</a><br>Organisationsnummer: 212000-1264</p></div>
<ul><li><a href="/om-webbplatsen">Om webbplatsen</a></li><li><a href="/tillganglighet">Tillgänglighetsredogörelse</a></li><li><a href="/personuppgifter">Personuppgifter</a></li></ul></div>
<script src="/sitevision/system-resource/js/bundled/webapps.js"></script><script>svDocReady(function(){{/* init */}});</script>
</body></html>"""


def kommune(doc: Doc) -> str:
    body = "\n".join(f"<h2>{inline(t)}</h2>" if k == "h2" else f"<p>{inline(t)}</p>" for k, t in blocks(doc.text))
    return f"""<!DOCTYPE html>
<html lang="da"><head><meta charset="utf-8"><title>{htmlmod.escape(doc.title)} | Kolding Kommune</title>
<meta name="dcterms.created" content="{doc.date}T08:00:00"><meta name="description" content="Læs om projektet.">{STYLE}
<script id="Cookiebot" src="https://consent.cookiebot.com/uc.js" data-cbid="1234"></script>{SCRIPT % 'da'}
</head><body>
<form method="post" action="./projekt" id="form1">
<div class="aspNetHidden"><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUKLTg5NzM0NjM2OWRk"></div>
<a href="#main-content" class="skip-to-content">Spring til indhold</a>
<header class="site-header"><div class="logo"><a href="/"><img src="/logo.png" alt="Kolding Kommune"></a></div>
<ul class="service-links"><li><a href="/selvbetjening">Selvbetjening</a></li><li><a href="/kontakt">Kontakt</a></li><li><a href="/english">English</a></li></ul>
<div class="search"><input type="search" placeholder="Søg på kolding.dk"><button>Søg</button></div>
<nav aria-label="Hovedmenu"><ul><li><a href="/borger">Borger</a></li><li><a href="/erhverv">Erhverv</a></li><li><a href="/politik">Politik</a></li>
<li><a href="/job">Job</a></li><li><a href="/om-kommunen">Om kommunen</a></li></ul></nav></header>
<main id="main-content">
<nav aria-label="Brødkrumme" class="breadcrumb"><ol><li><a href="/">Forside</a></li><li><a href="/erhverv">Erhverv</a></li><li><a href="/erhverv/projekter">Projekter</a></li><li>{htmlmod.escape(doc.title)}</li></ol></nav>
<div class="page-header"><h1>{htmlmod.escape(doc.title)}</h1><p class="updated">Sidst opdateret: {doc.date}</p></div>
<div class="rich-text">
{body}
</div>
<div class="share-page"><span>Del siden</span><a href="#">Facebook</a><a href="#">LinkedIn</a><a href="#">Mail</a><a href="javascript:window.print()">Print</a></div>
<div class="spot-list"><h2>Læs også</h2><ul>
<li><a href="/n1">Ny cykelsti åbner i Vestbyen</a><span class="date">12.03.2023</span></li>
<li><a href="/n2">Kommunen søger borgere til nyt klimapanel</a><span class="date">02.02.2023</span></li>
<li><a href="/n3">Byfornyelse i Sønderbro er i gang</a><span class="date">18.01.2023</span></li></ul></div>
</main>
<aside class="contact-box"><h2>Kontakt</h2><p>Borgerservice<br>Tlf. 79 79 79 79<br><a href="mailto:borgerservice@kolding.dk">borgerservice@kolding.dk</a></p></aside>
<footer class="site-footer"><div class="footer-address"><p>Kolding Kommune<br>Akseltorv 1<br>6000 Kolding<br>Tlf. 79 79 79 79<br>CVR-nr. 29189781<br>EAN-nr. 5798005260009</p></div>
<ul><li><a href="/tilgaengelighed">Tilgængelighedserklæring</a></li><li><a href="/privatliv">Privatlivspolitik</a></li><li><a href="/cookies">Cookies</a></li></ul>
<p>Følg os: <a href="#">Facebook</a> <a href="#">Instagram</a> <a href="#">LinkedIn</a></p></footer>
</form>
<div id="CybotCookiebotDialog" class="CybotCookiebotDialogActive"><div id="CybotCookiebotDialogBody"><h2>Denne hjemmeside bruger cookies</h2>
<p>Vi bruger cookies til at tilpasse vores indhold og til at analysere vores trafik. Vi deler også oplysninger om din brug af vores hjemmeside med vores partnere inden for analyse.</p>
<a id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll" href="#">Tillad alle</a><a href="#">Afvis</a></div></div>
</body></html>"""


def typo3(doc: Doc) -> str:
    parts = []
    for index, (kind, line) in enumerate(blocks(doc.text)):
        if kind == "h2":
            parts.append(f'<div id="c{200 + index}" class="frame frame-default frame-type-header"><header><h2 class="">{inline(line)}</h2></header></div>')
        else:
            parts.append(f'<div id="c{200 + index}" class="frame frame-default frame-type-text"><p>{inline(line)}</p></div>')
    body = "\n".join(parts)
    return f"""<!DOCTYPE html>
<html lang="de-DE"><head><meta charset="utf-8">
<!-- This website is powered by TYPO3 - inspiring people to share! -->
<title>Stadt Lippstadt: {htmlmod.escape(doc.title)}</title><meta name="generator" content="TYPO3 CMS">
<meta name="date" content="{doc.date}">{STYLE}<script>var TYPO3 = {{"lang":{{"de":true}}}};</script></head>
<body id="p42" class="page-42 pagelevel-3 language-0 backendlayout-subpage layout-default">
<div id="cookieconsent" class="cc-banner"><span class="cc-message">Diese Website verwendet Cookies. Durch die weitere Nutzung der Seite stimmen Sie der Verwendung von Cookies zu.</span>
<a class="cc-link" href="/datenschutz">Mehr erfahren</a><a class="cc-btn cc-dismiss">Verstanden</a></div>
<a class="sr-only sr-only-focusable" href="#content">Zum Inhalt springen</a>
<div id="top"><div class="container"><a class="logo" href="/"><img alt="Stadt Lippstadt" src="/logo.png"></a>
<div id="c12"><ul><li><a href="/rathaus">Rathaus &amp; Politik</a></li><li><a href="/leben">Leben in Lippstadt</a></li><li><a href="/wirtschaft">Wirtschaft</a></li>
<li><a href="/kultur">Kultur &amp; Freizeit</a></li><li><a href="/bauen">Planen &amp; Bauen</a></li></ul></div>
<div class="quicklinks"><a href="/buergerservice">Bürgerservice A-Z</a> | <a href="/leichte-sprache">Leichte Sprache</a> | <a href="/gebaerdensprache">Gebärdensprache</a></div></div></div>
<div class="breadcrumb-section"><span>Sie sind hier:</span> <a href="/">Startseite</a> › <a href="/wirtschaft">Wirtschaft</a> › <a href="/wirtschaft/projekte">Projekte</a> › {htmlmod.escape(doc.title)}</div>
<div id="page"><div class="row"><div class="col-md-3" id="subnav-col"><ul class="subnav"><li><a href="/w/foerderung">Förderprogramme</a></li>
<li><a href="/w/projekte">Projekte</a></li><li><a href="/w/standort">Standort</a></li></ul></div>
<div class="col-md-9" id="content"><!--TYPO3SEARCH_begin-->
<div id="c199" class="frame frame-default frame-type-header"><header><h1 class="">{htmlmod.escape(doc.title)}</h1></header></div>
{body}
<!--TYPO3SEARCH_end-->
<div id="c300" class="frame frame-default frame-type-list"><header><h2>Das könnte Sie auch interessieren</h2></header><div class="news-list-view">
<div class="article articletype-0"><h3><a href="/n/1">Neues Förderprogramm für die Innenstadt</a></h3><span class="news-list-date">04.02.2023</span></div>
<div class="article articletype-0"><h3><a href="/n/2">Digitale Verwaltung: Bürgerportal startet</a></h3><span class="news-list-date">20.01.2023</span></div></div></div>
<div class="socialshareprivacy"><a href="#">Auf Facebook teilen</a> <a href="#">Per E-Mail versenden</a> <a href="#">Seite drucken</a></div>
</div></div></div>
<footer id="footer"><div class="container"><div class="address"><strong>Stadt Lippstadt</strong><br>Ostwall 1<br>59555 Lippstadt<br>Telefon: 02941 980-0<br>
E-Mail: <a href="mailto:info@stadt-lippstadt.de">info@stadt-lippstadt.de</a></div>
<ul class="meta"><li><a href="/impressum">Impressum</a></li><li><a href="/datenschutz">Datenschutz</a></li><li><a href="/barrierefreiheit">Erklärung zur Barrierefreiheit</a></li></ul></div></footer>
<script src="/typo3temp/assets/compressed/merged-1234.js"></script>
</body></html>"""


TEMPLATES: dict[str, Callable[[Doc], str]] = {
    "wordpress": wordpress,
    "sitevision": sitevision,
    "kommune-da": kommune,
    "typo3-de": typo3,
}


def html_extractors() -> dict[str, Callable[[str], tuple[str, str | None, str | None]]]:
    """Return the HTML extractors available here: name -> function(html) -> (text, title, date)."""
    from hitta.pipeline.read import html_to_text

    def rules(page: str) -> tuple[str, str | None, str | None]:
        result = extract_html(page)
        return result.text, result.title, result.date

    def previous(page: str) -> tuple[str, str | None, str | None]:
        text, title = html_to_text(page)
        return text, title, None

    extractors = {"formats.extract_html (rules)": rules, "read.html_to_text (earlier)": previous}
    try:
        import trafilatura
    except ImportError:
        return extractors

    def traf(recall: bool) -> Callable[[str], tuple[str, str | None, str | None]]:
        def run(page: str) -> tuple[str, str | None, str | None]:
            text = trafilatura.extract(
                page, include_comments=False, include_tables=True, favor_recall=recall, deduplicate=False
            )
            meta = trafilatura.extract_metadata(page)
            return text or "", meta.title if meta else None, meta.date if meta else None

        return run

    extractors["trafilatura 2 (default)"] = traf(False)
    extractors["trafilatura 2 (favor_recall)"] = traf(True)
    return extractors


def bench_html(docs: list[Doc], verbose: bool) -> dict[str, Score]:
    results: dict[str, Score] = {}
    extractors = html_extractors()
    for template_name, template in TEMPLATES.items():
        for doc in docs:
            page = template(doc)
            for name, extractor in extractors.items():
                for key in (name, f"{name} / {template_name}"):
                    results.setdefault(key, Score())
                start = time.perf_counter()
                text, title, date = extractor(page)
                elapsed = time.perf_counter() - start
                for key in (name, f"{name} / {template_name}"):
                    score = results[key]
                    score.files += 1
                    score.seconds += elapsed
                    score_text(score, doc, doc.text, text)
                    score.titles += title == doc.title
                    score.dates += (date or "")[:10] == doc.date
                if verbose and name.startswith("formats") and doc.stem in ("000_5546ba91aa34225e", "d08_da"):
                    print(f"--- {template_name} {doc.stem}\n{text}\n")
    return results


# ---------------------------------------------------------------------------------------------------
# PDF


def make_pdf(doc: Doc, columns: int) -> bytes:
    """Write a report-like PDF: title, justified paragraphs, running header and footer, metadata."""
    from fpdf import FPDF

    class Report(FPDF):
        def header(self) -> None:
            self.set_font("dv", size=8)
            self.cell(0, 6, "Projektrapport · Regional utveckling", new_x="LMARGIN", new_y="NEXT")

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("dv", size=8)
            self.cell(0, 10, f"Sida {self.page_no()} av {{nb}}", align="C")

    pdf = Report()
    pdf.add_font("dv", fname=str(FONT))
    pdf.add_font("dv", style="B", fname=str(FONT_BOLD))
    pdf.set_title(doc.title)
    pdf.set_creation_date(datetime.fromisoformat(doc.date).replace(tzinfo=timezone.utc))
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("dv", size=10)
    # Small pages so that even a 2 KB text spans several pages (the header/footer rule needs 3+).
    if columns == 1:
        for kind, line in blocks(doc.text):
            pdf.set_font("dv", style="B" if kind == "h2" else "", size=12 if kind == "h2" else 10)
            pdf.multi_cell(0, 5, line, align="L" if kind == "h2" else "J", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    else:
        with pdf.text_columns(ncols=2, text_align="J") as cols:
            for _kind, line in blocks(doc.text):
                cols.write(line + "\n\n")
    return bytes(pdf.output())


def make_long_pdf(docs: list[Doc], pages: int) -> bytes:
    """Write one long PDF of all texts repeated until it has about the given number of pages."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("dv", fname=str(FONT))
    pdf.set_font("dv", size=10)
    pdf.add_page()
    while pdf.page_no() < pages:
        for doc in docs:
            for _kind, line in blocks(doc.text):
                pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
            if pdf.page_no() >= pages:
                break
    return bytes(pdf.output())


def bench_pdf(docs: list[Doc], long_pages: int) -> tuple[dict[str, Score], list[str]]:
    import pypdf

    def raw_pypdf(data: bytes) -> tuple[str, str | None, str | None]:
        reader = pypdf.PdfReader(io.BytesIO(data))
        return "\f".join(page.extract_text() for page in reader.pages), None, None

    def ours(data: bytes) -> tuple[str, str | None, str | None]:
        result = extract_pdf(data)
        return result.text, result.title, result.date

    readers: dict[str, Callable[[bytes], tuple[str, str | None, str | None]]] = {
        "formats.extract_pdf (pypdf + reflow)": ours,
        "pypdf 7 raw extract_text": raw_pypdf,
    }
    try:
        from pdfminer.high_level import extract_text as pdfminer_text

        readers["pdfminer.six raw extract_text"] = lambda data: (pdfminer_text(io.BytesIO(data)), None, None)
    except ImportError:
        pass
    results: dict[str, Score] = {}
    for columns in (1, 2):
        for doc in docs:
            data = make_pdf(doc, columns)
            # The running header/footer lines are not in the source: they count against precision.
            for name, reader in readers.items():
                for key in (name, f"{name} / {columns} col"):
                    results.setdefault(key, Score())
                start = time.perf_counter()
                try:
                    text, title, date = reader(data)
                    failed = False
                except FormatError:
                    text, title, date, failed = "", None, None, True
                elapsed = time.perf_counter() - start
                for key in (name, f"{name} / {columns} col"):
                    score = results[key]
                    score.files += 1
                    score.seconds += elapsed
                    score.failures += failed
                    if not failed:
                        score_text(score, doc, doc.text, text)
                    score.titles += title == doc.title
                    score.dates += date == doc.date
    notes = []
    data = make_long_pdf(docs, long_pages)
    for name, reader in readers.items():
        start = time.perf_counter()
        text, _, _ = reader(data)
        elapsed = time.perf_counter() - start
        pages = text.count("\f") + 1
        notes.append(f"long PDF, {name}: {pages} pages, {len(data) // 1024} KB, {elapsed:.2f} s, {1000 * elapsed / pages:.1f} ms/page")
    return results, notes


# ---------------------------------------------------------------------------------------------------
# DOCX and ODT


def table_rows(doc: Doc) -> list[tuple[str, str]]:
    return [("Projekt", doc.title), ("Datum", doc.date)]


def expected_with_table(doc: Doc) -> str:
    return doc.text + "\n" + "\n".join(f"{a}\t{b}" for a, b in table_rows(doc))


def make_docx(doc: Doc) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = doc.title
    document.core_properties.created = datetime.fromisoformat(doc.date)
    for kind, line in blocks(doc.text):
        if kind == "h2":
            document.add_heading(line, level=2)
        else:
            document.add_paragraph(line)
    table = document.add_table(rows=0, cols=2)
    for left, right in table_rows(doc):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = left, right
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_odt(doc: Doc) -> bytes:
    from odf import meta, table, text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    document.meta.addElement(meta.CreationDate(text=f"{doc.date}T10:00:00"))
    from odf import dc

    document.meta.addElement(dc.Title(text=doc.title))
    for kind, line in blocks(doc.text):
        element = text.H(outlinelevel=2, text=line) if kind == "h2" else text.P(text=line)
        document.text.addElement(element)
    grid = table.Table(name="Fakta")
    grid.addElement(table.TableColumn(numbercolumnsrepeated=2))
    for left, right in table_rows(doc):
        row = table.TableRow()
        for value in (left, right):
            cell = table.TableCell()
            cell.addElement(text.P(text=value))
            row.addElement(cell)
        grid.addElement(row)
    document.text.addElement(grid)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def bench_office(docs: list[Doc], kind: str) -> dict[str, Score]:
    readers: dict[str, Callable[[bytes], tuple[str, str | None, str | None]]] = {}
    if kind == "docx":
        maker = make_docx

        def ours(data: bytes) -> tuple[str, str | None, str | None]:
            result = extract_docx(data)
            return result.text, result.title, result.date

        def library(data: bytes) -> tuple[str, str | None, str | None]:
            import docx

            document = docx.Document(io.BytesIO(data))
            lines = [p.text for p in document.paragraphs]
            lines += ["\t".join(c.text for c in row.cells) for t in document.tables for row in t.rows]
            created = document.core_properties.created
            return "\n".join(lines), document.core_properties.title, created.date().isoformat() if created else None

        readers = {"formats.extract_docx (zipfile+etree)": ours, "python-docx 1.2": library}
    else:
        maker = make_odt

        def ours(data: bytes) -> tuple[str, str | None, str | None]:
            result = extract_odt(data)
            return result.text, result.title, result.date

        def library(data: bytes) -> tuple[str, str | None, str | None]:
            from odf import teletype, text
            from odf.opendocument import load

            document = load(io.BytesIO(data))
            lines = [teletype.extractText(p) for p in document.getElementsByType(text.P) + document.getElementsByType(text.H)]
            return "\n".join(lines), None, None

        readers = {"formats.extract_odt (zipfile+etree)": ours, "odfpy 1.4 teletype": library}
    results: dict[str, Score] = {}
    for doc in docs:
        data = maker(doc)
        for name, reader in readers.items():
            score = results.setdefault(name, Score())
            start = time.perf_counter()
            text, title, date = reader(data)
            score.seconds += time.perf_counter() - start
            score.files += 1
            score_text(score, doc, expected_with_table(doc), text)
            score.titles += title == doc.title
            score.dates += date == doc.date
    return results


def print_table(title: str, results: dict[str, Score], verbose: bool) -> None:
    print(f"\n### {title}\n\n{HEADER}")
    # Overall rows first, then one group per template or layout.
    order = sorted(results, key=lambda name: (" / " in name, name.partition(" / ")[2], name))
    for name in order:
        print(results[name].row(name))
    if verbose:
        for name, score in results.items():
            if score.lost and " / " not in name:
                print(f"\nlost by {name}: " + "; ".join(score.lost[:40]))


def main() -> None:
    """Generate the files, run every available extractor, print one markdown table per format."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="shared folder [../shared]")
    parser.add_argument("--formats", nargs="+", default=["html", "pdf", "docx", "odt"])
    parser.add_argument("--long-pages", type=int, default=300, help="pages of the long PDF timed per page [300]")
    parser.add_argument("--verbose", action="store_true", help="print sample outputs and lost gold strings")
    parser.add_argument("--json", type=Path, help="also write the scores here")
    args = parser.parse_args()
    docs = load_docs(args.shared)
    print(f"{len(docs)} source texts, {sum(len(d.gold) for d in docs)} gold strings")
    everything: dict[str, dict[str, Score]] = {}
    if "html" in args.formats:
        everything["html"] = bench_html(docs, args.verbose)
        print_table(f"HTML: {len(docs)} texts x {len(TEMPLATES)} CMS templates", everything["html"], args.verbose)
    if "pdf" in args.formats:
        everything["pdf"], notes = bench_pdf(docs, args.long_pages)
        print_table(f"PDF: {len(docs)} texts x (1 column, 2 columns)", everything["pdf"], args.verbose)
        print("\n" + "\n".join(f"- {note}" for note in notes))
    for kind in ("docx", "odt"):
        if kind in args.formats:
            everything[kind] = bench_office(docs, kind)
            print_table(f"{kind.upper()}: {len(docs)} texts (paragraphs, headings, one 2x2 table)", everything[kind], args.verbose)
    if args.json:
        args.json.write_text(
            json.dumps({k: {n: {**vars(s), "lost": s.lost[:50]} for n, s in v.items()} for k, v in everything.items()}, indent=1),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
