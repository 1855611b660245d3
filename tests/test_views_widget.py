"""The widget's script and its guide, where a partner chooses settings and copies two lines."""

from __future__ import annotations

import html


def page(client, query: str = "", status: int = 200) -> str:
    response = client.get("/widget" + query)
    assert response.status_code == status
    return html.unescape(response.get_data(as_text=True))


def test_the_script_is_served_to_any_site(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert b'customElements.define("signpost-search"' in response.data


def test_the_guide_shows_the_two_lines_with_an_absolute_script_address(client):
    text = page(client)
    assert '<script src="http://localhost/widget.js" defer></script>' in text
    assert '<signpost-search postcode="HX1" categories="food,money" radius="5"></signpost-search>' in text


def test_choices_change_the_code_and_the_preview(client):
    response = client.get(
        "/widget?postcode=g31&category=food&category=carers&radius=10&results=10&label=Find+%22help%22"
    )
    raw = response.get_data(as_text=True)
    line = 'postcode="G31" categories="food,carers" radius="10" results="10" label="Find &#34;help&#34;"'
    assert f"<signpost-search {line} autosearch>" in raw  # the preview, its label escaped
    assert f"<signpost-search {line}></signpost-search>" in html.unescape(raw)  # the code to copy, valid HTML


def test_bad_choices_are_named_and_never_reach_the_code(client):
    text = page(client, "?postcode=NOPE1&category=%3Cscript%3E&results=7", status=400)
    assert "Postcode: 'NOPE1' is not a UK postcode" in text
    assert "Categories: '<script>' is not a category code" in text
    assert "Results at a time: Choose 3, 5, 10 or 20" in text
    assert '<signpost-search postcode="HX1" radius="5"></signpost-search>' in text
