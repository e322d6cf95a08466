"""The CKAN client paging through recorded datastore_search responses (the offline twin)."""

import json

import pytest

from sources.ckan import CkanClient, CkanError, replay_session

FIELDS = [{"id": "_id", "type": "int"}, {"id": "kode_wilayah", "type": "text"}]


def record_pages(folder, records, page, total=None, final_empty=False):
    folder.mkdir(exist_ok=True)
    offsets = list(range(0, len(records), page))
    for offset in [*offsets, len(records)] if final_empty else offsets:
        body = {
            "success": True,
            "result": {
                "fields": FIELDS,
                "records": records[offset : offset + page],
                "total": len(records) if total is None else total,
                "offset": offset,
            },
        }
        (folder / f"datastore_search.offset-{offset}.json").write_text(json.dumps(body))


def client(folder):
    return CkanClient("https://portal.sample.invalid", replay_session(folder))


def test_pages_to_the_end_and_keeps_codes_as_text(tmp_path):
    records = [{"_id": i + 1, "kode_wilayah": "35.73.0" + str(i % 5 + 1)} for i in range(250)]
    record_pages(tmp_path, records, page=100)
    fields, got = client(tmp_path).datastore_search_all("res-1")
    assert fields == FIELDS
    assert got == records
    assert all(isinstance(r["kode_wilayah"], str) for r in got)


def test_total_that_disagrees_with_the_pages_is_an_error(tmp_path):
    records = [{"_id": i + 1, "kode_wilayah": "35.73"} for i in range(150)]
    record_pages(tmp_path, records, page=100, total=180, final_empty=True)
    with pytest.raises(CkanError) as caught:
        client(tmp_path).datastore_search_all("res-1")
    assert str(caught.value) == (
        "datastore_search for resource res-1 reported total 180 but 150 records arrived"
    )


def test_portal_error_is_surfaced_verbatim(tmp_path):
    body = {
        "success": False,
        "error": {"__type": "Authorization Error", "message": "Access denied"},
    }
    (tmp_path / "datastore_search.json").write_text(json.dumps(body))
    with pytest.raises(CkanError) as caught:
        client(tmp_path).datastore_search_all("res-1")
    assert "failed: Authorization Error: " in str(caught.value)
    assert '"message": "Access denied"' in str(caught.value)


def test_token_is_sent_as_a_header_and_never_in_the_error(tmp_path):
    sent = {}

    class Spy:
        def get(self, url, params, headers, timeout, **_):
            sent.update(headers)
            raise ConnectionError("portal down")

    api = CkanClient("https://portal.sample.invalid", Spy(), token="s3cret-token")
    with pytest.raises(ConnectionError) as caught:
        api.action("package_show", id="x")
    assert sent == {"Authorization": "s3cret-token"}
    assert "s3cret-token" not in str(caught.value)
