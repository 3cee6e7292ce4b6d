import logging

import pytest

from core.observability import RequestIdLogFilter, request_id_var


@pytest.mark.django_db
def test_a_response_carries_the_callers_request_id(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})

    assert response["X-Request-ID"] == "abc-123"


@pytest.mark.django_db
def test_an_unsafe_request_id_is_replaced_by_a_fresh_one(client):
    response = client.get("/healthz", headers={"X-Request-ID": "<script>"})

    assert response["X-Request-ID"] != "<script>"
    assert len(response["X-Request-ID"]) == 32


def test_log_records_carry_the_current_request_id():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    token = request_id_var.set("req-42")
    try:
        RequestIdLogFilter().filter(record)
    finally:
        request_id_var.reset(token)

    assert record.request_id == "req-42"
