"""Enums whose members carry the translatable label people read (as Indico's ``RichEnum.__titles__``)."""
from __future__ import annotations

import enum


class LabelledEnum(enum.StrEnum):
    """A string enum with a label per member, given by the class's ``__labels__`` mapping.

    ``__labels__`` maps each member (its value, in the class body) to a ``lazy_gettext`` string, so
    the label is translated when it is shown, in the language of that request::

        class Diet(LabelledEnum):
            VEGAN = "vegan"
            __labels__ = {VEGAN: _l("Vegan")}
    """

    __labels__: dict[str, str] = {}

    @property
    def label(self) -> str:
        """What a person reads for this member (a lazy string: translated when shown)."""
        return type(self).__labels__[self]

    @classmethod
    def label_of(cls, value):
        """Return the label of ``value`` (a member or its value), or ``value`` itself if it is none of them."""
        try:
            return cls(value).label
        except ValueError:
            return value

    @classmethod
    def choices(cls, members=None) -> list[tuple[str, str]]:
        """Return (value, label) pairs for a select: of ``members``, or of every member in order."""
        return [(member.value, member.label) for member in (cls if members is None else members)]
