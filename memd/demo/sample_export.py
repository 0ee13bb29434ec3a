"""The demo's sample: a small ChatGPT export (the real file format, zipped) and a few vault notes,
all written by memd itself — about a made-up person, Maya Okafor, so nobody's data is in it.

The export has what real ones have: a tree of nodes with a root whose message is null, a branch
the user regenerated (the other branch must not be imported), a code block, and the user's
custom instructions ("about me"), alongside chats where personal facts come up in passing.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

BASE_TIME = 1718000000.0  # 2024-06-10

# (title, [(role, text), ...]); "about" marks the custom-instructions turn.
CONVERSATIONS: list[tuple[str, list[tuple[str, str]]]] = [
    ("Moving checklist", [
        ("about", "I'm Maya Okafor, a data engineer. I live in Lisbon and I work at Tidewater Analytics."),
        ("user", "I moved to Lisbon from Toronto in March 2024 and I still need to sort out my residency paperwork."),
        ("assistant", "Congratulations on the move! Here is a checklist for residency in Portugal: NIF, NISS, "
                      "a lease contract and proof of income."),
        ("user", "Thanks. My partner Joao is a chef, so we also need to register his work permit."),
        ("assistant", "For Joao's work permit, the employer usually starts the process with AIMA."),
    ]),
    ("Pandas groupby question", [
        ("user", "How do I group a DataFrame by two columns and sum a third?"),
        ("assistant", "Use df.groupby(['a', 'b'])['c'].sum().reset_index().\n\n```python\n"
                      "totals = df.groupby(['a', 'b'])['c'].sum().reset_index()\n```"),
        ("user", "Perfect, that works."),
    ]),
    ("Dinner ideas", [
        ("user", "I'm allergic to peanuts and I'm vegetarian. Any quick dinner ideas?"),
        ("assistant", "Try a chickpea and spinach curry with coconut milk, or a halloumi traybake."),
        ("user", "I love Thai food, so the curry sounds great."),
    ]),
    ("Dog training", [
        ("user", "We adopted a dog named Pastel last month. She pulls on the leash a lot."),
        ("assistant", "Try stopping whenever the leash gets tight and rewarding her when it is slack."),
    ]),
]


def _node(nid: str, parent: str | None, children: list[str], role: str | None, text: str, t: float) -> dict:
    message = None
    if role is not None:
        content = {"content_type": "text", "parts": [text]}
        metadata: dict = {}
        if role == "about":
            role = "user"
            content = {"content_type": "user_editable_context", "user_profile": f"```\n{text}\n```",
                       "user_instructions": "```\nKeep answers short.\n```"}
            metadata = {"is_visually_hidden_from_conversation": True, "is_user_system_message": True}
        message = {"id": nid, "author": {"role": role, "name": None, "metadata": {}}, "create_time": t,
                   "update_time": None, "content": content, "status": "finished_successfully", "end_turn": None,
                   "weight": 1.0, "metadata": metadata, "recipient": "all"}
    return {"id": nid, "message": message, "parent": parent, "children": children}


def conversation(n: int, title: str, turns: list[tuple[str, str]]) -> dict:
    cid = f"demo-{n:04d}-0000-4000-8000-{n:012d}"
    t0 = BASE_TIME + n * 86400
    ids = ["root"] + [f"{cid}-m{i}" for i in range(len(turns))]
    mapping = {"root": _node("root", None, [ids[1]], None, "", t0)}
    for i, (role, text) in enumerate(turns):
        nid, parent = ids[i + 1], ids[i]
        children = [ids[i + 2]] if i + 2 < len(ids) else []
        mapping[nid] = _node(nid, parent, children, role, text, t0 + 60 * i)
    if n == 0:
        # A regenerated answer: the user saw the second branch; the first must not be imported.
        last_user = ids[-2]
        stale = f"{cid}-stale"
        mapping[stale] = _node(stale, last_user, [], "assistant", "(an earlier answer the user regenerated)", t0 + 30)
        mapping[last_user]["children"].insert(0, stale)
    return {"title": title, "create_time": t0, "update_time": t0 + 60 * len(turns), "mapping": mapping,
            "current_node": ids[-1], "conversation_id": cid, "id": cid, "is_archived": False,
            "default_model_slug": "gpt-4o"}


def write_export(folder: Path) -> Path:
    """Write the sample export as ChatGPT delivers it: a zip holding conversations.json."""
    data = [conversation(n, title, turns) for n, (title, turns) in enumerate(CONVERSATIONS)]
    path = folder / "chatgpt-export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("conversations.json", json.dumps(data, indent=1))
        zf.writestr("user.json", json.dumps({"id": "user-demo", "email": "maya@example.com"}))
    return path


NOTES = {
    "Projects/Residency.md": "---\ntags: [lisbon, admin]\n---\n# Residency\n\nAppointment at AIMA on 2024-07-02.\n"
                             "Bring the lease, the NIF and three months of payslips.\n\nSee [[Lisbon]].\n",
    "Places/Lisbon.md": "---\naliases: [Lisboa]\n---\n# Lisbon\n\nFavourite spots: Miradouro da Graça, the LX Factory "
                        "market on Sundays.\n",
    "Daily/2024-06-12.md": "# 2024-06-12\n\n- Walked Pastel along the river.\n- Joao's new menu tasting on Friday.\n",
}

LIVE_TURNS = [
    ("user", "Quick update: I started learning Portuguese this week."),
    ("assistant", "Boa sorte! Consistency matters more than intensity."),
    ("user", "My sister Amara lives in Toronto and she is visiting us in September."),
]

QUESTIONS = ["Where do I live?", "What is my partner's job?", "Am I allergic to anything?"]


def write_notes(vault: Path) -> None:
    for rel, text in NOTES.items():
        path = vault / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
