"""ChatGPT export parsing: real samples, every content type, branches, layouts, failures."""

import json
import shutil
from collections import Counter
from datetime import datetime, timezone

import pytest
from memd.importers import chatgpt
from memd.importers.report import collect

from memd.errors import InputFormatError


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


# --- real samples --------------------------------------------------------------------------


def test_code_interpreter_conversation(sample):
    convs, report = collect(chatgpt.parse(sample("chatgpt", "chatgpt2graph_conversations.json")))
    assert report.failures == [] and report.warnings == []
    assert len(convs) == 1
    c = convs[0]
    assert c.source == "chatgpt" and c.source_id == "966da5c4-5bb7-4e4d-ab6d-a7316b96266e"
    assert c.title == "Average Distance in U(0,1)"
    assert c.created == utc(2023, 9, 21, 19, 57, 53, 968528)
    assert c.updated == utc(2023, 9, 22, 8, 23, 4)
    assert c.participants == ["User", "ChatGPT"]
    # 45 nodes: the null root, a hidden weight-0 system node and the (empty) custom
    # instructions node produce nothing; the other 42 messages are all on the one branch.
    assert len(c.turns) == 42
    assert Counter((t.role, t.kind) for t in c.turns) == {
        ("user", "text"): 8, ("assistant", "text"): 12, ("assistant", "code"): 11,
        ("tool", "execution_output"): 11,
    }
    assert all(t.branch is None and not t.strong for t in c.turns)
    assert c.turns[0].text.startswith("given two random independent variables x,y in U(0,1)")
    assert c.turns[0].time == utc(2023, 9, 21, 19, 57, 53, 969279)
    assert c.turns[-1].id == "875ad56f-8b75-4e69-9fdc-f96acf212f9c"  # current_node
    code = next(t for t in c.turns if t.kind == "code")
    assert code.text.startswith("from sympy import symbols") and code.meta["recipient"] == "python"
    outputs = [t for t in c.turns if t.kind == "execution_output"]
    assert outputs[0].text == "0" and outputs[0].author == "python"
    assert outputs[2].text == "1/3"
    assert sum(t.text == "[image: output]" for t in outputs) == 7
    assert "<<ImageDisplayed>>" not in "".join(t.text for t in c.turns)


def test_2026_sharded_excerpt_with_nodes_without_children(sample):
    convs, report = collect(chatgpt.parse(sample("chatgpt", "ruby02_2026_sharded_excerpt", "conversations-000.excerpt.json")))
    assert report.failures == []
    [c] = convs
    assert c.title == "Saree Shop Internship"
    assert c.source_id == "1740daff-c2b5-4fb1-a7d9-26d21d5de95e"
    assert c.created == utc(2024, 3, 18, 14, 15, 41, 386613)
    assert c.updated == utc(2024, 3, 18, 14, 15, 47, 457699)
    assert [(t.role, t.id) for t in c.turns] == [
        ("user", "aaa282e8-47af-46e2-9f00-ee3bc60a81b1"), ("assistant", "06e4118a-c342-4ae5-973d-98de2743b6c3")]
    assert c.turns[0].text == "Bullet points for internship in women saare shop"
    assert c.turns[1].text.startswith("Sure, here are some bullet points")
    assert c.metadata == {"model": "text-davinci-002-render-sha"}


def test_2026_sharded_layout_via_manifest(sample, tmp_path):
    base = sample("chatgpt", "ruby02_2026_sharded_excerpt")
    export = tmp_path / "export" / "chatgpt-2026"  # nested top folder
    export.mkdir(parents=True)
    shutil.copy(base / "export_manifest.excerpt.json", export / "export_manifest.json")
    shutil.copy(base / "conversations-000.excerpt.json", export / "conversations-000.json")
    shutil.copy(base / "conversation_asset_file_names.excerpt.json", export / "conversation_asset_file_names.json")
    convs, report = collect(chatgpt.parse(tmp_path / "export"))
    assert [c.title for c in convs] == ["Saree Shop Internship"]
    # The manifest lists three shards; the excerpt has one: the others are reported, not fatal.
    assert [f.where for f in report.failures] == ["conversations-001.json", "conversations-002.json"]


def test_redacted_sample_is_not_json(sample, one_line):
    with pytest.raises(InputFormatError) as err:
        collect(chatgpt.parse(sample("chatgpt", "everything-chatgpt_redacted")))
    message = one_line(err.value)
    assert message.startswith("everything-chatgpt_redacted/conversations.json: invalid JSON")


# --- generated exports ---------------------------------------------------------------------

T = 1714550400.0  # 2024-05-01T08:00:00Z


def node(nid, parent, role, content, *, t=None, children=None, meta=None, weight=1.0, recipient="all", name=None):
    msg = {"id": nid, "author": {"role": role, "name": name, "metadata": {}}, "create_time": t,
           "content": content, "weight": weight, "metadata": meta or {}, "recipient": recipient}
    out = {"id": nid, "message": msg, "parent": parent}
    if children is not None:
        out["children"] = children
    return out


def text(*parts):
    return {"content_type": "text", "parts": list(parts)}


def linear(*specs, cid="c1", title="Generated", current=True):
    """A conversation whose messages follow each other: specs are (role, content, extra-kwargs)."""
    mapping = {"root": {"id": "root", "message": None, "parent": None, "children": []}}
    parent = "root"
    for i, (role, content, kw) in enumerate(specs):
        nid = f"n{i}"
        mapping[nid] = node(nid, parent, role, content, t=T + i, children=[], **kw)
        mapping[parent]["children"].append(nid)
        parent = nid
    conv = {"id": cid, "conversation_id": cid, "title": title, "create_time": T, "update_time": T + 100,
            "mapping": mapping}
    if current:
        conv["current_node"] = parent
    return conv


def write(tmp_path, convs, name="conversations.json", extra=None):
    folder = tmp_path / "export"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(json.dumps(convs))
    for fname, data in (extra or {}).items():
        (folder / fname).write_text(json.dumps(data))
    return folder


def only(tmp_path, conv, **options):
    convs, report = collect(chatgpt.parse(write(tmp_path, [conv]), **options))
    assert len(convs) == 1
    return convs[0], report


def test_every_content_type(tmp_path):
    conv = linear(
        ("user", {"content_type": "user_editable_context",
                  "user_profile": "The user provided the following information about themselves. ...\n"
                                  "User profile:\n```Preferred name: Ana\nRole: nurse in Porto```",
                  "user_instructions": "The user provided the additional info about how they would like you "
                                       "to respond:\n```Answer briefly.```"},
         {"meta": {"is_visually_hidden_from_conversation": True}}),
        ("system", text("You are ChatGPT."), {"meta": {"is_visually_hidden_from_conversation": True}}),
        ("system", text("weightless"), {"weight": 0.0}),
        ("user", text("I adopted a cat named Miso."), {}),
        ("user", {"content_type": "multimodal_text", "parts": [
            {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-4XRVLundkxLE4uAahQV1SN"},
            {"content_type": "image_asset_pointer", "asset_pointer": "sediment://file_00000000aaaa"},
            {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-up1"},
            {"content_type": "audio_transcription", "text": "and this is her"},
            {"content_type": "audio_asset_pointer", "asset_pointer": "sediment://file_0000000054a482118a744d3dee302f12"},
            "Here she is."]},
         {"meta": {"attachments": [{"id": "file-up1", "name": "vet-bill.pdf"}]}}),
        ("assistant", {"content_type": "thoughts", "thoughts": [{"summary": "x", "content": "secret"}]}, {}),
        ("assistant", {"content_type": "reasoning_recap", "content": "Thought for 3 seconds"}, {}),
        ("assistant", {"content_type": "code", "language": "python", "text": "print(1)"}, {"recipient": "python"}),
        ("tool", {"content_type": "execution_output", "text": "1"}, {"name": "python"}),
        ("assistant", text("search('vets in porto')"), {"recipient": "browser"}),
        ("tool", {"content_type": "tether_browsing_display", "result": "# results", "summary": ""}, {"name": "browser"}),
        ("tool", {"content_type": "tether_quote", "url": "https://vet.example", "domain": "vet.example",
                  "title": "Vet Porto", "text": "Open daily."}, {"name": "browser"}),
        ("tool", {"content_type": "system_error", "name": "tool_error", "text": "Timed out"}, {"name": "browser"}),
        ("assistant", {"content_type": "sonic_webpage", "text": "A new kind of page"}, {}),
        ("assistant", {"content_type": "mystery_widget", "widget": {"a": 1}}, {}),
        ("assistant", {"content_type": "multimodal_text", "parts": [
            {"content_type": "image_asset_pointer", "asset_pointer": "sediment://file_gen1",
             "metadata": {"dalle": {"prompt": "a cat in Porto"}}}]}, {}),
        ("assistant", text("Miso is a lovely name."), {"meta": {"model_slug": "gpt-4o"}}),
    )
    assets = {"file-4XRVLundkxLE4uAahQV1SN.dat": "1000025033.jpg",
              "file_0000000054a482118a744d3dee302f12.dat": "Screenshot_2026.jpg",
              "file_00000000254c8211bf177fce3a5f3535.dat": "user-5I9/9a02.png"}
    folder = write(tmp_path, [conv], extra={"conversation_asset_file_names.json": assets})
    [c], report = collect(chatgpt.parse(folder, me="Ana"))
    got = [(t.role, t.kind, t.strong, t.text) for t in c.turns]
    assert got == [
        ("user", "about_me", True, "Preferred name: Ana\nRole: nurse in Porto"),
        ("user", "custom_instructions", True, "Answer briefly."),
        ("user", "text", False, "I adopted a cat named Miso."),
        ("user", "text", False, "[image: 1000025033.jpg]\n[image: file_00000000aaaa]\n[image: vet-bill.pdf]\n"
                                "and this is her\n[audio: Screenshot_2026.jpg]\nHere she is."),
        ("assistant", "code", False, "print(1)"),
        ("tool", "execution_output", False, "1"),
        ("assistant", "tool_call", False, "search('vets in porto')"),
        ("tool", "quote", False, "Quote from [Vet Porto](https://vet.example):\nOpen daily."),
        ("tool", "error", False, "tool_error: Timed out"),
        ("assistant", "sonic_webpage", False, "A new kind of page"),
        ("assistant", "text", False, "[image: file_gen1, generated from: a cat in Porto]"),
        ("assistant", "text", False, "Miso is a lovely name."),
    ]
    assert c.turns[0].id == "n0:about_me" and c.turns[1].id == "n0:instructions"
    assert c.turns[0].author == "Ana" and c.participants == ["Ana", "ChatGPT"]
    assert c.turns[4].meta == {"language": "python", "recipient": "python"}
    assert c.turns[-1].meta == {"model": "gpt-4o"}
    assert [w.message for w in report.warnings] == [
        "unknown content type 'sonic_webpage' kept as text",
        "unknown content type 'mystery_widget' without text left out",
    ]
    assert all(w.where == "c1" for w in report.warnings)


def test_2023_custom_instructions_in_a_hidden_text_message(tmp_path):
    conv = linear(
        ("system", text(""), {"meta": {"is_user_system_message": True, "is_visually_hidden_from_conversation": True,
                                       "user_context_message_data": {"about_user_message": "I live in Enschede.",
                                                                     "about_model_message": ""}}}),
        ("user", text("hello"), {}),
    )
    c, _ = only(tmp_path, conv)
    assert [(t.kind, t.strong, t.role, t.text) for t in c.turns] == [
        ("about_me", True, "user", "I live in Enschede."), ("text", False, "user", "hello")]


def branched(current="a1", with_children=True):
    """root -> u1 -> a1 (old answer) | a2 (regenerated, newer) -> u2 ; and root -> e1 (edited prompt)."""
    def n(nid, parent, role, t, kids):
        return node(nid, parent, role, text(f"{nid} text"), t=t, children=kids if with_children else None)
    mapping = {
        "root": {"id": "root", "message": None, "parent": None, **({"children": ["u1", "e1"]} if with_children else {})},
        "u1": n("u1", "root", "user", T, ["a1", "a2"]),
        "a1": n("a1", "u1", "assistant", T + 1, []),
        "a2": n("a2", "u1", "assistant", T + 50, ["u2"]),
        "u2": n("u2", "a2", "user", T + 60, []),
        "e1": n("e1", "root", "user", T + 30, []),
    }
    conv = {"id": "b1", "title": "Branchy", "create_time": T, "update_time": T + 60, "mapping": mapping}
    if current is not None:
        conv["current_node"] = current
    return conv


def test_the_branch_the_user_saw(tmp_path):
    c, report = only(tmp_path, branched(current="a1"))
    assert [t.id for t in c.turns] == ["u1", "a1"]
    assert report.warnings == []


def test_newest_leaf_without_current_node_and_without_children(tmp_path):
    c, report = only(tmp_path, branched(current=None, with_children=False))
    assert [t.id for t in c.turns] == ["u1", "a2", "u2"]  # u2 is the newest leaf
    assert report.warnings == []


def test_dangling_current_node_falls_back_with_a_warning(tmp_path):
    c, report = only(tmp_path, branched(current="gone"))
    assert [t.id for t in c.turns] == ["u1", "a2", "u2"]
    assert [w.message for w in report.warnings] == ["current_node is not in the mapping; took the newest branch"]


def test_all_branches_keeps_the_others_marked(tmp_path):
    c, _ = only(tmp_path, branched(current="a1"), all_branches=True)
    assert [(t.id, t.branch, t.meta.get("fork")) for t in c.turns] == [
        ("u1", None, None), ("a1", None, None),
        ("e1", "e1", None),            # an edited first prompt forks at the (empty) root
        ("a2", "a2", "u1"), ("u2", "a2", "u1"),
    ]
    assert len({t.id for t in c.turns}) == len(c.turns)


def test_one_broken_conversation_is_reported_and_skipped(tmp_path):
    good = linear(("user", text("fine"), {}), cid="good")
    no_mapping = {"id": "broken", "title": "x"}
    loop = branched()
    loop["id"] = "loop"
    loop["mapping"]["u1"]["parent"] = "a1"
    loop["mapping"]["root"]["parent"] = None
    loop["current_node"] = "a1"
    hidden_only = linear(("system", text("x"), {"meta": {"is_visually_hidden_from_conversation": True}}), cid="hidden")
    convs, report = collect(chatgpt.parse(write(tmp_path, [no_mapping, good, loop, "not an object", hidden_only])))
    assert [c.source_id for c in convs] == ["good"]
    assert [f.where for f in report.failures] == ["broken", "loop", "conversations.json#3"]
    assert "KeyError" in report.failures[0].message and "loops" in report.failures[1].message
    assert [(w.where, w.message) for w in report.warnings] == [("hidden", "no visible messages; skipped")]


def test_sharded_generated_zip_keeps_shard_order(tmp_path, make_zip):
    shards = {f"Export/conversations-00{i}.json": json.dumps([linear(("user", text(f"s{i}"), {}), cid=f"c{i}")])
              for i in (1, 0, 2)}
    manifest = {"logical_files": {"conversations.json": {"files": [f"conversations-00{i}.json" for i in range(3)],
                                                         "sharded": True}}}
    zpath = make_zip(tmp_path / "export.zip", {**shards, "Export/export_manifest.json": json.dumps(manifest)})
    convs, report = collect(chatgpt.parse(zpath))
    assert [c.source_id for c in convs] == ["c0", "c1", "c2"] and report.failures == []


def test_truncated_stream_yields_what_came_before_then_one_line_error(tmp_path, one_line):
    body = json.dumps([linear(("user", text("one"), {}), cid="c1"), linear(("user", text("two"), {}), cid="c2")])
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "conversations.json").write_text(body[: len(body) - 40])
    run = chatgpt.parse(folder)
    first = next(run)
    assert first.source_id == "c1"
    with pytest.raises(InputFormatError) as err:
        next(run)
    assert "invalid JSON after 1 items" in one_line(err.value)


@pytest.mark.parametrize("content, expected", [
    ("[]", "the export contains no ChatGPT conversations"),
    ('[{"title": "no mapping"}]', "no usable ChatGPT conversations"),
    ('{"conversations": []}', "expected a JSON array of conversations"),
    ("", "the file is empty"),
])
def test_empty_and_wrong_shaped_exports(tmp_path, one_line, content, expected):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "conversations.json").write_text(content)
    with pytest.raises(InputFormatError) as err:
        collect(chatgpt.parse(folder))
    assert expected in one_line(err.value)


def test_no_conversations_file(tmp_path, make_zip, one_line):
    zpath = make_zip(tmp_path / "x.zip", {"notes.txt": "hello"})
    with pytest.raises(InputFormatError) as err:
        collect(chatgpt.parse(zpath))
    assert "no conversations.json found" in one_line(err.value)
