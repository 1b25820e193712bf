"""The General Assembly itself: statutory sessions, mandates, proxies, the hall's door, the quorum,
recorded quorums and vote results, voting cards.

``quorum`` is the pure core (no Flask, no SQLAlchemy); ``services`` changes the data; ``cli`` is the
``flask assembly`` command group. Voting cards: ``card_layout`` places and fits their texts (pure, on
the badge engine's layout), ``card_printing`` prints them, ``cards_views`` is the organizers' page.
"""
