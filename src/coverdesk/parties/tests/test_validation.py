import pytest

from coverdesk.core.exceptions import ValidationFailed
from coverdesk.parties.validation import (
    clean_credit_code,
    clean_email,
    clean_id_number,
    clean_phone,
    credit_code_check_char,
    id_number_check_char,
)


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),  # the worked example of GB 11643
        ("44030419850615001", "5"),
        ("44010219900101123", "X"),
        ("51010819780808777", "7"),
    ],
)
def test_id_number_check_char(first17, check):
    assert id_number_check_char(first17) == check


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        (" 110105 19491231 002X ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width input
        ("440304198506150015", "440304198506150015"),
    ],
)
def test_valid_id_numbers_are_stored_normalised(value, stored):
    assert clean_id_number(value) == stored


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("11010519491231002", "id_number_format"),  # 17 characters
        ("11010519491231002XX", "id_number_format"),
        ("1101051949123100X2", "id_number_format"),  # X only last
        ("110105194912310", "id_number_format"),  # old 15-digit cards are not accepted
        ("110105194913310028", "id_number_birth_date"),  # month 13
        ("110105190002290021", "id_number_birth_date"),  # 1900 was not a leap year
        ("110105180001010021", "id_number_birth_date"),
        ("110105194912310021", "id_number_checksum"),
        ("440102199001011234", "id_number_checksum"),
    ],
)
def test_invalid_id_numbers_name_the_field_and_rule(value, rule):
    with pytest.raises(ValidationFailed) as caught:
        clean_id_number(value, field="id_number")

    assert [(e.field, e.rule) for e in caught.value.fields] == [("id_number", rule)]
    assert caught.value.code == "validation_failed"
    assert caught.value.message.startswith("id_number: ")


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-13812345678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("020-87654321", "020-87654321"),
        ("02087654321", "02087654321"),
        ("0755-1234567", "0755-1234567"),
        ("(010) 12345678", "01012345678"),
        ("010-12345678-801", "010-12345678-801"),
    ],
)
def test_valid_phones_are_stored_normalised(value, stored):
    assert clean_phone(value) == stored


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("1381234567", "mobile_format"),  # 10 digits
        ("138123456789", "mobile_format"),
        ("12812345678", "mobile_format"),  # no 12x mobile prefix
        ("1381234567a", "mobile_format"),
        ("12345", "mobile_format"),
        ("87654321", "phone_format"),  # landline without area code
        ("abc", "phone_format"),
        ("+1 415 555 0100", "phone_format"),  # foreign numbers are not accepted
    ],
)
def test_invalid_phones_name_the_rule(value, rule):
    with pytest.raises(ValidationFailed) as caught:
        clean_phone(value, field="contact_phone")

    assert [(e.field, e.rule) for e in caught.value.fields] == [("contact_phone", rule)]


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("zhang.san@example.com", "zhang.san@example.com"),
        (" Zhang.San@Example.COM ", "Zhang.San@example.com"),
        ("li@gaj.gz.gov.cn", "li@gaj.gz.gov.cn"),
    ],
)
def test_valid_emails_keep_the_local_part_and_lower_the_domain(value, stored):
    assert clean_email(value) == stored


@pytest.mark.parametrize("value", ["zhang", "zhang@", "@example.com", "a b@example.com@x", "a@b"])
def test_invalid_emails_name_the_rule(value):
    with pytest.raises(ValidationFailed) as caught:
        clean_email(value)

    assert [(e.field, e.rule) for e in caught.value.fields] == [("email", "email_format")]


@pytest.mark.parametrize(
    ("first17", "check"),
    [("91440101MA5CXXXXX", "2"), ("91110000100000000", "R"), ("12440100455789012", "8")],
)
def test_credit_code_check_char(first17, check):
    assert credit_code_check_char(first17) == check


@pytest.mark.parametrize(
    ("value", "stored_or_rule"),
    [
        ("91440101MA5CXXXXX2", "91440101MA5CXXXXX2"),
        ("91440101ma5cxxxxx2", "91440101MA5CXXXXX2"),
        ("91440101MA5CXXXXX3", "credit_code_checksum"),
        ("91440101MA5CXXXXX", "credit_code_format"),
        ("91440101MA5CXXXXO2", "credit_code_format"),  # O is not in the alphabet
        ("9144010AMA5CXXXXX2", "credit_code_format"),  # the region code is digits
    ],
)
def test_credit_codes(value, stored_or_rule):
    if stored_or_rule.startswith("credit_code_"):
        with pytest.raises(ValidationFailed) as caught:
            clean_credit_code(value)
        assert [(e.field, e.rule) for e in caught.value.fields] == [("credit_code", stored_or_rule)]
    else:
        assert clean_credit_code(value) == stored_or_rule
