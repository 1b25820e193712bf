"""Travel support forms: the application, the claim with receipts, and the organizers' decisions."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, RadioField, SelectField
from wtforms.widgets import TextInput
from wtforms.validators import InputRequired, NumberRange, Optional

from lsi_assembly.core.forms import FiniteDecimalField, options, text_field
from lsi_assembly.travel.models import CURRENCIES, CostKind
from lsi_assembly.travel.receipts import MAX_RECEIPT_BYTES, MAX_RECEIPTS

#: Largest amount one field takes (in any currency: some count in thousands for a flight).
MAX_AMOUNT = Decimal("10000000")
CENT = Decimal("0.01")


class MoneyField(FiniteDecimalField):
    """An amount with two decimals, written with a point or a comma, spaces allowed ("1 250,50"): a text
    input with the decimal keypad (a number input refuses the comma in browsers set to English)."""

    widget = TextInput()

    def __init__(self, label, required: bool = False, **kwargs) -> None:
        validators = [InputRequired(message=_l("Please fill in this field."))] if required else [Optional()]
        validators.append(NumberRange(min=0, max=MAX_AMOUNT, message=_l(
            "Please give an amount between 0 and 10,000,000.")))
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **kwargs.pop("render_kw", {})}
        super().__init__(label, places=2, validators=validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist) -> None:
        if valuelist:
            text = "".join(str(valuelist[0]).split()).replace("\u202f", "").replace("\u00a0", "")
            if "," in text and "." not in text:
                text = text.replace(",", ".")
            valuelist = [text]
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal):
            self.data = self.data.quantize(CENT, rounding=ROUND_HALF_UP)


def _kind_fields(prefix: str, labels: dict) -> dict:
    return {f"{prefix}_{kind}": MoneyField(labels[kind]) for kind in CostKind}


_ESTIMATE_LABELS = {
    CostKind.TRAVEL: _l("Travel (train, plane, bus)"),
    CostKind.ACCOMMODATION: _l("Accommodation"),
    CostKind.VISA: _l("Visa fees"),
    CostKind.OTHER: _l("Other costs"),
}


class ApplicationForm(FlaskForm):
    """The person's estimate of their costs, the route and why they ask."""

    page_order = ("currency", "estimated_travel", "estimated_accommodation", "estimated_visa", "estimated_other",
                  "route", "reason")

    currency = SelectField(_l("Currency"), choices=options((code, code) for code in CURRENCIES), default="EUR",
                           description=_l("The currency of the amounts below. Organizers decide in euros."),
                           render_kw={"autocomplete": "transaction-currency"})
    estimated_travel = MoneyField(_ESTIMATE_LABELS[CostKind.TRAVEL])
    estimated_accommodation = MoneyField(_ESTIMATE_LABELS[CostKind.ACCOMMODATION])
    estimated_visa = MoneyField(_ESTIMATE_LABELS[CostKind.VISA])
    estimated_other = MoneyField(_ESTIMATE_LABELS[CostKind.OTHER])
    route = text_field(_l("Route"), 300, required=True, render_kw={"autocomplete": "off"},
                       description=_l("From where to the Assembly, and how (for example: Chisinau – Paris, flight)."))
    reason = text_field(_l("Why do you ask for support?"), 1000, required=True, multiline=True,
                        render_kw={"rows": 3, "autocomplete": "off"},
                        description=_l("A few words: for example, your organization cannot cover the trip."))

    def estimates(self) -> dict[str, Decimal]:
        return {kind: getattr(self, f"estimated_{kind}").data or Decimal("0") for kind in CostKind}


class ClaimForm(FlaskForm):
    """What was spent, by kind (in the request's currency), with the receipts."""

    page_order = ("claimed_travel", "claimed_accommodation", "claimed_visa", "claimed_other", "receipts")

    claimed_travel = MoneyField(_ESTIMATE_LABELS[CostKind.TRAVEL])
    claimed_accommodation = MoneyField(_ESTIMATE_LABELS[CostKind.ACCOMMODATION])
    claimed_visa = MoneyField(_ESTIMATE_LABELS[CostKind.VISA])
    claimed_other = MoneyField(_ESTIMATE_LABELS[CostKind.OTHER])
    receipts = MultipleFileField(
        _l("Receipts"), render_kw={"accept": "application/pdf,image/jpeg,image/png"},
        description=_l("PDF files or JPEG or PNG photos, at most %(count)d files of %(size)d MB each.",
                       count=MAX_RECEIPTS, size=MAX_RECEIPT_BYTES // (1024 * 1024)))

    def amounts(self) -> dict[str, Decimal]:
        return {kind: getattr(self, f"claimed_{kind}").data or Decimal("0") for kind in CostKind}


class BudgetForm(FlaskForm):
    """The event's travel support budget."""

    amount = MoneyField(_l("Budget (EUR)"), required=True)


class DecisionForm(FlaskForm):
    """Grant an amount in euros with conditions, or decline with a reason."""

    page_order = ("decision", "granted_eur", "conditions", "decline_reason")

    decision = RadioField(_l("Decision"), choices=options([("grant", _l("Grant")), ("decline", _l("Decline"))]),
                          validators=[InputRequired(message=_l("Please choose grant or decline."))])
    granted_eur = MoneyField(_l("Amount granted (EUR)"),
                             description=_l("In euros, whatever the currency of the request."))
    conditions = text_field(_l("Conditions"), 1000, multiline=True, render_kw={"rows": 2, "autocomplete": "off"},
                            description=_l("Optional. For example: economy class only; original tickets needed."))
    decline_reason = text_field(_l("Reason for declining"), 1000, multiline=True,
                                render_kw={"rows": 2, "autocomplete": "off"},
                                description=_l("Sent to the person when the request is declined."))

    def validate(self, extra_validators=None) -> bool:
        """Also require the amount for a grant and the reason for a decline (an empty optional field
        stops its own validators, so the check is made here)."""
        valid = super().validate(extra_validators)
        if self.decision.data == "grant" and not self.granted_eur.errors and not self.granted_eur.data:
            self.granted_eur.errors = [*self.granted_eur.errors, _l("Give the amount granted, in euros.")]
            valid = False
        if self.decision.data == "decline" and not self.decline_reason.data:
            self.decline_reason.errors = [*self.decline_reason.errors,
                                          _l("Say why the request is declined: the person reads it.")]
            valid = False
        return valid


class PaymentForm(FlaskForm):
    """The payment of a claim: amount in euros and the date."""

    page_order = ("paid_eur", "paid_on")

    paid_eur = MoneyField(_l("Amount paid (EUR)"), required=True)
    paid_on = DateField(_l("Paid on"), validators=[InputRequired(message=_l("Please give the date of the payment."))],
                        render_kw={"autocomplete": "off"})
