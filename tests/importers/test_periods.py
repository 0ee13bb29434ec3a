from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from memd.importers.model import Conversation, Turn
from memd.importers.periods import split_by_month


def at(month, day, hour=12):
    return datetime(2024, month, day, hour, tzinfo=timezone.utc)


def chat(turns):
    return Conversation(source="whatsapp", source_id="family", title="Family", turns=turns,
                        created=turns[0].time, participants=["Ana", "Bob"], metadata={"date_order": "DMY"})


def test_one_month_is_left_alone():
    conv = chat([Turn("a", "user", "hi", time=at(1, 1)), Turn("b", "other", "yo", time=at(1, 31))])
    assert split_by_month(conv) == [conv]


def test_split_keeps_turn_ids_and_dates():
    conv = chat([Turn("a", "system", "created", time=None), Turn("b", "user", "hi", time=at(1, 31, 23)),
                 Turn("c", "other", "undated reply"), Turn("d", "other", "yo", time=at(3, 1))])
    jan, mar = split_by_month(conv)
    assert (jan.source_id, jan.title, [t.id for t in jan.turns]) == ("family@2024-01", "Family (2024-01)", ["a", "b", "c"])
    assert (mar.source_id, [t.id for t in mar.turns]) == ("family@2024-03", ["d"])
    assert jan.created == jan.updated == at(1, 31, 23)
    assert mar.metadata == {"date_order": "DMY", "part_of": "family", "month": "2024-03"}
    # In Amsterdam the 23:00 UTC message already belongs to February (and the undated turn
    # before it goes with it).
    feb, _ = split_by_month(conv, tz=ZoneInfo("Europe/Amsterdam"))
    assert (feb.source_id, [t.id for t in feb.turns]) == ("family@2024-02", ["a", "b", "c"])
