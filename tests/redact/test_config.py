"""Settings from the [redact] table and known values from a mapping."""

from __future__ import annotations

import pytest

from ecluse.errors import ConfigError
from ecluse.redact import EntityType, KnownValues, RedactConfig


def test_section_is_read_with_defaults() -> None:
    cfg = RedactConfig.from_section({"allow_list": ["078 15 15 15"], "use_ner": False})
    assert cfg.allow_list == ("078 15 15 15",) and cfg.use_ner is False
    assert cfg.customer_number_patterns == RedactConfig().customer_number_patterns


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"allow": []}, "unknown setting"),
        ({"allow_list": "078"}, "allow_list: must be a list"),
        ({"customer_number_patterns": ["(unclosed"]}, "customer_number_patterns[0]"),
        ({"use_ner": "yes"}, "use_ner"),
        ({"min_score": 2}, "min_score"),
    ],
)
def test_bad_section_names_the_setting(section: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        RedactConfig.from_section(section)
    assert message in str(err.value)


def test_known_values_from_mapping_skip_empty_and_unknown() -> None:
    known = KnownValues.from_mapping(
        {"names": ["Jan Peeters", ""], "phones": "+32470123456", "birth_date": "", "x": 1}
    )
    assert known.names == ("Jan Peeters",) and known.phones == ("+32470123456",)
    assert known.birth_date is None
    assert known.items() == [(EntityType.PERSON, "Jan Peeters"), (EntityType.PHONE, "+32470123456")]
