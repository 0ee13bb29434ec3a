"""Updates read against the memory they change (issue 9, items 2 and 3): implied changes of a key
memory holds, relations read from their verb, the second hop, and the new entity written in the
memory's own layout. Real vaults in temp dirs, written through the writer; `memd remember`'s path
(api.remember, rules backend)."""

from __future__ import annotations

from memd import api
from memd.extract import update_match
from memd.state import Source
from memd.vault.memfile import MemoryDoc
from memd.vault.operations import CreateFile

USER = """# Ines Duarte

## Basic Information
- **Age**: 41
- **Passion**: Sailing
- **Occupation**: Line Cook
- **Certifications**: CPR, Food Hygiene
- **Education**: BSc in Chemistry from Leeds

## Relationships
- **Manages**: [[harbor_cafe.md]]
- **Supervises**: [[dr_lena_park.md]]
"""
HARBOR = "# Harbor Cafe\n\n## Basic Information\n- **Type**: Entity\n\n## Relationships\n- **Manages**: [[ines_duarte.md]]\n"
LENA = "# Dr. Lena Park\n\n## Basic Information\n- **Type**: Person\n"


def build(app, files: dict[str, str]) -> None:
    for rel, text in files.items():
        assert app.writer.apply(CreateFile(f"memory/{rel}", text), Source("test")).status == "applied"


def read(vault, rel: str = "user.md") -> str:
    return (vault / "memory" / rel).read_text(encoding="utf-8")


def current(text: str) -> str:
    return text.split("## History")[0]


def base(app) -> None:
    build(app, {"user.md": USER, "entities/harbor_cafe.md": HARBOR, "entities/dr_lena_park.md": LENA})


def test_an_implied_change_replaces_the_line_in_place_and_keeps_history(app, vault):
    base(app)
    api.remember(app, "These days, ceramics has become my true calling.")
    text = read(vault)
    lines = text.splitlines()
    assert lines[4] == "- **Passion**: Ceramics"  # same place, same layout (capitalised, as the file writes values)
    assert "Sailing" not in current(text)
    assert "- **Previous Passion**: Sailing" in text.split("## History")[1]
    # Everything else is byte-identical.
    assert current(text).rstrip("\n") + "\n" == USER.replace("**Passion**: Sailing", "**Passion**: Ceramics")


def test_an_implied_change_of_a_key_memory_lacks_writes_nothing(app, vault):
    base(app)
    before = read(vault)
    api.remember(app, "Honestly, Pad Thai - easily my favorite dish these days.")
    assert read(vault) == before


def test_a_plural_key_gains_an_item_instead_of_losing_the_others(app, vault):
    base(app)
    api.remember(app, "Finally put my Wilderness First Responder certification to use on the trail.")
    assert "- **Certifications**: CPR, Food Hygiene, Wilderness First Responder" in read(vault)
    assert "## History" not in read(vault)  # nothing was replaced


def test_another_degree_is_not_a_correction_of_the_one_memory_holds(app, vault):
    base(app)
    api.remember(app, "My MSc in Data Science has opened a lot of doors for me.")
    assert "- **Education**: BSc in Chemistry from Leeds" in current(read(vault))
    api.remember(app, "My BSc in Biochemistry from Leeds helps every day in the lab.")
    text = read(vault)
    assert "- **Education**: BSc in Biochemistry from Leeds" in current(text)
    assert "BSc in Chemistry from Leeds" in text.split("## History")[1]


def test_two_lines_that_could_be_meant_are_left_alone(app, vault):
    build(app, {"user.md": "# Ines\n\n## Basic Information\n- **Occupation**: Nurse\n- **Community Role**: Treasurer\n"})
    before = read(vault)
    api.remember(app, "I'm enjoying my new role as Board Chair more than I expected.")
    assert "- **Occupation**: Nurse" in read(vault) and "- **Community Role**: Treasurer" in read(vault)
    assert "Board Chair" not in read(vault) or read(vault) == before


def test_a_relation_read_from_its_verb_links_a_new_entity_in_the_memorys_layout(app, vault):
    base(app)
    api.remember(app, "My new role managing the Pier Street Bakery is a big step up from before.")
    text = current(read(vault))
    assert "- **Manages**: [[pier_street_bakery.md]]" in text  # the file's own bare link style
    assert "harbor_cafe" not in text
    assert read(vault, "entities/pier_street_bakery.md") == (
        "# Pier Street Bakery\n\n## Basic Information\n- **Type**: Entity\n\n## Relationships\n"
        "- **Manages**: [[user.md]]\n")
    assert read(vault, "entities/harbor_cafe.md") == HARBOR  # the old entity is kept as it was


def test_a_relation_without_a_sign_of_change_is_left_alone(app, vault):
    base(app)
    before = read(vault)
    api.remember(app, "Had a lovely afternoon managing the Pier Street Bakery.")
    assert "[[harbor_cafe.md]]" in current(read(vault))
    assert not (vault / "memory/entities/pier_street_bakery.md").exists()
    # Every line memory held is still there (the general rules may note the afternoon as an event).
    assert "## History" not in read(vault) and set(before.splitlines()) <= set(read(vault).splitlines())


def test_a_person_is_not_replaced_by_a_thing(app, vault):
    base(app)
    api.remember(app, "The Westside Pump Station has been running well under my supervision since the new valves went in.")
    assert "- **Supervises**: [[dr_lena_park.md]]" in read(vault)
    assert not (vault / "memory/entities/westside_pump_station.md").exists()
    api.remember(app, "Dr. Omar Haddad has been thriving under my supervision since he joined as my new resident.")
    assert "- **Supervises**: [[dr_omar_haddad.md]]" in current(read(vault))
    assert "- **Type**: Person" in read(vault, "entities/dr_omar_haddad.md")


def test_second_hop_changes_the_linked_entity_and_links_back(app, vault):
    build(app, {
        "user.md": "# Ines\n\n## Relationships\n- **Friend**: [[nadia_rahim.md]]\n",
        "entities/nadia_rahim.md": "# Nadia Rahim\n\n## Basic Information\n- **Type**: Person\n\n## Relationships\n"
                                   "- **Volunteers_At**: [[city_shelter.md]]\n",
    })
    api.remember(app, "Nadia Rahim is now volunteering at the Eastside Food Bank instead of the City Shelter.")
    nadia = read(vault, "entities/nadia_rahim.md")
    assert "- **Volunteers_At**: [[eastside_food_bank.md]]" in current(nadia)
    assert "city_shelter" in nadia.split("## History")[1]
    assert "- **Volunteers_At**: [[nadia_rahim.md]]" in read(vault, "entities/eastside_food_bank.md")


def test_second_hop_about_someone_memory_does_not_know_writes_nothing(app, vault):
    build(app, {"user.md": "# Ines\n\n## Basic Information\n- **Age**: 35\n"})
    api.remember(app, "Harbor Rowing Club is no longer sponsored by Vela Bank, but is now sponsored by Norte Credit.")
    assert sorted(p.name for p in (vault / "memory").rglob("*.md")) == ["user.md"]


def test_a_restated_value_replaces_the_line_whole(app, vault):
    build(app, {"user.md": "# Ines\n\n## Basic Information\n- **Education**: MSc in Chemistry from EPFL, Lausanne\n"})
    api.remember(app, "I actually completed my MSc in Physics from ETH, not from EPFL, Lausanne.")
    text = current(read(vault))
    assert "- **Education**: MSc in Physics from ETH" in text
    assert "EPFL" not in text and "Chemistry" not in text


def test_system_shows_but_actually(app, vault):
    build(app, {"user.md": "# Ines\n\n## Basic Information\n- **Years Of Service**: 8\n"})
    api.remember(app, "The system shows I have 8 years of service, but I actually have 12 years of experience.")
    assert "- **Years Of Service**: 12" in current(read(vault))


def test_a_hand_written_line_goes_to_review_not_overwritten(app, vault):
    base(app)
    # The user edits the Passion line by hand: memd did not write that value.
    path = vault / "memory/user.md"
    path.write_text(path.read_text(encoding="utf-8").replace("**Passion**: Sailing", "**Passion**: Sailing, mostly"),
                    encoding="utf-8")
    app.index.scan()
    result = api.remember(app, "These days, ceramics has become my true calling.")
    assert "- **Passion**: Sailing, mostly" in read(vault)
    [write] = [w for d in result["decisions"] for w in d["writes"]]
    assert write["status"] == "review" and write["review_id"] and "by hand" in write["reason"]


def test_line_matching_rules():
    doc = MemoryDoc.parse("# A\n- **First Name**: Robert\n- **Last Name**: Kline\n- **Community Role**: X\n"
                          "- **Maintains**: [[sonar.md]]\n- **Educational Background**: Diploma in Art\n")
    assert [f.norm_key for f in update_match.lines_for(doc, "first_name")] == ["first_name"]
    assert [f.norm_key for f in update_match.lines_for(doc, "role")] == ["community_role"]
    assert [f.norm_key for f in update_match.lines_for(doc, "maintains")] == ["maintains"]
    assert update_match.lines_for(doc, "role") and not update_match.lines_for(doc, "supervises")
    line, why = update_match.line_for(doc, "education", "BSc in Biology")
    assert line is None and "another degree" in why
    assert update_match.kind_of_name("Dr. Sarah Chen") == "person"
    assert update_match.kind_of_name("Genesis Array") == "thing"
    assert update_match.kind_of_name("Maria Fernandez") is None


SISTER = {"user.md": "# User Information\n- user_name: Ines\n\n## User Relationships\n- sister: [[entities/anna.md]]\n",
          "entities/anna.md": "# Anna\n- employer: Acme\n- living_location: Milan\n"}


def test_a_relatives_fact_goes_to_the_file_user_md_links(app, vault):
    build(app, SISTER)
    api.remember(app, "My sister's new job is at Globex.")
    anna = read(vault, "entities/anna.md")
    assert "- employer: Globex" in current(anna) and "Acme" in anna.split("## History")[1]
    assert read(vault) == SISTER["user.md"]  # nothing under a prefixed key on the user


def test_two_sisters_keep_the_fact_on_the_user(app, vault):
    build(app, {"user.md": "# User Information\n- sister: [[entities/anna.md]]\n- sister: [[entities/bea.md]]\n",
                "entities/anna.md": "# Anna\n- employer: Acme\n", "entities/bea.md": "# Bea\n- employer: Initech\n"})
    api.remember(app, "My sister's new job is at Globex.")
    assert read(vault, "entities/anna.md") == "# Anna\n- employer: Acme\n"
    assert read(vault, "entities/bea.md") == "# Bea\n- employer: Initech\n"
    assert "sister_employer: Globex" in read(vault)


def test_moved_on_changes_the_line_holding_the_old_value(app, vault):
    build(app, {"user.md": "# User Information\n- hobbies: astronomy\n- living_location: Porto\n"})
    api.remember(app, "I've moved on from astronomy, I'm all about urban beekeeping now.")
    text = current(read(vault))
    assert "- hobbies: urban beekeeping" in text and "- hobbies: astronomy" not in text
    assert "- living_location: Porto" in text and "- previous_hobbies: astronomy" in read(vault).split("## History")[1]


def test_the_new_value_is_written_as_the_line_writes_values(app, vault):
    build(app, {"user.md": "# Ines\n\n## Basic Information\n- **Shift**: Morning\n- **Music Preference**: Classical\n"})
    api.remember(app, "I need to update my work schedule - I've switched from the morning shift to the evening shift.")
    api.remember(app, "I need to correct my music preference - I've actually developed a strong preference for Jazz "
                      "music, not Classical as currently listed.")
    text = current(read(vault))
    assert "- **Shift**: Evening" in text and "- **Music Preference**: Jazz" in text


def test_a_heading_word_is_no_new_key_beside_the_line_meant(app, vault):
    build(app, {"user.md": "# Ines\n\n## Basic Information\n- **Has Children**: True\n"})
    api.remember(app, "I need to correct my family information - I actually have 2 children now, not just the "
                      "general 'has children' status.")
    text = read(vault)
    assert "- **Has Children**: 2" in text and "Family" not in text


def test_an_implied_change_about_someone_memory_lacks_makes_no_file(app, vault):
    from memd.extract.apply import apply_items
    from memd.extract.tools import MemoryItem

    build(app, {"user.md": "# Ines\n\n## Basic Information\n- **Passion**: Sailing\n"})
    item = MemoryItem("passion", "LongTermMemory", "ceramics", ["update", "only_if_key"], entity="Caroline")
    out = apply_items(app, [item], Source("test"))
    assert [r.status for r in out.results] == ["noop"]
    assert sorted(p.name for p in (vault / "memory").rglob("*.md")) == ["user.md"]
