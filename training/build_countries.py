"""Build pipeline/lexicon/countries.<lang>.txt: the names of the world's countries and territories in sv, da, nb, de, en.

Usage: python training/build_countries.py

Source: the territory names of the Unicode Common Locale Data Repository (CLDR), as Babel ships them
(`babel.Locale(lang).territories`), for the ISO 3166-1 two-letter codes only. Left out are the codes CLDR uses
for groupings and organisations, which are no places (`EU`, `EZ` euro area, `UN`, `QO` outlying Oceania, `ZZ`
unknown) and its pseudo-locale codes (`XA`, `XB`). Entries are lower-cased (the rules compare lower-cased names).
The files ship; Babel is needed only to rebuild them.
"""

from __future__ import annotations

from pathlib import Path

LANGUAGES = ("sv", "da", "nb", "de", "en")
NOT_PLACES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})
OUT = Path(__file__).resolve().parent.parent / "pipeline" / "lexicon"


def country_names(lang: str) -> list[str]:
    """Return the lower-cased, sorted CLDR names of the countries and territories with an ISO 3166-1 code."""
    from babel import Locale

    territories = Locale(lang).territories
    return sorted({name.lower() for code, name in territories.items() if len(code) == 2 and code.isalpha() and code not in NOT_PLACES})


def main() -> None:
    """Write one list per language."""
    import babel

    for lang in LANGUAGES:
        header = (
            "# Names of the world's countries and territories (ISO 3166-1), lower-cased: an NER organisation or list item that is\n"
            "# one is a place (`Rusland`, `Saudiarabien`). Built by training/build_countries.py.\n"
            f"# Language: {lang}. Source: Unicode CLDR territory names as shipped by Babel {babel.__version__}\n"
            "# (babel.Locale(lang).territories), ISO 3166-1 two-letter codes only, groupings (EU, UN, euro area) left out.\n"
        )
        (OUT / f"countries.{lang}.txt").write_text(header + "\n".join(country_names(lang)) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
