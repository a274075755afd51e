"""A delivery's body parses as the standard library parses it, only faster (webhooks/parsing.py)."""

import json

import pytest

from webhooks.parsing import parse_json


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": 820982911946154508, "total_price": "199.65", "line_items": [{"id": 1, "quantity": 2}], "note": null}',
        # What orjson refuses and json takes: parsed by json, as before.
        b'{"id": 1, "total_discounts": NaN}',
        b'{"value": Infinity}',
        b'\xef\xbb\xbf{"id": 1}',
        b'{"name": "\\ud800"}',
        '{"name": "Zoë"}',
    ],
)
def test_a_body_parses_to_what_json_gives(body):
    assert repr(parse_json(body)) == repr(json.loads(body))


@pytest.mark.parametrize("body", [b'{"id": 1, "line_items": [', b"", b"{'id': 1}", b'{"id": 1} trailing'])
def test_what_is_not_json_is_refused_with_jsons_own_message(body):
    with pytest.raises(ValueError) as refused:
        parse_json(body)
    with pytest.raises(ValueError) as expected:
        json.loads(body)
    assert str(refused.value) == str(expected.value)
