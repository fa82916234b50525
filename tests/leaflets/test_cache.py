"""The leaflet PDF cache: bounded, least recently used first, one entry per set of topics."""

from pathlib import Path

import pytest

from app.leaflets.pdf import LeafletRequest, PdfCache, cache_key

PDF_URL = "/en/medicines/pimecrolimus/leaflet.pdf"


def cached_files(app) -> list[Path]:
    return sorted((Path(app.instance_path) / "cache" / "leaflets").glob("*.pdf"))


@pytest.fixture
def quick_pdfs(monkeypatch):
    """Leaflet HTML made into a stand-in PDF at once, so a test can build a hundred of them; counts builds."""
    builds = []

    def html_to_pdf(html, base_url, css):
        builds.append(html)
        return b"%PDF-1.7 stand-in " + str(len(builds)).encode()

    monkeypatch.setattr("app.web.leaflets.routes.html_to_pdf", html_to_pdf)
    return builds


def fetch(client, query: str) -> str:
    """The leaflet for the query; "hit" or "miss" as the cache answered."""
    response = client.get(f"{PDF_URL}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.headers["X-Leaflet-Cache"]


def test_the_cache_never_holds_more_than_its_cap_after_120_distinct_leaflets(app, client, quick_pdfs):
    cap = app.config["LEAFLET_CACHE_MAX_FILES"]
    assert cap < 120
    for n in range(120):
        assert fetch(client, f"clinic_name=Clinic+{n}") == "miss"
        assert len(cached_files(app)) <= cap
    assert len(cached_files(app)) == cap
    assert len(quick_pdfs) == 120


def test_a_reordered_or_repeated_topic_list_is_one_entry_and_one_pdf(app, client):
    """A real build: the leaflet prints topics in its own order, so every spelling is the same PDF."""
    spellings = [
        "topics=storage&topics=sun",
        "topics=sun&topics=storage",
        "topics=storage&topics=sun&topics=storage&topics=sun",
    ]
    answers = [client.get(f"{PDF_URL}?{query}") for query in spellings]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers["X-Leaflet-Cache"] for a in answers] == ["miss", "hit", "hit"]
    assert answers[0].data == answers[1].data == answers[2].data
    assert len(cached_files(app)) == 1


def test_the_least_recently_used_leaflet_goes_first(app, client, quick_pdfs):
    app.config["LEAFLET_CACHE_MAX_FILES"] = 3
    for name in ("A", "B", "C"):
        fetch(client, f"clinic_name={name}")
    assert fetch(client, "clinic_name=A") == "hit"  # A is now used more recently than B and C
    assert fetch(client, "clinic_name=D") == "miss"  # one too many: B, the least recently used, goes
    assert len(cached_files(app)) == 3
    assert [fetch(client, f"clinic_name={name}") for name in ("A", "C", "D")] == ["hit", "hit", "hit"]
    assert fetch(client, "clinic_name=B") == "miss"


def request_for(topics: tuple[str, ...]) -> LeafletRequest:
    return LeafletRequest("pimecrolimus", "en", "a4", topics)


def test_the_key_counts_topics_as_a_set():
    key = cache_key(request_for(("storage", "sun")), "v1")
    assert cache_key(request_for(("sun", "storage", "storage")), "v1") == key
    assert cache_key(request_for(("storage",)), "v1") != key
    assert cache_key(request_for(("storage", "sun")), "v2") != key


def built(content: bytes):
    return lambda: content


def test_the_byte_limit_keeps_the_most_recently_used_that_fit(tmp_path):
    cache = PdfCache(tmp_path, max_files=100, max_bytes=250)
    for key in ("a", "b", "c"):
        cache.get_or_build(key, built(b"x" * 100))
    assert sorted(p.stem for p in tmp_path.glob("*.pdf")) == ["b", "c"]
    body, hit = cache.get_or_build("huge", built(b"x" * 300))  # served, though too big to keep
    assert (body, hit) == (b"x" * 300, False)
    assert sorted(p.stem for p in tmp_path.glob("*.pdf")) == ["b", "c"]


def test_workers_share_one_order_of_use(tmp_path):
    """Each server worker has its own PdfCache on the same folder: the files' times are the shared order."""
    first, second = PdfCache(tmp_path, max_files=2, max_bytes=10**6), PdfCache(tmp_path, max_files=2, max_bytes=10**6)
    first.get_or_build("a", built(b"a"))
    first.get_or_build("b", built(b"b"))
    assert second.get_or_build("a", built(b"never")) == (b"a", True)  # read in the other worker: a is newer
    second.get_or_build("c", built(b"c"))
    assert sorted(p.stem for p in tmp_path.glob("*.pdf")) == ["a", "c"]


def test_a_file_evicted_by_another_worker_is_built_again(tmp_path):
    cache = PdfCache(tmp_path, max_files=10, max_bytes=10**6)
    cache.get_or_build("a", built(b"old"))
    (tmp_path / "a.pdf").unlink()
    assert cache.get_or_build("a", built(b"new")) == (b"new", False)
