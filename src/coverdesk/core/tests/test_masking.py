import pytest

from coverdesk.core.masking import mask_email, mask_id_number, mask_middle, mask_phone


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("440102199001011234", "4401**********1234"),
        ("44010219900101123X", "4401**********123X"),
        ("4401 0219 9001 0112 34", "4401**********1234"),
        ("440102900101123", "4401*******1123"),  # 15-digit first-generation card
        ("E12345678", "E1*****78"),  # passport: short, a quarter at each end
        ("1234", "1**4"),
        ("12", "**"),
        ("1", "*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(value, expected):
    assert mask_id_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+8613812345678", "+86*******5678"),
        ("010-12345678", "010*****5678"),
        ("12345678", "****5678"),
        ("12345", "****5"),
        ("110", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value, expected):
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zhang.san@example.com", "z********@example.com"),
        ("ab@example.com", "a*@example.com"),
        ("a@example.com", "*@example.com"),
        ("@example.com", "@example.com"),
        ("not-an-email", "n***********"),
        ("x", "*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_email(value, expected):
    assert mask_email(value) == expected


@pytest.mark.parametrize("length", range(40))
def test_mask_middle_hides_at_least_a_third_of_any_value(length):
    value = "9" * length

    masked = mask_middle(value, keep_start=4, keep_end=4)

    assert len(masked) == length
    assert masked.count("*") * 3 >= length
