"""The one signer (core.tokens): links already sent keep working, purposes stay apart, timed tokens expire."""
from __future__ import annotations

import pytest
from flask import Flask
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from lsi_assembly.core import tokens
from lsi_assembly.core.tokens import BadToken, TokenExpired, sign, unsign

SECRET = "a secret key for these tests only"
#: How each kind of token was signed before core.tokens: the links in people's inboxes.
EARLIER = {
    tokens.REGISTRATION_LINK: URLSafeTimedSerializer(SECRET, salt="lsi-assembly/registration-link"),
    tokens.PUBLIC_LINK: URLSafeSerializer(SECRET, salt="lsi-assembly/public-link"),
    tokens.PASSWORD_RESET: URLSafeTimedSerializer(SECRET, salt="lsi-assembly/password-reset"),
    tokens.FORM_STARTED: URLSafeSerializer(SECRET, salt="lsi-assembly/form-started"),
}


@pytest.fixture(autouse=True)
def app_context():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = SECRET
    with app.app_context():
        yield


@pytest.mark.parametrize("purpose", list(EARLIER), ids=lambda purpose: purpose.salt)
def test_tokens_signed_before_and_now_read_both_ways(purpose):
    value = {"u": 7, "p": "abc", "i": False} if purpose is tokens.PASSWORD_RESET else "a random key"
    assert unsign(purpose, EARLIER[purpose].dumps(value)) == value
    assert EARLIER[purpose].loads(sign(purpose, value)) == value


def test_a_token_made_for_one_purpose_passes_for_no_other():
    token = sign(tokens.REGISTRATION_LINK, "key")
    for purpose in (tokens.PUBLIC_LINK, tokens.PASSWORD_RESET, tokens.FORM_STARTED):
        with pytest.raises(BadToken):
            unsign(purpose, token)


def test_forged_and_expired_tokens_are_refused():
    token = sign(tokens.REGISTRATION_LINK, "key")
    assert unsign(tokens.REGISTRATION_LINK, token, max_age=60) == "key"
    with pytest.raises(TokenExpired):
        unsign(tokens.REGISTRATION_LINK, token, max_age=-1)
    with pytest.raises(BadToken):
        unsign(tokens.REGISTRATION_LINK, token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])
    with pytest.raises(BadToken):
        unsign(tokens.PUBLIC_LINK, "")
    with pytest.raises(ValueError):  # an untimed token cannot be read as if it could expire
        unsign(tokens.PUBLIC_LINK, sign(tokens.PUBLIC_LINK, "key"), max_age=60)
