"""The fast record builders make exactly what pymarc's own constructors make."""

from __future__ import annotations

from pymarc import Field, Indicators, Record, Subfield

from unicard.catalogue.record_build import (
    control_field,
    data_field,
    indicators,
    new_record,
    subfield,
)


def test_fast_fields_equal_pymarc_fields() -> None:
    slow_control = Field(tag="001", data="CN0001")
    fast_control = control_field("001", "CN0001")
    slow_data = Field(
        "245", Indicators("1", "0"), [Subfield("a", "红楼梦"), Subfield("A", "Hong lou meng")]
    )
    fast_data = data_field(
        "245", indicators("10"), [subfield("a", "红楼梦"), subfield("A", "Hong lou meng")]
    )
    for slow, fast in ((slow_control, fast_control), (slow_data, fast_data)):
        assert type(fast) is type(slow)
        for slot in ("tag", "data", "subfields", "control_field", "indicators"):
            assert getattr(fast, slot) == getattr(slow, slot), slot
        assert fast.as_marc("utf-8") == slow.as_marc("utf-8")
        assert str(fast) == str(slow)
    assert isinstance(fast_data.subfields[0], Subfield)
    assert fast_data.subfields[0].code == "a" and fast_data["A"] == "Hong lou meng"
    assert fast_data.indicator1 == "1" and fast_data.indicator2 == "0"


def test_fast_record_keeps_the_leader_and_behaves_like_pymarc() -> None:
    fields = [
        control_field("001", "x"),
        data_field("200", indicators("1 "), [subfield("a", "题名")]),
    ]
    record = new_record("00000nam0 2200000   450 ", fields)
    assert str(record.leader) == "00000nam0 2200000   450 "  # pymarc would force 4500
    reference = Record(fields=list(fields))
    reference.leader = record.leader
    assert record.as_marc() == reference.as_marc()
    assert record["200"]["a"] == "题名" and [f.tag for f in record] == ["001", "200"]
    record.add_field(Field("300", Indicators(" ", " "), [Subfield("a", "note")]))
    assert record.get_fields("300")[0]["a"] == "note"
