"""The role-play's world in a process of its own, which every team's app and the facilitator reach.

`start_world` runs a `RolePlay` in a child process that listens on a Unix socket in the room folder
(its address in `world.json`, its key in `.world-key`, readable by the room's owner only). Each
participant's app is a `WorldClient`: it asks for its view, joins, moves, says it is ready; the
world advances a round when every team is ready or the facilitator says so. After every change
the moves log is saved in the room folder.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import secrets
import tempfile
import threading
import time
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario import Scenario
from sim.workshop.roleplay import ROUND_DAYS, RolePlay
from sim.workshop.roleplay_debrief import write_debrief

ADDRESS = "world.json"
KEY = ".world-key"
MAX_SOCKET = 100
"""Longest Unix socket path (the system's limit is 108 bytes)."""


FACILITATOR_ONLY = {
    "advance": "move the world to the next round",
    "shock": "fire a shock",
    "debrief": "write the debrief",
}
"""Requests the world takes only from the facilitator's screen (team None), never a team's."""


class World:
    """The shared RolePlay behind a lock, answering requests; saves the log after each change."""

    def __init__(self, play: RolePlay, folder: Path) -> None:
        self.play, self.folder = play, folder
        self.lock = threading.Lock()
        play.save(folder)

    def handle(self, request: tuple[Any, ...]) -> tuple[str, Any]:
        """("ok", view) or ("error", [problems]) for one request from a team or the facilitator."""
        kind, team, *args = request
        try:
            if team is not None and kind in FACILITATOR_ONLY:
                raise ScenarioError(
                    [
                        f"only the facilitator can {FACILITATOR_ONLY[kind]}: a team says it is "
                        "ready, and the world moves on when every team is"
                    ]
                )
            with self.lock:
                play = self.play
                if kind == "join":
                    play.join(team, args[0])
                elif kind == "move":
                    play.move(team, args[0], args[1])
                elif kind == "ready":
                    play.set_ready(team, bool(args[0]))
                    if play.all_ready():
                        play.advance()
                elif kind == "leave":
                    play.leave(team)
                elif kind == "advance":
                    play.advance()
                elif kind == "shock":
                    play.fire_shock(args[0])
                elif kind == "debrief":
                    written = write_debrief(play, self.folder)
                    return "ok", {**play.view(team), "written": [str(p) for p in written]}
                elif kind != "view":
                    raise ScenarioError([f"unknown request {kind!r}"])
                if kind != "view":
                    play.save(self.folder)
                return "ok", play.view(team)
        except ScenarioError as error:
            return "error", error.problems

    def serve(self, connection: Connection) -> None:
        with contextlib.suppress(EOFError, OSError):
            while True:
                connection.send(self.handle(connection.recv()))


def _address(folder: Path) -> str:
    path = folder.resolve() / "world.sock"
    if len(str(path)) <= MAX_SOCKET:
        return str(path)
    return str(Path(tempfile.mkdtemp(prefix="sandbox-world-")) / "world.sock")


def run_world(folder: Path, scenario: Scenario, round_days: int, address: str, key: bytes) -> None:
    """The world process's body: serve the RolePlay to every client until its parent ends."""
    parent = os.getppid()

    def orphaned() -> None:  # the server was killed without a word: end the world with it
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=orphaned, daemon=True).start()
    world = World(RolePlay(scenario, round_days), folder)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(address)
    listener = Listener(address, family="AF_UNIX", authkey=key)
    while True:
        try:
            connection = listener.accept()
        except (OSError, EOFError):
            continue  # a client with the wrong key, or one that went away at once
        threading.Thread(target=world.serve, args=(connection,), daemon=True).start()


def start_world(
    folder: Path, scenario: Scenario, round_days: int = ROUND_DAYS
) -> multiprocessing.process.BaseProcess:
    """Start the world's process for the room folder; returns once it accepts clients."""
    folder.mkdir(parents=True, exist_ok=True)
    address, key = _address(folder), secrets.token_bytes(32)
    key_path = folder / KEY
    key_path.touch(mode=0o600)
    key_path.write_bytes(key)
    (folder / ADDRESS).write_text(json.dumps({"address": address}) + "\n", encoding="utf-8")
    RolePlay(scenario, round_days)  # bad input fails here, in one line, not in the child
    process = multiprocessing.get_context("spawn").Process(
        target=run_world,
        args=(folder, scenario, round_days, address, key),
        daemon=True,
        name="role-play world",
    )
    process.start()
    for _ in range(600):  # up to a minute: the child imports the engine first
        if not process.is_alive():
            raise RuntimeError("the role-play world's process ended at start")
        with contextlib.suppress(OSError, ScenarioError):
            WorldClient(folder).close()
            return process
        process.join(0.1)
    process.terminate()
    raise RuntimeError("the role-play world's process did not start within a minute")


class WorldClient:
    """One app's link to the shared world: a team's, or the facilitator's (team None)."""

    def __init__(self, folder: Path, team: str | None = None) -> None:
        try:
            address = json.loads((folder / ADDRESS).read_text(encoding="utf-8"))["address"]
            key = (folder / KEY).read_bytes()
        except (OSError, ValueError, KeyError):
            raise ScenarioError([f"{folder}: no role-play world is running there"]) from None
        self.team = team
        self._connection = Client(address, family="AF_UNIX", authkey=key)
        self._lock = threading.Lock()

    def call(self, kind: str, *args: Any) -> dict[str, Any]:
        """Send one request; the view after it, or ScenarioError with the world's problems."""
        with self._lock:
            self._connection.send((kind, self.team, *args))
            status, value = self._connection.recv()
        if status == "error":
            raise ScenarioError(list(value))
        return dict(value)

    def view(self) -> dict[str, Any]:
        return self.call("view")

    def join(self, team: str, role: str) -> dict[str, Any]:
        self.team = team.strip()
        try:
            return self.call("join", role)
        except ScenarioError:
            self.team = None
            raise

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._connection.close()
