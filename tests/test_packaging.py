"""The sdist and the wheel carry every module and data file of codegen/ and server/codegen_lsp/
(built offline)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import codegen

ROOT = Path(__file__).resolve().parent.parent
# Where each import package lives in the source tree.
PACKAGE_DIRS = {"codegen": ROOT / "codegen", "codegen_lsp": ROOT / "server" / "codegen_lsp"}
NOT_SHIPPED = ("__pycache__", ".pyc", ".egg-info")


def source_files() -> dict[str, Path]:
    """Every file of the two packages, as its path inside the wheel: what a user's install must
    have."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z", "codegen", "server/codegen_lsp"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if tracked.returncode == 0 and tracked.stdout:
        paths = [ROOT / name for name in tracked.stdout.split("\0") if name]
    else:  # not a git checkout (an unpacked sdist): every file but caches
        paths = [p for d in PACKAGE_DIRS.values() for p in d.rglob("*") if p.is_file()]
    files = {}
    for path in paths:
        if any(part in str(path) for part in NOT_SHIPPED) or not path.is_file():
            continue
        for package, directory in PACKAGE_DIRS.items():
            if path.is_relative_to(directory):
                files[f"{package}/{path.relative_to(directory).as_posix()}"] = path
    return files


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """An sdist built from a copy of the tree, and the wheel pip builds from that sdist; no
    network."""
    work = tmp_path_factory.mktemp("packaging")
    tree = work / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    for source in source_files().values():
        target = tree / source.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    dist = work / "dist"
    sdist = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from setuptools import build_meta; "
            "print(build_meta.build_sdist(sys.argv[1]))",
            str(dist),
        ],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    assert sdist.returncode == 0, sdist.stderr
    sdist_path = dist / sdist.stdout.strip().splitlines()[-1]
    with tarfile.open(sdist_path) as archive:
        archive.extractall(work / "unpacked", filter="data")
    unpacked = next((work / "unpacked").iterdir())
    wheel = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(dist),
            str(unpacked),
        ],
        capture_output=True,
        text=True,
    )
    assert wheel.returncode == 0, wheel.stderr
    return {"sdist": sdist_path, "wheel": next(dist.glob("*.whl"))}


def test_the_source_tree_is_found():
    files = source_files()
    assert "codegen/cli/generate.py" in files and "codegen_lsp/server.py" in files
    assert "codegen/model/templates/function.txt" in files and "codegen/demo/prompts.csv" in files


def test_the_wheel_carries_every_module_and_data_file(built):
    with zipfile.ZipFile(built["wheel"]) as wheel:
        shipped = set(wheel.namelist())
    missing = sorted(set(source_files()) - shipped)
    assert missing == [], f"missing from the wheel: {missing}"


def test_the_sdist_carries_every_module_and_data_file(built):
    with tarfile.open(built["sdist"]) as archive:
        names = archive.getnames()
    top = names[0].split("/")[0]
    shipped = {
        name.removeprefix(top + "/").replace("server/codegen_lsp/", "codegen_lsp/", 1)
        for name in names
    }
    missing = sorted(set(source_files()) - shipped)
    assert missing == [], f"missing from the sdist: {missing}"


def test_the_wheel_declares_both_commands_and_the_version(built):
    with zipfile.ZipFile(built["wheel"]) as wheel:
        info = next(n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt"))
        entry_points = wheel.read(info).decode()
        metadata = wheel.read(info.replace("entry_points.txt", "METADATA")).decode()
    assert "codegen = codegen.cli:main" in entry_points
    assert "codegen-lsp = codegen_lsp.__main__:main" in entry_points
    assert f"\nVersion: {codegen.__version__}\n" in metadata


@pytest.mark.parametrize(
    "command", [[sys.executable, "-m", "codegen"], [sys.executable, "-m", "codegen_lsp"]]
)
def test_both_commands_print_the_version(command, tmp_path):
    run = subprocess.run([*command, "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().endswith(codegen.__version__)


def test_eval_with_no_dataset_works_from_the_installed_wheel(built, tmp_path):
    """The default dataset ships in the wheel: `codegen eval` from an install, far from any
    checkout, replays the seed's answers shipped with it."""
    installed = tmp_path / "site-packages"
    with zipfile.ZipFile(built["wheel"]) as wheel:
        wheel.extractall(installed)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    replay = installed / "codegen" / "demo" / "replay"
    argv = ["eval", "--replay", str(replay), "--tracing", "off", "--parallel", "8"]
    argv += ["--base-url", "http://127.0.0.1:9/v1", "--report", "report.json"]
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import codegen.cli;"
        " assert codegen.cli.__file__.startswith(sys.argv[1]), codegen.cli.__file__;"
        " sys.exit(codegen.cli.main(sys.argv[2:]))"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(installed), *argv],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads((elsewhere / "report.json").read_text())
    assert len(report["rows"]) == 30 and report["summary"]["succeeded"] == 3
