"""What other packages hear about registrations: named signals (blinker, as Flask's own signals).

``participants_changed`` is sent by ``services.change_status`` and ``services.change_days`` (once for
a group of changes, see ``services.participant_changes``), inside the transaction that made the
changes, after they are flushed. Its sender is the ``Event``; ``participant_ids`` lists the
participants whose status, days, organization or category changed (or who were created). Receivers do their work in the same
transaction (they flush, and queue mail in the outbox, which leaves after the commit); they never
commit. ``workshops.seats`` subscribes: seats follow statuses and days; so does ``assembly.services``
(``cards_follow_participants``): voting cards follow their holders.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Participants' status or days changed: ``participants_changed.send(event, participant_ids=[...])``.
participants_changed = _signals.signal("participants-changed")
