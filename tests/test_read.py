"""Reading inputs: encodings, binary and empty files, size limit, directories, symlinks, stdin, HTML."""

from __future__ import annotations

import io
import os
import sys

import pytest

from hitta.pipeline.read import DEFAULT_MAX_BYTES, ReadFailure, Source, decode_bytes, html_to_text, iter_sources

NORDIC = "Projektägare: Växjö kommun, Århus Kommune, Øresund, Straße, Müller – budget 5 000 €"


def read_one(path, **kwargs):
    """Return the single item iter_sources yields for one path."""
    items = list(iter_sources([str(path)], **kwargs))
    assert len(items) == 1, items
    return items[0]


@pytest.mark.parametrize(
    "data, expected",
    [
        ("Växjö kommun beviljar 2 miljoner kronor".encode("utf-8"), "Växjö kommun beviljar 2 miljoner kronor"),
        ("Växjö kommun".encode("utf-8-sig"), "Växjö kommun"),
        ("Århus Kommune støtter Øresund".encode("utf-16"), "Århus Kommune støtter Øresund"),
        (b"\xff\xfe" + "Bürgermeister Müller".encode("utf-16-le"), "Bürgermeister Müller"),
        (b"\xfe\xff" + "Bürgermeister Müller".encode("utf-16-be"), "Bürgermeister Müller"),
        (NORDIC.encode("cp1252"), NORDIC),
        ("Förderung für Südwestfalen: 50.000 Euro, Straße".encode("latin-1"), "Förderung für Südwestfalen: 50.000 Euro, Straße"),
        ("Pris: 100 € – „Gemeinde“".encode("cp1252"), "Pris: 100 € – „Gemeinde“"),
        # A UTF-8 file with one stray cp1252 byte keeps its UTF-8 letters (no mojibake).
        ("Malmö stad och Lund – ".encode("utf-8") + "Höör".encode("cp1252"), "Malmö stad och Lund – Höör"),
    ],
    ids=["utf-8", "utf-8-sig", "utf-16-bom", "utf-16-le-bom", "utf-16-be-bom", "cp1252", "latin-1", "cp1252-quotes", "mixed"],
)
def test_decode_bytes(data, expected):
    assert decode_bytes(data) == expected


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "ZIP"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"\x7fELF\x02\x01\x01\x00", "ELF"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"abc\x00def\x00\x01\x02\x03ghi", "NUL"),
        (bytes([1, 2, 3, 4, 5, 6, 14, 15, 16]) * 50 + b"text", "control"),
    ],
)
def test_binary_is_refused_naming_what_it_looks_like(data, kind):
    with pytest.raises(ValueError, match=rf"binary file \(.*{kind}"):
        decode_bytes(data)


def test_bomless_utf16_is_read_not_refused():
    assert decode_bytes("Kontakt: Tine Nielsen".encode("utf-16-le")) == "Kontakt: Tine Nielsen"


def test_non_western_8bit_text_is_refused():
    with pytest.raises(ValueError, match="encoding"):
        decode_bytes("Привет, это проект городского развития".encode("cp1251"))


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty file"),
        (b"  \n\t\r\n  ", "empty file"),
        ("\n \n".encode("utf-16"), "empty file"),
        (b"%PDF-1.4 rest", "corrupt PDF"),
        (b"PK\x03\x04rest", "binary file (ZIP"),
    ],
)
def test_unreadable_files_fail_with_reason(tmp_path, content, reason):
    path = tmp_path / "doc.txt"
    path.write_bytes(content)
    item = read_one(path)
    assert isinstance(item, ReadFailure)
    assert item.path == str(path)
    assert reason in item.reason


def test_file_over_the_limit_names_limit_and_option(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("Sofielund " * 200, encoding="utf-8")
    item = read_one(path, max_bytes=1000)
    assert isinstance(item, ReadFailure)
    assert "1000" in item.reason and "--max-bytes" in item.reason
    assert isinstance(read_one(path, max_bytes=DEFAULT_MAX_BYTES), Source)


def test_source_keeps_path_as_given_and_size(tmp_path):
    path = tmp_path / "a.txt"
    data = "Case Sofielund är ett treårigt projekt.\n".encode("utf-8")
    path.write_bytes(data)
    item = read_one(path)
    assert item == Source(path=str(path), text=data.decode("utf-8"), title=None, size=len(data))


def test_directory_walk_is_recursive_sorted_and_skips_hidden(tmp_path):
    for name in ["b.txt", "a.md", "sub/c.txt", "sub/deeper/d", ".hidden.txt", ".git/config", "A.html"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<html><p>{name}</p></html>" if name.endswith(".html") else f"Text {name}", encoding="utf-8")
    items = list(iter_sources([str(tmp_path)]))
    assert all(isinstance(item, Source) for item in items)
    relative = [os.path.relpath(item.path, tmp_path) for item in items]
    assert relative == ["A.html", "a.md", "b.txt", os.path.join("sub", "c.txt"), os.path.join("sub", "deeper", "d")]
    assert items[0].text == "A.html"


def test_a_bad_file_does_not_stop_the_batch(tmp_path):
    (tmp_path / "1.txt").write_text("Malmö stad", encoding="utf-8")
    (tmp_path / "2.pdf").write_bytes(b"%PDF-1.4 x")
    (tmp_path / "3.txt").write_text("Københavns Kommune", encoding="utf-8")
    items = list(iter_sources([str(tmp_path), str(tmp_path / "missing.txt")]))
    assert [type(item).__name__ for item in items] == ["Source", "ReadFailure", "Source", "ReadFailure"]
    assert "no such file" in items[3].reason


def test_stdin_is_read_as_dash():
    data = "Kontakt: Sophie Lindenstruth\nTel.: 02921/103 - 5227\n".encode("cp1252")
    item = read_one("-", stdin=io.BytesIO(data))
    assert item == Source(path="-", text=data.decode("cp1252"), title=None, size=len(data))


def test_stdin_html_is_recognised_by_content():
    item = read_one("-", stdin=io.BytesIO(b"<!DOCTYPE html><title>Soest 2030</title><p>Zukunftsprogramm</p>"))
    assert (item.text, item.title) == ("Zukunftsprogramm", "Soest 2030")


def test_file_without_extension_recognised_as_html_by_content(tmp_path):
    path = tmp_path / "page"
    path.write_text("  <html><body><nav>Hem</nav><p>Case Sofielund</p></body></html>", encoding="utf-8")
    assert read_one(path).text == "Case Sofielund"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX symlinks")
def test_broken_symlink_fails_with_reason(tmp_path):
    link = tmp_path / "gone.txt"
    link.symlink_to(tmp_path / "nowhere.txt")
    item = read_one(link)
    assert isinstance(item, ReadFailure) and "broken symlink" in item.reason


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX symlinks")
def test_directory_symlink_loop_is_reported_not_followed(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Region Skåne", encoding="utf-8")
    (tmp_path / "docs" / "loop").symlink_to(tmp_path / "docs")
    (tmp_path / "docs" / "self").symlink_to(tmp_path / "docs" / "self")
    items = list(iter_sources([str(tmp_path / "docs")]))
    sources = [item for item in items if isinstance(item, Source)]
    failures = [item for item in items if isinstance(item, ReadFailure)]
    assert [s.text for s in sources] == ["Region Skåne"]
    assert sorted(os.path.basename(f.path) for f in failures) == ["loop", "self"]
    assert all("loop" in f.reason for f in failures)


def test_unreadable_file_fails_with_reason(tmp_path, monkeypatch):
    path = tmp_path / "secret.txt"
    path.write_text("Tillväxtverket", encoding="utf-8")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # chmod 0 does not stop root, so the refusal is simulated where the module opens files.
    monkeypatch.setattr("hitta.pipeline.read.open", denied, raising=False)
    item = read_one(path)
    assert isinstance(item, ReadFailure) and "permission denied" in item.reason


PAGE = """<!DOCTYPE html>
<html lang="da"><head><title>Partnerskab for vækst | Interreg</title>
<style>body { font: 12px sans-serif } p::before { content: "<p>x</p>" }</style>
<script>var html = "<div>Tracking</div>"; if (a < b && c > d) { document.write("<p>nope</p>"); }</script>
</head>
<body>
<header class="site-header"><div class="logo">Interreg ÖKS</div><ul><li>Forside</li><li>Kontakt</li></ul></header>
<nav aria-label="Brødkrumme"><a href="/">Forside</a> › <a href="/projekter">Projekter</a></nav>
<div id="cookie-banner">Vi bruger cookies <button>Accepter</button></div>
<ul class="main-menu"><li>Om os</li><li>Nyheder</li></ul>
<main><article>
<header><h1>Partnerskab for vækst</h1><p class="date">1. april 2012</p></header>
<p>Malmø&nbsp;og K&oslash;benhavn har en f&aelig;lles
   funktion som v&aelig;kstmotor.</p>
<p>Kontakt:<br>Tine Ane Nielsen<br>+45 29 46 29 20</p>
<table><tr><th>Budget</th><td>584 498 EUR</td></tr></table>
<ul><li>Københavns Kommune</li><li>Malmö Stad</li></ul>
<noscript>Aktivér JavaScript</noscript><template><p>Skabelon</p></template>
<svg><title>Ikon</title><text>SVG-tekst</text></svg>
<div style="display:none">Skjult</div><iframe src="x">Ramme</iframe>
<form><label>Søg</label><input name="q"><button>Søg</button></form>
</article></main>
<aside>Relaterede nyheder</aside>
<footer>© Interreg 2024 · Privatlivspolitik</footer>
</body></html>"""


def test_html_visible_text_and_title():
    text, title = html_to_text(PAGE)
    assert title == "Partnerskab for vækst"
    assert text == (
        "Partnerskab for vækst\n\n1. april 2012\n\n"
        "Malmø\u00a0og København har en fælles funktion som vækstmotor.\n\n"
        "Kontakt:\nTine Ane Nielsen\n+45 29 46 29 20\n\n"
        "Budget\t584 498 EUR\n\n"
        "Københavns Kommune\nMalmö Stad"
    )


@pytest.mark.parametrize(
    "html, text, title",
    [
        ("<title>Soest</title><h1>Zukunftsprogramm 2030</h1><p>Text</p>", "Zukunftsprogramm 2030\n\nText", "Soest"),
        ("<h1>Case <b>Sofielund</b></h1><p>Malmö", "Case Sofielund\n\nMalmö", "Case Sofielund"),
        # unclosed tags, stray end tags and a title that never closes
        ("<p>Första<p>Andra</span></div><li>Tredje", "Första\n\nAndra\nTredje", None),
        ("<html><title>Realdania<body><p>Bymidter", "Bymidter", "Realdania"),
        ("<div><nav><ul><li>Hem</ul></div><p>Innehåll</p>", "Innehåll", None),
        ("<p>a &amp; b &lt;c&gt; &#8364; &euro; &nbsp;|</p>", "a & b <c> € € \u00a0|", None),
        ("<pre>Tel.:  02921/103\n   - 5227</pre>", "Tel.:  02921/103\n- 5227", None),
        ("<script>" + "var x = '<p>';" * 20000 + "</script><p>Efter</p>", "Efter", None),
        ("<p>Ingen slut", "Ingen slut", None),
        ("<script>document.write('<p>')", "", None),
    ],
    ids=["title-first", "h1-title", "unclosed", "title-unclosed", "nav-unclosed", "entities", "pre", "huge-script",
         "truncated", "script-unclosed"],
)
def test_html_to_text_table(html, text, title):
    assert html_to_text(html) == (text, title)


def test_html_file_without_visible_text_fails(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>T</title><script>x()</script></head><body></body></html>", encoding="utf-8")
    item = read_one(path)
    assert isinstance(item, ReadFailure) and "no visible text" in item.reason


def test_menu_class_on_a_page_wrapper_does_not_hide_the_page():
    html = '<body><div class="site menu-closed"><p>Realdanias bymidteindsats skal støtte fysiske projekter.</p></div></body>'
    assert html_to_text(html)[0] == "Realdanias bymidteindsats skal støtte fysiske projekter."
