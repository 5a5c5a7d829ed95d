"""Benchmark: how many workshop participants one machine serves.

Starts `sandbox serve --workshop` on a free port, opens N participant sessions over its websocket
(as N browser tabs would), joins each with a name, runs the lesson's scenario in each (ctrl+r, the
Editor's run key) and measures the memory of every participant's processes (proportional set
size, so shared pages are counted once). Then times one comparison (5 paired replications, one
process, as a workshop runs it) of a lesson in CPU seconds: the room's first, and the next
participant's, which takes the baseline's replications from the room. From the memory and the next
comparison's CPU it prints how many participants fit in 24 GiB and on 2 cores.

    .venv/bin/python bench/workshop_capacity.py [--sessions 4] [--lesson 01_kyc_bottleneck]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psutil

from sim import compare
from sim.remembered import Remembered
from sim.workshop.lessons import find_lesson

MACHINE_GIB, CORES = 24, 2
HEADROOM = 0.8
"""Share of the machine's memory given to participants (the rest: system, server, browser)."""
COMPARE_EVERY_MIN = 5.0
"""Assumed pace of a lesson: one comparison per participant every five minutes."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tree_pss(process: psutil.Process) -> float:
    """MiB of a process and its descendants (PSS where the system reports it, else RSS)."""
    total = 0.0
    for member in [process, *process.children(recursive=True)]:
        try:
            info = member.memory_full_info()
            total += getattr(info, "pss", info.rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total / 2**20


async def listening(port: int, timeout: float = 180.0) -> None:
    """Wait until the server accepts connections (it starts slowly on a loaded machine)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def participant(port: int, name: str, stop: asyncio.Event, ready: list[str]) -> None:
    url = f"ws://127.0.0.1:{port}/ws?width=120&height=40"
    async with aiohttp.ClientSession() as client, client.ws_connect(url) as ws:
        screen = b""

        async def drain() -> None:
            nonlocal screen
            async for message in ws:
                if message.type == aiohttp.WSMsgType.BINARY:
                    screen = (screen + message.data)[-200_000:]

        reader = asyncio.create_task(drain())
        while b"Welcome" not in screen:
            await asyncio.sleep(0.2)
        await ws.send_str(json.dumps(["stdin", name + "\r"]))
        await asyncio.sleep(2)
        await ws.send_str(json.dumps(["stdin", "\x12"]))  # ctrl+r: run
        while b"finished" not in screen:
            await asyncio.sleep(0.5)
        ready.append(name)
        await stop.wait()
        reader.cancel()


async def sessions(count: int, lesson: str) -> tuple[float, float]:
    """(mean MiB per participant, seconds until all had run), with `count` sessions."""
    port = free_port()
    with tempfile.TemporaryDirectory() as room:
        command = [sys.executable, "-m", "sim", "serve", "--port", str(port)]
        command += ["--workshop", room, "--lesson", lesson]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            await listening(port)
            stop, ready = asyncio.Event(), []
            started = time.perf_counter()
            tasks = [
                asyncio.create_task(participant(port, f"p{i}", stop, ready)) for i in range(count)
            ]
            while len(ready) < count:
                await asyncio.sleep(0.5)
                for task in tasks:
                    if task.done() and task.exception() is not None:
                        raise RuntimeError(f"a participant failed: {task.exception()!r}")
            elapsed = time.perf_counter() - started
            apps = psutil.Process(server.pid).children()
            sizes = [tree_pss(app) for app in apps]
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    return sum(sizes) / max(1, len(sizes)), elapsed


def compare_cpu(lesson_name: str) -> list[tuple[float, float]]:
    """(CPU seconds, wall seconds) of a 5-replication comparison of the lesson's first change:
    the room's first (its baseline runs too) and the next participant's (the baseline's
    replications taken from the room's folder, as the served app takes them)."""
    lesson = find_lesson(lesson_name)
    base = lesson.scenario()
    reform = lesson.scenario(lesson.variants[0].overrides())
    times = []
    with tempfile.TemporaryDirectory() as room:
        for _ in range(2):  # each participant's app has a memory of its own; the folder is shared
            cpu, wall = time.process_time(), time.perf_counter()
            compare(base, reform, 5, 1, remembered=Remembered(folder=Path(room)))
            times.append((time.process_time() - cpu, time.perf_counter() - wall))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--lesson", default="01_kyc_bottleneck")
    options = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} at the start")
    per_session, elapsed = asyncio.run(sessions(options.sessions, options.lesson))
    print(
        f"{options.sessions} participant sessions, each after one run of {options.lesson}: "
        f"{per_session:.0f} MiB each (PSS of the app and its processes); all ran in {elapsed:.0f} s"
    )
    (first, first_wall), (cpu, wall) = compare_cpu(options.lesson)
    print(
        f"one comparison (5 paired replications, one process): the room's first {first:.1f} CPU s "
        f"({first_wall:.1f} s); the next, with the baseline shared: {cpu:.1f} CPU s ({wall:.1f} s)"
    )
    by_memory = int(MACHINE_GIB * 1024 * HEADROOM // per_session)
    per_participant_cpu = cpu / (COMPARE_EVERY_MIN * 60)
    by_cpu = int(CORES / per_participant_cpu)
    print(
        f"fit on {CORES} cores / {MACHINE_GIB} GiB: {by_memory} by memory "
        f"({HEADROOM:.0%} of {MACHINE_GIB} GiB), {by_cpu} by CPU (one comparison each every "
        f"{COMPARE_EVERY_MIN:g} min); so about {min(by_memory, by_cpu)} participants"
    )


if __name__ == "__main__":
    main()
