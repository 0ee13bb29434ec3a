"""Memory-aware extraction (issue 9, deliver 3): before writing, memd reads the file it is about
to change and recognises keys and entities in every layout mem-agent memories use (`- key: value`,
`- **Key**: value`, `[[x.md]]` links); an update changes the existing line in place, in the file's
own style. Memories are written through the writer first (memd's own lines, as after an import)."""

from __future__ import annotations

from memd import api
from memd.state import Source
from memd.vault.operations import CreateFile

MEM_AGENT_USER = """# Ana Maria Silva

## Basic Information
- **Age**: 31
- **Occupation**: Electrician
- **Expertise**: Mechanical Systems
- **Favorite Food**: Feijoada
- **Languages Spoken**: Portuguese and basic Spanish

## Relationships
- **Shares_Resources_With**: [[carlos_mendes.md]]
- **Member_Of**: [[favela_lighting_collective.md]]
"""
CARLOS = "# Carlos Henrique Mendes\n\n## Basic Information\n- **Age**: 29\n\n## Relationships\n- **Shares_Resources_With**: [[ana_silva.md]]\n"


def build(app, files: dict[str, str]) -> None:
    for rel, text in files.items():
        assert app.writer.apply(CreateFile(f"memory/{rel}", text), Source("test")).status == "applied"


def read(vault, rel="user.md") -> str:
    return (vault / "memory" / rel).read_text(encoding="utf-8")


def test_expertise_updated_in_place_in_the_files_style(app, vault):
    build(app, {"user.md": MEM_AGENT_USER, "entities/carlos_mendes.md": CARLOS})
    api.remember(app, "My specialization has shifted from Mechanical Systems to Renewable Energy Systems.")
    text = read(vault)
    lines = text.splitlines()
    # Same place, same layout; the old value moves to History in the same layout.
    assert lines[lines.index("## Basic Information") + 3] == "- **Expertise**: Renewable Energy Systems"
    assert "- **Expertise**: Mechanical Systems" not in text
    assert text.split("## History")[1].strip().startswith("- **Previous Expertise**: Mechanical Systems")
    # Nothing else moved: above the new History section, the file is the old one with one line changed.
    head = text.split("## History")[0].rstrip("\n") + "\n"
    assert head == MEM_AGENT_USER.replace("Mechanical Systems", "Renewable Energy Systems")


def test_correction_finds_the_line_by_its_old_value(app, vault):
    build(app, {"user.md": MEM_AGENT_USER})
    api.remember(app, "I need to fix my profile - my favorite food is actually Paella, not Feijoada.")
    assert "- **Favorite Food**: Paella" in read(vault)
    api.remember(app, "I'm actually 32 now, not 31.")
    assert "- **Age**: 32" in read(vault) and "- **Age**: 31" not in read(vault)


def test_a_link_line_gets_a_link_to_the_new_entity_which_links_back(app, vault):
    build(app, {"user.md": MEM_AGENT_USER, "entities/carlos_mendes.md": CARLOS})
    api.remember(app, "I'm no longer sharing resources with Carlos Mendes, I've started sharing resources "
                      "with Dr. Elena Rodriguez instead.")
    text = read(vault)
    assert "[[carlos_mendes.md]]" not in text.split("## History")[0]
    [line] = [l for l in text.splitlines() if l.startswith("- **Shares_Resources_With**")]
    target = line.split("[[")[1].rstrip("]")
    assert "/" not in target  # the file's own link style: [[x.md]], not [[entities/x.md]]
    entity = (vault / "memory/entities" / target).read_text(encoding="utf-8")
    assert entity.startswith("# Dr. Elena Rodriguez") and "[[user.md]]" in entity
    assert read(vault, "entities/carlos_mendes.md") == CARLOS  # the old entity is kept as it was


def test_an_existing_organisation_is_updated(app, vault):
    build(app, {"user.md": "# User Information\n- member_of: [[entities/clay_creek_co_op.md]]\n",
                "entities/clay_creek_co_op.md": "# Clay Creek Co-op\n- kiln: Skutt KM-1027\n"})
    api.remember(app, "Clay Creek Co-op switched from the Skutt KM-1027 to the L&L e23T.")
    coop = read(vault, "entities/clay_creek_co_op.md")
    assert "- kiln: L&L e23T" in coop and "switched from the Skutt KM-1027" in coop
    assert not (vault / "memory/entities/clay_creek_co_op_1.md").exists()
    api.remember(app, "Clay Creek Co-op switched kilns.")
    assert "switched kilns" in read(vault, "entities/clay_creek_co_op.md")


def test_hand_written_mem_agent_line_goes_to_review(app, vault):
    (vault / "memory").mkdir()
    (vault / "memory/user.md").write_text(MEM_AGENT_USER, encoding="utf-8")
    api.remember(app, "My specialization has shifted from Mechanical Systems to Renewable Energy Systems.")
    assert read(vault) == MEM_AGENT_USER
    [item] = app.review_list()
    assert item["current"] == "- **Expertise**: Mechanical Systems"
    assert item["proposed"] == "- **Expertise**: Renewable Energy Systems"
