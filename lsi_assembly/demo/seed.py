"""``flask seed-demo``: a sample Assembly with member organizations and delegates.

Everything it creates is marked as sample data. It is idempotent: run again, it changes nothing.
The event is placed on the next 24-26 June and its registration stays open, so the demo works on any day.
"""
from __future__ import annotations

import csv
import random
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from importlib.resources import files
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from lsi_assembly.accommodation.models import Hotel, RoomBlock, RoomRequest, RoomType, Sharing
from lsi_assembly.accommodation.services import possible_nights
from lsi_assembly.assembly.services import add_session, give_proxy, set_mandate
from lsi_assembly.auth.models import Role
from lsi_assembly.auth.services import create_user, find_user
from lsi_assembly.badges.services import new_code
from lsi_assembly.core.database import utcnow
from lsi_assembly.documents.services import new_code as new_verification_code
from lsi_assembly.events.models import Event, EventDay
from lsi_assembly.extensions import db
from lsi_assembly.organizations.models import Membership, Organization
from lsi_assembly.public.models import AttendeeStatus, PublicAttendee, PublicEvent
from lsi_assembly.public.services import set_status
from lsi_assembly.registration.links import new_access_key
from lsi_assembly.registration.models import PLACE_HOLDING, Category, Diet, Participant, Status
from lsi_assembly.registration.services import change_status, participant_changes
from lsi_assembly.travel.models import TravelBudget, TravelRequest, TravelStatus
from lsi_assembly.visas.models import CostCover, Letterhead, LetterStatus, VisaLetter
from lsi_assembly.visas.services import reference_for
from lsi_assembly.workshops.models import Preference, Room, TimeSlot, Workshop, WorkshopRun

DEMO_ORGANIZER_EMAIL = "organizer@example.org"
DEMO_ORGANIZER_PASSWORD = "assembly-demo"

#: 33 fictional member organizations in 24 countries (name, ISO country code).
SAMPLE_ORGANIZATIONS = [
    ("Sample: Association for Freedom from Exploitation", "AT"),
    ("Sample: Payoke Network", "BE"),
    ("Sample: Animus Safe House Foundation", "BG"),
    ("Sample: Centre Against Forced Labour Prague", "CZ"),
    ("Sample: Brno Migrant Rights Clinic", "CZ"),
    ("Sample: KOK Counselling Alliance", "DE"),
    ("Sample: Ban Ying Support Centre", "DE"),
    ("Sample: Reden Shelter Copenhagen", "DK"),
    ("Sample: Living for Tomorrow", "EE"),
    ("Sample: Proyecto Esperanza Madrid", "ES"),
    ("Sample: Comité de soutien aux victimes (démo)", "FR"),
    ("Sample: ALC Nice Network", "FR"),
    ("Sample: A21 Thessaloniki Desk", "GR"),
    ("Sample: Hope Athens", "GR"),
    ("Sample: Hungarian Baptist Aid Anti-Trafficking Unit", "HU"),
    ("Sample: Ruhama Dublin", "IE"),
    ("Sample: On the Road Cooperative", "IT"),
    ("Sample: Associazione Lule", "IT"),
    ("Sample: Klaipėda Social and Psychological Centre", "LT"),
    ("Sample: Caritas Vilnius Victim Support", "LT"),
    ("Sample: Open Gate Skopje", "MK"),
    ("Sample: CoMensha Amsterdam", "NL"),
    ("Sample: Fairwork Utrecht", "NL"),
    ("Sample: Pro Sentret Oslo", "NO"),
    ("Sample: Strada Warsaw Foundation", "PL"),
    ("Sample: Kraków Labour Rights Centre", "PL"),
    ("Sample: APF Porto", "PT"),
    ("Sample: ADPARE Bucharest", "RO"),
    ("Sample: Astra Belgrade", "RS"),
    ("Sample: Ekvilib Ljubljana", "SI"),
    ("Sample: Mondo Istanbul", "TR"),
    ("Sample: Kyiv Hotline for Migrants", "UA"),
    ("Sample: Kharkiv Women's Perspectives", "UA"),
]

SAMPLE_LANGUAGES = {
    "AT": "German", "BE": "Dutch", "BG": "Bulgarian", "CZ": "Czech", "DE": "German", "DK": "Danish",
    "EE": "Estonian", "ES": "Spanish", "FR": "French", "GR": "Greek", "HU": "Hungarian", "IE": "Irish",
    "IT": "Italian", "LT": "Lithuanian", "LV": "Latvian", "MK": "Macedonian", "NL": "Dutch",
    "NO": "Norwegian", "PL": "Polish", "PT": "Portuguese", "RO": "Romanian", "RS": "Serbian",
    "SI": "Slovene", "TR": "Turkish", "UA": "Ukrainian", "GB": "English", "HR": "Croatian",
    "IS": "Icelandic", "XK": "Albanian",
}


def _script(text: str) -> str:
    return unicodedata.name(text[0], "LATIN").split()[0]


def sample_names(count: int) -> list[tuple[str, str, str]]:
    """Return ``count`` distinct (given, family, country) names, mixing the shipped list within each script."""
    with files("lsi_assembly.demo").joinpath("names.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_script: dict[str, list[dict]] = {}
    for row in rows:
        by_script.setdefault(_script(row["given_name"]), []).append(row)
    names: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for shift in range(len(rows)):
        for row in rows:
            group = by_script[_script(row["given_name"])]
            family = group[(group.index(row) + shift) % len(group)]["family_name"]
            if (row["given_name"], family) in seen:
                continue
            seen.add((row["given_name"], family))
            names.append((unicodedata.normalize("NFC", row["given_name"]),
                          unicodedata.normalize("NFC", family), row["country"]))
            if len(names) == count:
                return names
    return names


def next_assembly_days(today: date) -> list[date]:
    """Return the next 24, 25 and 26 June that are still ahead of ``today``."""
    year = today.year if today < date(today.year, 6, 24) else today.year + 1
    return [date(year, 6, 24), date(year, 6, 25), date(year, 6, 26)]


#: Registrations of the demo whose address is not confirmed yet (the most recent ones).
UNCONFIRMED_COUNT = 3


def seed_demo(participant_count: int = 150, today: date | None = None) -> Event | None:
    """Create the sample Assembly in an empty database; return it, or None if any event exists."""
    if db.session.scalar(sa.select(Event.id).limit(1)) is not None:
        return None
    rng = random.Random(2026)
    days = next_assembly_days(today or date.today())
    event = Event(
        slug=f"ga-{days[0].year}",
        name=f"La Strada International General Assembly {days[0].year}",
        name_fr=f"Assemblée générale de La Strada International {days[0].year}",
        host="Comité Contre l'Esclavage Moderne (CCEM)",
        venue="Venue to be announced (sample data)",
        venue_fr="Lieu à annoncer (données d’exemple)",
        city="Paris",
        contact_email="assembly@example.org",
        registration_opens_at=utcnow() - timedelta(days=30),
        registration_closes_at=None,
        is_sample=True,
        badge_info="Venue: to be announced (sample data)\nWi-Fi: LSI-Assembly\n"
                   "Emergency in France: 112 · Organizers: +33 1 00 00 00 00 (sample)",
    )
    event.days = [EventDay(date=days[0], label="General Assembly", label_fr="Assemblée générale"),
                  EventDay(date=days[1], label="Public event and workshops",
                           label_fr="Évènement public et ateliers"),
                  EventDay(date=days[2], label="General Assembly", label_fr="Assemblée générale")]
    db.session.add(event)
    db.session.flush()

    organizations = [
        Organization(event_id=event.id, name=name, country=country, delegate_quota=rng.choice([3, 4, 4, 5]),
                     contact_email=f"contact{i:02d}@example.org", is_sample=True)
        for i, (name, country) in enumerate(SAMPLE_ORGANIZATIONS, start=1)
    ]
    db.session.add_all(organizations)
    db.session.flush()

    with participant_changes():  # one group: the seats (none yet) follow once
        _seed_participants(event, organizations, participant_count, days, rng)
    _seed_desk_flags(event, rng)
    _seed_programme(event, rng)
    _seed_public_event(event, rng)
    _seed_assembly(event, organizations, days, rng)
    _seed_journey(event, days, rng)
    if find_user(DEMO_ORGANIZER_EMAIL) is None:
        create_user(DEMO_ORGANIZER_EMAIL, DEMO_ORGANIZER_PASSWORD, Role.ORGANIZER, name="Demo organizer")
    db.session.flush()
    return event


def _seed_assembly(event: Event, organizations: list[Organization], days: list[date], rng: random.Random) -> None:
    """The statutory side: a few associate members and partners, two sessions, most full members'
    voting delegate and alternate, and two proxies (so the delegations page, the quorum and the voting
    cards have something to show)."""
    for organization in organizations[-4:-1]:
        organization.membership = Membership.ASSOCIATE
    organizations[-1].membership = Membership.PARTNER
    organizations[0].votes = 2
    db.session.flush()
    add_session(event, "Statutory session 1", days[0], starts_at=time(14), ends_at=time(17, 30))
    add_session(event, "Statutory session 2", days[2], starts_at=time(9, 30), ends_at=time(12, 30))
    full = [o for o in organizations if o.membership == Membership.FULL]
    confirmed: dict[int, list[Participant]] = {}
    for participant in db.session.scalars(sa.select(Participant).where(
            Participant.event_id == event.id, Participant.category == Category.DELEGATE,
            Participant.status == Status.CONFIRMED).order_by(Participant.id)):
        confirmed.setdefault(participant.organization_id, []).append(participant)
    named = []
    for organization in full:
        delegates = confirmed.get(organization.id, [])
        if delegates and rng.random() < 0.8:
            set_mandate(event, organization, delegates[0], delegates[1] if len(delegates) > 1 else None)
            named.append(organization)
    givers = [o for o in full if o not in named][:2]
    for giver, holder in zip(givers, named[:2]):
        give_proxy(event, giver, holder)


def _seed_journey(event: Event, days: list[date], rng: random.Random) -> None:
    """Getting delegates to Paris (issue 17) as the secretariat meets it weeks before: a letterhead, visa
    letter requests (one issued), a travel budget with requests, a hotel with two room blocks and requests
    for nights. No e-mail is sent; the passport data is invented and marked as such."""
    confirmed = list(db.session.scalars(sa.select(Participant).where(
        Participant.event_id == event.id, Participant.status == Status.CONFIRMED).order_by(Participant.id)))
    if len(confirmed) < 20:
        return
    chosen = rng.sample(confirmed, 20)
    db.session.add(Letterhead(event_id=event.id, address="La Strada International\nPostbus 15865\n"
                              "1001 NJ Amsterdam\nThe Netherlands (sample)",
                              signatory_name="Demo Director (sample)", signatory_title="Director"))
    # Passports spell names in Latin letters: the sample letters go to people whose names are written so.
    latin = [person for person in chosen if (person.given_name + person.family_name).isascii()]
    for number, person in enumerate(latin[:3]):
        letter = VisaLetter(event_id=event.id, participant_id=person.id, status=LetterStatus.REQUESTED,
                            passport_name=f"{person.given_name} {person.family_name}".upper(),
                            nationality=person.country or "UA", passport_number=f"SAMPLE{number + 1:04d}",
                            birth_date="1985-05-17", passport_expiry=f"{days[0].year + 4}-01-31",
                            consulate_city="Kyiv", consulate_country="UA")
        if number == 0:  # issued: its PDF from the personal link, /verify/<code> for the consulate
            letter.status, letter.number = LetterStatus.ISSUED, 1
            letter.reference, letter.code = reference_for(event, 1), new_verification_code()
            letter.costs, letter.language = CostCover.LSI_TRAVEL_ACCOMMODATION, "en"
            letter.issued_at, letter.issued_by = utcnow(), "assembly.organizer@example.org"
        db.session.add(letter)
    db.session.add(TravelBudget(event_id=event.id, amount_eur=Decimal("12000")))
    routes = ["Kyiv – Paris, train and bus", "Chișinău – Paris, flight", "Sofia – Paris, flight",
              "Sarajevo – Paris, bus", "Skopje – Paris, flight", "Minsk – Vilnius – Paris, bus and flight"]
    for index, person in enumerate(chosen[3:11]):
        travel = TravelRequest(event_id=event.id, participant_id=person.id, route=routes[index % len(routes)],
                               reason="Our organization has no travel budget this year (sample).",
                               estimated_travel=Decimal(rng.choice([180, 240, 320, 410])),
                               estimated_accommodation=Decimal(rng.choice([0, 240, 360])))
        if index < 3:
            travel.status, travel.granted_eur = TravelStatus.GRANTED, travel.estimated_travel
            travel.conditions, travel.decided_at = "Economy class; receipts within 30 days.", utcnow()
        elif index == 3:
            travel.status, travel.decided_at = TravelStatus.DECLINED, utcnow()
            travel.decline_reason = "The organization's own budget covers it (sample)."
        db.session.add(travel)
    hotel = Hotel(event_id=event.id, name="Hôtel du Canal (sample)", address="5 quai de Valmy, 75010 Paris")
    db.session.add(hotel)
    db.session.flush()
    nights = [night.isoformat() for night in possible_nights(event)]
    db.session.add_all([
        RoomBlock(hotel_id=hotel.id, room_type=RoomType.SINGLE, rooms=12, nights=nights, price=Decimal("118")),
        RoomBlock(hotel_id=hotel.id, room_type=RoomType.TWIN, rooms=8, nights=nights, price=Decimal("142"))])
    for index, person in enumerate(chosen[:16]):
        sharing = Sharing.ORGANIZATION if index % 3 == 0 else Sharing.ALONE
        db.session.add(RoomRequest(participant_id=person.id, check_in=days[0] - timedelta(days=1),
                                   check_out=days[-1], sharing=sharing))
    db.session.flush()


def _seed_participants(event: Event, organizations: list[Organization], participant_count: int, days: list[date],
                       rng: random.Random) -> None:
    """Sample registrations in every status, delegates within their quotas (the rest waitlisted)."""
    held: dict[int, int] = {}
    start = utcnow() - timedelta(days=28)
    for i, (given, family, country) in enumerate(sample_names(participant_count), start=1):
        organization = rng.choice(organizations)
        category = rng.choices(
            [Category.DELEGATE, Category.OBSERVER, Category.SPEAKER, Category.PRESS, Category.SECRETARIAT],
            weights=[80, 8, 5, 3, 4],
        )[0]
        created = start + timedelta(hours=4 * i + rng.randint(0, 3))
        status = rng.choices([Status.CONFIRMED, Status.PENDING, Status.CANCELLED], weights=[70, 25, 5])[0]
        if i > participant_count - UNCONFIRMED_COUNT:
            # The last few registered in the past day and have not confirmed their address yet.
            created = utcnow() - timedelta(hours=5 * (participant_count - i) + 1)
            status = Status.UNCONFIRMED
        if category == Category.DELEGATE and status in PLACE_HOLDING:
            if held.get(organization.id, 0) >= organization.delegate_quota:
                status = Status.WAITLISTED
            else:
                held[organization.id] = held.get(organization.id, 0) + 1
        member = category in (Category.DELEGATE, Category.OBSERVER) or rng.random() < 0.5
        attending = [d for d in event.days if rng.random() < 0.85] or [event.days[0]]
        participant = Participant(
            event_id=event.id,
            category=category,
            given_name=given,
            family_name=family,
            email=f"demo.participant{i:03d}@example.org",
            organization_id=organization.id if member else None,
            organization_name=None if member else "Independent (sample)",
            country=organization.country if member else country,
            job_title=rng.choice([None, "Programme coordinator", "Lawyer", "Social worker", "Director",
                                  "Outreach worker", "Researcher"]),
            arrival_date=days[0] - timedelta(days=1) if rng.random() < 0.6 else None,
            departure_date=days[-1] if rng.random() < 0.6 else None,
            dietary=rng.choice([[], [], [], [Diet.VEGETARIAN], [Diet.VEGAN], [Diet.HALAL],
                                [Diet.GLUTEN_FREE, Diet.VEGETARIAN]]),
            dietary_notes=rng.choice([None] * 8 + ["No mushrooms", "Severe sesame allergy"]),
            accessibility_needs=rng.choice([None] * 12 + ["Step-free access", "Hearing loop"]),
            languages=sorted({"English", SAMPLE_LANGUAGES.get(country, "English")}),
            list_consent=rng.random() < 0.8,
            photo_consent=rng.random() < 0.75,
            privacy_accepted_at=created,
            locale=rng.choice(["en", "en", "fr"]),
            access_key=new_access_key(),
            created_at=created,
            updated_at=created,
            email_confirmed_at=sa.null() if status == Status.UNCONFIRMED else created + timedelta(minutes=3 + i % 40),
            days=attending,
        )
        db.session.add(participant)
        change_status(participant, status, by="sample data", reason="sample", now=created)
    db.session.flush()


def _seed_public_event(event: Event, rng: random.Random) -> None:
    """The public event on the second day, open, with some people registered in each state."""
    local = ZoneInfo(event.timezone)
    day = event.days[1].date
    public_event = PublicEvent(
        event=event, title="Sport without exploitation: a public evening (sample)",
        description="Athletes, workers' unions and survivors speak about labour exploitation around big "
                    "sporting events. Open to everyone, free of charge. Interpretation English-French.",
        venue="Venue to be announced (sample data), Paris",
        title_fr="Le sport sans exploitation\u00a0: une soirée publique (exemple)",
        description_fr="Des athlètes, des syndicats et des survivantes et survivants parlent de "
                       "l’exploitation au travail autour des grands évènements sportifs. Ouvert à toutes "
                       "et à tous, gratuit. Interprétation anglais-français.",
        venue_fr="Lieu à annoncer (données d’exemple), Paris", capacity=120, no_show_percent=25, is_open=True,
        starts_at=datetime.combine(day, time(18, 0), local).astimezone(UTC),
        ends_at=datetime.combine(day, time(20, 30), local).astimezone(UTC))
    db.session.add(public_event)
    states = [AttendeeStatus.CONFIRMED] * 44 + [AttendeeStatus.UNCONFIRMED] * 4 + [AttendeeStatus.CANCELLED] * 3 + [
        AttendeeStatus.EXPIRED] * 2
    start = utcnow() - timedelta(days=6)
    for i, ((given, family, _country), status) in enumerate(zip(sample_names(len(states) + 400)[400:], states,
                                                                strict=True), start=1):
        created = start + timedelta(minutes=137 * i)
        attendee = PublicAttendee(
            public_event=public_event, name=f"{given} {family}",
            email=f"demo.public{i:03d}@example.org", affiliation=rng.choice([None, None, "Student", "Trade union"]),
            locale=rng.choice(["en", "fr", "fr"]), privacy_accepted_at=created, access_key=new_access_key(),
            ticket_code=new_code() if status == AttendeeStatus.CONFIRMED else None, created_at=created,
            confirm_by=created + timedelta(hours=24),
            confirmed_at=created + timedelta(minutes=5) if status == AttendeeStatus.CONFIRMED else None)
        set_status(attendee, status, created)
        db.session.add(attendee)


def _seed_desk_flags(event: Event, rng: random.Random) -> None:
    """A few notes for the check-in desk, and people whose needs the desk should see."""
    confirmed = list(db.session.scalars(sa.select(Participant).where(
        Participant.event_id == event.id, Participant.status == Status.CONFIRMED).order_by(Participant.id)))
    for participant in rng.sample(confirmed, min(3, len(confirmed))):
        participant.desk_note = "Collect your interpreter headset at the desk (sample note)"
    for participant in confirmed:
        if participant.accessibility_needs:
            participant.needs_at_desk = True


SAMPLE_DESCRIPTION = "Sample workshop: a description the organizers write."
SAMPLE_DESCRIPTION_FR = "Atelier d’exemple\u00a0: une description écrite par les organisateurs."
#: (title, title in French, facilitators, language) of the sample workshops.
SAMPLE_WORKSHOPS = [
    ("Labour exploitation at big sporting events",
     "L’exploitation au travail autour des grands évènements sportifs",
     "Suzanne Hoff, Marie Dubois", "English, French interpretation"),
    ("Supporting survivors: trauma-informed practice",
     "Accompagner les survivantes et survivants\u00a0: une pratique attentive au trauma",
     "Anna Nowak", "English"),
    ("Domestic work and exploitation in private homes",
     "Travail domestique et exploitation chez les particuliers",
     "Jiří Dvořák", "English"),
    ("Digital recruitment and online exploitation",
     "Recrutement numérique et exploitation en ligne",
     "Zsófia Kovács-Szőke", "English"),
    ("Legal remedies and compensation for victims",
     "Recours juridiques et indemnisation des victimes",
     "François L'Hôpital", "French, English interpretation"),
    ("Advocacy with the European institutions",
     "Plaidoyer auprès des institutions européennes",
     "Geert de Vries", "English"),
    ("Outreach to people in seasonal agriculture",
     "Aller vers les travailleuses et travailleurs agricoles saisonniers",
     "Ștefania Vlădescu", "English"),
]
#: (day index, start, end) of the sample workshop slots.
SAMPLE_SLOTS = [(0, time(14, 0), time(15, 30)), (0, time(16, 0), time(17, 30)), (1, time(10, 0), time(11, 30)),
                (2, time(10, 0), time(11, 30))]


def _seed_programme(event: Event, rng: random.Random) -> None:
    """A sample programme (four slots, three rooms, seven workshops, two held twice), choices open,
    and rankings from most confirmed participants, so seats can be assigned right away."""
    rooms = [Room(event_id=event.id, name=name, capacity=capacity, step_free=step_free)
             for name, capacity, step_free in (("Salle Olympe de Gouges", 40, True), ("Salle Victor Schœlcher", 25, True),
                                               ("Annexe", 15, False))]
    slots = [TimeSlot(event_id=event.id, day_id=event.days[day].id, starts_at=start, ends_at=end)
             for day, start, end in SAMPLE_SLOTS]
    workshops = [Workshop(event_id=event.id, title=title, title_fr=title_fr, facilitators=who,
                          language=language, description=SAMPLE_DESCRIPTION,
                          description_fr=SAMPLE_DESCRIPTION_FR)
                 for title, title_fr, who, language in SAMPLE_WORKSHOPS]
    db.session.add_all(rooms + slots + workshops)
    db.session.flush()
    plan = [(0, 0, 0), (1, 0, 1), (2, 0, 2), (3, 1, 0), (4, 1, 1), (0, 2, 0), (5, 2, 1), (6, 2, 2), (1, 3, 0),
            (3, 3, 1)]  # (workshop, slot, room): the first and second workshops run twice
    db.session.add_all(WorkshopRun(workshop_id=workshops[w].id, slot_id=slots[s].id, room_id=rooms[r].id,
                                   capacity=rooms[r].capacity) for w, s, r in plan)
    event.preferences_open = True
    popularity = [7, 6, 5, 4, 3, 2, 1]  # the first sample workshops are the most wanted
    confirmed = db.session.scalars(sa.select(Participant).where(
        Participant.event_id == event.id, Participant.status == Status.CONFIRMED).order_by(Participant.id))
    for participant in confirmed:
        if rng.random() < 0.15:
            continue  # some have not chosen yet: the reminder has someone to write to
        ranking: list[Workshop] = []
        while len(ranking) < rng.randint(3, 5):
            workshop = rng.choices(workshops, popularity)[0]
            if workshop not in ranking:
                ranking.append(workshop)
        db.session.add_all(Preference(participant_id=participant.id, workshop_id=w.id, rank=rank)
                           for rank, w in enumerate(ranking, start=1))


@click.command("seed-demo")
@click.option("--participants", default=150, show_default=True, help="How many sample participants.")
@with_appcontext
def seed_demo_command(participants: int) -> None:
    """Load the sample Assembly (idempotent) and print the demo organizer login."""
    event = seed_demo(participants)
    db.session.commit()
    if event is not None:
        click.echo(f"Loaded demo data: {event.name}, {len(SAMPLE_ORGANIZATIONS)} sample organizations, "
                   f"{participants} sample participants.")
    elif db.session.scalar(sa.select(Event.id).where(Event.is_sample.is_(False)).limit(1)) is not None:
        click.echo("The database already holds an event: demo data not loaded.")
        return
    else:
        click.echo("Demo data is already loaded; nothing changed.")
    if find_user(DEMO_ORGANIZER_EMAIL) is not None:
        click.echo(f"Demo organizer login: {DEMO_ORGANIZER_EMAIL} / {DEMO_ORGANIZER_PASSWORD}")
