"""Issue 17's reproductions through the command line, one JSON line per case (RELIABILITY.md section 6).

Usage (from the repo root):
    python bench/reliability_cases.py [--code DIR] [--out DIR]

--code DIR runs the `hitta` package found in DIR (e.g. an older tree from `git archive REV | tar -x -C
DIR/hitta`) instead of the installed one, so a case can be compared before and after a fix. Cases: a
non-UTF-8 and a newline file name (and the same through --from-list); a read-only home used by another
user (through setpriv when run as root); forget of a name in a source path, typed decomposed (NFD), a
later surname-only mention, `--person a`; a zero-byte hitta.db, damaged SQLite pages, a garbage index
table of contents, a damaged semantic/vocabulary.json; a mistyped --home. Kills of forget and
reindex are in bench/kills.py (--forget-kills, --reindex-searches, --reindex-kills).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--code", default="", help="Folder holding the `hitta` package to run [default: the installed one].")
parser.add_argument("--out", type=Path, help="Work folder [default: a new temp folder].")
options = parser.parse_args()
CODE = options.code
WORK = options.out or Path(tempfile.mkdtemp(prefix="hitta_cases_"))
shutil.rmtree(WORK, ignore_errors=True)
WORK.mkdir(parents=True)
ENV = {**os.environ, **({"PYTHONPATH": CODE} if CODE else {})}
PY = sys.executable
ARENS = ("Klimaanpassung in der Stadt Hannover\n\nDas Projekt wird von Karin Arens geleitet. Die Stadtwerke bauen drei "
         "Regenrückhaltebecken.\n\nZum Abschluss ergänzt Arens: Die Becken sind 2024 fertig.\n")
LUND = ("Grönare skolgårdar i Umeå\n\nProjektledare är Åsa Lundqvist på kommunen. Skolgårdarna får träd och "
        "regnbäddar, bl.a. odlingslådor.\n")
OTHER = "Cykelbanor längs älven\n\nKommunen bygger fyra kilometer cykelbana längs älven, bl.a. med belysning.\n"


def hitta(home, *args, user=False, stdin=None):
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if user else []
    r = subprocess.run([*prefix, PY, "-m", "hitta", "--home", str(home), *args], capture_output=True, env=ENV, cwd="/", input=stdin)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def out(case, **data):
    print(json.dumps({"case": case, **data}, ensure_ascii=False), flush=True)


def docs(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(os.fsencode(folder), name if isinstance(name, bytes) else name.encode()), "w", encoding="utf-8") as h:
            h.write(text)


def traces(home, needle):
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file() and needle.lower().encode() in p.read_bytes().lower())


def line_of(text):
    return text.strip().splitlines()[-1][:160] if text.strip() else ""


# 1. file names
d = WORK / "d"; docs(d, {"a.txt": OTHER, b"b\xffname.txt": LUND, "new\nline.txt": ARENS})
code, so, se = hitta(WORK / "h1", "ingest", str(d), "--no-ner", "--workers", "1")
s = hitta(WORK / "h1", "stats", "--json")
out("1 non-UTF-8 and newline names", exit=code, stdout_lines=len(so.splitlines()), error=line_of(se),
    records=json.loads(s[1])["records"] if s[0] == 0 else s[2].strip()[:120])
lst = WORK / "list.txt"; lst.write_bytes(os.fsencode(d) + b"/a.txt\n" + os.fsencode(d) + b"/b\xffname.txt\n")
code, so, se = hitta(WORK / "h1b", "ingest", "--from-list", str(lst), "--no-ner", "--workers", "1")
out("1 --from-list with a non-UTF-8 name", exit=code, error=line_of(se), summary=line_of(so))

# base home for the rest
base = WORK / "base"; docs(WORK / "docs", {"arens.txt": ARENS, "lundqvist_kopia.txt": LUND, "cyklar.txt": OTHER})
hitta(base, "ingest", str(WORK / "docs"), "--no-ner", "--workers", "1")

# 3. read-only home
ro = WORK / "ro"; shutil.copytree(base, ro)
for p in [ro, *ro.rglob("*")]:
    p.chmod(0o555 if p.is_dir() else 0o444)
for p in [WORK, *WORK.parents]:
    p.chmod(p.stat().st_mode | 0o055)
res = {}
for name, args in {"stats": ["stats"], "search": ["search", "Regenrückhaltebecken"], "export": ["export"],
                   "show": ["show", str(WORK / "docs" / "cyklar.txt")], "entities": ["entities"], "ingest": ["ingest", str(WORK / "docs" / "cyklar.txt"), "--no-ner"]}.items():
    code, so, se = hitta(ro, *args, user=True)
    res[name] = [code, line_of(se)[:110]]
out("3 read-only home, as another user", **res)

# 5. forget coverage
h5 = WORK / "h5"; shutil.copytree(base, h5)
redacted = hitta(h5, "export", "--redact")[1]
out("5 export --redact before forget: lundqvist in the redacted export", hits=redacted.lower().count("lundqvist"))
code, so, se = hitta(h5, "forget", "--person", unicodedata.normalize("NFD", "Åsa Lundqvist"))
out("5 forget NFD 'Åsa Lundqvist' (name in path lundqvist_kopia.txt)", exit=code, summary=line_of(so), files_with_lundqvist=traces(h5, "lundqvist"))
code, so, se = hitta(h5, "forget", "--person", "Karin Arens")
kw = hitta(h5, "search", "Arens", "--mode", "keyword", "--json")
out("5 forget 'Karin Arens' then keyword search Arens", exit=code, summary=line_of(so), search_hits=len(kw[1].splitlines()), files_with_arens=traces(h5, "arens"))
code, so, se = hitta(h5, "forget", "--person", "a")
out("5 forget --person a", exit=code, message=line_of(se) or line_of(so), bl_a_kept="bl.a." in hitta(h5, "export")[1])

# 7. damaged parts
h7 = WORK / "h7"; shutil.copytree(base, h7)
for p in h7.glob("hitta.db*"):
    p.unlink()
(h7 / "hitta.db").write_bytes(b"")
c1 = hitta(h7, "check"); c2 = hitta(h7, "check", "--repair"); docs_left = hitta(h7, "search", "Regenrückhaltebecken", "--mode", "keyword")
out("7 zero-byte hitta.db", check=[c1[0], line_of(c1[1] + c1[2])], repair=[c2[0], line_of(c2[1] + c2[2])],
    index_files_left=len(list((h7 / "index").glob("*"))) if (h7 / "index").exists() else 0)
h7b = WORK / "h7b"; shutil.copytree(base, h7b)
subprocess.run([PY, "-c", f"import sqlite3; d=sqlite3.connect('{h7b}/hitta.db'); d.execute('pragma wal_checkpoint(TRUNCATE)'); d.execute('vacuum'); d.close()"])
data = bytearray((h7b / "hitta.db").read_bytes()); page = 4096; pages = len(data) // page
for n in range(pages // 2, pages - 1, 2):
    data[n * page:(n + 1) * page] = os.urandom(page)
(h7b / "hitta.db").write_bytes(bytes(data))
c = hitta(h7b, "check"); e = hitta(h7b, "export")
out("7 damaged SQLite pages", check=[c[0], line_of(c[1] + c[2])], suggests_repair="check --repair'" in (c[1] + c[2]) and "cannot" not in (c[1] + c[2]), export=[e[0], line_of(e[2])])
h7c = WORK / "h7c"; shutil.copytree(base, h7c)
for toc in (h7c / "index").glob("*.toc"):
    toc.write_bytes(os.urandom(300))
r = {k: hitta(h7c, *a) for k, a in {"search": ["search", "Regenrückhaltebecken", "--mode", "keyword"], "check": ["check"], "reindex": ["reindex"]}.items()}
after = hitta(h7c, "search", "Regenrückhaltebecken", "--mode", "keyword")
out("7 garbage index TOC", **{k: [v[0], line_of(v[2] or v[1])] for k, v in r.items()}, search_after=[after[0], len(after[1].splitlines())])
h7d = WORK / "h7d"; shutil.copytree(base, h7d)
(h7d / "semantic" / "vocabulary.json").write_text('{"word": [', encoding="utf-8")
r = {k: hitta(h7d, *a) for k, a in {"check": ["check"], "search": ["search", "Regenrückhaltebecken"], "repair": ["check", "--repair"]}.items()}
after = hitta(h7d, "search", "Regenrückhaltebecken")
out("7 damaged semantic/vocabulary.json", **{k: [v[0], line_of(v[2] or v[1])] for k, v in r.items()}, search_after=[after[0], line_of(after[1])[:60]])

# 8. typo home
res = {}
for cmd in (["stats"], ["check"], ["export"], ["forget", "--person", "Karin Arens"]):
    typo = WORK / ("typo_" + cmd[0])
    code, so, se = hitta(typo, *cmd)
    res[cmd[0]] = [code, typo.exists(), line_of(se)[:90]]
out("8 mistyped --home (exit, created, message)", **res)
