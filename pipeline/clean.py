"""Normalise decoded text and drop web boilerplate lines, keeping paragraph and line structure."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from hitta.pipeline.scan import has_case_exotic

# These patterns run over whole texts, so each starts with a character class or a literal, which lets re
# jump to candidate offsets instead of trying every one ("\r\n" is a "\r" followed by "\n", "  +" is "   *").
# Line breaks of every kind become "\n" (vertical tab, form feed, NEL, Unicode line/paragraph separators).
_LINE_BREAKS = re.compile("[\r\u2028\u2029\u0085\u000b\u000c\u001c\u001d\u001e](?:(?<=\r)\n)?")
# Tab and every Unicode space separator (no-break, narrow, em, ideographic, ...) become a plain space.
_SPACES = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Control and format characters: C0/C1 controls, soft hyphen, zero-width and bidi marks, BOM.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f\u00ad\u061c\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
_SPACE_RUN = re.compile("   *")  # two spaces or more
_BLANK_RUN = re.compile("\n\n\n+")

# Joomla-style e-mail cloaking text that stands where a hidden address was ("... vor Spambots geschützt! ...").
_CLOAKED_EMAIL = re.compile(
    r"\b(?:diese|this|den här|denna|denne|dit)\b[^.!?\n]{0,60}?\bspam-?bots?\b[^.!?\n]{0,30}[.!?]?"
    r"(?:\s*[^.!?\n]{0,60}?\bjavascript\b[^.!?\n]{0,60}[.!?]?)?",
    re.I,
)

# A line carries data extractors need when it has a digit or an e-mail sign: such lines are never dropped
# by the weak cues below (phone lines, dates, amounts, addresses).
_DATA = re.compile(r"[\d@]")
_LONG_DATA = re.compile(r"[@\d](?:(?<=@)|(?:\D{0,2}\d){5})")  # "@" or six digits, at most two apart
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_EDGE_MARKS = " \t•·▪◦‣∙*-–—>›»→|:.!…"

# Whole-line cues: the line (lower-cased, bullets and trailing punctuation trimmed) is nothing but one of these.
_WHOLE_LINE_CUES = {
    "read more": (
        r"(?:læs|läs|les|lees|read|lies|se|vis|visa|show|view|see)"
        r"(?: (?:mere|mer|meer|more|mehr|alle|alla|all|hele|hela))?"
        r"(?: (?:her|här|hier|here|nu|now|om|about|zum|zur|on|to|til|till|the|den|det"
        r"|artiklen|artikeln|artikel|artikkelen|article|beitrag))*",
        r"weiterlesen|mehr lesen|mehr erfahren|mehr dazu|mehr|mere|mer|meer lezen|load more|continue reading",
        r"(?:mehr|mere|mer|more|meer) (?:informationen|information|info|infos|informatie)(?: \S+){0,2}",
        r"(?:læs|läs|les|read|lees) (?:mere|mer|more|meer)(?: \S+){0,2}",
        r"zum artikel|zur übersicht|alle anzeigen|alle ansehen|till artikeln|till översikten|til oversigten",
    ),
    "skip link": (
        r"(?:skip|jump|spring|hop|hoppa|gå|go|gehe|springe?|direkt)\b.{0,30}\b\w*(?:content|indhold|innehåll"
        r"|inhalt|navigation|menu|menü|meny|search|søgning|sökning|suche|footer|sidefod|sidfot)\w*",
        r"(?:zum|zur|direkt zum|direkt zur) (?:inhalt|hauptinhalt|navigation|suche|menü|seitenanfang)"
        r"(?: springen| wechseln)?",
        r"(?:gå|go|gehe) (?:direkte? |direkt )?(?:til|till|to|zu|zur|zum) \S+(?: \S+){0,3}",
    ),
    "back and top": (
        r"(?:tilbage|tillbaka|zurück|back|terug)(?: (?:til|till|to|zur|zum|naar|nach) .{1,30})?",
        r"(?:(?:tilbage|tillbaka|zurück|back) )?(?:til|till|nach|to|naar) (?:toppen|oben|top|boven)|top|seitenanfang",
    ),
    "print": (
        r"skriv ut|utskrift|udskriv|print|drucken|druckversion|printversion|printvenlig(?: version)?|utskriftsvänlig",
    ),
    "login": (
        r"log ?(?:ind|in|ud|out)|logga (?:in|ut)|anmelden|abmelden|einloggen|ausloggen|login|logout",
        r"sign (?:in|up|out)|registrer(?: dig)?|registrera(?: dig)?|registrieren|inloggen",
        r"mein konto|mit konto|mitt konto|my account|min side|mina sidor|mine sider|min profil|mein profil",
    ),
    "search and menu buttons": (
        r"søg|sök|suche|suchen|search|zoek|søgning|sökning",
        r"menu|meny|menü|hauptmenü|navigation|hovedmenu|huvudmeny|main menu|toggle navigation",
        r"open menu|close menu|luk menu|stäng meny|menü schließen|menü öffnen",
    ),
    "widget residue": (
        r"x|×|✕|✖|close|luk|stäng|schließen|lukk|sluiten|undefined|null|nan|none",
        r"loading|indlæser|laddar|wird geladen|lädt|javascript:void\(0\);?",
    ),
    "advertising": (
        r"anzeige|annonce|annoncer|annons|annonser|annonse|werbung|advertisement|advertising|sponsored",
        r"reklame|reklam|gesponsert|sponsoreret|sponsrad",
    ),
    "news section": (
        r"news|nyheter|nyheder|aktuelt|aktuellt|aktuell|aktuelles|neuigkeiten|nachrichten|nieuws|latest news",
        r"seneste nyt|senaste nytt|seneste nyheder|senaste nyheterna",
    ),
    "related and tags": (
        r"(?:relaterede?|relaterade|relatert|related|ähnliche|verwandte|weitere|andere|flere|fler|more|other|andre"
        r"|andra|die letzten|neueste|seneste|senaste|latest|recent|mest læste|mest lästa|mest leste|meistgelesene"
        r"|most read|populære|populära|beliebte)\b.{0,20}\b(?:artikler|artiklar|artikel|artikeln|articles?"
        r"|beiträge|nyheder|nyheter|news|posts?|indlæg|inlägg|stories|historier|berichte|nachrichten)",
        r"tags?|emneord|nøgleord|etiketter|schlagwörter|schlagworte|kategorier|kategorien|categories",
        r"bildquellen|bildnachweis|bildnachweise",
    ),
    "date label without its date": (
        r"bijgewerkt|updated|last updated|opdateret|sidst opdateret|senest opdateret|uppdaterad|senast uppdaterad",
        r"aktualisiert|zuletzt aktualisiert",
    ),
    "cookie buttons": (
        r"(?:accepter|acceptera|accept|akzeptieren|godkänn|godkend|tillad|tillåt|afvis|avvisa|ablehnen|decline"
        r"|reject)(?: (?:alle|alla|all))?(?: cookies)?",
        r"alle (?:cookies )?(?:akzeptieren|ablehnen)|ok|got it|jeg forstår|ok, jeg forstår|jag förstår",
        r"ich stimme zu|einverstanden|nur notwendige(?: cookies)?|kun nødvendige(?: cookies)?",
        r"endast nödvändiga(?: cookies)?",
    ),
    "call to action": (
        r"ansøg|ansøg her|ansøg nu|ansök|ansök här|ansök nu|jetzt bewerben|apply|apply now|jetzt beantragen",
    ),
}
_WHOLE_LINE = re.compile("^(?:" + "|".join(p for group in _WHOLE_LINE_CUES.values() for p in group) + ")$")
# Share / follow / print widgets: every word from this vocabulary, at least one of them a trigger.
_SHARE_VOCAB = frozenset(
    "del dela deel delen teilen share sharing på on auf via op in facebook twitter x linkedin xing whatsapp "
    "pinterest instagram youtube tiktok mail e-mail email e-post epost messenger reddit telegram bluesky mastodon "
    "tweet print drucken udskriv skriv ut seite page siden sidan side artikel artiklen artikeln article this "
    "denne denna diese dieser dette detta the link länk kopier kopiera copy kopieren send skicka senden sende til "
    "till to an a en ven vän friend einen einem freund tip tipsa tips follow følg följ folgen os oss us uns sie "
    "connect with med mit empfehlen anbefal rekommendera recommend stay touch and og och und".split()
)
_SHARE_TRIGGERS = frozenset(
    "del dela deel delen teilen share sharing facebook twitter linkedin xing whatsapp pinterest instagram youtube "
    "tiktok tweet print drucken udskriv friend ven vän freund tip tipsa empfehlen anbefal rekommendera recommend "
    "follow følg följ folgen connect kopier kopiera copy kopieren send skicka senden sende".split()
)
_SHARE_MAX_WORDS = 8
# Cues that mark a line as boilerplate even when it is a long sentence (cookie and privacy notices).
_COOKIE_NOTICE = re.compile(
    # "we use cookies", "diese Website verwendet Cookies"
    r"\b(?:vi|wir|we|diese website|denne side|webbplatsen|this (?:web)?site|hjemmesiden)\b.{0,60}"
    r"\b(?:använder|anvender|bruger|benytter|verwendet|verwenden|nutzt|nutzen|setzt|setzen|use|uses|bruker)\b"
    r".{0,40}\bcookies?\b"
    # "Cookies akzeptieren", "cookie policy"
    r"|\bcookies?\b.{0,40}\b(?:akzeptieren|accepter\w*|acceptera|accept\w*|godkänn\w*|godkend\w*|zulassen"
    r"|einstellungen|indstillinger|inställningar|settings|policy|politik|richtlinie|erklärung|samtykke|samtycke"
    r"|zustimmung|consent)\b"
    # "accept all cookies", "samtykke til cookies"
    r"|\b(?:accept\w*|akzeptier\w*|godkänn\w*|godkend\w*|tillad\w*|tillåt\w*|samtykke|samtycke|zustimm\w*"
    r"|consent)\b.{0,40}\bcookies?\b",
    re.I,
)
_PRIVACY_NOTICE = re.compile(
    r"\b(?:datenschutzerklärung|datenschutzhinweise?|privacy policy|privacy statement|integritetspolicy"
    r"|privatlivspolitik|persondatapolitik|personvernerklæring|behandla[rs]? (?:dina )?personuppgifter"
    r"|behandle[rs]? (?:dine )?personoplysninger)\b",
    re.I,
)
_JAVASCRIPT = re.compile(r"\bjavascript\b", re.I)
_COOKIE = re.compile(r"\bcookies?\b", re.I)
_SEARCH_PROMPT = re.compile(
    r"what are you looking for|wonach suchen sie|was suchen sie|vad letar du efter|vad söker du|hvad søger du"
    r"|hvad leder du efter|waar ben je naar op zoek|search this site|søg på sitet|sök på webbplatsen",
    re.I,
)
_LINK_PROMPT = re.compile(
    r"\b(?:klicka|klik|click|klicken|tryk|tryck|følg|följ|follow)\b.{0,30}\b(?:här|her|here|hier|länk\w*|link\w*"
    r"|nedenfor|nedan)\b|\b(?:hier|här|her|here) (?:klicken|klicka|klikke|klik|click)\b",
    re.I,
)
_LINK_PROMPT_MAX_WORDS = 10
_BREADCRUMB_START = re.compile(r"^(?:du er her|du är här|sie sind hier|you are here|u bent hier)\b", re.I)
# Breadcrumb separators; "/" and "|" are left out as content uses them in lists ("Siegen / Olpe").
_CRUMB_SEPARATOR = re.compile(r"\s[>›»]\s")
_NOTICE_MAX_WORDS = 80
# Longer than any weak cue can match (15 words); such lines are only checked for the strong cues.
_SHORT_LINE_CHARS = 160
_STRONG_HINT_WORDS = (
    "cookie javascript spam datenschutz privacy integritetspolicy privatlivspolitik persondatapolitik"
    " personvern personuppgifter personoplysninger"
).split()
_STRONG_HINT = re.compile("|".join(_STRONG_HINT_WORDS), re.I)
# Searching the hint words in line.lower() finds what _STRONG_HINT finds, many times faster on long
# paragraphs, unless the line holds a letter that only case-insensitive matching pairs with one (scan.CASE_EXOTIC).
_SHORT_NOTICE_WORDS = 12
_NEWSLETTER = re.compile(r"\b(?:nyhedsbrev|nyhetsbrev|newsletter|nieuwsbrief)\w*", re.I)

# Site menu entries: a run of short lines with several of these is a menu even without a nav element.
_NAV_PHRASES = frozenset(
    {
        "home", "start", "startseite", "startside", "startsida", "forside", "forsiden", "hjem", "hem", "om os",
        "om oss", "über uns", "about", "about us", "kontakt", "kontakta oss", "kontakt os", "contact", "contact us",
        "nyheder", "nyheter", "news", "aktuelt", "aktuellt", "aktuelles", "presse", "press", "pressrum", "presserum",
        "sitemap", "søg", "sök", "suche", "search", "english", "deutsch", "dansk", "svenska", "norsk",
        "in english", "på svenska", "på dansk", "jobs", "job", "karriere", "karriär", "ledige stillinger",
        "lediga jobb", "stellenangebote", "events", "arrangementer", "evenemang", "veranstaltungen", "kalender",
        "calendar", "login", "log ind", "logga in", "anmelden", "menu", "meny", "menü", "blog", "faq", "impressum",
        "datenschutz", "tilgængelighed", "tillgänglighet", "barrierefreiheit", "accessibility", "cookies",
        "privatlivspolitik", "integritetspolicy", "privacy", "newsletter", "nyhedsbrev", "nyhetsbrev",
        "projekter", "projekt", "projekte", "projects", "services", "tjenester", "tjänster", "leistungen",
        "publikationer", "publikationen", "publications", "mediathek", "downloads", "links", "länkar",
    }
)
_MENU_ITEM_MAX_WORDS = 4
_MENU_ITEM_MAX_CHARS = 30
_MENU_MIN_ITEMS = 4
_MENU_MIN_NAV = 3  # distinct section names, so "Kontakt" repeated over contact blocks is no menu
_MENU_NAV_SHARE = 1 / 2
_LABEL_MAX_WORDS = 3
_LABEL_MAX_CHARS = 30
_LABEL_MIN_REPEATS = 3
# Headings of contact blocks stay even when repeated: the contact grouper reads them.
_CONTACT_LABEL = re.compile(
    r"^(?:kontakt\w*|contact\w*|ansprechpartner\w*|tel\w*|e-?mail|e-?post|mail|fax|mobil\w*)$", re.I
)
_SENTENCE_PUNCT = re.compile(r"[.,;:!?]")
_BULLET = re.compile(r"^[•·▪◦‣∙*\-–—]\s")


def _normalise(text: str) -> str:
    """Return NFC text with line breaks as '\n', every space as ' ' and invisible characters removed."""
    text = _INVISIBLE.sub("", _SPACES.sub(" ", _LINE_BREAKS.sub("\n", text)))
    return unicodedata.normalize("NFC", text)


def normalise_line(line: str) -> str:
    """Return a line with spaces normalised, runs folded, invisible characters removed and ends stripped."""
    return _SPACE_RUN.sub(" ", _normalise(line)).strip()


def split_normalised_lines(text: str) -> list[str]:
    """Return the normalised lines of a text (one per input line, blank lines kept as '')."""
    return [_SPACE_RUN.sub(" ", line).strip() for line in _normalise(text).split("\n")]


def remove_cloaked_email_notes(line: str) -> str:
    """Return the line without the notes a content management system leaves where it hid an e-mail address (_CLOAKED_EMAIL)."""
    if "spam" not in line.lower():
        return line
    return _SPACE_RUN.sub(" ", _CLOAKED_EMAIL.sub("", line)).strip()


def _core(line: str) -> str:
    """Return the lower-cased line with bullets, arrows and trailing punctuation trimmed."""
    return line.strip(_EDGE_MARKS).lower()


def _is_share_widget(words: list[str]) -> bool:
    """Return True for 'Del på Facebook', 'Share by e-mail', 'Folgen Sie uns', 'Print'."""
    lowered = [word.lower() for word in words]
    return (
        0 < len(lowered) <= _SHARE_MAX_WORDS
        and all(word in _SHARE_VOCAB for word in lowered)
        and any(word in _SHARE_TRIGGERS for word in lowered)
    )


def _is_breadcrumb(line: str, word_count: int) -> bool:
    """Return True for 'Forside › Projekter › Bymidter': short segments joined by 2+ arrow separators."""
    return (
        len(_CRUMB_SEPARATOR.findall(line)) >= 2
        and word_count <= 15
        and not line.endswith((".", "?", "!"))
        and all(len(part.split()) <= 4 for part in _CRUMB_SEPARATOR.split(line))
    )


def _is_flat_menu(core: str) -> bool:
    """Return True for a menu flattened into one line: 'Hem Om oss Nyheter Kontakt'."""
    words = [word for word in core.split() if any(ch.isalnum() for ch in word)]  # "|" and "·" separators
    if len(words) < 3 or _SENTENCE_PUNCT.search(core):
        return False
    covered = hits = index = 0
    while index < len(words):
        for size in (2, 1):
            if " ".join(words[index : index + size]) in _NAV_PHRASES:
                covered += size
                hits += 1
                index += size
                break
        else:
            index += 1
    return hits >= 3 and covered >= 0.7 * len(words)


def _has_strong_hint(line: str) -> bool:
    """Tell whether _STRONG_HINT occurs in the line."""
    if has_case_exotic(line):
        return bool(_STRONG_HINT.search(line))
    lowered = line.lower()
    return any(word in lowered for word in _STRONG_HINT_WORDS)


def is_boilerplate_line(line: str) -> bool:
    """Return True if a single line is web-page boilerplate (cookie, share, menu, skip, read-more, residue)."""
    return _is_boilerplate_normalised(normalise_line(line))


def _is_boilerplate_normalised(line: str) -> bool:
    """is_boilerplate_line for a line that is already normalised."""
    if not line:
        return False
    if len(line) > _SHORT_LINE_CHARS and not _has_strong_hint(line):
        return False  # a long line can only be a cookie/privacy/JavaScript notice
    stripped = remove_cloaked_email_notes(line)
    if not stripped.strip(_EDGE_MARKS):
        return True  # only a cloaking note, or only symbols (« » • |)
    if not any(ch.isalnum() for ch in stripped):
        return True
    words = _WORD.findall(stripped)
    has_long_data = bool(_LONG_DATA.search(stripped))
    # Strong cues: cookie banners, privacy notices and "enable JavaScript" prompts, even as sentences.
    if not has_long_data and len(words) <= _NOTICE_MAX_WORDS:
        if _COOKIE_NOTICE.search(stripped) or _PRIVACY_NOTICE.search(stripped) or _JAVASCRIPT.search(stripped):
            return True
        if len(words) <= _SHORT_NOTICE_WORDS and _COOKIE.search(stripped):
            return True
    if _DATA.search(stripped):
        return False
    core = _core(stripped)
    if _WHOLE_LINE.match(core):
        return True
    if _is_share_widget(words):
        return True
    if len(words) <= 8 and _SEARCH_PROMPT.search(core):
        return True
    if len(words) <= _LINK_PROMPT_MAX_WORDS and _LINK_PROMPT.search(core):
        return True
    if len(words) <= 6 and _NEWSLETTER.search(core) and not stripped.rstrip().endswith((".", "?")):
        return True
    if _BREADCRUMB_START.match(core) and len(words) <= 15:
        return True
    if _is_breadcrumb(stripped, len(words)):
        return True
    return _is_flat_menu(core)


def _is_menu_item(line: str) -> bool:
    """Return True for a line that could be one entry of a site menu."""
    return (
        0 < len(line) <= _MENU_ITEM_MAX_CHARS
        and len(line.split()) <= _MENU_ITEM_MAX_WORDS
        and not _DATA.search(line)
        and not _SENTENCE_PUNCT.search(line)
        and not _BULLET.match(line)
        and line[0].isupper()
    )


def _menu_runs(lines: list[str]) -> set[int]:
    """Return indexes of lines inside runs of short menu-like lines that name several site sections."""
    found: set[int] = set()
    run: list[int] = []
    for index in range(len(lines) + 1):
        line = lines[index] if index < len(lines) else None
        if line == "":
            continue  # menus come out of HTML as one entry per line, often with blank lines between
        if line is not None and _is_menu_item(line):
            run.append(index)
            continue
        nav = [position for position, i in enumerate(run) if lines[i].lower() in _NAV_PHRASES]
        if len({lines[run[position]].lower() for position in nav}) >= _MENU_MIN_NAV:
            # Only the stretch between the first and last section name is the menu: a heading that
            # follows it ("Partnerskab for vækst") looks like an entry but is the page's own.
            menu = run[nav[0] : nav[-1] + 1]
            if len(menu) >= _MENU_MIN_ITEMS and len(nav) >= _MENU_NAV_SHARE * len(menu):
                found.update(menu)
        run = []
    return found


def _repeated_labels(lines: list[str]) -> set[int]:
    """Return indexes of short label lines repeated 3+ times (teaser categories like 'Aktuell')."""
    def is_label(line: str) -> bool:
        return (
            0 < len(line) <= _LABEL_MAX_CHARS
            and len(line.split()) <= _LABEL_MAX_WORDS
            and not _DATA.search(line)
            and not _SENTENCE_PUNCT.search(line)
            and not _CONTACT_LABEL.match(line)
        )

    counts = Counter(line.casefold() for line in lines if is_label(line))
    return {i for i, line in enumerate(lines) if is_label(line) and counts[line.casefold()] >= _LABEL_MIN_REPEATS}


def boilerplate_line_flags(lines: list[str], decided: dict[str, bool] | None = None) -> list[bool]:
    """Return, per normalised line, whether clean_text drops it (line cues plus menu runs and repeated labels).

    `decided` caches the line cues by line text; clean_text shares one over its passes, which see the same lines.
    """
    decided = {} if decided is None else decided
    flags = []
    for line in lines:
        flag = decided.get(line)
        if flag is None:
            flag = decided[line] = _is_boilerplate_normalised(line)
        flags.append(flag)
    for index in _menu_runs(lines) | _repeated_labels(lines):
        flags[index] = True
    return flags


PAGE_BREAK = "\f"


def clean_text(text: str) -> str:
    """Return NFC text with normalised spaces and line ends, invisible characters and boilerplate lines removed.

    Page breaks (form feeds from PDFs) survive as a line of their own, so the page of any offset is
    `text.count("\f", 0, offset) + 1`.
    """
    if PAGE_BREAK in text:
        return "\n\f\n".join(_clean_page(page) for page in text.split(PAGE_BREAK))
    return _clean_page(text)


def page_of(text: str, offset: int) -> int:
    """Return the 1-based page number of an offset in cleaned text (1 for texts without pages)."""
    return text.count(PAGE_BREAK, 0, offset) + 1


# Dropping one boilerplate line can bring a menu run together ("Hem", a breadcrumb, "Kontakt"), which
# the next pass drops too: passes repeat until nothing changes, so cleaning is idempotent.
MAX_CLEAN_PASSES = 4


def _clean_page(text: str) -> str:
    decided: dict[str, bool] = {}
    cleaned = _clean_page_once(text, decided)
    for _ in range(MAX_CLEAN_PASSES - 1):
        again = _clean_page_once(cleaned, decided)
        if again == cleaned:
            break
        cleaned = again
    return cleaned


def _clean_page_once(text: str, decided: dict[str, bool]) -> str:
    lines = split_normalised_lines(text)
    flags = boilerplate_line_flags(lines, decided)
    kept = [remove_cloaked_email_notes(line) for line, drop in zip(lines, flags) if not drop]
    return _BLANK_RUN.sub("\n\n", "\n".join(kept)).strip("\n")
