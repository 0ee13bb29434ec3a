"""A generated vault shaped like real ones, for the benchmarks.

Sizes follow a log-normal distribution (median ~1.2 KB, a long tail of 20-80 KB notes), words a
Zipf distribution over a vocabulary, and notes carry what real vaults carry: frontmatter (tags,
aliases, dates, link-valued properties), headings, wikilinks in every form (some unresolved),
embeds, tasks, code blocks, daily notes in a folder tree, attachments, and a mem-agent memory.
Deterministic for a given seed.
"""

from __future__ import annotations

import random
from pathlib import Path

FOLDERS = ["Notes", "Daily", "References", "Projects", "People", "Clippings", "Areas/Health", "Areas/Work",
           "Areas/Home", "Archive/2022", "Archive/2023", "Meetings"]
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "an", "el", "is", "or", "un", "ba", "de", "fi",
             "go", "hu", "jo", "ke", "li", "ma", "no", "pe", "qui", "ra", "se", "to", "vi", "wa", "xo", "ya"]


def _vocabulary(rng: random.Random, n: int = 6000) -> list[str]:
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


class VaultGenerator:
    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.vocab = _vocabulary(self.rng)
        # Zipf-like weights: a few words are everywhere, most are rare (as in real text).
        self.weights = [1.0 / (i + 1) ** 1.05 for i in range(len(self.vocab))]
        self._cum = []
        total = 0.0
        for w in self.weights:
            total += w
            self._cum.append(total)

    def words(self, n: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self._cum, k=n)

    def sentence(self, n: int | None = None) -> str:
        w = self.words(n or self.rng.randint(6, 18))
        return " ".join(w).capitalize() + "."

    def generate(self, root: Path, notes: int = 10_000) -> list[str]:
        """Write the vault; returns the vault-relative paths of the notes."""
        rng = self.rng
        root.mkdir(parents=True, exist_ok=True)
        titles: list[tuple[str, str]] = []
        for i in range(notes):
            folder = rng.choice(FOLDERS)
            if folder == "Daily":
                title = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {i}"
            else:
                title = " ".join(w.capitalize() for w in self.words(rng.randint(1, 4))) + f" {i}"
            titles.append((folder, title))
        paths = []
        for i, (folder, title) in enumerate(titles):
            text = self._note(title, titles)
            path = root / folder / f"{title}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            paths.append(f"{folder}/{title}.md")
        (root / "Attachments").mkdir(exist_ok=True)
        for i in range(notes // 50):
            (root / "Attachments" / f"image {i}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(rng.getrandbits(8) for _ in range(64)))
        (root / ".obsidian").mkdir(exist_ok=True)
        (root / ".obsidian" / "app.json").write_text("{}")
        mem = root / "memory" / "entities"
        mem.mkdir(parents=True, exist_ok=True)
        rels = []
        for i in range(min(200, notes // 20)):
            name = " ".join(w.capitalize() for w in self.words(2))
            slug = f"{name.lower().replace(' ', '_')}_{i}"
            (mem / f"{slug}.md").write_text(f"# {name}\n- relationship: friend\n- city: {self.words(1)[0].capitalize()}\n")
            rels.append(f"- friend: [[entities/{slug}.md]]")
        (root / "memory" / "user.md").write_text("# User Information\n- user_name: Bench User\n\n## User Relationships\n"
                                                 + "\n".join(rels) + "\n")
        return paths

    def _note(self, title: str, titles: list[tuple[str, str]]) -> str:
        rng = self.rng
        size = min(int(rng.lognormvariate(7.1, 1.0)), 80_000)  # bytes; median ~1.2 KB
        parts: list[str] = []
        if rng.random() < 0.7:
            fm = ["---", f"created: 2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"]
            fm.append("tags: [" + ", ".join(self.words(rng.randint(1, 4))) + "]")
            if rng.random() < 0.2:
                fm.append("aliases: [" + " ".join(self.words(2)).title() + "]")
            if rng.random() < 0.4:
                other = rng.choice(titles)[1]
                fm.append(f'categories:\n  - "[[{other}]]"')
            fm.append("---")
            parts.append("\n".join(fm))
        if rng.random() < 0.5:
            parts.append(f"# {title}")
        written = sum(len(p) for p in parts)
        while written < size:
            r = rng.random()
            if r < 0.12:
                block = f"## {' '.join(self.words(rng.randint(1, 4))).title()}"
            elif r < 0.45:
                links = []
                for _ in range(rng.randint(1, 3)):
                    folder, other = rng.choice(titles)
                    form = rng.random()
                    if form < 0.6:
                        links.append(f"[[{other}]]")
                    elif form < 0.75:
                        links.append(f"[[{other}|{self.words(1)[0]}]]")
                    elif form < 0.85:
                        links.append(f"[[{folder}/{other}#{self.words(1)[0]}]]")
                    elif form < 0.9:
                        links.append(f"![[image {rng.randint(0, 199)}.png]]")
                    else:
                        links.append(f"[[{' '.join(self.words(2)).title()}]]")  # unresolved
                block = self.sentence() + " " + " ".join(links) + " " + self.sentence()
            elif r < 0.6:
                block = "\n".join(f"- {'[ ] ' if rng.random() < 0.3 else ''}{self.sentence(rng.randint(3, 9))}"
                                  for _ in range(rng.randint(2, 6)))
            elif r < 0.63:
                block = "```python\n" + "\n".join(f"{w} = {rng.randint(0, 99)}" for w in self.words(4)) + "\n```"
            else:
                block = " ".join(self.sentence() for _ in range(rng.randint(2, 6)))
            parts.append(block)
            written += len(block) + 2
        return "\n\n".join(parts) + "\n"
