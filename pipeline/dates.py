"""Calendar dates, month-years, years, ranges and open intervals in sv/da/de (and nb/en/nl) text."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

from hitta.pipeline.entities import DateItem
from hitta.pipeline.lexicon import any_language, endings, numbered
from hitta.pipeline.scan import has_case_exotic, longest_first, matches_at

# Month and weekday names: pipeline/lexicon/{months,month_abbreviations,weekdays}.<lang>.txt (each with its source).
_MONTHS: dict[str, int] = numbered("months")
# Abbreviations count only next to a day and a year ("17 mar 2021"), never alone.
_MONTH_ABBREVIATIONS = numbered("month_abbreviations")

_FULL_MONTH = longest_first(_MONTHS)
_ENGLISH_MONTHS = frozenset(numbered("months", "en"))
_ABBR_MONTH = longest_first(_MONTH_ABBREVIATIONS)
_WEEKDAYS = any_language("weekdays")
_WEEKDAY = rf"(?:{longest_first(_WEEKDAYS)})(?:en)?"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_DAY_2 = r"(?:0[1-9]|[12]\d|3[01])"  # in two digits
_MONTH = r"(?:0?[1-9]|1[0-2])"
_MONTH_2 = r"(?:0[1-9]|1[0-2])"  # in two digits
_YEAR = r"(?:1[89]\d\d|20\d\d|2100)"  # plausible years only: 1800-2100 (a bare year before 1900 needs a time word)
_SP = r"[ \u00a0]"  # dates never span a line break
# Not glued to a word, number, URL or a code's parenthesis ("COM(2021)"), but "mid-2025".
_NOT_BEFORE = r"(?<![\w.,/:])(?<![^\W\d_]\()(?:(?<![^\W\d_]-)|(?<=mid-))"
_NOT_AFTER = r"(?![\w]|[.,/:-]\d|[-/][^\W\d_])"  # not "2030-mål", "2018:152", "2019/20", "2016-1023", "2014/24/EU"

# Quarters and half-years: pipeline/lexicon/{ordinals,year_parts}.<lang>.txt ("3. kvartal 2025", "im dritten
# Quartal 2024", "Q1–Q2 2026", "second half of 2025"). Each is the run of months it covers.
_ORDINALS = numbered("ordinals")
_YEAR_PARTS = numbered("year_parts")  # noun -> months per part
_ORDINAL = (
    r"(?:[1-4](?:\.|:[ae]|st|nd|rd|th|e)|(?-i:I{1,3}|IV)\."  # 3. / 3:e / 3rd / III.
    rf"|{longest_first(_ORDINALS)})"
)
_PART_NOUN = longest_first(_YEAR_PARTS)
_PART_YEAR_LINK = rf"(?:{_SP}(?:of|af|av|i|van|des{_SP}jahres){_SP}|{_SP}|/)"
_PART_JOIN = rf"(?:{_SP}?[-–]{_SP}?|{_SP}(?:og|och|und|and|en|til|till|bis|to){_SP})"
# Where a quarter expression can be: a "Q1"/"H2" code, or its noun (found by plain lower-case search, the
# shortest forms only: "kvartal" also finds "kvartalet").
_PART_CODE = re.compile(r"[QH][1-4]")
_PART_NOUN_STEMS = tuple(
    noun for noun in sorted(_YEAR_PARTS) if not any(noun.startswith(other) and noun != other for other in _YEAR_PARTS)
)

# Words joining two month names that share one year: "to" words make a range; "and" words only after "between".
_TO_WORD_LIST = ["bis", "till", "til", "to", "until", "through", "tot en met", "t/m", "tot"]
_AND_WORD_LIST = ["und", "och", "og", "and", "en"]
_MONTH_JOIN = "|".join(_TO_WORD_LIST + _AND_WORD_LIST)

_YEAR_PART_FORMS = [
    # Q3 2025, Q1–Q2 2026, H2/2024
    rf"(?<![\w.])(?:(?P<qc0>(?-i:[QH])[1-4]){_PART_JOIN})?(?P<qc>(?-i:[QH])[1-4])(?:{_SP}|/|-)"
    rf"(?P<qc_y>{_YEAR}){_NOT_AFTER}",
    # 3. kvartal 2025, dritten Quartal 2024, 1.–2. kvartal 2026, third quarter of 2025
    rf"(?<![\w.])(?:(?P<qo0>{_ORDINAL}){_PART_JOIN})?(?P<qo>{_ORDINAL}){_SP}(?P<qo_w>{_PART_NOUN})"
    rf"{_PART_YEAR_LINK}(?P<qo_y>{_YEAR}){_NOT_AFTER}",
]
_OTHER_FORMS = [
    # 2016-06-15
    rf"{_NOT_BEFORE}(?P<iso_y>{_YEAR})-(?P<iso_m>{_MONTH_2})-(?P<iso_d>{_DAY_2})(?!\d)",
    # 01.01.–31.12.2024, 1.1. bis 31.12.2025: the first date takes the second one's year
    rf"{_NOT_BEFORE}(?P<nr_d0>{_DAY})\.(?:(?P<nr_m0>{_MONTH})\.)?(?:{_SP}?[-–]{_SP}?|{_SP}(?:bis|till|til|to|until)"
    rf"(?:{_SP}(?:den|zum))?{_SP})(?P<nr_d>{_DAY})\.(?P<nr_m>{_MONTH})\.(?P<nr_y>{_YEAR}){_NOT_AFTER}",
    # 18.11.2020, 18/11/2020, 07-12-2016
    rf"{_NOT_BEFORE}(?P<num_d>{_DAY})(?P<num_sep>[./-])(?P<num_m>{_MONTH})(?P=num_sep)"
    rf"(?P<num_y>{_YEAR}){_NOT_AFTER}",
    # am 14.10. / den 3.4.: a numeric day and month with their full stops, the year from context (_DAY_MONTH_LEADS)
    rf"{_NOT_BEFORE}(?P<dm_d>{_DAY})\.(?P<dm_m>{_MONTH})\.(?![\w.,/:-]|{_SP}?\d)",
    # [Freitag, ][18.-]18. November[,] 2020 / 17 mar 2021 / 18. November
    rf"(?<![\w.])(?:(?P<txt_wd>{_WEEKDAY}),?{_SP}(?:(?:den|dem|d\.){_SP})?)?"
    rf"(?:(?P<txt_d0>{_DAY})\.?(?:{_SP}?[-–]{_SP}?|{_SP}(?:bis|till|til|to|until)(?:{_SP}(?:den|zum))?{_SP}"
    rf"|{_SP}(?P<txt_and>{'|'.join(_AND_WORD_LIST)}){_SP}(?:(?:den|dem){_SP})?))?"
    rf"(?P<txt_d>{_DAY})(?:\.|st|nd|rd|th|:[ae])?(?:{_SP}of)?{_SP}?"  # 18. / 3rd (of) / 3:e
    rf"(?:(?P<txt_m>{_FULL_MONTH})|(?P<txt_ma>{_ABBR_MONTH})\.?(?=,?{_SP}{_YEAR}|{_SP}?[-–]{_SP}?{_DAY}))"
    rf"(?![^\W\d_])(?:,?{_SP}(?P<txt_y>{_YEAR}){_NOT_AFTER})?",
    # Danish 3/4-2024, Swedish 12/3 2025
    rf"{_NOT_BEFORE}(?P<dk_d>{_DAY})/(?P<dk_m>{_MONTH})(?:-|{_SP})(?P<dk_y>{_YEAR}){_NOT_AFTER}",
    # English: June 4, 2019 / June 4 (the year from context; _point keeps that only for a capitalised English month)
    rf"(?<![\w.])(?P<en_m>{_FULL_MONTH}){_SP}(?P<en_d>{_DAY})(?:st|nd|rd|th)?"
    rf"(?:,{_SP}(?P<en_y>{_YEAR}){_NOT_AFTER}|(?![\w]|[.,/:–-]\d))",
    # Juli 2016, april–juni 2021, März bis Juni 2025, (zwischen) Januar und März 2025
    rf"(?<![\w.])(?:(?P<my_m0>{_FULL_MONTH})(?:{_SP}?[-–]{_SP}?|{_SP}(?P<my_join>{_MONTH_JOIN}){_SP}))?"
    rf"(?P<my_m>{_FULL_MONTH})(?:,?{_SP}|{_SP}of{_SP})"  # "Juli 2016", "July, 2005", "February of 1966"
    rf"(?P<my_y>{_YEAR}){_NOT_AFTER}",
    # Jan. 2025, dec. 2025: an abbreviated month with its full stop and a year; Jan–Mar 2025
    rf"(?<![\w.])(?:(?P<mya_m0>{_ABBR_MONTH})\.?{_SP}?[-–]{_SP}?)?(?P<mya_m>{_ABBR_MONTH})(?(mya_m0)\.?|\.)"
    rf"{_SP}(?P<mya_y>{_YEAR}){_NOT_AFTER}",
    # 05/2022, 05.2022
    rf"{_NOT_BEFORE}(?P<my2_m>{_MONTH_2})[./](?P<my2_y>{_YEAR}){_NOT_AFTER}",
    # 2019-12
    rf"{_NOT_BEFORE}(?P<ym_y>{_YEAR})-(?P<ym_m>{_MONTH_2})(?![\d-])",
    # 20er Jahre, 1990er-Jahren, 1990-talet, 2020'erne, 2020-tallet, the 2030s
    rf"(?<![\w.])(?P<dec>\d0|(?:18|19|20)\d0)(?:er[-{_SP[1:-1]}]Jahren?|-talet|-tallet|['’]erne|(?<=\d{{4}})['’]?s)"
    r"(?![^\W\d_])",
    # 2014-2020, 2016-18, 2023–24, 2021/2022
    rf"{_NOT_BEFORE}(?<!\d[-–])(?P<yr_a>{_YEAR})(?:[-–/](?P<yr_b>{_YEAR})|[-–/](?P<yr_s>\d\d)){_NOT_AFTER}",
    # 2020
    rf"{_NOT_BEFORE}(?<!\d[-–])(?P<year>{_YEAR}){_NOT_AFTER}",
]
_POINT = re.compile("|".join(_YEAR_PART_FORMS + _OTHER_FORMS), re.IGNORECASE)
# A run of dates, month-years and years joined by dashes or slashes ("04/2023 – 03/2026", "2023/24", "2014-2020",
# "1.1.2021-31.12.2023"): a period wherever a number inside it starts (pipeline.contacts: never a phone number).
_RUN_DATE = (
    rf"(?:{_DAY}[./-]{_MONTH}[./-]{_YEAR}"  # 31.12.2023
    rf"|{_YEAR}-{_MONTH_2}(?:-{_DAY_2})?"  # 2023-04, 2023-04-01
    rf"|{_MONTH}[./]{_YEAR}"  # 04/2023, 4.2023
    rf"|{_YEAR})"  # 2023
)
DATE_RUN = re.compile(rf"(?<![\d/.-]){_RUN_DATE}(?:{_SP}?[-–/]{_SP}?(?:{_RUN_DATE}|\d\d(?!\d)))+(?![\d/])")
# The same without the quarter forms, for offsets where no quarter can start (speed; same matches).
_POINT_NO_PART = re.compile("|".join(_OTHER_FORMS), re.IGNORECASE)
_AND_WORDS = frozenset(_AND_WORD_LIST)

# Words between two points that make one range of them.
_RANGE_GAP = re.compile(
    rf"^(?:{_SP}*[-–—]{{1,2}}{_SP}*|{_SP}+(?:(?:og|och){_SP}+(?:frem|fram){_SP}+)?(?:bis|till|til|to|until|tot"
    rf"|till{_SP}+och{_SP}+med|til{_SP}+og{_SP}+med|t\.{_SP}?o\.{_SP}?m\.|bis{_SP}+einschließlich|through"
    rf"|tot{_SP}+en{_SP}+met|t/m)"
    rf"{_SP}+(?:(?:den|dem|zum|zur){_SP}+)?)$",
    re.IGNORECASE,
)
_RANGE_AND_GAP = re.compile(rf"^{_SP}+(?:{'|'.join(_AND_WORD_LIST)}){_SP}+(?:(?:den|dem){_SP}+)?$", re.IGNORECASE)
# Words before a range that belong to it ("von 2019 bis 2024", "från den 1 mars … till den …", "fr.o.m. 1 mars
# t.o.m. 30 april").
_RANGE_OPENER = re.compile(
    rf"(?<![\w])(?:von|vom|ab|vanaf|från|fra|frå|from|van|zwischen|mellan|mellem|mellom|between|tussen"
    rf"|från{_SP}+och{_SP}+med"
    rf"|fra{_SP}+og{_SP}+med|fr\.?{_SP}?o\.?{_SP}?m\.?|f\.{_SP}?o\.{_SP}?m\.?|fom)(?:{_SP}+(?:den|dem))?{_SP}+$",
    re.IGNORECASE,
)
_BETWEEN_OPENER = re.compile(
    rf"(?<![\w])(?:zwischen|mellan|mellem|mellom|between|tussen){_SP}+(?:(?:den|dem){_SP}+)?$", re.IGNORECASE
)

# Interval words kept in the span: a start only, or an end only.
_START_OPENER = re.compile(
    rf"(?<![\w])(?:seit(?:{_SP}+(?:dem|den))?|ab(?:{_SP}+(?:dem|den))?|sedan(?:{_SP}+den)?|siden(?:{_SP}+den)?"
    rf"|(?:från{_SP}+och{_SP}+med|fra{_SP}+og{_SP}+med)(?:{_SP}+den)?|fr\.?{_SP}o\.?{_SP}m\.?|fr\.o\.m\.?"
    rf"|f\.o\.m\.?|fom"
    rf"|från{_SP}+den|fra{_SP}+den|(?:allt|ända){_SP}*sedan|helt{_SP}+siden|since|ever{_SP}+since|as{_SP}+of|as{_SP}+from"
    rf"|(?:starting|beginning)(?:{_SP}+(?:in|from|on))?|vanaf|sinds|sedert)(?:{_SP}+the)?{_SP}+$",
    re.IGNORECASE,
)
# "fra"/"från"/"from" opens an interval only where _from_starts_period says so; "midler fra 2023" is a point.
_FROM_WORD = re.compile(rf"(?<![\w])(?:fra|från|from|frå){_SP}+$", re.IGNORECASE)
# Verbs before it that make it a start ("skal fra 2025 levere"): pipeline/lexicon/from_time_leads.<lang>.txt.
_FROM_TIME_LEADS = any_language("from_time_leads")
_WORD_BEFORE = re.compile(r"([^\W\d_]+)[ \u00a0]+\Z")
# Prepositions and articles that make "14.10." a day and month, not a section or list number:
# pipeline/lexicon/day_month_leads.<lang>.txt.
_DAY_MONTH_LEADS = any_language("day_month_leads")
_SENTENCE_BOUNDARY = re.compile(r"(?:^|[.!?:;\n•])[\s\u00a0]*$")
_ONWARD = re.compile(
    rf"{_SP}+(?:og{_SP}+frem|och{_SP}+framåt|och{_SP}+framöver|og{_SP}+fremover|og{_SP}+utover|onwards"
    rf"|and{_SP}+onwards|til{_SP}+i{_SP}*dag|till{_SP}+i{_SP}*dag|til{_SP}+nå|till{_SP}+nu|bis{_SP}+heute|to{_SP}+date"
    rf"|until{_SP}+(?:today|now)|tot{_SP}+(?:nu|heden))(?![\w])",
    re.IGNORECASE,
)
_END_OPENER = re.compile(
    rf"(?<![\w])(?:bis(?:{_SP}+(?:zum|zur|spätestens))?|spätestens|till{_SP}+och{_SP}+med|t\.?{_SP}o\.?{_SP}m\.?|t\.o\.m\.?"
    rf"|senast(?:{_SP}+den)?|senest(?:{_SP}+den)?|fram{_SP}+till(?:{_SP}+den)?|frem{_SP}+til(?:{_SP}+den)?"
    rf"|til{_SP}+og{_SP}+med|indtil(?:{_SP}+den)?|inden(?:{_SP}+den)?|until|innan|tot{_SP}+en{_SP}+met|uiterlijk"
    rf"|frem{_SP}+mod|fram{_SP}+mot"
    rf"|tills|intill|före|inntil|innen|før|vor(?:{_SP}+dem)?"
    rf"|bis{_SP}+einschließlich|by|through|up{_SP}+(?:to|until)|(?:no|not){_SP}+later{_SP}+than|before|prior{_SP}+to"
    rf"|tot|t/m)"
    rf"(?:{_SP}+the)?{_SP}+$",
    re.IGNORECASE,
)
# Bare Swedish/English "till" ends a period only before a year ("klimatneutral till 2030"); before a finer
# date it is more often the scheduled point ("flyttas till andra kvartalet"). Danish/Norwegian "til" before a
# year more often names what money is for ("puljen til 2025"); "frem til", "indtil", "innen" end periods there.
_TO_BEFORE_YEAR = re.compile(rf"(?<![\w])till{_SP}+$", re.IGNORECASE)
# Any "to" before the end of a period ends it ("til udgangen af 2026", "to the end of 2027").
_TO_BEFORE_END_PART = re.compile(rf"(?<![\w])(?:til|till|to(?:{_SP}+the)?){_SP}+$", re.IGNORECASE)
_END_PART = re.compile(
    rf"(?:udgangen|slutningen|utgangen|slutten|slutet|utgången|end|ende|jahresende|year[- ]end)(?![\w])",
    re.IGNORECASE,
)
_PART_LINK_BEFORE = re.compile(rf"(?<![\w])(?:ved|vid|i|per|at|im|zum|zur){_SP}+$", re.IGNORECASE)
# After "at the longest"/"all the way" it ends a period before any date ("längst till 31 december 2028"); the
# adverb stays out of the span.
_TO_AFTER_LONGEST = re.compile(rf"(?<![\w])(?:längst|ända){_SP}+(?P<to>till(?:{_SP}+den)?){_SP}+$", re.IGNORECASE)
# A year noun between an interval word and a bare year belongs to the span ("bis zum Jahr 2030", "by the year 2030").
_YEAR_NOUN_BEFORE = re.compile(rf"(?<![\w])(?:(?:dem|zum|the){_SP}+)?(?:jahre?|år|year){_SP}+$", re.IGNORECASE)
# A Swedish genitive year ("till 2025 års budget") labels a thing: no interval word joins it.
_GENITIVE_YEAR = re.compile(rf"{_SP}+års?(?![^\W\d_])", re.IGNORECASE)
# Part-of-period words kept in the span ("Ende 2022", "hösten 2016-2018", "i slutet av 2020").
_PERIOD_PART = re.compile(
    rf"(?<![\w])(?:ende|anfang|mitte|beginn|frühjahr|frühling|(?:früh|spät)?(?:sommer|herbst)|winter"
    rf"|jahres(?:ende|anfang|beginn|mitte)|(?:sen|för|for)?sommar(?:en)?|(?:sen|for)sommeren|senhøsten|senhösten"
    rf"|year[- ]end|(?:early|late|mid)[ -](?:spring|summer|autumn|fall|winter)"
    rf"|hösten|våren|sommaren|vintern|början{_SP}+av|slutet{_SP}+av|mitten{_SP}+av|utgången{_SP}+av"
    rf"|efteråret|foråret|sommeren|vinteren|høsten|slutningen{_SP}+af|begyndelsen{_SP}+af|midten{_SP}+af"
    rf"|udgangen{_SP}+af|starten{_SP}+af|slutten{_SP}+av|starten{_SP}+av|utgangen{_SP}+av|begynnelsen{_SP}+av"
    rf"|midten{_SP}+av|primo|ultimo|medio|early|late|mid|(?:spring|summer|autumn|fall|winter)(?:{_SP}+of)?"
    rf"|end{_SP}+of|beginning{_SP}+of"
    rf"|start{_SP}+of|middle{_SP}+of|eind|begin|halverwege|(?:voorjaar|najaar|zomer|winter|herfst){_SP}+van)"
    rf"(?:{_SP}+|(?<=mid)-)$",
    re.IGNORECASE,
)
# Capitalised words before a bare year that are time words, not the name the year labels.
_TIME_WORDS = any_language("time_words")  # pipeline/lexicon/time_words.<lang>.txt
_TIME_NOUN_SUFFIXES = endings("time_noun_endings")  # pipeline/lexicon/time_noun_endings.<lang>.txt
# Nouns for a year's budget, accounts or report ("Haushaltsplan 2025"):
# pipeline/lexicon/year_document_endings.<lang>.txt
_YEAR_DOCUMENT_SUFFIXES = endings("year_document_endings")
# Numbers followed by these are amounts or counts, not years (a currency followed by a number leads that number:
# "in 2025 € 1,2 miljoen").
_UNIT_AFTER = re.compile(
    r"[ \u00a0]?(?:(?:kr\b|kr\.|kronor|kroner|sek\b|dkk\b|nok\b|eur\b|euros?\b|€|\$)(?![ \u00a0]?\d)"
    r"|%|procent|prozent|prosent"
    r"|mio\b|mill\b|miljon|million|mia\b|mrd\b|miljard|milliard|tsd\b|tusen|tusind|tausend"
    r"|m\b|m²|m2\b|km\b|kvm|tons?\b|kg\b|mw\b|kw\b|gwh|stk|st\.|einwohner|invånare|indbyggere|innbyggere"
    r"|menschen|personer|personen|mennesker|adresser|adressen|bostäder|boliger|wohnungen|lägenheter|deltagare"
    r"|deltagere|teilnehmer|besökare|besøgende|besucher|ansøgere|sökande|antragsteller|arbeitsplätze"
    r"|arbetstillfällen|arbejdspladser|jobs|mitarbeiter|anställda|ansatte|medarbejdere|uhr\b)",
    re.IGNORECASE,
)
# Numbers after these are amounts, case and file numbers ("sak 12/2024", "Drucksache 2024/0123"), pages or times.
_UNIT_BEFORE = re.compile(
    r"(?<![\w])(?:€|\$|eur|sek|dkk|nok|kr\.?|nr\.?|no\.|§|kl\.|klockan|seite|side|sida|s\.|sak|sag|saksnr\.?"
    r"|sagsnr\.?|ärende|dnr\.?|j\.?nr\.?|journalnr\.?|az\.?|aktenzeichen|drucksache|vorlage|ref\.?)[ \u00a0]?$",
    re.IGNORECASE,
)
# A number before a counted plural ("1950 lägenheter", "2000 nya bostäder", "2080 Haushalten") is no year:
# pipeline/lexicon/count_nouns.<lang>.txt and count_adjectives.<lang>.txt.
_COUNT_NOUNS = any_language("count_nouns")
_COUNT_ADJECTIVES = any_language("count_adjectives")
_LABEL_BEFORE = re.compile(r"([^\W\d_]+):[ \t\u00a0]*\Z")
_NEXT_TWO_WORDS = re.compile(r"[ \u00a0]+([^\W\d_]+)(?:[ \u00a0]+([^\W\d_]+))?")
_COPYRIGHT = re.compile(r"©|\(c\)|copyright", re.IGNORECASE)
# The postal district letters of Danish towns ("København Ø", "Aarhus C", "Odense SV"; PostNord's Danish postcodes),
# in Danish texts only: any other capital after a word is no district ("i 2025 Region H", "Etapp A"), nor is a
# district letter in another language ("In 2026 Building C opens").
_POSTCODE_DISTRICT = re.compile(r"[ \u00a0][A-ZÆØÅ][^\W\d_]+[ \u00a0](?:[CKMNSVØ]|NV|NØ|SV|SØ)(?!\w)")
_POSTCODE_TOWN = re.compile(r"[ \u00a0][A-ZÆØÅ][^\W\d_]+(?:[ \u00a0][A-ZÆØÅ]\b|[.,;)]|\s*$|\s*\n)")


# Every date expression holds a digit. One that starts with a word (weekday or month name) has its first
# digit right after "<name>[,] " ("Freitag, den 18.", "Juni 4,", "april–juni 2021"), at most this far in.
_NAME_LEAD_MAX = max(
    max(map(len, _WEEKDAYS)) + len("en, den "),  # "Donnerstagen, den 18."
    2 * max(map(len, _MONTHS)) + max(map(len, _TO_WORD_LIST + _AND_WORD_LIST)) + 3,  # "september until december 2020"
)
# "vierten und ersten " before "Quartal": two ordinals and a joining word.
_PART_LEAD_MAX = 2 * max(map(len, _ORDINALS)) + len(" till ") + 1
_NAMES_BEFORE_DIGIT = frozenset(
    [*_MONTHS, *_MONTH_ABBREVIATIONS, *_WEEKDAYS, *(day + "en" for day in _WEEKDAYS), "den", "of"]  # "February of 1966"
)
_DIGIT_RUN_START = re.compile(r"\d(?<!\d\d)")
# What _word_before_digit reads backwards from a digit (tests/test_dates.py compares them).
_WORD_BEFORE_DIGIT = re.compile(r"([^\W\d_]+)[,.]?[ \u00a0]\Z")
_WORD_START = re.compile(r"(?<![\w.])[^\W\d_]")


@dataclass
class _Point:
    """One date expression before ranges are joined: its span and (partial) value."""

    start: int
    end: int
    year: int | None
    month: int | None = None
    day: int | None = None
    # Set for points that are ranges by themselves: 18.-19. November, april–juni 2021, 2014-2020, 20er Jahre.
    end_day: int | None = None
    end_month: int | None = None
    end_year: int | None = None
    bare_year: bool = False
    has_weekday: bool = False
    # A quarter or half-year ("Q3 2025"): a run of months that reads as one point for interval words.
    year_part: bool = False


def find_dates(text: str, lang: str) -> list[DateItem]:
    """Return every date, month, year, range and open interval in `text` with ISO start/end."""
    if not text:
        return []
    points = [point for point in (_point(text, match) for match in _point_matches(text)) if point]
    items = _join_ranges(text, points)
    copyright_marks = _copyright_marks(text)  # found once per text: _keep asks for every bare year on a line
    items = [item for item in items if _keep(text, item, (lang or "").lower()[:2], copyright_marks)]
    _fill_missing_years(items)
    result = []
    for item in items:
        if item["start_point"].year is None:
            continue  # "3.-4. Mai" in a text with no year at all
        result.append(_finish(text, item))
    return [item for item in result if item is not None]


def _point_matches(text: str) -> list[re.Match[str]]:
    """Return the matches of _POINT.finditer(text), trying the long pattern only where a date can start.

    A date starts at the start of a digit run or, when the word before a digit is a month, weekday or "den",
    at a word start just before that digit; matching at those offsets alone gives the same matches.
    """
    candidates = set()
    for digit in _DIGIT_RUN_START.finditer(text):
        position = digit.start()
        candidates.add(position)
        lead = _word_before_digit(text, position)
        if lead and (lead.lower() in _NAMES_BEFORE_DIGIT or has_case_exotic(lead)):
            line_start = text.rfind("\n", 0, position) + 1
            window_start = max(line_start, position - _NAME_LEAD_MAX)
            candidates.update(word.start() for word in _WORD_START.finditer(text, window_start, position))
    part_candidates = set()
    for position in _part_hints(text):
        # "Q3" starts the expression; an ordinal before the noun starts it at most one or two words back.
        line_start = text.rfind("\n", 0, position) + 1
        window_start = max(line_start, position - _PART_LEAD_MAX)
        part_candidates.add(position)
        part_candidates.update(word.start() for word in _WORD_START.finditer(text, window_start, position))
        part_candidates.update(digit.start() for digit in _DIGIT_RUN_START.finditer(text, window_start, position))
    return matches_at(
        _POINT_NO_PART, text, sorted(candidates | part_candidates),
        lambda start: _POINT if start in part_candidates else _POINT_NO_PART,
    )


def _word_before_digit(text: str, position: int) -> str:
    """Return group 1 of _WORD_BEFORE_DIGIT.search(text, max(0, position - _NAME_LEAD_MAX), position), else "".

    The letters ending right before the blank before a digit, a comma or full stop between them allowed ("Juni 4",
    "Freitag, 18.", "Jan. 2025"), read backwards from the digit: a search tries the pattern at every offset of the
    window.
    """
    window_start = max(0, position - _NAME_LEAD_MAX)
    end = position - 1
    if end < window_start or text[end] not in " \u00a0":
        return ""
    if end > window_start and text[end - 1] in ",.":
        end -= 1
    start = end
    while start > window_start and text[start - 1].isalnum() and not text[start - 1].isdecimal():  # [^\W\d_]
        start -= 1
    return text[start:end]


def _part_hints(text: str) -> list[int]:
    """Return the offsets of every "Q1"/"H2" code and quarter or half-year noun (any case) in `text`."""
    hints = [code.start() for code in _PART_CODE.finditer(text)]
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is longer ("İ"): offsets would shift
        noun = re.compile("|".join(_PART_NOUN_STEMS), re.IGNORECASE)
        return hints + [match.start() for match in noun.finditer(text)]
    for stem in _PART_NOUN_STEMS:
        at = lowered.find(stem)
        while at >= 0:
            hints.append(at)
            at = lowered.find(stem, at + 1)
    return hints


def _point(text: str, match: re.Match[str]) -> _Point | None:
    """Turn one regex match into a point, or None when the numbers are not a real date."""
    g = match.groupdict()
    start, end = match.start(), match.end()
    try:
        if g.get("qc_y") or g.get("qo_y"):
            return _year_part(match)
        if g["iso_y"]:
            return _checked(_Point(start, end, int(g["iso_y"]), int(g["iso_m"]), int(g["iso_d"])))
        if g["nr_y"]:
            # "15.-17.5.2025": the first day shares the second one's month
            first = (int(g["nr_m0"] or g["nr_m"]), int(g["nr_d0"]))
            year, last = int(g["nr_y"]), (int(g["nr_m"]), int(g["nr_d"]))
            if not first < last:  # "15.12.–15.01.2025": only the dated end is sure
                return _checked(_Point(match.start("nr_d"), end, year, last[0], last[1]))
            point = _checked(_Point(start, end, year, first[0], first[1], end_day=last[1], end_month=last[0]))
            return point if point and _checked(_Point(start, end, year, last[0], last[1])) else None
        if g["dk_y"]:
            return _checked(_Point(start, end, int(g["dk_y"]), int(g["dk_m"]), int(g["dk_d"])))
        if g["num_y"]:
            return _checked(_Point(start, end, int(g["num_y"]), int(g["num_m"]), int(g["num_d"])))
        if g["dm_d"]:
            lead = _WORD_BEFORE.search(text, max(0, start - 20), start)
            if not lead or lead.group(1).lower() not in _DAY_MONTH_LEADS:
                return None  # "Kapitel 3.4.", a list number
            return _checked(_Point(start, end, None, int(g["dm_m"]), int(g["dm_d"])))
        if g["txt_d"]:
            month = _MONTHS.get((g["txt_m"] or "").lower()) or _MONTH_ABBREVIATIONS.get((g["txt_ma"] or "").lower())
            year = int(g["txt_y"]) if g["txt_y"] else None
            point = _Point(start, end, year, month, int(g["txt_d"]), has_weekday=bool(g["txt_wd"]))
            if g["txt_and"] and not _BETWEEN_OPENER.search(text, max(0, start - 20), start):
                # "am 1. und 15. März" names two days: the span is the second one's.
                point.start = match.start("txt_d")
            elif g["txt_d0"]:
                # "18.-19. November 2020", "zwischen dem 1. und 15. März": a range of days inside one month.
                point.day, point.end_day = int(g["txt_d0"]), point.day
                if point.end_day is not None and point.day >= point.end_day:
                    return None
            return _checked(point)
        if g["en_m"]:
            if not g["en_y"] and (g["en_m"][:1].islower() or g["en_m"].lower() not in _ENGLISH_MONTHS):
                return None  # `may 5`, `Mai 12 Teilnehmer`: only English writes the month before the day
            year = int(g["en_y"]) if g["en_y"] else None
            return _checked(_Point(start, end, year, _MONTHS[g["en_m"].lower()], int(g["en_d"])))
        if g["my_y"]:
            month = _MONTHS[g["my_m"].lower()]
            joined_by_and = (g["my_join"] or "").lower() in _AND_WORDS
            if joined_by_and and not _BETWEEN_OPENER.search(text, max(0, start - 20), start):
                # "januari och mars 2025" names two months: only the second one carries the year.
                return _Point(match.start("my_m"), end, int(g["my_y"]), month)
            if g["my_m0"]:
                first_month = _MONTHS[g["my_m0"].lower()]
                return _Point(start, end, int(g["my_y"]), first_month, end_month=month) if first_month < month else None
            return _Point(start, end, int(g["my_y"]), month)
        if g["mya_y"]:
            month = _MONTH_ABBREVIATIONS[g["mya_m"].lower()]
            if g["mya_m0"]:
                first_month = _MONTH_ABBREVIATIONS[g["mya_m0"].lower()]
                if first_month >= month:
                    return None
                return _Point(start, end, int(g["mya_y"]), first_month, end_month=month)
            return _Point(start, end, int(g["mya_y"]), month)
        if g["my2_y"]:
            return _Point(start, end, int(g["my2_y"]), int(g["my2_m"]))
        if g["ym_y"]:
            return _Point(start, end, int(g["ym_y"]), int(g["ym_m"]))
        if g["dec"]:
            decade = int(g["dec"])
            if decade < 100:
                decade += 2000 if decade <= 20 else 1900  # "20er Jahre" are the 2020s, "30-talet" the 1930s
            if decade % 100 == 0 and "tal" in match.group().lower():
                return _Point(start, end, decade, end_year=decade + 99)  # "1800-talet", "1900-tallet": a century
            return _Point(start, end, decade, end_year=decade + 9)
        if g["yr_a"]:
            first = int(g["yr_a"])
            last = int(g["yr_b"]) if g["yr_b"] else first // 100 * 100 + int(g["yr_s"])
            if not first < last <= first + 30:
                # "2016-1023" or "651/2014"-like noise: keep only a plausible hyphenated first year.
                return None
            return _Point(start, end, first, end_year=last, bare_year=True)
        if g["year"]:
            return _Point(start, end, int(g["year"]), bare_year=True)
    except (KeyError, ValueError):
        return None
    return None


def _year_part(match: re.Match[str]) -> _Point | None:
    """Turn a quarter or half-year match into the run of months it covers ("Q3 2025" = 2025-07..2025-09)."""
    g = match.groupdict()
    if g["qc_y"]:
        code, first_code = g["qc"], g["qc0"] or g["qc"]
        if code[0] != first_code[0]:
            return None  # "Q1–H2 2025"
        months, year = (3 if code[0] == "Q" else 6), int(g["qc_y"])
        first, last = int(first_code[1]), int(code[1])
    else:
        months, year = _YEAR_PARTS[g["qo_w"].lower()], int(g["qo_y"])
        first, last = _ordinal(g["qo0"] or g["qo"]), _ordinal(g["qo"])
    if not 1 <= first <= last <= 12 // months:
        return None
    start_month, end_month = (first - 1) * months + 1, last * months
    return _Point(match.start(), match.end(), year, start_month, end_month=end_month, year_part=True)


def _ordinal(word: str) -> int:
    """Return the number of an ordinal: "3.", "3:e", "3rd", "III.", "dritten"."""
    if word[0].isdigit():
        return int(word[0])
    return _ROMAN.get(word, 0) or _ORDINALS[word.lower()]


_ROMAN = {"I.": 1, "II.": 2, "III.": 3, "IV.": 4}


def _checked(point: _Point) -> _Point | None:
    """Return the point if its day fits its month (no 31 June), else None."""
    if point.month and point.day:
        days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][point.month - 1]
        if point.day > days:
            return None
    return point


# The longest gap that can hold a range word and a period part ("bis einschließlich Frühjahr ").
_PART_GAP_MAX = 40


def _join_ranges(text: str, points: list[_Point]) -> list[dict[str, Any]]:
    """Join neighbouring points into ranges and attach interval words before them."""
    items: list[dict[str, Any]] = []
    index = 0
    while index < len(points):
        point = points[index]
        item = {"start": point.start, "end": point.end, "start_point": point, "end_point": None, "kind": "point"}
        if index + 1 < len(points):
            following = points[index + 1]
            gap = text[point.end:following.start]
            opener = _RANGE_OPENER.search(text, max(0, point.start - 20), point.start)
            between = _BETWEEN_OPENER.search(text, max(0, point.start - 20), point.start)
            joins = _RANGE_GAP.match(gap) or (between and _RANGE_AND_GAP.match(gap))
            part = None if joins or len(gap) > _PART_GAP_MAX else _PERIOD_PART.search(gap)
            if part and following.month is None:
                # "Sommer 2025 bis Frühjahr 2026": the period part before the second year belongs to it.
                joins = _RANGE_GAP.match(gap[:part.start()]) or (between and _RANGE_AND_GAP.match(gap[:part.start()]))
            singles = not _is_range(point) and not _is_range(following)
            parts = point.year_part and following.year_part  # "Q4 2025 – Q2 2026"
            if joins and (singles or parts) and _compatible(point, following):
                item.update(end=following.end, end_point=following, kind="range")
                if opener:
                    item["start"] = opener.start()
                index += 1
        items.append(item)
        index += 1
    for item in items:
        _attach_prefixes(text, item)
    return items


def _is_range(point: _Point) -> bool:
    """Tell whether a point already spans a range on its own."""
    return point.end_day is not None or point.end_month is not None or point.end_year is not None


def _compatible(first: _Point, second: _Point) -> bool:
    """Tell whether two points can be the ends of one range (same precision family, in order)."""
    if first.bare_year != second.bare_year and not (first.bare_year and second.month is None):
        return False
    first_year, second_year = first.year or second.year, second.year or first.year
    if first_year and second_year:
        # Compare whole dates, not only years ("31. Mai bis 1. Mai 2020" ends before it starts);
        # a missing month or day is read as the widest reading of each end.
        opening = (first_year, first.month or 1, first.day or 1)
        closing = (second_year, second.month or 12, second.day or 31)
        if opening > closing:
            return False
    return True


def _attach_prefixes(text: str, item: dict[str, Any]) -> None:
    """Pull period-part words and open-interval words into the span and mark the interval."""
    window = max(0, item["start"] - 30)
    part = _PERIOD_PART.search(text, window, item["start"])
    if part and not item["start_point"].has_weekday:
        item["start"] = part.start()
        item["period_part"] = True
    if item["kind"] == "range" or (_is_range(item["start_point"]) and not item["start_point"].year_part):
        opener = _RANGE_OPENER.search(text, max(0, item["start"] - 20), item["start"])
        if opener and (item["start_point"].month or item["kind"] == "range"):
            item["start"] = opener.start()
        if item["kind"] == "range" or item["start_point"].month:
            return
    if _GENITIVE_YEAR.match(text, item["end"]):
        return
    head = item["start"]
    if item["start_point"].bare_year and not item.get("period_part"):
        year_noun = _YEAR_NOUN_BEFORE.search(text, max(0, head - 15), head)
        head = year_noun.start() if year_noun else head
    elif item.get("period_part"):
        # "senest ved udgangen af 2026": a preposition between the interval word and the period part
        link = _PART_LINK_BEFORE.search(text, max(0, head - 8), head)
        head = link.start() if link and _END_OPENER.search(text, max(0, link.start() - 30), link.start()) else head
    window = max(0, head - 30)
    start_opener = _START_OPENER.search(text, window, head)
    end_opener = _END_OPENER.search(text, window, head)
    if not end_opener and item["start_point"].bare_year and not _is_range(item["start_point"]):
        end_opener = _TO_BEFORE_YEAR.search(text, window, head)
    if not end_opener and item.get("period_part") and _END_PART.match(text, item["start"]):
        end_opener = _TO_BEFORE_END_PART.search(text, window, head)  # "til udgangen af 2026"
    longest = None if end_opener else _TO_AFTER_LONGEST.search(text, window, head)
    from_word = _FROM_WORD.search(text, window, head)
    if from_word and not _from_starts_period(text, from_word.start(), item):
        from_word = None
    if start_opener or from_word:
        item["start"] = (start_opener or from_word).start()
        item["kind"] = "from"
    elif end_opener or longest:
        item["start"] = end_opener.start() if end_opener else longest.start("to")
        item["kind"] = "until"


def _from_starts_period(text: str, position: int, item: dict[str, Any]) -> bool:
    """Tell whether "fra"/"från"/"from" at `position` opens a period, not a source ("midler fra 2023").

    It does at the start of a sentence ("Fra 2021 skal …"), with an onward phrase after the date, before a
    date finer than a year ("fra august 2024"), and after a modal or auxiliary verb or a verb of applying or
    running ("skal fra 2025 levere", "gælder fra 2026").
    """
    if _SENTENCE_BOUNDARY.search(text[max(0, position - 5):position]) or _ONWARD.match(text, item["end"]):
        return True
    if item["start_point"].month is not None:
        return True
    lead = _WORD_BEFORE.search(text, max(0, position - 20), position)
    return bool(lead) and lead.group(1).lower() in _FROM_TIME_LEADS


def _keep(text: str, item: dict[str, Any], lang: str, copyright_marks: tuple[list[int], list[int]]) -> bool:
    """Drop bare years that are labels, amounts, counts, statute or phone fragments."""
    point: _Point = item["start_point"]
    last: _Point = item["end_point"] or point
    if _UNIT_AFTER.match(text, last.end):
        return False
    if _UNIT_BEFORE.search(text, max(0, point.start - 10), point.start):
        return False
    if not point.bare_year or item["kind"] != "point" or item.get("period_part"):
        return True
    if point.year is not None and point.year < 1900 and not _old_year_lead(text, point.start):
        return False  # "rund 1850", "Nr. 1875": a bare number below 1900 is a year only after a time word or a verb
    before = text[max(0, point.start - 3):point.start]
    after = text[point.end:point.end + 3]
    if _counts_something(text, point.start, point.end):
        return False
    # Phone fragments: "08 681 2019 12".
    if re.search(r"\d[ \u00a0/]$", before) or re.match(r"[ \u00a0]\d\d", after):
        return False
    # Danish/Norwegian postcodes in address lines: "Ved Stranden 8, 2000 Frederiksberg".
    # (The line's text before the number is read backwards from it, never copied: a long line holds many years.)
    line_start = text.rfind("\n", 0, point.start) + 1
    lead_end = point.start
    while lead_end > line_start and text[lead_end - 1].isspace():
        lead_end -= 1
    postcode_lead = text[lead_end - 1] == "," if lead_end > line_start else lang in {"da", "nb", "nn", "no"}
    if postcode_lead and _POSTCODE_TOWN.match(text[point.end:point.end + 40]):
        return False
    if lang == "da" and _POSTCODE_DISTRICT.match(text, point.end):
        return False  # a town with its postal district letter: "2100 København Ø", "8000 Aarhus C"
    # A year range after a name is the period the name's programme or plan covers ("Interreg 2021-2027"), and the
    # year of a copyright line is its date ("© Stadt Kassel 2025"); only a single year labels a name.
    if point.end_year is not None or _copyright_between(copyright_marks, line_start, point.start):
        return True
    return not _is_name_label(text, point.start)


def _copyright_marks(text: str) -> tuple[list[int], list[int]]:
    """Return the starts and ends of the copyright marks of a text, in order (they never overlap)."""
    marks = list(_COPYRIGHT.finditer(text))
    return [mark.start() for mark in marks], [mark.end() for mark in marks]


def _copyright_between(marks: tuple[list[int], list[int]], start: int, end: int) -> bool:
    """Tell whether one of a text's copyright marks (_copyright_marks) lies within text[start:end], as
    _COPYRIGHT.search(text, start, end) does.

    The marks of the whole text are found once: a search per year from its line's start is quadratic in a long line.
    """
    starts, ends = marks
    k = bisect_left(starts, start)
    return k < len(starts) and ends[k] <= end


def _old_year_lead(text: str, start: int) -> bool:
    """Tell whether the word before a number below 1900 makes it a year: a time word ("i 1889", "seit 1875", "anno
    1850") or another lower-case word ("byggdes 1889"), but no approximator ("rund 1850", "cirka 1800": counts)."""
    lead = _WORD_BEFORE.search(text, max(0, start - 20), start)
    if not lead:
        return False
    word = lead.group(1).lower()
    if word in _APPROXIMATORS:
        return False
    return word in _TIME_WORDS or lead.group(1).islower()


# Words that make a number an estimate of a count ("rund 1850 Gäste"): pipeline/lexicon/vague_quantifiers.<lang>.txt
# and approximators.<lang>.txt.
_APPROXIMATORS = any_language("vague_quantifiers") | any_language("approximators")


def _counts_something(text: str, start: int, end: int) -> bool:
    """Tell whether the words after a number are a counted plural, or a count adjective and one, or whether a
    counted plural labels it ("Boliger: 2040")."""
    label = _LABEL_BEFORE.search(text, max(0, start - 40), start)
    if label and label.group(1).lower() in _COUNT_NOUNS:
        return True
    words = _NEXT_TWO_WORDS.match(text, end)
    if not words:
        return False
    first, second = words.group(1).lower(), (words.group(2) or "").lower()
    return first in _COUNT_NOUNS or (first in _COUNT_ADJECTIVES and second in _COUNT_NOUNS)


def _is_name_label(text: str, start: int) -> bool:
    """Tell whether a bare year ends a proper name ("Agenda 2030", "REGIONALE 2025", "Leader Lapland 2020").

    The word right before the year decides: a capitalised word (or one with digits) that is not a
    preposition, conjunction, month or time noun ("Jahr", "Förderperiode", "Projektperiode") names the year.
    German capitalises every noun, so its time nouns are recognised by their endings.
    """
    match = re.search(r"(\S+)[ \u00a0]$", text[max(0, start - 60):start])
    if not match:
        return False
    word = match.group(1).strip("„“”\"'«»()[]")
    if not word or not any(char.isalpha() for char in word) or word.endswith((":", ",", ";", ".", "–", "-")):
        return False
    core = word.lower()
    if core in _TIME_WORDS or core in _MONTHS or core in _MONTH_ABBREVIATIONS:
        return False
    if core.endswith(_TIME_NOUN_SUFFIXES) or core.endswith(_YEAR_DOCUMENT_SUFFIXES):
        return False
    return any(char.isupper() or char.isdigit() for char in word)


def _fill_missing_years(items: list[dict[str, Any]]) -> None:
    """Give day-month dates without a year the year of the nearest full date (else nearest year).

    The start of a range takes its end's year first ("vom 7. April bis 25. Juli 2025"), so such a range is a
    full date for the dates near it.
    """
    for item in items:
        first, last = item["start_point"], item["end_point"]
        if last is not None and first.year is None and last.year is not None:
            first.year = last.year
        elif last is not None and last.year is None and first.year is not None:
            last.year = first.year
    dated = [item for item in items if item["start_point"].year is not None]
    full = [item for item in dated if item["start_point"].month is not None]
    pool = full or dated
    pool_starts = [item["start"] for item in pool]
    for item in items:
        for point in (item["start_point"], item["end_point"]):
            if point is not None and point.year is None and pool:
                point.year = _nearest(pool, pool_starts, item["start"])["start_point"].year


def _nearest(pool: list[dict[str, Any]], starts: list[int], position: int) -> dict[str, Any]:
    """Return the item of a start-sorted pool that starts closest to `position`."""
    index = bisect_left(starts, position)
    candidates = [pool[i] for i in (index - 1, index) if 0 <= i < len(pool)]
    return min(candidates, key=lambda other: abs(other["start"] - position))


def _iso(point: _Point) -> str:
    """Return the ISO prefix of a point ("2020", "2020-11", "2020-11-18")."""
    value = f"{point.year:04d}"
    if point.month:
        value += f"-{point.month:02d}"
        if point.day:
            value += f"-{point.day:02d}"
    return value


def _end_iso(point: _Point) -> str | None:
    """Return the ISO value of the end of a point that is a range by itself, else None."""
    if point.end_year is not None:
        return f"{point.end_year:04d}"
    if point.end_month is not None and point.end_day is not None:  # "01.01.–31.12.2024"
        return f"{point.year:04d}-{point.end_month:02d}-{point.end_day:02d}"
    if point.end_month is not None:
        return f"{point.year:04d}-{point.end_month:02d}"
    if point.end_day is not None:
        return f"{point.year:04d}-{point.month:02d}-{point.end_day:02d}"
    return None


def _finish(text: str, item: dict[str, Any]) -> dict[str, Any] | None:
    """Build the output item: exact span text plus start/end values by interval kind."""
    first: _Point = item["start_point"]
    last: _Point | None = item["end_point"]
    start_value = _iso(first)
    end_value: str | None
    if last is not None:
        if last.year is None:
            return None
        end_value = _end_iso(last) or _iso(last)
    else:
        end_value = _end_iso(first)
    if item["kind"] == "from":
        end_value = end_value if _is_range(first) and not first.year_part else None
    elif item["kind"] == "until":
        start_value, end_value = None, end_value or start_value
    start, end = item["start"], item["end"]
    return {"text": text[start:end], "span": [start, end], "start": start_value, "end": end_value}
