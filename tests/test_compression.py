"""Text responses travel gzip-compressed to browsers that take it: a revisit of a result
page costs a few kilobytes (benchmarks.run prints the figure)."""

from __future__ import annotations

import gzip

from conftest import style_answers
from helpers import api_submit

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def _result_path(client, questionnaire) -> str:
    body = api_submit(client, questionnaire, style_answers(questionnaire, "driver", 2), lang="en").get_json()
    return body["result_url"].replace("http://localhost", "")


def test_a_result_page_is_sent_gzipped_and_reads_the_same(client, questionnaire):
    path = _result_path(client, questionnaire)
    plain = client.get(path)
    first = client.get(path, headers=GZIP)  # rendered, then kept compressed in the page cache
    again = client.get(path, headers=GZIP)
    for response in (first, again):
        assert response.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["Vary"]
        assert gzip.decompress(response.get_data()) == plain.get_data()
    assert len(again.get_data()) < len(plain.get_data()) / 2
    assert "Content-Encoding" not in plain.headers  # a client that does not ask gets it plain


def test_small_and_binary_responses_are_left_alone(client, questionnaire):
    response = api_submit(client, questionnaire, style_answers(questionnaire, "driver", 2))
    assert response.status_code == 201 and "Content-Encoding" not in response.headers
    api = client.get("/api/v1/openapi.json", headers=GZIP)
    assert len(api.get_data()) > 1400 and "Content-Encoding" not in api.headers  # integrations read it raw
    css = client.get("/static/style.css", headers=GZIP)
    assert "Content-Encoding" not in css.headers  # files are sent as they are
    css.close()


def test_every_page_and_export_still_reads_the_same_compressed(app, signed_in, team, questionnaire):
    from helpers import add_result
    add_result(app, questionnaire, team["id"], "张伟", 4, 2)
    for path in ("/trainer/", f"/trainer/teams/{team['id']}", f"/trainer/teams/{team['id']}/export.csv",
                 "/api/v1/openapi.json", "/phrases"):
        plain = signed_in.get(path).get_data()
        packed = signed_in.get(path, headers=GZIP)
        body = packed.get_data()
        if packed.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if "text/html" in packed.content_type:  # forms carry a fresh token per page
            continue
        assert body == plain, path
