"""Files a scenario reads: only inside allowed folders; a hostile file is one line, no crash."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import MAX_PROBLEMS
from sim.experiments.priors import load_priors
from sim.files import ALLOW_ENV
from sim.loader import MAX_DEPTH, ScenarioError, load_scenario
from tests.conftest import BASELINE

runner = CliRunner()
SECRET = "hunter2-do-not-print"


def problems(path: Path, allow: list[Path] | None = None) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, (), allow or [])
    return caught.value.problems


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """A working folder for the scenario and, beside it, a folder the scenario must not read."""
    work, secret = tmp_path / "work", tmp_path / "secret"
    work.mkdir()
    secret.mkdir()
    (secret / "s.yaml").write_text(f"kyc: {{reviewers: 1}}\n{SECRET}: 1\n", encoding="utf-8")
    (secret / "prices.csv").write_text(f"date,price_usd\n2022-07-01,{SECRET}\n", encoding="utf-8")
    return work, secret


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("target", ["../secret/s.yaml", "{secret}/s.yaml", "/etc/passwd"])
def test_extends_outside_the_allowed_folders_is_one_error_naming_the_path_not_its_contents(
    layout: tuple[Path, Path], target: str
) -> None:
    work, secret = layout
    reference = target.format(secret=secret)
    path = write(work / "x.yaml", f"extends: {reference}\n")
    (message,) = problems(path)
    assert f"'{reference}' is outside the folders a scenario may read" in message
    assert SECRET not in message and "root:" not in message


def test_extends_through_a_symlink_out_of_the_folder_is_refused(layout: tuple[Path, Path]) -> None:
    work, secret = layout
    (work / "link.yaml").symlink_to(secret / "s.yaml")
    path = write(work / "x.yaml", "extends: link.yaml\n")
    (message,) = problems(path)
    assert "'link.yaml' is outside" in message and SECRET not in message


def test_extends_within_its_own_folder_and_the_library_is_allowed(
    layout: tuple[Path, Path],
) -> None:
    work, _ = layout
    write(work / "base.yaml", f"extends: {BASELINE}\nkyc: {{reviewers: 7}}\n")
    (work / "sub").mkdir()
    write(work / "sub" / "y.yaml", "kyc: {analysts_typo_free: 1}\n")
    scenario = load_scenario(write(work / "x.yaml", "extends: base.yaml\nname: x\n"))
    assert scenario.kyc.reviewers == 7
    assert problems(write(work / "z.yaml", "extends: sub/y.yaml\n"))[0].startswith(
        "kyc.analysts_typo_free: unknown key"
    )


def test_a_library_scenario_opens_by_name_from_any_folder(layout: tuple[Path, Path]) -> None:
    # the tests run in a fresh folder with no configs/ of its own (conftest)
    work, _ = layout
    baseline = load_scenario(BASELINE)
    for name in ("aifc_pilot_2022", "aifc_pilot_2022.yaml", "configs/aifc_pilot_2022.yaml"):
        assert load_scenario(name) == baseline  # as `sandbox scenarios` lists it, or its name
        mine = write(work / "mine.yaml", f"extends: {name}\nname: mine\nkyc: {{reviewers: 7}}\n")
        assert load_scenario(mine) == baseline.model_copy(
            update={"name": "mine", "kyc": baseline.kyc.model_copy(update={"reviewers": 7})}
        )
    result = runner.invoke(app, ["validate", "aifc_pilot_2022"])
    assert result.exit_code == 0, result.output
    # a file of that name beside the naming file comes first; no other name is found
    write(work / "aifc_pilot_2022.yaml", "name: local\nkyc: {reviewers: 3}\n")
    assert load_scenario(write(mine, "extends: aifc_pilot_2022.yaml\n")).kyc.reviewers == 3
    assert problems(write(work / "other.yaml", "extends: aifc_pilot_2099.yaml\n")) == [
        f"extends: no such scenario file 'aifc_pilot_2099.yaml' ({work / 'other.yaml'} line 1)"
    ]
    result = runner.invoke(app, ["run", "aifc_pilot_2099", "--days", "1"])
    assert result.exit_code == 2 and "aifc_pilot_2099: no such scenario file" in result.output


def test_validate_checks_target_and_prior_files_by_their_own_rules_and_library_name(
    tmp_path: Path,
) -> None:
    # the tests run in a fresh folder with no configs/ of its own (conftest)
    result = runner.invoke(app, ["validate", "priors/kz", "targets/kz.yaml", "priors/tm"])
    assert result.exit_code == 0, result.output
    (tmp_path / "priors").mkdir()
    mine = write(tmp_path / "priors" / "mine.yaml", "regime: kz\npriors: {kyc.reviewrs: {}}\n")
    result = runner.invoke(app, ["validate", str(mine)])
    assert result.exit_code == 2 and "kyc.reviewrs" in result.output
    assert "unknown key 'regime'" not in result.output  # read as priors, not as a scenario


def test_a_folder_named_with_allow_dir_or_the_setting_may_be_read(
    layout: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    work, secret = layout
    path = write(work / "x.yaml", "extends: ../secret/s.yaml\n")
    with pytest.raises(ScenarioError, match=f"{SECRET}: unknown key"):
        load_scenario(path, (), [secret])
    result = runner.invoke(app, ["validate", str(path), "--allow-dir", str(secret)])
    assert result.exit_code == 2 and "is outside" not in result.output
    monkeypatch.setenv(ALLOW_ENV, str(secret))
    with pytest.raises(ScenarioError, match=f"{SECRET}: unknown key"):
        load_scenario(path)


def test_btc_csv_outside_the_allowed_folders_is_refused(layout: tuple[Path, Path]) -> None:
    work, secret = layout
    path = write(work / "x.yaml", f"market: {{btc_model: csv, btc_csv: {secret / 'prices.csv'}}}\n")
    (message,) = problems(path)
    assert message.startswith("market.btc_csv: ") and "is outside" in message


def test_a_file_that_is_not_a_scenario_is_one_error(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "\n".join(f"- line {i}" for i in range(500)))
    assert problems(path) == [f"{path}: not a scenario (a scenario is a mapping of keys to values)"]


def test_a_mapping_with_no_scenario_key_is_one_error_that_quotes_none_of_it(
    tmp_path: Path,
) -> None:
    # a password file parses as YAML keys: named by mistake, it must not be echoed key by key
    shadow = write(tmp_path / "shadow", f"root:$6${SECRET}:19000:0:99999:7:::\nbin:*:19000::\n")
    (message,) = problems(shadow)
    assert message.startswith(f"{shadow}: not a scenario (none of its keys is a scenario's: name,")
    assert SECRET not in message and "$6$" not in message and "bin:" not in message
    result = runner.invoke(app, ["validate", str(shadow)])
    assert result.exit_code == 2 and SECRET not in result.output
    # a near miss of a scenario key is named by the scenario's key only
    (message,) = problems(write(tmp_path / "x.yaml", f"rnu: {{days: 3}}\n{SECRET}: 1\n"))
    assert message.endswith("; did you mean 'run'?") and SECRET not in message
    # nor as a priors file (`--priors` names any file) or a target file
    with pytest.raises(ScenarioError) as caught:
        load_priors(shadow)
    assert caught.value.problems == [
        f"{shadow}: not a priors file (none of its keys is a priors file's: regime, description,"
        " priors)"
    ]
    (targets := tmp_path / "targets").mkdir()
    result = runner.invoke(app, ["validate", str(write(targets / "t.yaml", shadow.read_text()))])
    assert result.exit_code == 2 and "not a target file" in result.output
    assert SECRET not in result.output
    # any scenario key makes it a scenario with typos, each named (as `validate` shows them)
    assert problems(write(tmp_path / "y.yaml", f"name: y\n{SECRET}: 1\n")) == [
        f"{SECRET}: unknown key '{SECRET}' ({tmp_path / 'y.yaml'} line 2)"
    ]


def test_an_error_quotes_no_more_than_a_clipped_key_or_value(tmp_path: Path) -> None:
    long = "x" * 1000
    path = write(tmp_path / "x.yaml", f"name: ok\nkyc:\n  reviewers: {long * 5}\n  {long}: 1\n")
    found = problems(path)
    assert len(found) == 2
    assert all(len(line) < 250 for line in found), found


def test_at_most_a_screenful_of_errors_then_how_many_more(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "\n".join(["name: x"] + [f"key{i}: 1" for i in range(100)]))
    found = problems(path)
    assert len(found) == MAX_PROBLEMS
    assert found[-1] == f"and {100 - MAX_PROBLEMS + 1} more"


# --- hostile and unlucky files ------------------------------------------------------------------

BOMB = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BOMB, "values once its aliases are expanded"),
        ("a: " + "[" * 500 + "]" * 500 + "\n", f"nested more than {MAX_DEPTH} levels deep"),
        ("a: " + "{b: " * 400 + "1" + "}" * 400 + "\n", f"nested more than {MAX_DEPTH} levels"),
        ("name: a\x00b\n", "not a text file (a NUL byte on line 1)"),
        ("name: \x07\n", "a character YAML does not allow"),
        (b"name: \xff\xfe\n", "not UTF-8 text (line 1)"),
        ("a: !!omap [x: 1]\n", "the tag !!omap is not allowed"),
        ("a: !!python/object/apply:os.system [ls]\n", "is not allowed"),
        ("a: !!binary aGVsbG8=\n", "the tag !!binary is not allowed"),
        ("a: !custom x\n", "the tag !custom is not allowed"),
        ("kyc:\n  reviewers: !!int 1.5\n", "cannot read '1.5' as !!int"),
        ("kyc:\n  auto_checks: !!bool maybe\n", "cannot read 'maybe' as !!bool"),
        ("name: a\n? [a, b]\n: 1\n", "unknown key"),
        ("? [a, b]\n: 1\n", "not a scenario (none of its keys"),
    ],
)
def test_a_hostile_file_is_one_line_naming_the_file(
    tmp_path: Path, text: str | bytes, expected: str
) -> None:
    path = tmp_path / "x.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        write(path, text)
    started = time.process_time()
    found = problems(path)
    assert time.process_time() - started < 5
    assert len(found) == 1 and expected in found[0] and str(path) in found[0], found


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = write(tmp_path / "x.yaml", "# padding\n" * 200_000)
    assert problems(path) == [f"{path}: larger than the 1,024 kB a scenario file may have"]


@pytest.mark.parametrize("special", ["/dev/zero", "/proc/self/environ", "folder", "fifo"])
def test_a_file_that_is_not_a_regular_text_file_is_one_line(tmp_path: Path, special: str) -> None:
    if special == "folder":
        path = tmp_path
    elif special == "fifo":
        path = tmp_path / "fifo"
        os.mkfifo(path)
    else:
        path = Path(special)
        if not path.exists():
            pytest.skip(f"{special} does not exist here")
    (message,) = problems(path)
    assert message.startswith(f"{path}: ")


def test_validate_never_shows_a_traceback_for_a_hostile_file(tmp_path: Path) -> None:
    paths = [write(tmp_path / "bomb.yaml", BOMB), write(tmp_path / "n.yaml", "a: b\x00\n")]
    paths.append(write(tmp_path / "e.yaml", "extends: /proc/self/environ\n"))
    result = runner.invoke(app, ["validate", *map(str, paths)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(result.output.strip().splitlines()) == 3
