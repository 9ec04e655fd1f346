"""Money amounts (budgets) in Swedish, Danish, Norwegian, German and English running text."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from hitta.pipeline.entities import BudgetItem
from hitta.pipeline.lexicon import any_language, word_list
from hitta.pipeline.scan import Coverage, matches_at


def _prefix_tree(words: list[str]) -> str:
    """Return a case-insensitive regex for literal `words` as a prefix tree that tries them in the same order.

    "hundra|hundre|halv" becomes "h(?:undr(?:a|e)|alv)": where words are tried at many offsets of a text,
    one branch per first letter is far cheaper than one per word. Order is kept: at any offset only one
    branch can go on (first letters differ case-insensitively), and a word is listed after every longer
    word it begins (a shorter word must come after its extensions, as in a list sorted by length).
    """
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[:1].lower(), [])
        if word[1:].lower() not in [rest.lower() for rest in groups[word[:1].lower()]]:
            groups[word[:1].lower()].append(word[1:])
    keys = [key for key in groups if key]
    for key in keys:
        if any(other != key and re.fullmatch(re.escape(other), key, re.IGNORECASE) for other in keys):
            raise ValueError(f"first letters {key!r} and another match the same text case-insensitively")
    if "" in words and any(words[words.index(""):]):
        raise ValueError(f"{words!r}: a word comes before a longer word it begins")
    branches = [re.escape(key) + _prefix_tree(groups[key]) for key in keys]
    if not branches:
        return ""
    if len(branches) == 1 and "" not in groups:
        return branches[0]
    return "(?:" + "|".join(branches + ([""] if "" in groups else [])) + ")"


# Thousands groups may be separated by space, no-break space, thin space or dot; never by a newline.
_SEP = "[ \u00a0\u202f\u2009.]"
# At most four groups (up to 999 999 999 999): a bounded repeat keeps long runs of digit groups linear.
# Two or more comma groups are English thousands in any language ("€3,450,000").
_DIGITS = rf"\d{{1,3}}(?:{_SEP}\d{{3}}){{1,4}}(?:,\d+)?|\d{{1,3}}(?:,\d{{3}}){{2,4}}(?:\.\d+)?|\d+(?:[.,]\d+)?"
_NUMBER = rf"(?<![\d.,])(?:{_DIGITS})(?![\d])"

_NUMBER_WORDS = {
    "en": 1, "ett": 1, "én": 1, "et": 1, "ein": 1, "eine": 1, "einer": 1, "one": 1, "een": 1,
    "två": 2, "to": 2, "zwei": 2, "two": 2, "twee": 2, "tre": 3, "drei": 3, "three": 3, "drie": 3,
    "fyra": 4, "fire": 4, "vier": 4, "four": 4, "fem": 5, "fünf": 5, "five": 5, "vijf": 5,
    "sex": 6, "seks": 6, "sechs": 6, "six": 6, "zes": 6, "sju": 7, "syv": 7, "sieben": 7, "seven": 7,
    "åtta": 8, "otte": 8, "åtte": 8, "acht": 8, "eight": 8, "nio": 9, "ni": 9, "neun": 9, "nine": 9,
    "tio": 10, "ti": 10, "zehn": 10, "ten": 10, "tien": 10, "halv": 0.5, "halb": 0.5, "halbe": 0.5,
    "elva": 11, "elleve": 11, "elf": 11, "tolv": 12, "zwölf": 12, "tjugo": 20, "tyve": 20,
    "zwanzig": 20, "tjue": 20, "hundra": 100, "hundrede": 100, "hundre": 100, "hundert": 100,
    # a half with its article: "en halv miljon", "eine halbe Million", "half a million"
    "en halv": 0.5, "eine halbe": 0.5, "einer halben": 0.5, "halben": 0.5, "half a": 0.5,
}
_WORD_NUMBER = _prefix_tree(sorted(_NUMBER_WORDS, key=len, reverse=True))

# Multiplier words; the value is what one unit of the word is worth.
_MULTIPLIERS: list[tuple[str, int]] = [
    (r"billionen|billioner|biljoner|biljon", 10**12),
    (r"miljarder|miljard|milliarder|milliard|Milliarden|Milliarde|miljarden|billion|mia\.|mia|mrd\.|mrd|bn", 10**9),
    (r"miljoner|miljonen|miljon|millioner|millionen|million|miljoenen|miljoen|mio\.|mio|mill\.|milj\.|milj|mn", 10**6),
    (r"tusen|tusind|tausend|thousand|tsd\.|tsd", 10**3),
]
_MULTIPLIER = "|".join(pattern for pattern, _ in _MULTIPLIERS)

# Currency words after (or before) the number. Kroner/kr depend on the language.
_CURRENCY_AFTER = (
    r"(?:svenska|danska|norska|danske|norske|svenske|dänische|schwedische|norwegische)\s+kron(?:or|er|en|a)"
    r"|kronor|kronur|kroner|krone|krona|kr\.|kr|SEK|DKK|NOK|EUR|Euros?|euros?|€|USD|US-Dollar|dollars?|\$|GBP|£|CHF"
    r"|(?-i:D-Mark|DM|Mark)|Pfund|pounds?|pund|Franken"
)
# Compound tokens that carry their own multiplier: "12 mnkr", "MSEK 3,2", "200 TEUR".
_COMPOUND = {
    "msek": (10**6, "SEK"), "mnkr": (10**6, "SEK"), "mkr": (10**6, "SEK"), "mdkr": (10**9, "SEK"),
    "mdr kr": (10**9, "SEK"), "tkr": (10**3, None), "t.kr.": (10**3, None), "tsek": (10**3, "SEK"),
    "ksek": (10**3, "SEK"), "teur": (10**3, "EUR"), "t€": (10**3, "EUR"), "meur": (10**6, "EUR"),
    "mio.kr.": (10**6, None), "mio.kr": (10**6, None), "mia.kr.": (10**9, None), "mia.kr": (10**9, None),
    "mdkk": (10**6, "DKK"), "mnok": (10**6, "NOK"), "tdkk": (10**3, "DKK"), "mio.€": (10**6, "EUR"),
}
_COMPOUND_WORDS = [
    "MSEK", "mnkr", "Mkr", "mkr", "mdkr", "mdr kr", "tkr", "Tkr", "t.kr.", "TSEK", "KSEK", "kSEK", "TEUR", "T€",
    "MEUR", "mio.kr.", "mio.kr", "mia.kr.", "mia.kr", "MDKK", "MNOK", "TDKK", "Mio.€",
]
_COMPOUND_RE = _prefix_tree(_COMPOUND_WORDS)
# A currency named as a word of its own ("in EUR", "i kroner"), which bare amounts after it take.
_CURRENCY_WORD = re.compile(rf"(?<![^\W\d_])(?:{_CURRENCY_AFTER})(?![^\W\d_])", re.IGNORECASE)

_END = r"(?![^\W\d_])"  # no letter right after the currency/multiplier word

_AMOUNT_AFTER = re.compile(
    rf"(?P<num>{_NUMBER}|(?<![^\W\d_])(?:{_WORD_NUMBER}))(?:,[-–])?"
    rf"(?:[ \u00a0\u202f]?(?P<compound>{_COMPOUND_RE}){_END}"
    rf"|(?:[ \u00a0\u202f]?(?P<mult>{_MULTIPLIER}){_END})?"
    rf"(?:[ \u00a0\u202f]?(?P<cur>{_CURRENCY_AFTER})(?:{_END}|(?<=[.€$£])))"
    rf"|(?P<colon>:[-–])(?![\w-]))",
    re.IGNORECASE,
)
# After a leading currency, English "€1.5m" / "EUR 2bn" short multipliers are safe to read.
_LEADING_CURRENCIES = [
    "EUR", "€", "SEK", "DKK", "NOK", "CHF", "USD", "US$", "$", "£", "GBP", "kr.", "kr", *_COMPOUND_WORDS
]
# A multiplier may lead the currency ("Mio. EUR 1,2", table headings); Danish and Norwegian close a whole amount
# with ",-" ("kr. 250.000,-").
_AMOUNT_BEFORE = re.compile(
    rf"(?:(?<![^\W\d_])(?<!\d[ \u00a0\u202f])(?P<pmult>{_MULTIPLIER})[ \u00a0\u202f])?"
    rf"(?<![^\W\d_])(?P<cur>{_prefix_tree(_LEADING_CURRENCIES)})"
    rf"[ \u00a0\u202f]?(?P<num>{_NUMBER})(?:,[-–](?![\w-]))?"
    rf"(?(pmult)|(?:[ \u00a0\u202f]?(?P<mult>{_MULTIPLIER}|m|k){_END})?)",
    re.IGNORECASE,
)
_AMOUNT_BARE = re.compile(
    rf"(?P<num>{_NUMBER}|(?<![^\W\d_])(?:{_WORD_NUMBER}))[ \u00a0\u202f](?P<mult>{_MULTIPLIER}){_END}",
    re.IGNORECASE,
)

# _AMOUNT_AFTER and _AMOUNT_BARE start with a number: digits not glued to a number before them, or a number
# word at a word start. Trying them only at those offsets (found by two cheap scans) gives the same matches
# as running them at every offset of the text.
_DIGITS_START = re.compile(r"\d(?<![\d.,]\d)")
# Other letters that re.IGNORECASE matches to a lower-case letter besides its upper-case form.
OTHER_CASE_FORMS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f", "å": "\u212b"}


def _first_letter_dispatch(words: list[str]) -> str:
    """Return a regex matching `words` like _prefix_tree, but led by a class of every case form of their first
    letters, which lets re skip to candidate letters fast; a lookbehind then picks the word group."""
    first_letters = list(dict.fromkeys(word[0].lower() for word in words))
    forms = sorted(
        {form for letter in first_letters for form in letter + letter.upper() + OTHER_CASE_FORMS.get(letter, "")}
    )
    groups = [
        f"(?<={re.escape(letter)}){_prefix_tree([word[1:] for word in words if word[0].lower() == letter])}"
        for letter in first_letters
    ]
    return rf"[{''.join(map(re.escape, forms))}](?<![^\W\d_].)(?i:{'|'.join(groups)})"


_WORD_NUMBER_START = re.compile(_first_letter_dispatch(sorted(_NUMBER_WORDS, key=len, reverse=True)))
# _AMOUNT_BEFORE ends its currency right before the number or one space before it, on one of these letters.
_LEADING_CURRENCY_LAST = frozenset(word[-1].lower() for word in _LEADING_CURRENCIES)
_LEADING_CURRENCY_MAX = max(map(len, _LEADING_CURRENCIES)) + 1 + max(
    len(word) for pattern, _ in _MULTIPLIERS for word in pattern.split("|")
) + 1  # "Mio. EUR 1,2"

_DEFAULT_CURRENCY = {"sv": "SEK", "da": "DKK", "nb": "NOK", "nn": "NOK", "no": "NOK", "de": "EUR", "nl": "EUR"}
_KRONE_CURRENCY = {"sv": "SEK", "da": "DKK", "nb": "NOK", "nn": "NOK", "no": "NOK"}

# A bare "136 miljoner" counts only where the next word cannot be the counted thing (inhabitants, tonnes…).
_BARE_FOLLOWERS = {
    "går", "gick", "gå", "till", "til", "to", "för", "for", "från", "fra", "frå", "i", "in", "och", "og", "und",
    "and", "får", "fik", "fick", "ska", "skal", "skall", "wird", "werden", "wurden", "wurde", "kommer", "var",
    "er", "är", "ist", "sind", "bliver", "blir", "von", "aus", "für", "an", "zu", "zur", "zum", "als", "har",
    "hat", "haben", "hade", "havde", "af", "av", "på", "auf", "med", "mit", "mot", "mod", "bis", "eller",
    "oder", "or", "samt", "sowie", "ut", "ud", "tilldelas", "beviljas", "bevilges", "fordeles", "fördelas",
    "bevilget", "beviljat", "bereitgestellt", "zur", "per", "pr.", "om", "um", "over", "över", "über",
    "mere", "mer", "mehr", "mindre", "weniger", "less", "more", "uit", "voor", "naar", "wordt", "worden",
}
_MONEY_CONTEXT = re.compile(
    r"budget|stöd|støtte|tilskud|tilskott|tilskudd|bidrag|medel|midler|midlar|finansi|bevilj|bevilg|anslag|"
    r"pulje|förder|zuschuss|mittel|investi|kosten|kostnad|omkostning|koster|kostar|euro|kron|grant|fund|"
    r"afsat|afsæt|avsatt|avsätt|satsar|satsning|tildel|tilldel|pengar|penge|penger|geld|ausgaben|utgift|udgift|"
    # verbs of paying and contributing, at a word start ("Anzahl" counts, "display" shows)
    r"(?<![^\W\d_])(?:bidra|contribut|übernimm|bezahl|zahlt|betal|pays?(?![^\W\d_])|paid"
    # and of receiving ("har fått 2,1 millioner fra …"; a counted thing after the number still rules it out)
    r"|fått|fick|fikk|fik(?![^\W\d_])|erhielt|erhalten|erhält|bekommt|bekam|receiv|modtag|modtog|mottok|mottar"
    r"|mottatt|mottog|erhöll|erhållit)",
    re.IGNORECASE,
)


def find_budgets(text: str, lang: str) -> list[BudgetItem]:
    """Return every money amount in `text` with its value in whole units and ISO currency."""
    if not text:
        return []
    lang = (lang or "").lower()[:2]
    candidates: list[dict[str, Any]] = []
    digit_starts, number_starts = _number_starts(text)
    krone = _krone_for_text(lang, text)  # what a bare "kr" means in this text, decided once
    for match in matches_at(_AMOUNT_AFTER, text, number_starts):
        item = _explicit_item(text, match, lang, krone)
        if item:
            candidates.append(item)
    for match in matches_at(_AMOUNT_BEFORE, text, _leading_currency_starts(text, digit_starts)):
        item = _explicit_item(text, match, lang, krone)
        if item:
            candidates.append(item)
    explicit = _Explicit(text, lang, krone, _non_overlapping(candidates))
    bare = [
        item for item in _bare_items(text, lang, explicit, number_starts)
        if not _overlaps_sorted(item, explicit.starts, explicit.ends)
    ]
    found = sorted(explicit.items + bare, key=lambda item: item["span"][0])
    starts = [item["span"][0] for item in found]
    ends = [item["span"][1] for item in found]
    cued = [item for item in _cued_items(text, lang, explicit, digit_starts) if not _overlaps_sorted(item, starts, ends)]
    return sorted(found + cued, key=lambda item: item["span"][0]) if cued else found


@dataclass
class _Explicit:
    """The amounts of a text written with their currency, and what amounts without one take from them."""

    text: str
    lang: str
    krone: str  # what a bare "kr" means in the text (_krone_for_text)
    items: list[dict[str, Any]]
    starts: list[int] = field(init=False)
    ends: list[int] = field(init=False)
    values: set[tuple[Any, Any]] = field(init=False)
    currencies: list[str | None] = field(init=False)
    usual_currency: str | None = field(init=False)

    def __post_init__(self) -> None:
        self.starts = [item["span"][0] for item in self.items]
        self.ends = [item["span"][1] for item in self.items]
        self.values = {(item["amount"], item["currency"]) for item in self.items}
        self.currencies = [item["currency"] for item in self.items]
        # Sorted first: on a tie the choice must not depend on the interpreter's hash order.
        self.usual_currency = max(sorted(set(self.currencies)), key=self.currencies.count) if self.currencies else None

    @cached_property
    def _declared(self) -> list[tuple[int, str | None]]:
        """Return the offsets and codes of the currency words of the text (built on first use)."""
        return [(m.start(), _currency_code(m.group(), self.lang, self.krone)) for m in _CURRENCY_WORD.finditer(self.text)]

    def declared_before(self, start: int) -> str | None:
        """Return the currency the text named last before `start` ("All figures in EUR", "Beløb i euro")."""
        before = bisect_left(self._declared, (start,)) - 1
        return self._declared[before][1] if before >= 0 else None

    def line_currency(self, start: int, end: int) -> str | None:
        """Return the currency a bare amount takes from its own line, else from its language (_context_currency)."""
        return _context_currency(self.text, start, end, self.items, self.starts, self.ends, self.lang)


def parse_number(raw: str, lang: str) -> float | None:
    """Return the value of a written number ("584 498", "1,5", "1.055.000", "tre"), or None."""
    word = raw.lower()
    if word in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[word])
    compact = re.sub(r"[ \u00a0\u202f\u2009]", "", raw)
    if not compact or not compact[0].isdigit():
        return None
    if re.fullmatch(r"\d{1,3}(,\d{3}){2,}(\.\d+)?", compact):
        return float(compact.replace(",", "")) if len(compact) <= 18 else None
    if lang == "en":
        # English: comma groups thousands, dot marks decimals.
        if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", compact):
            compact = compact.replace(",", "")
        compact = compact.replace(",", ".")
    else:
        if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?", compact):
            compact = compact.replace(".", "")
        elif re.fullmatch(r"\d+\.\d{1,2}", compact):
            pass  # "1.5 Mio." written with a decimal point
        compact = compact.replace(",", ".")
    if len(compact) > 18:
        return None  # no budget has that many digits: a code or a run of digits
    try:
        return float(compact)
    except ValueError:
        return None


def _multiplier_value(word: str | None, lang: str) -> int:
    """Return what one unit of a multiplier word is worth (1 when there is none)."""
    if not word:
        return 1
    if word.lower() == "billion" and lang not in {"en", ""}:
        return 10**12  # long scale: German/Nordic "Billion" is a million millions
    if word.lower() in {"m", "k"}:
        return 10**6 if word.lower() == "m" else 10**3
    for pattern, value in _MULTIPLIERS:
        if re.fullmatch(pattern, word, re.IGNORECASE):
            return value
    return 1


def _currency_code(word: str, lang: str, krone: str) -> str | None:
    """Return the ISO code of a currency word, resolving kr/kroner by language and adjectives."""
    lower = word.lower()
    if lower.startswith(("svensk", "schwedisch")):
        return "SEK"
    if lower.startswith(("dansk", "dänisch")):
        return "DKK"
    if lower.startswith(("norsk", "norwegisch")):
        return "NOK"
    if lower in {"sek", "kronor", "krona"}:
        return "SEK"
    if lower == "dkk":
        return "DKK"
    if lower == "nok":
        return "NOK"
    if lower in {"eur", "euro", "euros", "€"}:
        return "EUR"
    if lower in {"usd", "us-dollar", "dollar", "dollars", "$", "us$"}:
        return "USD"
    if lower in {"gbp", "£"}:
        return "GBP"
    if lower in {"chf", "franken"}:
        return "CHF"
    if lower in {"d-mark", "dm", "mark"}:
        return "DEM"
    if lower in {"pfund", "pound", "pounds", "pund"}:
        return "GBP"
    if lower in {"kroner", "krone"}:
        return "NOK" if lang in {"nb", "nn", "no"} else "DKK"
    # "kr", "kr.": the language decides; elsewhere the krone word used in the text (`krone`, _krone_for_text).
    return krone


def _krone_for_text(lang: str, text: str) -> str:
    """Return the krone currency implied by the language, or by the text's own words."""
    if lang in _KRONE_CURRENCY:
        return _KRONE_CURRENCY[lang]
    return "SEK" if "kronor" in text else "DKK"


def _explicit_item(text: str, match: re.Match[str], lang: str, krone: str) -> dict[str, Any] | None:
    """Build an amount item from a match that has a currency (word, sign or compound)."""
    value = parse_number(match.group("num"), lang)
    if value is None:
        return None
    groups = match.groupdict()
    compound = groups.get("compound")
    currency_word = groups.get("cur")
    multiplier = _multiplier_value(groups.get("mult") or groups.get("pmult"), lang)
    if currency_word and currency_word.lower() in _COMPOUND:
        compound, currency_word = currency_word, None
    if compound:
        factor, currency = _COMPOUND.get(compound.lower(), (1, None))
        multiplier *= factor
        currency = currency or krone
    elif currency_word:
        currency = _currency_code(currency_word, lang, krone)
    elif groups.get("colon"):
        currency = krone  # Swedish/Norwegian price style "500:-"
    else:
        return None
    if match.group("num").lower() in _NUMBER_WORDS and (multiplier == 1 or _vague_before(text, match.start())):
        return None  # "en kr" or "ein Euro" is not a figure worth reporting, nor "flera hundra miljoner kronor"
    end = match.end()
    if lang in _KRONE_WITHOUT_STOP and match.group().endswith("kr.") and _SENTENCE_END.match(text, end):
        end -= 1  # "… 1 500 000 kr. Projektet …": the sentence's full stop
    return _item(text, match.start(), end, value * multiplier, currency)


# Swedish and Norwegian write "kr" without a full stop (Språkrådet in both countries; Danish writes "kr."), so a
# full stop after it that ends the sentence is the sentence's.
_KRONE_WITHOUT_STOP = frozenset({"sv", "nb", "nn", "no"})
_SENTENCE_END = re.compile(r"\s*\Z|[ \t\u00a0]*\n|[ \u00a0]+[A-ZÅÄÖÆØ]")


# Quantifiers that make a number word vague: "flera hundra miljoner", "several hundred million", "einige
# hundert Millionen" are no budget figure.
VAGUE_QUANTIFIERS = any_language("vague_quantifiers")  # pipeline/lexicon/vague_quantifiers.<lang>.txt
_WORD_BEFORE = re.compile(r"(\w+)\W{0,3}\Z")


def _vague_before(text: str, start: int) -> bool:
    """Return True if the word before `start` is a vague quantifier."""
    match = _WORD_BEFORE.search(text, max(0, start - 30), start)
    return bool(match) and match.group(1).lower() in VAGUE_QUANTIFIERS


def _item(text: str, start: int, end: int, amount: float, currency: str | None) -> dict[str, Any]:
    """Return an amount item with an int amount where the value is whole."""
    rounded = round(amount, 2)
    value: int | float = int(rounded) if rounded == int(rounded) else rounded
    return {"text": text[start:end], "span": [start, end], "amount": value, "currency": currency}


def _number_starts(text: str) -> tuple[list[int], list[int]]:
    """Return the offsets where a digit number can start, and where any number (digits or a word) can start."""
    digit_starts = [match.start() for match in _DIGITS_START.finditer(text)]
    return digit_starts, sorted(digit_starts + [match.start() for match in _WORD_NUMBER_START.finditer(text)])


def _leading_currency_starts(text: str, digit_starts: list[int]) -> list[int]:
    """Return the offsets where _AMOUNT_BEFORE can start: a few before each number led by a currency's last letter."""
    starts: set[int] = set()
    for digit in digit_starts:
        before = text[digit - 1] if digit else ""
        if before in " \u00a0\u202f":
            before = text[digit - 2] if digit > 1 else ""
        if before.lower() in _LEADING_CURRENCY_LAST:
            starts.update(range(max(0, digit - _LEADING_CURRENCY_MAX), digit))
    return sorted(starts)


def _bare_items(text: str, lang: str, explicit: _Explicit, number_starts: list[int]) -> list[dict[str, Any]]:
    """Return amounts written without currency ("136 miljoner") whose currency is clear from context."""
    items = []
    for match in matches_at(_AMOUNT_BARE, text, number_starts):
        if not _follows_like_money(text, match.end(), lang):
            continue
        value = parse_number(match.group("num"), lang)
        if value is None or match.group("num").lower() in _NUMBER_WORDS and _vague_before(text, match.start()):
            continue
        # A text that names its currency once before bare amounts, else the amounts' line, else the usual one.
        currency = None if explicit.items else explicit.declared_before(match.start())
        currency = currency or explicit.line_currency(match.start(), match.end()) or explicit.usual_currency
        if currency is None:
            continue
        item = _item(text, match.start(), match.end(), value * _multiplier_value(match.group("mult"), lang), currency)
        # A bare repeat of an amount already written with its currency ("Fra 2,5 millioner til …") adds nothing.
        if (item["amount"], item["currency"]) in explicit.values:
            continue
        items.append(item)
    return items


# A grouped number with neither currency nor multiplier ("et samlet budget på 4.500.000") is money only where a
# money word leads it in the same sentence, it is at least MIN_CUED_AMOUNT, and the text has set its currency:
# a currency word before it ("Alle beløb i kroner") or amounts written with their currency.
_GROUPED = re.compile(rf"\d{{1,3}}(?:{_SEP}\d{{3}}){{1,4}}(?:,\d{{1,2}})?(?!\d|[.,]\d)")
_GROUPED_EN = re.compile(r"\d{1,3}(?:,\d{3}){1,4}(?:\.\d{1,2})?(?!\d|[.,]\d)")
MIN_CUED_AMOUNT = 10_000
CUE_WINDOW = 60  # characters before the number searched for the money word
# Between the money word and the number: no sentence end, blank line or phone label.
_CUE_BREAK = re.compile(r"[.!?;:]\s+[A-ZÄÖÜÅÆØ]|\n\s*\n|(?<![^\W\d_])(?i:tel|tlf|telefon|phone|fax|mobil)(?![^\W\d_])")


def _cued_items(text: str, lang: str, explicit: _Explicit, digit_starts: list[int]) -> list[dict[str, Any]]:
    """Return grouped numbers without a currency that a money word leads, in the currency the text has set."""
    grouped = _GROUPED_EN if lang == "en" else _GROUPED
    explicit_currencies = set(explicit.currencies)
    items = []
    for match in matches_at(grouped, text, digit_starts):
        start, end = match.span()
        inside = bisect_right(explicit.starts, start) - 1
        if inside >= 0 and explicit.ends[inside] > start:
            continue  # part of an amount written with its currency
        value = parse_number(match.group(), lang)
        if value is None or value < MIN_CUED_AMOUNT or not _follows_like_money(text, end, lang):
            continue
        window = text[max(0, start - CUE_WINDOW):start]
        cues = list(_MONEY_CONTEXT.finditer(window))
        if not cues or _CUE_BREAK.search(window, cues[-1].end()):
            continue
        if explicit.items:  # the currency of an explicit amount on its line, else the text's usual one
            currency = explicit.line_currency(start, end)
            currency = currency if currency in explicit_currencies else explicit.usual_currency
        else:
            currency = explicit.declared_before(start)
        if currency is None:
            continue
        item = _item(text, start, end, value, currency)
        if (item["amount"], item["currency"]) not in explicit.values:
            items.append(item)
    return items


def _follows_like_money(text: str, end: int, lang: str) -> bool:
    """Tell whether the text after a bare amount allows it to be money (not "5 millioner indbyggere").

    In German, which capitalises every noun, a lower-case word that ends the clause is its verb ("…, von denen
    der Bund 2,5 Mio. trägt."), not the thing counted.
    """
    rest = text[end:end + 40]
    stripped = rest.lstrip(" \u00a0\t")
    if not stripped or stripped[0] in ".,;:!?)]}–—-\"”“'’\n\r":
        return True
    word = re.match(r"[^\W\d_][\w.]*", stripped)
    # An abbreviation's full stop also ends the sentence when a capital follows (`… med 187 mio. Kommunen …`);
    # German capitalises nouns too (`1,5 Mio. Einwohner`), so there the next word must open sentences.
    if text[end - 1:end] == "." and stripped[0].isupper():
        return lang != "de" or bool(word) and word.group(0).rstrip(".").lower() in word_list("stopwords", "de")
    if not word:
        return False
    token = word.group(0).rstrip(".").lower()
    if lang == "de" and _CLAUSE_FINAL_WORD.match(stripped):
        return True
    return token in _BARE_FOLLOWERS and not word.group(0)[0].isupper()


_CLAUSE_FINAL_WORD = re.compile(r"[^\W\d_A-ZÄÖÜ][^\W\d_]*(?=[.,;:!?](?!\w))")


def _context_currency(
    text: str,
    start: int,
    end: int,
    explicit: list[dict[str, Any]],
    starts: list[int],
    ends: list[int],
    lang: str,
) -> str | None:
    """Return the currency a bare amount takes from its own line, else from its language."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    first, last = bisect_left(starts, line_start), bisect_left(starts, line_end)
    # Explicit amounts never overlap, so their ends are sorted too: the last one on this line that
    # ends before the bare amount is found by bisection, not by scanning the line (quadratic).
    before = bisect_right(ends, start, first, last) - 1
    if before >= first:
        return explicit[before]["currency"]
    if first < last:
        return explicit[first]["currency"]
    if not explicit and not _MONEY_CONTEXT.search(text, max(0, start - 300), end + 300):
        return None
    return _DEFAULT_CURRENCY.get(lang)


def _overlaps_sorted(item: dict[str, Any], starts: list[int], ends: list[int]) -> bool:
    """Tell whether an item overlaps any span of a sorted, non-overlapping list (by bisection)."""
    start, end = item["span"]
    position = bisect_left(starts, start)
    return (position < len(starts) and starts[position] < end) or (position > 0 and ends[position - 1] > start)


def _non_overlapping(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the longest of overlapping candidates, then return them in text order."""
    chosen: list[dict[str, Any]] = []
    # The characters chosen spans cover: a test per span in time of its length (a sorted list with inserts
    # moved half the list per item, quadratic on a text of many MB).
    taken = Coverage(max((item["span"][1] for item in items), default=0))
    for item in sorted(items, key=lambda it: (-(it["span"][1] - it["span"][0]), it["span"][0])):
        start, end = item["span"]
        if taken.overlaps(start, end):
            continue
        taken.accept(start, end)
        chosen.append(item)
    return sorted(chosen, key=lambda it: it["span"][0])
