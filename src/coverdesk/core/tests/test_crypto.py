import base64
import json
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from coverdesk.core import crypto
from coverdesk.core.crypto import DecryptionError, KeyRing

KEY1 = bytes(range(32))
KEY2 = bytes(range(32, 64))
INDEX = bytes(range(64, 96))
B64 = base64.b64encode


def ring(*kids, index=INDEX):
    keys = {"k1": KEY1, "k2": KEY2}
    return KeyRing(active=kids[0], keys={kid: keys[kid] for kid in kids}, index_key=index)


@given(plaintext=st.text(max_size=300), context=st.text(min_size=1, max_size=60))
def test_encrypt_then_decrypt_gives_back_any_text(plaintext, context):
    token = crypto.encrypt(plaintext, context=context, ring=ring("k1"))

    assert crypto.decrypt(token, context=context, ring=ring("k1")) == plaintext
    assert crypto.key_id_of(token) == "k1"


def test_ciphertext_has_the_stored_form_and_a_fresh_nonce_each_time():
    first = crypto.encrypt("13812345678", context="parties.party.phone", ring=ring("k1"))
    second = crypto.encrypt("13812345678", context="parties.party.phone", ring=ring("k1"))

    version, kid, payload = first.split(":")
    assert (version, kid) == ("v1", "k1")
    # 12-byte nonce + 11 bytes of text + 16-byte tag, base64url without padding
    assert len(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))) == 12 + 11 + 16
    assert first != second
    assert "13812345678" not in first


def test_a_ciphertext_moved_to_another_column_does_not_decrypt():
    token = crypto.encrypt("440102199001011234", context="parties.party.id_number", ring=ring("k1"))

    with pytest.raises(DecryptionError, match=r"parties\.contact\.phone"):
        crypto.decrypt(token, context="parties.contact.phone", ring=ring("k1"))


def test_a_tampered_ciphertext_does_not_decrypt():
    token = crypto.encrypt("13812345678", context="c", ring=ring("k1"))
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]

    with pytest.raises(DecryptionError, match="fails authentication"):
        crypto.decrypt(flipped, context="c", ring=ring("k1"))


@pytest.mark.parametrize("bad", ["", "13812345678", "v2:k1:abcd", "v1::abcd", "v1:k1", "v1:k1:@@"])
def test_values_that_are_not_our_ciphertexts_are_refused(bad):
    with pytest.raises(DecryptionError):
        crypto.decrypt(bad, context="c", ring=ring("k1"))
    assert crypto.is_ciphertext(bad) is (bad == "v1:k1:@@")


def test_a_rotated_ring_encrypts_with_the_new_key_and_still_reads_the_old():
    old = crypto.encrypt("secret", context="c", ring=ring("k1"))

    new = crypto.encrypt("secret", context="c", ring=ring("k2", "k1"))

    assert crypto.key_id_of(new) == "k2"
    assert crypto.decrypt(old, context="c", ring=ring("k2", "k1")) == "secret"
    with pytest.raises(DecryptionError, match="key 'k1' is not in the key ring"):
        crypto.decrypt(old, context="c", ring=ring("k2"))


def test_key_ring_repr_shows_no_key_material():
    text = repr(ring("k2", "k1"))

    assert text == "KeyRing(active='k2', keys=['k1', 'k2'])"


def test_parse_data_keys_takes_the_first_key_as_active():
    active, keys = crypto.parse_data_keys(f"k2:{B64(KEY2).decode()}, k1:{B64(KEY1).decode()}")

    assert active == "k2"
    assert keys == {"k2": KEY2, "k1": KEY1}


def test_parse_data_keys_accepts_urlsafe_base64_without_padding():
    encoded = base64.urlsafe_b64encode(KEY2).decode().rstrip("=")

    assert crypto.parse_data_keys(f"k2:{encoded}") == ("k2", {"k2": KEY2})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "COVERDESK_DATA_KEYS lists no key"),
        ("k1", "COVERDESK_DATA_KEYS: entry 1 must look like keyid:base64key"),
        (f"k 1:{B64(KEY1).decode()}", "entry 1 must look like"),
        ("k1:not base64!", "COVERDESK_DATA_KEYS: key 'k1' is not valid base64"),
        (f"k1:{B64(b'short').decode()}", "key 'k1' must decode to 32 bytes, not 5"),
        (f"k1:{B64(KEY1).decode()},k1:{B64(KEY2).decode()}", "key id 'k1' appears twice"),
    ],
)
def test_malformed_data_keys_name_the_variable(raw, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.parse_data_keys(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("***", "COVERDESK_INDEX_KEY is not valid base64"),
        (B64(b"x" * 16).decode(), "COVERDESK_INDEX_KEY must decode to at least 32 bytes, not 16"),
    ],
)
def test_malformed_index_key_names_the_variable(raw, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.parse_index_key(raw)


def test_settings_keys_make_the_ring():
    with override_settings(
        COVERDESK_DATA_KEYS=f"k2:{B64(KEY2).decode()},k1:{B64(KEY1).decode()}",
        COVERDESK_INDEX_KEY=B64(INDEX).decode(),
    ):
        configured = crypto.key_ring()

    assert configured == ring("k2", "k1")
    assert crypto.key_ring() != configured  # the cache follows the settings back


@pytest.mark.parametrize(
    ("data_keys", "index_key", "message"),
    [
        (f"k1:{B64(KEY1).decode()}", "", "COVERDESK_INDEX_KEY is empty while COVERDESK_DATA_KEYS"),
        ("", B64(INDEX).decode(), "COVERDESK_DATA_KEYS is empty while COVERDESK_INDEX_KEY"),
        ("k1:zz", B64(INDEX).decode(), "COVERDESK_DATA_KEYS: key 'k1'"),
    ],
)
def test_half_or_malformed_settings_stop_with_the_variable_named(data_keys, index_key, message):
    with (
        override_settings(COVERDESK_DATA_KEYS=data_keys, COVERDESK_INDEX_KEY=index_key),
        pytest.raises(ImproperlyConfigured, match=message),
    ):
        crypto.key_ring()


def test_without_settings_keys_a_private_key_file_is_created_once_and_reused(tmp_path):
    path = tmp_path / "var" / "data-keys.json"

    with override_settings(COVERDESK_DATA_KEYS="", COVERDESK_INDEX_KEY="", COVERDESK_KEY_FILE=path):
        first = crypto.key_ring()
        crypto.key_ring_reset()
        second = crypto.key_ring()

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = json.loads(path.read_text())
    assert content["active"] == "k1"
    assert set(content) == {"active", "keys", "index_key"}
    assert first == second
    assert first.active == "k1"
    assert len(first.keys["k1"]) == 32
    assert list(tmp_path.joinpath("var").iterdir()) == [path]  # no temporary file left


def test_a_key_file_with_several_keys_uses_its_active_key(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text(
        json.dumps(
            {
                "active": "k2",
                "keys": {"k1": B64(KEY1).decode(), "k2": B64(KEY2).decode()},
                "index_key": B64(INDEX).decode(),
            }
        )
    )

    assert crypto.key_ring_from_file(path) == ring("k2", "k1")


@pytest.mark.parametrize(
    "content",
    ["not json", json.dumps({"active": "k9", "keys": {}, "index_key": ""}), json.dumps([])],
)
def test_a_malformed_key_file_names_the_setting_and_the_file(tmp_path, content):
    path = tmp_path / "keys.json"
    path.write_text(content)

    with pytest.raises(ImproperlyConfigured, match=r"COVERDESK_KEY_FILE \(.*keys\.json\)"):
        crypto.key_ring_from_file(path)


def test_blind_index_ignores_spaces_dashes_case_and_full_width_digits():
    same = {
        crypto.blind_index(value, "phone", ring=ring("k1"))
        for value in ["13812345678", "138 1234 5678", "138-1234-5678", "１３８１２３４５６７８"]
    }

    assert len(same) == 1
    assert crypto.blind_index("44010219900101123x", "id", ring=ring("k1")) == crypto.blind_index(
        "44010219900101123X", "id", ring=ring("k1")
    )


def test_blind_index_depends_on_value_purpose_and_index_key():
    base = crypto.blind_index("13812345678", "phone", ring=ring("k1"))

    assert len(base) == 64
    assert int(base, 16) >= 0
    assert crypto.blind_index("13812345679", "phone", ring=ring("k1")) != base
    assert crypto.blind_index("13812345678", "id_number", ring=ring("k1")) != base
    assert crypto.blind_index("13812345678", "phone", ring=ring("k1", index=KEY2)) != base
    # Data keys do not matter: rotating them keeps every index valid.
    assert crypto.blind_index("13812345678", "phone", ring=ring("k2")) == base
