"""Case codes are short, random and forgiving of how people retype them."""

from __future__ import annotations

from core.codes import ALPHABET, CODE_LENGTH, new_case_code, normalize_case_code


def test_codes_are_random_and_well_formed() -> None:
    codes = {new_case_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        assert code.startswith("LD-") and len(code) == 3 + CODE_LENGTH
        assert all(ch in ALPHABET for ch in code[3:])


def test_typed_codes_are_normalized() -> None:
    assert normalize_case_code("ld-7kq2mx") == "LD-7KQ2MX"
    assert normalize_case_code(" LD7KQ2MX ") == "LD-7KQ2MX"
    assert normalize_case_code("LD-7KQ2MO") == "LD-7KQ2M0"  # O read as zero
    assert normalize_case_code("LD-1234") is None
    assert normalize_case_code("hello") is None
