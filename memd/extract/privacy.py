"""Privacy: secrets are redacted before anything is stored or sent to a backend, and facts in
categories or patterns the user listed in `[privacy]` are never stored.

Redaction is deliberately conservative about false negatives: a card number must pass the Luhn
check and an IBAN its mod-97 check (so order numbers and phone numbers survive), while anything
shaped like a credential (known key prefixes, `password: ...`, private-key blocks, JWTs) goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from memd.config import PrivacySection
from memd.extract.tools import MemoryItem

_KEY_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
    re.compile(r"\b(?:sk|pk|rk)-(?:proj-|live-|test-|ant-)?[A-Za-z0-9_-]{16,}"),  # OpenAI, Stripe, Anthropic
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),  # GitHub
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{40,}\b"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),  # Slack
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),  # Google API key
    re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"),  # Hugging Face
    re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b"),  # GitLab
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b"),  # JWT
]
# "password: hunter2", "my password is hunter2", "api key = abc123", "PIN 1234"
_LABELLED = re.compile(
    r"(?P<label>\b(?:pass(?:word|phrase|code)?|pwd|api[ _-]?key|secret(?:[ _-]?key)?|access[ _-]?token|"
    r"auth[ _-]?token|token|pin(?:[ _-]?code)?|cvv|cvc|security code)\b(?:\s+(?:is|was))?\s*[:=]?\s*)"
    r"(?P<secret>[^\s,;]{3,})",
    re.I,
)
_DIGITS = re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_ACCOUNT = re.compile(r"(?P<label>\b(?:account|acct|routing|sort code|bsb|ssn|social security)(?: number| no\.?| #)?"
                      r"(?:\s+(?:is|was))?\s*[:#]?\s*)(?P<num>[\d][\d -]{4,}\d)", re.I)
_NOT_SECRETS = {"is", "was", "the", "and", "for", "reset", "manager", "protected", "required"}


def _luhn(number: str) -> bool:
    digits = [int(d) for d in number if d.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _iban_ok(text: str) -> bool:
    s = text.replace(" ", "")
    if not 15 <= len(s) <= 34:
        return False
    rearranged = s[4:] + s[:4]
    try:
        return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1
    except ValueError:
        return False


# Every pattern above needs one of these to be present; most chat text has none. Plain substring
# tests on the lower-cased text run at C speed (a case-insensitive alternation regex does not).
_TRIGGERS = ("-----begin", "sk-", "pk-", "rk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox",
             "akia", "aiza", "hf_", "glpat-", "eyj", "pass", "pwd", "api key", "api_key", "api-key", "apikey",
             "secret", "token", "pin", "cvv", "cvc", "security code", "account", "acct", "routing", "sort code",
             "bsb", "ssn", "social security")
_CARDISH = re.compile(r"\d\d\d\d[ -]?\d\d\d\d[ -]?\d\d\d\d")  # two simple patterns beat one alternation
_IBANISH = re.compile(r"[A-Z][A-Z]\d\d")


def _may_hold_secret(text: str) -> bool:
    low = text.lower()
    for t in _TRIGGERS:
        if t in low:
            return True
    return _CARDISH.search(text) is not None or _IBANISH.search(text) is not None


def redact(text: str) -> tuple[str, list[str]]:
    """`text` with secrets replaced by [REDACTED:<kind>], and the kinds found."""
    if not _may_hold_secret(text):
        return text, []
    found: list[str] = []

    def mark(kind: str) -> str:
        found.append(kind)
        return f"[REDACTED:{kind}]"

    for pattern in _KEY_PATTERNS:
        text = pattern.sub(lambda m: mark("key"), text)

    def labelled(m: re.Match[str]) -> str:
        secret = m.group("secret")
        if secret.lower() in _NOT_SECRETS or secret.startswith("[REDACTED"):
            return m.group(0)
        return m.group("label") + mark("secret")

    text = _LABELLED.sub(labelled, text)
    text = _ACCOUNT.sub(lambda m: m.group("label") + mark("account"), text)
    text = _DIGITS.sub(lambda m: mark("card") if _luhn(m.group(0)) else m.group(0), text)
    text = _IBAN.sub(lambda m: mark("iban") if _iban_ok(m.group(0)) else m.group(0), text)
    return text, found


# What each category the user can list means, in the keys and tags backends use.
CATEGORIES: dict[str, dict[str, set[str]]] = {
    "health": {"tags": {"health", "allergy", "medical", "diet"},
               "keys": {"health_conditions", "allergies", "intolerances", "medications", "diagnosis", "diet",
                        "disability", "pregnancy"},
               "words": {"diagnosed", "therapy", "therapist", "medication", "depression", "anxiety", "cancer",
                         "diabetes", "pregnant", "surgery", "adhd", "hiv"}},
    "religion": {"tags": {"religion", "faith"}, "keys": {"religion", "faith"},
                 "words": {"church", "mosque", "synagogue", "temple", "christian", "muslim", "jewish", "hindu",
                           "buddhist", "atheist", "catholic", "prayer"}},
    "politics": {"tags": {"politics", "political"}, "keys": {"political_views", "party", "voting"},
                 "words": {"democrat", "republican", "conservative", "liberal", "socialist", "voted", "election"}},
    "sexuality": {"tags": {"sexuality", "lgbtq", "gender"}, "keys": {"sexual_orientation", "gender_identity"},
                  "words": {"gay", "lesbian", "bisexual", "transgender", "queer", "lgbtq", "nonbinary"}},
    "finance": {"tags": {"finance", "money"}, "keys": {"salary", "income", "debt", "net_worth", "bank"},
                "words": {"salary", "income", "debt", "mortgage", "loan", "bankrupt"}},
    "location": {"tags": {"location"}, "keys": {"living_location", "address", "home_address", "moved_from",
                                                "work_location"}, "words": set()},
}


@dataclass
class PrivacyFilter:
    config: PrivacySection
    patterns: list[re.Pattern[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        from memd.errors import ConfigError

        unknown = [c for c in self.config.never_store_categories if c.lower() not in CATEGORIES]
        if unknown:
            raise ConfigError(f"config: privacy.never_store_categories: unknown category {unknown[0]!r}"
                              f" (known: {', '.join(sorted(CATEGORIES))})")
        try:
            self.patterns = [re.compile(p, re.I) for p in self.config.never_store_patterns]
        except re.error as exc:
            raise ConfigError(f"config: privacy.never_store_patterns: invalid regular expression ({exc})") from None

    def clean_text(self, text: str) -> tuple[str, list[str]]:
        return redact(text) if self.config.redact_secrets else (text, [])

    def blocked(self, item: MemoryItem) -> str | None:
        """Why `item` must not be stored, or None."""
        blob = f"{item.key} {item.value} {item.entity or ''}"
        for p in self.patterns:
            if p.search(blob):
                return f"matches never_store pattern {p.pattern!r}"
        words = set(re.findall(r"\w+", blob.lower()))
        tags = {t.lower() for t in item.tags}
        for name in self.config.never_store_categories:
            cat = CATEGORIES[name.lower()]
            if tags & cat["tags"] or item.key in cat["keys"] or words & cat["words"]:
                return f"in never_store category {name!r}"
        if "[REDACTED:" in item.value:
            return "holds a redacted secret"
        return None
