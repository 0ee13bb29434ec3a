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
    # A PEM private key: its header lines and base64 body, up to its END line. Greedy over a
    # character class (no lazy `.*?` search for the END line), so a key pasted without its END
    # line, or many BEGIN lines, cost one pass over the text; a truncated key takes the body.
    re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:\s*[A-Za-z-]+:[^\n]*)*[A-Za-z0-9+/=\s]*"
               r"(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)?"),
    re.compile(r"\b(?:sk|pk|rk)-(?:proj-|live-|test-|ant-)?[A-Za-z0-9_-]{16,}"),  # OpenAI, Stripe, Anthropic
    re.compile(r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"),  # Stripe
    re.compile(r"\bhooks\.slack\.com/services/[A-Za-z0-9/]{20,}"),  # Slack webhook
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key id (long-term, temporary)
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),  # GitHub
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{40,}\b"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),  # Slack
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),  # Google API key
    re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"),  # Hugging Face
    re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b"),  # GitLab
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b"),  # JWT
]
# "password: hunter2", "my password is hunter2", "api key = abc123", "PIN is 1234". A strong label
# (password, api key...) takes any value after ":", "=", "is" or "was", and one with a digit or a
# symbol after a plain space; a weak one (pass, secret, token, pin: everyday words, "pass away",
# "kept it a secret because") only a value with a digit, or a long one, after ":", "=", "is", "was".
_LABELLED = re.compile(
    r"(?P<label>\b(?:(?P<strong>pass(?:word|phrase|code)|pwd|api[ _-]?key|secret[ _-]?key|access[ _-]?token|"
    r"auth[ _-]?token|pin[ _-]?code|cvv|cvc|security code)|pass|secret|token|pin)\b"
    r"(?P<of>\s+(?:for|of|to|on|at)(?:\s+[^\s:=,;]{1,40}){1,3}?(?=\s*[:=]|\s+(?:is|was)\b))?"  # "password for gmail is"
    r"(?:(?P<sep>\s*[:=]\s*|\s+(?:is|was)\s*:?\s*)|\s+))"
    r"(?P<secret>[^\s,;]{3,})",
    re.I,
)
# `OPENAI_API_KEY=...`, `aws_secret_access_key = ...`, `"db_password": "..."`: a credential-named
# identifier (the name may start after `_`: \b does not split MY_API_KEY) assigned a value. The
# value must look random (letters and digits, 8+ characters) unless the name says password.
# Every repeat is bounded, so a long run of word characters costs one pass, not its square.
_ASSIGNED = re.compile(
    r"(?<![A-Za-z0-9])(?P<name>api[_-]?key|apikey|secret|token|passw(?:or)?d|pwd|private[_-]?key|access[_-]?key|credentials?)"
    r"(?P<rest>[A-Za-z0-9_.-]{0,40}[\"']?\s{0,4}[:=]\s{0,4}[\"']?)(?P<secret>[^\s\"'`,;]{6,})",
    re.I,
)
# An AWS secret access key: 40 characters of base64 (mixed case and a digit), standalone. Only
# looked for where the text mentions AWS or holds an access key id.
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}[A-Z])"
                         r"(?=[A-Za-z0-9/+]{0,39}[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
# A US social security number written the usual way, 123-45-6789 (never area 000, 666 or 9xx,
# group 00 or serial 0000). Phone numbers are 3-3-4, not 3-2-4.
_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")
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
_TRIGGERS = ("-----begin", "sk-", "pk-", "rk-", "k_live_", "k_test_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
             "github_pat_", "xox", "hooks.slack", "akia", "asia", "aws", "aiza", "hf_", "glpat-", "eyj", "pass",
             "pwd", "api key", "api_key", "api-key", "apikey", "private_key", "private-key", "access_key",
             "access-key", "credential", "secret", "token", "pin", "cvv", "cvc", "security code", "account", "acct",
             "routing", "sort code", "bsb", "ssn", "social security")
_CARDISH = re.compile(r"\d\d\d\d[ -]?\d\d\d\d[ -]?\d\d\d\d")  # simple patterns beat one alternation
_IBANISH = re.compile(r"[A-Z][A-Z]\d\d")
_SSNISH = re.compile(r"\d\d\d-\d\d-\d\d\d\d")


def _may_hold_secret(text: str) -> bool:
    low = text.lower()
    for t in _TRIGGERS:
        if t in low:
            return True
    return (_CARDISH.search(text) is not None or _IBANISH.search(text) is not None
            or _SSNISH.search(text) is not None)


def _looks_random(value: str) -> bool:
    """A value a credential-named field holds: letters and digits mixed, or long."""
    has_digit = any(ch.isdigit() for ch in value)
    has_alpha = any(ch.isalpha() for ch in value)
    return len(value) >= 8 and has_digit and has_alpha or len(value) >= 24


def redact(text: str) -> tuple[str, list[str]]:
    """`text` with secrets replaced by [REDACTED:<kind>], and the kinds found."""
    if not _may_hold_secret(text):
        return text, []
    found: list[str] = []

    def mark(kind: str) -> str:
        found.append(kind)
        return f"[REDACTED:{kind}]"

    low = text.lower()
    aws = "aws" in low or "akia" in low or "asia" in low
    for pattern in _KEY_PATTERNS:
        text = pattern.sub(lambda m: mark("key"), text)

    def assigned(m: re.Match[str]) -> str:
        secret = m.group("secret")
        if secret.startswith("[REDACTED") or secret.lower() in _NOT_SECRETS:
            return m.group(0)
        password = m.group("name").lower().startswith(("pass", "pwd"))
        if not password and not _looks_random(secret):
            return m.group(0)
        return m.group("name") + m.group("rest") + mark("secret")

    def labelled(m: re.Match[str]) -> str:
        secret = m.group("secret")
        if secret.lower() in _NOT_SECRETS or secret.startswith("[REDACTED"):
            return m.group(0)
        symbol = any(not ch.isalpha() for ch in secret)
        if m.group("strong") is not None:
            if m.group("sep") is None and not symbol:
                return m.group(0)  # "password manager", "password for my bank"
        elif m.group("sep") is None or not (any(ch.isdigit() for ch in secret) or len(secret) >= 16):
            return m.group(0)  # "pass away", "the secret is out", "token economy"
        return m.group("label") + mark("secret")

    text = _ASSIGNED.sub(assigned, text)
    text = _LABELLED.sub(labelled, text)
    if aws:
        text = _AWS_SECRET.sub(lambda m: mark("key"), text)
    text = _ACCOUNT.sub(lambda m: m.group("label") + mark("account"), text)
    text = _SSN.sub(lambda m: mark("ssn"), text)
    text = _DIGITS.sub(lambda m: mark("card") if _luhn(m.group(0)) else m.group(0), text)
    text = _IBAN.sub(lambda m: mark("iban") if _iban_ok(m.group(0)) else m.group(0), text)
    return text, found


def secret_kinds(*texts: str | None) -> list[str]:
    """The kinds of secret found in any of `texts` (empty: none)."""
    kinds: list[str] = []
    for text in texts:
        if text:
            kinds += redact(text)[1]
    return kinds


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
