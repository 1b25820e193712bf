"""Which e-mail addresses the shared validator takes, and what it says about the others."""
from __future__ import annotations

import pytest
from email_validator import EmailNotValidError

from lsi_assembly.core.forms import INVALID_EMAIL, NON_ASCII_EMAIL, email_error, normalize_email


def test_a_non_ascii_local_part_is_refused_unless_smtputf8_is_allowed():
    with pytest.raises(EmailNotValidError):
        normalize_email("josé.müller@example.org")
    assert email_error("josé.müller@example.org") is NON_ASCII_EMAIL
    assert normalize_email("José.Müller@Example.org", allow_smtputf8=True) == "josé.müller@example.org"


def test_a_non_ascii_domain_is_taken_without_smtputf8():
    assert normalize_email("Jose@Exämple.ORG") == "jose@exämple.org"


def test_other_invalid_addresses_get_the_general_message():
    for address in ("josé@", "jose@example", "jose.example.org"):
        with pytest.raises(EmailNotValidError):
            normalize_email(address)
        assert email_error(address) is INVALID_EMAIL
