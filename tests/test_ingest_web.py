"""HTML, feed and WARC readers: real fixtures (tests/fixtures/web) and hostile inputs."""

from __future__ import annotations

import gzip
import hashlib
import io
import random
import time
import tracemalloc
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.ingest import feeds, html, warc
from pipelines.ingest.base import RawArticle, Rejected, parse_published

WEB = Path(__file__).parent / "fixtures" / "web"
VOA = WEB / "fundus_us_VoiceOfAmerica_2024_04_28.html"
WINFUTURE = WEB / "fundus_de_WinFuture_2024_04_29.html"
AEB = WEB / "aeb_c00962aa.html"


def split(results: list[RawArticle | Rejected]) -> tuple[list[RawArticle], list[Rejected]]:
    arts = [r for r in results if isinstance(r, RawArticle)]
    rejs = [r for r in results if isinstance(r, Rejected)]
    assert len(arts) + len(rejs) == len(results)
    return arts, rejs


def day(value: str | None) -> str | None:
    dt = parse_published(value)
    return dt.strftime("%Y-%m-%d") if dt else None


# ---------------------------------------------------------------- HTML: real pages


def test_suffixes() -> None:
    assert {".html", ".htm"} <= set(html.SUFFIXES)
    assert {".rss", ".atom", ".rdf", ".xml"} <= set(feeds.SUFFIXES)
    assert {".warc", ".warc.gz", ".arc.gz"} <= set(warc.SUFFIXES)


def test_html_fundus_voa() -> None:
    [art] = list(html.read(VOA))
    assert isinstance(art, RawArticle)
    assert art.title == "America's child care crisis is holding back moms without college degrees"
    assert day(art.published) == "2024-04-28"
    assert art.url == ("https://www.voanews.com/a/america-s-child-care-crisis-is-holding-back-"
                       "moms-without-college-degrees-/7585813.html")
    assert art.language == "en"
    assert art.input == str(VOA)
    assert art.raw_sha256 == hashlib.sha256(VOA.read_bytes()).hexdigest()
    assert art.text.startswith("After a series of lower-paying jobs, Nicole Slemp")
    assert "\n\n" in art.text and "\n\n\n" not in art.text
    assert art.source and "VOA" in art.source


def test_html_fundus_german() -> None:
    [art] = list(html.read(WINFUTURE))
    assert isinstance(art, RawArticle)
    assert art.title == "Toller Crash-Tarif: 10 GB im Vodafone-Netz jetzt für nur 5,99 Euro"
    assert day(art.published) == "2024-04-26"
    assert art.language == "de"
    assert "Klarmobil" in art.text


def test_html_table_layout_page() -> None:
    [art] = list(html.read(AEB))
    assert isinstance(art, RawArticle)
    assert "NASA announced the newest milestone" in art.text
    assert not any(p.startswith("|") for p in art.text.split("\n\n"))


def test_html_gzip_page(tmp_path: Path) -> None:
    p = tmp_path / "page.html.gz"
    p.write_bytes(gzip.compress(VOA.read_bytes()))
    [art] = list(html.read(p))
    assert isinstance(art, RawArticle) and "Nicole Slemp" in art.text


# ---------------------------------------------------------------- HTML: title rules

_BODY = ("<p>The storm brought down power lines across the region on Monday night, officials "
         "said, and crews worked through the morning to restore electricity to homes.</p>")


def _title(head: str, body: str = "", url: str | None = None) -> str | None:
    """The title `extract_html` gives a small page with this `<head>` and headline markup."""
    page = f"<html><head>{head}</head><body><article>{body}{_BODY}</article></body></html>"
    art = html.extract_html(page.encode(), "t.html", url=url)
    assert isinstance(art, RawArticle)
    return art.title


def _ld(headline: str, publisher: str | None = None) -> str:
    pub = f', "publisher": {{"@type": "Organization", "name": "{publisher}"}}' if publisher else ""
    return ('<script type="application/ld+json">{"@context": "https://schema.org", '
            f'"@type": "NewsArticle", "headline": "{headline}"{pub}}}</script>')


def _og(title: str, site: str | None = None) -> str:
    out = f'<meta property="og:title" content="{title}">'
    return out + (f'<meta property="og:site_name" content="{site}">' if site else "")


@pytest.mark.parametrize(("head", "body", "url", "want"), [
    # a trailing site name is cut when it is the page's og:site_name ...
    (_og("Samsung soll Smartphones zerstören - Golem.de", "Golem.de"), "", None,
     "Samsung soll Smartphones zerstören"),
    # ... or its JSON-LD publisher, however it is written ("Golem.de" / golem.de)
    (_ld("Samsung soll Smartphones zerstören - Golem.de", "Golem.de"), "", None,
     "Samsung soll Smartphones zerstören"),
    # ... or its host name, from the URL or the canonical link (Börsen-Zeitung: boersen-zeitung.de)
    ("<title>Steigende US-Zinsen setzen Dax zu | Börsen-Zeitung</title>", "",
     "https://www.boersen-zeitung.de/maerkte/dax", "Steigende US-Zinsen setzen Dax zu"),
    ('<title>Big storm hits the coast | Example News</title>'
     '<link rel="canonical" href="https://www.examplenews.co.uk/a/1">', "", None,
     "Big storm hits the coast"),
    # the site name with what follows it (section, date), "Mirror Online" for mirror
    (_og("Ukrainische Gegenoffensive: Ziele, Chancen | DW | 28.04.2023", "DW"), "", None,
     "Ukrainische Gegenoffensive: Ziele, Chancen"),
    (_og("Far-right protesters throw stones - Mirror Online", "Mirror"), "", None,
     "Far-right protesters throw stones"),
    # CJK separators: full-width colon and bar
    (_og("南海トラフ、一時調査 巨大地震、基準達せず：中日新聞Web", "中日新聞Web"), "", None,
     "南海トラフ、一時調査 巨大地震、基準達せず"),
    # not cut: the last part is not the site ("Welt am Abgrund" is not WELT), or too little is left
    (_og("Die Lage spitzt sich zu - Welt am Abgrund", "WELT"), "", None,
     "Die Lage spitzt sich zu - Welt am Abgrund"),
    (_og("Apple - Samsung patent fight ends", "Golem.de"), "", None,
     "Apple - Samsung patent fight ends"),
    (_og("Update - Golem.de", "Golem.de"), "", None, "Update - Golem.de"),
    # a decoration another source leaves off is dropped ("Headline | Sport" beside "Headline")
    (_ld("Bubi-Bomber wieder da: Thioune fordert Geduld | Sport"),
     "<h1>Bubi-Bomber wieder da: Thioune fordert Geduld</h1>", None,
     "Bubi-Bomber wieder da: Thioune fordert Geduld"),
    # ... but not a whole second clause after a short first one
    (_og("Breaking News Today - Fire destroys the old mill in Berlin"),
     "<h1>Breaking News Today</h1>", None,
     "Breaking News Today - Fire destroys the old mill in Berlin"),
    # og:title that is the JSON-LD headline less a kicker or a tail is the headline proper
    (_ld("MSV-Interimstrainer Schubert: Nicht mehr viel zu verlieren")
     + _og("Interimstrainer Schubert: Nicht mehr viel zu verlieren"), "", None,
     "Interimstrainer Schubert: Nicht mehr viel zu verlieren"),
    (_ld("Chelsea send clear message of intent at Cobham in battling win over Tottenham")
     + _og("Chelsea send clear message of intent at Cobham"), "", None,
     "Chelsea send clear message of intent at Cobham"),
    # otherwise, when they differ in wording, the JSON-LD headline is kept
    (_ld("Starmer suggests he will keep taking gifts") + _og("Starmer defiant over gifts"),
     "<h1>Starmer defiant over gifts</h1>", None, "Starmer suggests he will keep taking gifts"),
    # og:title before <h1> when there is no JSON-LD
    (_og("Waffenlieferungen an Israel: Verfassungsbeschwerde eingelegt"),
     "<h1>Waffenlieferungen an Israel: Palästinenser legt Verfassungsbeschwerde ein</h1>", None,
     "Waffenlieferungen an Israel: Verfassungsbeschwerde eingelegt"),
    # invisible soft hyphens / zero-width spaces go, entities are decoded
    ("", "<h1>Verfas&shy;sungs&shy;beschwerde eingelegt&#8203; &amp; begr&uuml;ndet</h1>", None,
     "Verfassungsbeschwerde eingelegt & begründet"),
])
def test_html_title_rules(head: str, body: str, url: str | None, want: str) -> None:
    assert _title(head, body, url) == want


def test_html_strip_site_name_unit() -> None:
    sites = {"golemde", "golem"}
    assert html.strip_site_name("LTE-Patent: Samsung soll zerstören - Golem.de", sites) == (
        "LTE-Patent: Samsung soll zerstören")
    assert html.strip_site_name("LTE-Patent: Samsung soll zerstören", sites) == (
        "LTE-Patent: Samsung soll zerstören")
    assert html.strip_site_name("LTE-Patent - Golem.de", set()) == "LTE-Patent - Golem.de"
    assert html.strip_site_name(None, sites) is None


# ---------------------------------------------------------------- HTML: hostile input

_PAGE = """<html><head><title>Prix du café</title>{meta}</head><body><article>
<h1>Prix du café</h1>
<p>Le café coûte désormais 5 € la tasse à Paris, selon l’étude publiée lundi par l’institut.</p>
<p>« C’est trop cher », déclare Zoë Müller, une habituée du quartier depuis vingt-cinq ans.</p>
<p>Les cafetiers répondent que les coûts de l’énergie et des loyers ont augmenté fortement.</p>
</article></body></html>"""


def test_html_empty(tmp_path: Path) -> None:
    p = tmp_path / "empty.html"
    p.write_bytes(b"")
    [rej] = list(html.read(p))
    assert isinstance(rej, Rejected) and rej.what == "file" and "empty" in rej.why


def test_html_whitespace_only(tmp_path: Path) -> None:
    p = tmp_path / "blank.htm"
    p.write_bytes(b"  \n\t \n")
    [rej] = list(html.read(p))
    assert isinstance(rej, Rejected) and "empty" in rej.why


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_html_binary_junk(tmp_path: Path, seed: int) -> None:
    p = tmp_path / "junk.html"
    p.write_bytes(random.Random(seed).randbytes(50_000))
    [rej] = list(html.read(p))
    assert isinstance(rej, Rejected) and rej.where == str(p) and "binary" in rej.why


def test_html_png_named_html(tmp_path: Path) -> None:
    p = tmp_path / "image.html"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    [rej] = list(html.read(p))
    assert isinstance(rej, Rejected) and "binary" in rej.why


def test_html_no_text(tmp_path: Path) -> None:
    p = tmp_path / "nav.html"
    p.write_bytes(b"<html><head><title>x</title></head><body><nav><a href='/'>Home</a></nav>"
                  b"</body></html>")
    [rej] = list(html.read(p))
    assert isinstance(rej, Rejected) and "no article text" in rej.why


def test_html_windows_1252_without_charset(tmp_path: Path) -> None:
    p = tmp_path / "cp1252.html"
    p.write_bytes(_PAGE.format(meta="").encode("cp1252"))
    [art] = list(html.read(p))
    assert isinstance(art, RawArticle)
    assert "Le café coûte désormais 5 € la tasse" in art.text
    assert "« C’est trop cher », déclare Zoë Müller" in art.text
    assert "\ufffd" not in art.text


def test_html_lying_charset_utf8_declared(tmp_path: Path) -> None:
    p = tmp_path / "lying.html"
    p.write_bytes(_PAGE.format(meta='<meta charset="utf-8">').encode("cp1252"))
    [art] = list(html.read(p))
    assert isinstance(art, RawArticle) and "coûte désormais 5 €" in art.text


def test_html_lying_charset_latin1_declared_but_utf8(tmp_path: Path) -> None:
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
    p = tmp_path / "lying2.html"
    p.write_bytes(_PAGE.format(meta=meta).encode("utf-8"))
    [art] = list(html.read(p))
    assert isinstance(art, RawArticle) and "coûte désormais 5 €" in art.text


def test_html_latin1_declared(tmp_path: Path) -> None:
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    p = tmp_path / "latin1.html"
    p.write_bytes(_PAGE.format(meta=meta).replace("€", "EUR").replace("’", "'")
                  .encode("iso-8859-1"))
    [art] = list(html.read(p))
    assert isinstance(art, RawArticle) and "Le café coûte désormais 5 EUR" in art.text


def test_decode_http_charset() -> None:
    text = "Москва: столица России, крупнейший город страны."
    data = f"<html><body><p>{text}</p></body></html>".encode("koi8-r")
    decoded, enc = html.decode_html(data, http_charset="KOI8-R")
    assert text in decoded and enc == "koi8-r"


def test_html_oversize(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html, "MAX_HTML_BYTES", 1000)
    p = tmp_path / "big.html"
    p.write_bytes(_PAGE.format(meta="x" * 2000).encode())
    [rej] = list(html.read(p))
    assert isinstance(rej, Rejected) and "exceeds" in rej.why


def test_html_unreadable(tmp_path: Path) -> None:
    [rej] = list(html.read(tmp_path / "missing.html"))
    assert isinstance(rej, Rejected) and "unreadable" in rej.why


# ---------------------------------------------------------------- feeds


def test_feed_atom_full_content() -> None:
    p = WEB / "heise_developer_2016.atom"
    arts, rejs = split(list(feeds.read(p)))
    assert len(arts) == 15 and not rejs
    assert {a.metadata["content_kind"] for a in arts} <= {"full", "summary"}
    assert sum(a.metadata["content_kind"] == "full" for a in arts) >= 10
    a = arts[0]
    assert a.source == "heise developer neueste Meldungen"
    assert a.title == "Java-Anwendungsserver: Red Hat gibt WildFly 10 frei"
    assert a.url and a.url.startswith("http")
    assert a.input == f"{p}:0"
    assert a.published and a.published.startswith("2016-02-01T")
    assert parse_published(a.published) is not None
    assert "<" not in a.text and "JBoss" in a.text
    assert len({x.raw_sha256 for x in arts}) == 15


def test_feed_malformed_windows_1252() -> None:
    p = WEB / "uol_noticias_2018_malformed.rss"
    arts, rejs = split(list(feeds.read(p)))
    assert len(arts) == 11
    assert all(r.what == "record" and "neither content nor summary" in r.why for r in rejs)
    assert all("feed_warning" in a.metadata for a in arts)
    assert any("ç" in (a.title or "") or "ã" in a.text for a in arts)
    # Portuguese dates ("Seg, 24 Set 2018 19:42:40 -0300") that feedparser cannot parse
    assert all(day(a.published) == "2018-09-24" for a in arts)
    assert arts[0].published == "2018-09-24T19:42:40-03:00"


def test_feed_iso_8859_1_and_language() -> None:
    arts, _ = split(list(feeds.read(WEB / "jn_pt_2018.rss")))
    assert len(arts) == 36
    assert arts[0].title == "Mãe de utente é a nova presidente da Raríssimas"
    assert all(a.language == "pt" and a.metadata["content_kind"] == "summary" for a in arts)


def test_feed_rss_summary() -> None:
    arts, rejs = split(list(feeds.read(WEB / "huffpost_canada_2017.rss")))
    assert len(arts) == 2 and not rejs
    assert arts[0].source == "HuffPost Canada - Athena2 - All Posts"
    assert day(arts[0].published) == "2017-10-17"


def test_html_to_text_paragraphs() -> None:
    frag = ("<p>One <b>bold</b> line.</p><script>alert(1)</script><ul><li>a</li><li>b</li></ul>"
            "Tail<br><br>after break")
    assert feeds.html_to_text(frag) == "One bold line.\n\na\n\nb\n\nTail\n\nafter break"
    assert feeds.html_to_text("plain &amp; simple") == "plain &amp; simple"


def test_feed_truncated(tmp_path: Path) -> None:
    data = (WEB / "heise_developer_2016.atom").read_bytes()
    p = tmp_path / "cut.atom"
    p.write_bytes(data[: len(data) // 2])
    arts, _ = split(list(feeds.read(p)))
    assert 3 <= len(arts) < 15
    assert all("feed_warning" in a.metadata for a in arts)


def test_feed_truncated_before_items(tmp_path: Path) -> None:
    data = (WEB / "huffpost_canada_2017.rss").read_bytes()
    p = tmp_path / "cut.rss"
    p.write_bytes(data[: data.index(b"<item")])
    [rej] = list(feeds.read(p))
    assert isinstance(rej, Rejected) and rej.what == "file" and "no entries" in rej.why


def test_feed_not_a_feed(tmp_path: Path) -> None:
    p = tmp_path / "junk.xml"
    p.write_bytes(random.Random(7).randbytes(20_000))
    [rej] = list(feeds.read(p))
    assert isinstance(rej, Rejected) and rej.what == "file"
    p2 = tmp_path / "empty.rss"
    p2.write_bytes(b"")
    [rej2] = list(feeds.read(p2))
    assert isinstance(rej2, Rejected) and "empty" in rej2.why


_LAUGHS = "".join(
    f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n' for i in range(1, 10)
)
_BOMB = f"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol0 "lol">
{_LAUGHS}]>
<rss version="2.0"><channel><title>Bomb &lol9;</title><link>http://example.com/</link>
<item><title>Harmless title</title><link>http://example.com/1</link>
<description>Council approves budget &lol9; for 2024.</description></item>
</channel></rss>"""


def test_feed_billion_laughs_bounded(tmp_path: Path) -> None:
    p = tmp_path / "bomb.rss"
    p.write_text(_BOMB)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        results = list(feeds.read(p))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 5
    assert peak < 20_000_000
    arts, _ = split(results)
    assert len(arts) == 1
    assert len(arts[0].text) < 1000 and "Council approves budget" in arts[0].text
    assert "feed_warning_doctype" in arts[0].metadata


def test_feed_quadratic_blowup_bounded(tmp_path: Path) -> None:
    big = "A" * 100_000
    body = "&big;" * 10_000
    p = tmp_path / "quad.rss"
    p.write_text(f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{big}">]><rss version="2.0">'
                 f"<channel><title>q</title><item><title>t</title><description>{body} end"
                 "</description></item></channel></rss>")
    tracemalloc.start()
    try:
        results = list(feeds.read(p))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000
    assert all(len(r.text) < 200_000 for r in results if isinstance(r, RawArticle))


# ---------------------------------------------------------------- WARC


def _warc(path: Path, records: list[tuple[str, str, bytes, str, str]], gz: bool = True) -> None:
    """Write (type, url, payload, content-type, status) records with warcio."""
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=gz)
        for rtype, url, payload, ctype, status in records:
            if rtype == "response":
                http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
                rec = w.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                           http_headers=http)
            elif rtype == "request":
                http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.com")],
                                        is_http_request=True)
                rec = w.create_warc_record(url, "request", payload=io.BytesIO(b""),
                                           http_headers=http)
            else:
                rec = w.create_warc_record(url, rtype, payload=io.BytesIO(payload),
                                           warc_content_type=ctype)
            w.write_record(rec)


def _small_warc(path: Path, gz: bool = True) -> None:
    voa = VOA.read_bytes()
    _warc(path, [
        ("request", "https://www.voanews.com/a/x.html", b"", "", ""),
        ("response", "https://www.voanews.com/a/x.html", voa, "text/html; charset=utf-8", "200 OK"),
        ("response", "https://example.com/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(100),
         "image/png", "200 OK"),
        ("response", "https://example.com/gone", b"<html>gone</html>", "text/html",
         "404 Not Found"),
        ("resource", "https://winfuture.de/news,142489.html", WINFUTURE.read_bytes(), "text/html",
         ""),
        ("response", "https://example.com/fr", _PAGE.format(meta="").encode("cp1252"),
         "text/html; charset=windows-1252", "200 OK"),
    ], gz=gz)


@pytest.mark.parametrize("gz", [True, False])
def test_warc_written(tmp_path: Path, gz: bool) -> None:
    p = tmp_path / ("small.warc.gz" if gz else "small.warc")
    _small_warc(p, gz)
    arts, rejs = split(list(warc.read(p)))
    assert [a.url for a in arts] == ["https://www.voanews.com/a/x.html",
                                     "https://winfuture.de/news,142489.html",
                                     "https://example.com/fr"]
    voa = arts[0]
    assert voa.title and voa.title.startswith("America's child care crisis")
    assert voa.raw_sha256 == hashlib.sha256(VOA.read_bytes()).hexdigest()
    assert voa.input.startswith(f"{p}:") and voa.metadata["warc_record_type"] == "response"
    assert "coûte désormais 5 €" in arts[2].text
    [summary] = rejs
    assert summary.what == "file"
    assert "skipped 3" in summary.why and "1 request" in summary.why
    assert "image/png" in summary.why and "HTTP 404" in summary.why


def test_warc_real_wget() -> None:
    p = WEB / "ukwa_IAH-urls-wget.warc.gz"
    arts, rejs = split(list(warc.read(p)))
    assert len(arts) == 2 and all(a.url and "archive.org" in a.url for a in arts)
    [summary] = rejs
    assert "16 request" in summary.why and "HTTP 302" in summary.why


@pytest.mark.parametrize("gz", [True, False])
def test_warc_truncated(tmp_path: Path, gz: bool) -> None:
    p = tmp_path / ("t.warc.gz" if gz else "t.warc")
    _small_warc(p, gz)
    data = p.read_bytes()
    cut = tmp_path / p.name.replace("t.", "cut.")
    cut.write_bytes(data[: int(len(data) * 0.6)])  # ends inside the WinFuture resource
    arts, rejs = split(list(warc.read(cut)))
    assert [a.url for a in arts] == ["https://www.voanews.com/a/x.html"]
    assert any("truncated" in r.why and r.what == "file" for r in rejs)


def test_warc_junk_and_empty(tmp_path: Path) -> None:
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(random.Random(3).randbytes(10_000))
    results = list(warc.read(junk))
    assert results and all(isinstance(r, Rejected) for r in results)
    empty = tmp_path / "empty.warc"
    empty.write_bytes(b"")
    [rej] = list(warc.read(empty))
    assert isinstance(rej, Rejected) and "empty" in rej.why


def test_feed_external_entity_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    p = tmp_path / "xxe.rss"
    p.write_text(f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
                 '<rss version="2.0"><channel><title>x</title><item><title>t</title>'
                 "<description>Budget vote &xxe; on Monday.</description></item></channel></rss>")
    results = list(feeds.read(p))
    assert not any("TOP-SECRET" in (r.text if isinstance(r, RawArticle) else r.why)
                   for r in results)


def test_warc_oversize_payload_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warc, "MAX_HTML_BYTES", 50_000)
    p = tmp_path / "big.warc.gz"
    _small_warc(p)
    arts, rejs = split(list(warc.read(p)))
    assert [a.url for a in arts] == ["https://example.com/fr"]  # the two big pages are skipped
    [summary] = rejs
    assert "2 response HTML over 50,000 bytes" in summary.why or "HTML over 50,000" in summary.why
