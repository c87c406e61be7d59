"""The day-of-the-province model (bench/load.py): key classes, job runs and write units from the
recorded requests of an operation."""

from __future__ import annotations

from bench.load import key_class, runs_per_day, write_profile


def test_written_keys_are_classed_by_whose_item_they_are() -> None:
    assert key_class("CONSULTATION#0b1c2d3e-1111-2222-3333-444455556666") == ("CONSULTATION#{id}", "entity")
    assert key_class("LOAD#att-007") == ("LOAD#{attorney}", "attorney")
    assert key_class("COUNTER#RECEIPT") == ("COUNTER#RECEIPT", "shared")
    assert key_class("RANK#2026#wage_arrears#suwon") == ("RANK#{n}#wage_arrears#suwon", "partition")
    assert key_class("RANK#2026#workplace_harassment#suwon") == ("RANK#{n}#workplace_harassment#suwon", "partition")
    assert key_class("SESSION#Qk3Jv0_aZx9LmP2wRt7yUq")[0] == "SESSION#{id}"  # a token, not a name
    assert key_class("DELIVERYSTAT#2026-12") == ("DELIVERYSTAT#{n}-{n}", "shared")
    assert key_class("OWNER#kakao:bench-intake-3")[1] == "entity"


def test_a_jobs_runs_a_day_follow_its_cron() -> None:
    assert runs_per_day(("*", "*", "*", "*", "?", "*")) == 1440
    assert runs_per_day(("*/5", "*", "*", "*", "?", "*")) == 288
    assert runs_per_day(("0", "16", "*", "*", "?", "*")) == 1
    assert runs_per_day(("0,30", "1-9", "*", "*", "?", "*")) == 18


def test_write_units_count_transaction_items_twice_and_items_by_the_kb() -> None:
    big = {"pk": {"S": "CONSULTATION#0b1c2d3e-1111-2222-3333-444455556666"}, "body": {"S": "x" * 1500}}
    recorded = [
        ("dynamodb", "GetItem", {"Key": {"pk": {"S": "COUNTER#RECEIPT"}}}),  # a read: not counted
        ("dynamodb", "PutItem", {"Item": big}),  # 2 KB: 2 units
        ("dynamodb", "UpdateItem", {"Key": {"pk": {"S": "LOAD#att-001"}}}),  # 1 unit
        ("dynamodb", "TransactWriteItems", {"TransactItems": [
            {"Update": {"Key": {"pk": {"S": "COUNTER#RECEIPT"}}}},
            {"Put": {"Item": {"pk": {"S": "SLOT#att-001"}}}},
        ]}),  # 2 items, 2 units each
        ("sns", "Publish", {"Message": "not a write"}),
    ]
    profile = write_profile(recorded)
    assert profile["write_units"] == 2 + 1 + 4 and profile["items"] == 4
    whose = {k["key"]: (k["whose"], k["writes"]) for k in profile["keys"]}
    assert whose == {"CONSULTATION#{id}": ("entity", 1), "LOAD#{attorney}": ("attorney", 1),
                     "COUNTER#RECEIPT": ("shared", 1), "SLOT#{attorney}": ("attorney", 1)}
