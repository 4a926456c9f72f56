"""Case codes are short, random and forgiving of how people retype them."""

from __future__ import annotations

from core.codes import ALPHABET, CODE_LENGTH, new_case_code, normalize_case_code


def test_codes_are_random_and_well_formed() -> None:
    codes = {new_case_code() for _ in range(2000)}
    # 30 random bits: two of 2,000 codes are the same in about 1 run of 500 (the store retries
    # a taken code); four such pairs would take ~10^-12 luck, or a broken generator
    assert len(codes) >= 1997
    for code in list(codes)[:50]:
        assert code.startswith("LD-") and len(code) == 3 + CODE_LENGTH
        assert all(ch in ALPHABET for ch in code[3:])


def test_typed_codes_are_normalized() -> None:
    assert normalize_case_code("ld-7kq2mx") == "LD-7KQ2MX"
    assert normalize_case_code(" LD7KQ2MX ") == "LD-7KQ2MX"
    assert normalize_case_code("LD-7KQ2MO") == "LD-7KQ2M0"  # O read as zero
    assert normalize_case_code("LD-1234") is None
    assert normalize_case_code("hello") is None


def test_codes_typed_with_look_alike_letters_resolve() -> None:
    # I and L read as 1, O as 0: what people type from a screenshot or a read-out code
    assert normalize_case_code("LD-7KQ2MO") == "LD-7KQ2M0"
    assert normalize_case_code("ld-ikq2mx") == "LD-1KQ2MX"
    assert normalize_case_code("LD-LKQ2MX") == "LD-1KQ2MX"
    assert normalize_case_code("ld-o1lio0") == "LD-011100"
    assert normalize_case_code("LDoOiIlL") == "LD-001111"
    assert normalize_case_code(" ld - 7kq2mx ") == "LD-7KQ2MX"


def test_look_alike_letters_never_leave_the_alphabet() -> None:
    for letter in "IiLlOo":
        code = normalize_case_code(f"LD-{letter * CODE_LENGTH}")
        assert code is not None
        assert all(ch in ALPHABET for ch in code[3:])
        assert code[3:] in ("1" * CODE_LENGTH, "0" * CODE_LENGTH)


def test_codes_with_characters_outside_the_alphabet_are_refused() -> None:
    assert normalize_case_code("LD-7KQ2M!") is None
    assert normalize_case_code("LD-7KQ2MXX") is None
    assert normalize_case_code("XX-7KQ2MX") is None
