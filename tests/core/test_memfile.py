"""The memory format: parsing facts and sections, and byte-exact rendering."""

from memd.vault.memfile import Edit, MemoryDoc, apply_edits, normalize_key


def test_render_is_byte_identical_for_any_text():
    samples = [
        "", "\n", "no newline", "a\r\nb\r\n", "a\nb", "---\ntitle: x\n---\n# T\n- k: v\n",
        "\ufeff# BOM title\n", "mixed\r\nendings\nhere", "tabs\t\n\n\n", "weird\rcarriage\n",
    ]
    for text in samples:
        assert MemoryDoc.parse(text).render() == text


def test_parses_user_file_in_the_mem_agent_standard():
    text = (
        "# User Information\n- user_name: John Doe\n- birth_date: 1990-01-01\n\n"
        "## User Relationships\n- company: [[entities/acme_corp.md]]\n- mother: [[entities/jane_doe.md]]\n"
    )
    doc = MemoryDoc.parse(text)
    assert doc.title == "User Information"
    assert [(f.norm_key, f.value, f.section) for f in doc.facts] == [
        ("user_name", "John Doe", None),
        ("birth_date", "1990-01-01", None),
        ("company", "[[entities/acme_corp.md]]", "User Relationships"),
        ("mother", "[[entities/jane_doe.md]]", "User Relationships"),
    ]


def test_nested_values_belong_to_their_fact():
    text = "# Team\n- major_clients:\n  - [[entities/a.md]]\n  - [[entities/b.md]]\n- lead: Ann\n"
    doc = MemoryDoc.parse(text)
    f = doc.facts_for("major_clients")[0]
    assert (f.index, f.end, f.value) == (1, 4, "")
    assert doc.facts_for("lead")[0].index == 4


def test_not_facts_urls_times_code_and_tasks():
    text = "# X\n- https://example.com\n- 10:30 standup\n- [ ] task: do it\n```\n- key: in code\n```\n- real: yes\n"
    doc = MemoryDoc.parse(text)
    assert [f.norm_key for f in doc.facts] == ["real"]


def test_frontmatter_facts_are_not_read_and_sections_start_after_it():
    text = "---\naliases: [Me]\nkey: value\n---\n# User Information\n- a: b\n"
    doc = MemoryDoc.parse(text)
    assert doc.fm_end == 4
    assert [f.norm_key for f in doc.facts] == ["a"]


def test_normalize_key():
    assert normalize_key("Living Location") == "living_location"
    assert normalize_key("livingLocation") == "living_location"
    assert normalize_key("  favourite-food ") == "favourite_food"


def test_insertion_point_skips_trailing_blank_lines():
    doc = MemoryDoc.parse("# T\n- a: 1\n\n\n## S\n- b: 2\n")
    assert doc.insertion_point(doc.sections[0]) == 2
    assert doc.insertion_point(doc.find_section("s")) == 6


def test_apply_edits_keeps_crlf_and_missing_final_newline():
    doc = MemoryDoc.parse("# T\r\n- a: 1")
    text, hunks = apply_edits(doc, [Edit(2, 2, ["- b: 2"])])
    assert text == "# T\r\n- a: 1\r\n- b: 2"
    assert hunks[0].old == [] and hunks[0].new == ["- b: 2"] and hunks[0].before == "- a: 1"
    doc = MemoryDoc.parse("# T\n- a: 1\n- c: 3\n")
    text, _ = apply_edits(doc, [Edit(1, 2, ["- a: 2"])])
    assert text == "# T\n- a: 2\n- c: 3\n"


def test_a_different_fence_inside_a_code_block_does_not_close_it():
    text = "# T\n```\n~~~\n- key: inside code\n```\n- real: yes\n````\n```\n- also: code\n````\n- after: yes\n"
    doc = MemoryDoc.parse(text)
    assert [f.norm_key for f in doc.facts] == ["real", "after"]
