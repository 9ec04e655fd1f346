"""Write index/lexicon/stems_<lang>.txt: the Snowball stems of pipeline/lexicon/words_<lang>.txt.

Usage: python training/build_compound_stems.py

Run it after training/build_compound_lexicon.py changes a word list: each file's first line holds
the sha256 of the word list it was made from, and index.analysis ignores a file that does not match
(it then stems the words at run time, over a second per language).
"""

from __future__ import annotations

from hitta.index.analysis import STEMMED_LANGUAGES, write_compound_stems

if __name__ == "__main__":
    for lang in STEMMED_LANGUAGES:
        print(write_compound_stems(lang))
