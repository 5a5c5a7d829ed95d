"""The library's comments are true: a comment that states what a run gives names the check on it."""

from __future__ import annotations

import re
from pathlib import Path

from ruamel.yaml import YAML

from tests.conftest import CONFIGS

ROOT = CONFIGS.parent
# Words that state an outcome of a run ("gives 25-30% drop-off", "calibrated so outflow comes near",
# "utilisation stays below 1"), not an input's source.
OUTCOME = re.compile(
    r"\b(gives|gave|results? in|comes? (near|to|out)|stays? (near|below|above|under|within)"
    r"|keeps? (the|it)|match(es)?|calibrated|utili[sz]ation|drop-off|so that)\b",
    re.IGNORECASE,
)
DATED = re.compile(r"\d{4}-\d{2}-\d{2}:")
TEST_FILE = re.compile(r"tests/[\w/]+\.py")


def _target_names() -> set[str]:
    names: set[str] = set()
    for path in (CONFIGS / "targets").glob("*.yaml"):
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        names |= {str(target["name"]) for target in data["targets"]}
    return names


def _comment(line: str) -> str:
    """The comment on a YAML line (a `#` outside quotes), or ''."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i + 1 :].strip()
    return ""


def _claims(path: Path) -> list[tuple[int, str]]:
    """(first line, text) of each comment (with its continuation lines), description and reason."""
    blocks: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        for key in ("description:", "reason:"):
            if stripped.startswith(key):
                blocks.append((number, stripped[len(key) :]))
        text = _comment(line)
        content = line.split("#", 1)[0].strip() if text else stripped
        # A comment runs on over comment-only lines and the dated entries under its key.
        if current and (not text or (content and not DATED.match(content))):
            blocks.append((start, " ".join(current)))
            current, start = [], 0
        if text:
            current.append(text)
            start = start or number
    if current:
        blocks.append((start, " ".join(current)))
    return blocks


def _checked(text: str, targets: set[str]) -> bool:
    named = {word for word in re.findall(r"[a-z0-9_]+", text) if word in targets}
    tests = [m for m in TEST_FILE.findall(text) if (ROOT / m).is_file()]
    return bool(named or tests)


def test_every_library_comment_that_states_an_outcome_names_the_target_that_checks_it() -> None:
    targets = _target_names()
    unchecked = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for path in sorted(CONFIGS.rglob("*.yaml"))
        if "targets" not in path.parts
        for line, text in _claims(path)
        if OUTCOME.search(text) and not _checked(text, targets)
    ]
    assert not unchecked, "outcome promised, no target or test named:\n" + "\n".join(unchecked)


def test_the_comment_audit_catches_a_promise_and_accepts_a_named_target(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(
        "kyc:\n"
        "  reviewers: 2   # ASSUMPTION: gives 25-30% drop-off\n"
        "  patience: 8h   # calibrated on the drop-off band (target kyc_drop_off)\n"
        '  name: "a # in quotes gives nothing"\n',
        encoding="utf-8",
    )
    claims = [text for _, text in _claims(path) if OUTCOME.search(text)]
    assert claims == [
        "ASSUMPTION: gives 25-30% drop-off",
        "calibrated on the drop-off band (target kyc_drop_off)",
    ]
    assert [_checked(text, {"kyc_drop_off"}) for text in claims] == [False, True]
