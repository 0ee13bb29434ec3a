"""<filter> enforced in code, not only asked of the model.

mem-agent was trained to honour a free-text <filter> after the question ("do not reveal the
user's address"). A prompt is a request, not a guarantee, so memd also enforces what it can
read as a rule: fact keys to hide. They come from `[ask] hide_keys`, from the request's
`hide` list, and from exclusive filter text ("don't share ages or birth dates" hides every key
whose whole name or head word it names: `age`, `birth_date`). A hidden fact's value is replaced
in every file the tools hand the model, so the model never sees it, and the final reply is
scrubbed of every hidden value the tools met (in case the text reached the model some other
way). Inclusive filters ("only tell me names") stay with the model: no code can read them
reliably.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from memd.vault.memfile import normalize_key

HIDDEN = "[hidden by filter]"
_FACT_LINE = re.compile(r"^(?P<head>\s*[-*+]\s+(?P<key>[^:\[\]\n`]{1,100}?)\s*:)(?P<value>.*)$")
_EXCLUSIVE = re.compile(
    r"\b(don'?t|do not|never|not|no|hide|hidden|without|exclude|excluding|omit|redact|obfuscate|mask|"
    r"except|withhold|conceal|private|secret|avoid)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")
# Words a filter uses about everything ("the user's", "any information"): never a key's head.
_GENERIC = {"user", "users", "the", "any", "my", "me", "info", "information", "type", "detail", "details", "data"}


def _stem(word: str) -> str:
    """Plural to singular, enough for key words: addresses, ages, birth dates."""
    if len(word) > 4 and word.endswith("es") and word[:-2].endswith(("ss", "x", "z", "sh", "ch")):
        return word[:-2]
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@dataclass
class FactFilter:
    text: str = ""  # what goes to the model between <filter> tags
    keys: set[str] = field(default_factory=set)  # normalised keys always hidden
    seen_values: set[str] = field(default_factory=set)  # hidden values the tools met

    @classmethod
    def build(cls, *texts: str | None, keys: list[str] | tuple[str, ...] = ()) -> "FactFilter":
        text = "\n".join(t.strip() for t in texts if t and t.strip())
        return cls(text=text, keys={normalize_key(k) for k in keys if normalize_key(k)})

    @property
    def active(self) -> bool:
        return bool(self.text or self.keys)

    def _filter_words(self) -> tuple[bool, set[str], str]:
        lowered = self.text.lower()
        words = {_stem(w) for w in _WORD.findall(lowered)}
        return bool(_EXCLUSIVE.search(lowered)), words, " ".join(_stem(w) for w in _WORD.findall(lowered))

    def hides(self, raw_key: str) -> bool:
        key = normalize_key(raw_key)
        if not key:
            return False
        parts = [_stem(p) for p in key.split("_") if p]
        for hidden in self.keys:
            hp = [_stem(p) for p in hidden.split("_") if p]
            # `address` hides home_address and email_address; `birth_date` hides birth_date.
            if hp and any(parts[i:i + len(hp)] == hp for i in range(len(parts) - len(hp) + 1)):
                return True
        if not self.text:
            return False
        exclusive, words, phrase = self._filter_words()
        if not exclusive or not parts:
            return False
        if f" {' '.join(parts)} " in f" {phrase} ":
            return True
        return parts[-1] in words and len(parts[-1]) > 2 and parts[-1] not in _GENERIC

    def redact(self, text: str) -> str:
        """`text` (a memory file) with the values of hidden facts replaced."""
        if not self.active:
            return text
        out = []
        for line in text.split("\n"):
            m = _FACT_LINE.match(line)
            if m and self.hides(m.group("key").strip("*_ ")):
                value = m.group("value").strip()
                if value:
                    self.seen_values.add(value)
                    for part in re.split(r"\s*(?:,|;|\band\b)\s*", value):
                        if len(part.strip()) >= 3:
                            self.seen_values.add(part.strip())
                out.append(f"{m.group('head')} {HIDDEN}")
            else:
                out.append(line)
        return "\n".join(out)

    def scrub(self, reply: str) -> str:
        """The reply without any hidden value (longest first, case-insensitively)."""
        for value in sorted(self.seen_values, key=len, reverse=True):
            if len(value) >= 2:
                # Whole words only: hiding the age 29 must not turn 2029 into "20[hidden]".
                reply = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", HIDDEN, reply, flags=re.IGNORECASE)
        return reply
