"""The fast string path of parameter binding gives the driver's exact text (no database)."""

from __future__ import annotations

from clickhouse_connect.driver.binding import format_bind_value

from query_engine.backends.binding import text_params

SAMPLES = ["plain", "", "it's", "back\\slash", "tab\there", "new\nline", "`tick`", "ünïcode ✓", "a'\\'b"]


def test_strings_bind_exactly_as_the_driver_does():
    for sample in SAMPLES:
        assert text_params({"v": sample})["v"] == format_bind_value(sample)


def test_lists_of_strings_bind_exactly_as_the_driver_does():
    assert text_params({"v": SAMPLES})["v"] == format_bind_value(SAMPLES)
    assert text_params({"v": []})["v"] == format_bind_value([]) == "[]"
    mixed = ["a", 1]
    assert text_params({"v": mixed})["v"] == format_bind_value(mixed)
