"""``best_effort``: a step second to what came before it fails quietly, logged by type and ids only."""

import logging

from chalicelib.logs import best_effort


def test_a_step_that_works_gives_its_value_and_logs_nothing(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    assert best_effort(lambda: 42, "counting") == 42
    assert not [r for r in caplog.records if r.name == "maeul"]


def test_a_failing_step_gives_none_and_logs_its_type_and_ids_never_its_message(caplog) -> None:
    caplog.set_level(logging.DEBUG)

    def fail() -> int:
        raise ConnectionError("010-1234-5678 김영희 could not be reached")  # what an adapter might say

    assert best_effort(fail, "booking alert delivery", channel="sms", consultation_id="c-1") is None
    (record,) = [r for r in caplog.records if r.name == "maeul"]
    assert record.levelno == logging.WARNING and record.getMessage() == "booking alert delivery failed"
    assert (record.error, record.channel, record.consultation_id) == ("ConnectionError", "sms", "c-1")
    assert "010-1234" not in str(record.__dict__) and "김영희" not in str(record.__dict__)
