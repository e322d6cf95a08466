"""The browser test's tools (tests/test_ui_browser.py): a `dagster-webserver` on a test instance,
Debian's Chromium driven by Playwright, and readers of what the Dagster 1.13 UI shows a person.

The readers go by visible text, roles, placeholders and the `title` and `aria-label` attributes
the UI renders, not by its generated CSS class names, which change with every Dagster release.
GraphQL is used only to wait for the code location and to learn the run ids.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from sources.catalog import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
# Debian's build, never a browser downloaded by Playwright. No sandbox: CI runs as root. The
# rest keeps Chromium off the network (nothing but the loopback webserver is reachable here).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
]
VIEWPORT = {"width": 1600, "height": 1000}
SECONDS = 1000  # Playwright counts milliseconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Webserver:
    """`dagster-webserver -w workspace.yaml` on a free loopback port, with the environment of the
    test instance (DAGSTER_HOME, KOTAPINTAR_*)."""

    def __init__(self, env: dict[str, str], log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._http = requests.Session()
        self._http.trust_env = False  # loopback: never through a proxy
        with log.open("wb") as out:
            # Its own session, so stop() ends the code server it spawns along with it.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dagster_webserver", "-w", "workspace.yaml",
                 "-h", "127.0.0.1", "-p", str(self.port)],
                cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def graphql(self, query: str) -> dict:
        answer = self._http.post(f"{self.url}/graphql", json={"query": query}, timeout=30)
        answer.raise_for_status()
        return answer.json()["data"]

    def wait_ready(self, timeout: float = 120) -> None:
        """Until the code location is loaded; raises with the log's tail when it does not."""
        deadline = time.monotonic() + timeout
        problem = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                problem = f"the webserver exited with {self.process.returncode}"
                break
            try:
                problem = self._location_problem()
            except requests.RequestException as exc:
                problem = str(exc)
            if problem == "":
                # The "Join the Dagster community" dialog would cover the pages otherwise.
                self.graphql("mutation { setNuxSeen }")
                return
            if problem.startswith("code location failed"):
                break
            time.sleep(0.5)
        tail = self.log.read_text(errors="replace")[-3000:]
        raise AssertionError(f"dagster-webserver at {self.url} is not ready: {problem}\n{tail}")

    def _location_problem(self) -> str:
        data = self.graphql(
            "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
            "locationOrLoadError { __typename ... on PythonError { message } } } } } }"
        )
        entries = data["workspaceOrError"].get("locationEntries") or []
        if not entries or any(e["loadStatus"] != "LOADED" for e in entries):
            return "the code location is loading"
        for entry in entries:
            if entry["locationOrLoadError"]["__typename"] == "PythonError":
                return f"code location failed: {entry['locationOrLoadError']['message']}"
        return ""

    def run_ids(self) -> list[str]:
        """Every run on the instance, oldest first."""
        data = self.graphql("{ runsOrError { ... on Runs { results { runId } } } }")
        return [r["runId"] for r in reversed(data["runsOrError"]["results"])]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def is_red(css_color: str) -> bool:
    """A CSS rgb()/rgba() colour whose red clearly dominates (Dagster's red text, icons, tags)."""
    channels = [float(v) for v in re.findall(r"[\d.]+", css_color)[:3]]
    return len(channels) == 3 and channels[0] > 1.5 * max(channels[1], channels[2])


# Asset page, Checks tab. ---------------------------------------------------------------------

NO_ASSET = "No assets were found"


def open_checks_tab(page, url: str, asset_path: str, check: str) -> None:
    """The asset's Checks tab with `check` opened; fails naming the asset when the UI has none."""
    page.goto(f"{url}/assets/{asset_path}?view=checks&checkDetail={check}")
    listed = page.get_by_text(re.compile(r"^Checks \(\d+\)$"))
    listed.or_(page.get_by_text(NO_ASSET)).first.wait_for(timeout=60 * SECONDS)
    assert not page.get_by_text(NO_ASSET).is_visible(), (
        f"the UI has no asset at /assets/{asset_path} (an asset key was renamed?)"
    )
    page.get_by_text("Evaluation result", exact=True).wait_for(timeout=30 * SECONDS)


def check_list(page) -> dict[str, tuple[str, str]]:
    """{check name: (status as the list reads it, colour of its status icon)} of the Checks tab's
    list (statuses read e.g. Succeeded, Failed, Skipped, Not Evaluated)."""
    panel = (
        page.locator("div")
        .filter(has=page.get_by_placeholder("Filter checks"))
        .filter(has=page.locator("[title]"))
        .filter(has_not_text="Latest execution")
        .last
    )
    items = panel.evaluate(
        """panel => [...panel.querySelectorAll('[title]')].map(name => {
            let item = name;
            while (item !== panel && !item.querySelector('[role=img]')) item = item.parentElement;
            const icon = item.querySelector('[role=img]');
            const lines = item.innerText.split('\\n').map(l => l.trim()).filter(Boolean);
            return [name.getAttribute('title'), lines[lines.length - 1],
                    icon ? getComputedStyle(icon).backgroundColor : ''];
        })"""
    )
    return {name: (status, color) for name, status, color in items}


def evaluation_result(page) -> tuple[str, str]:
    """(text, colour) of the opened check's "Evaluation result", e.g. ("Passed", "rgb(...)")."""
    label = page.get_by_text("Evaluation result", exact=True)
    block = label.locator("xpath=..")
    text = block.inner_text().replace("Evaluation result", "", 1).strip()
    if not text:
        return "", ""
    color = block.get_by_text(text, exact=True).first.evaluate("e => getComputedStyle(e).color")
    return text, color


# Runs. ---------------------------------------------------------------------------------------


def run_rows(page, url: str, run_ids: list[str]) -> dict[str, str]:
    """{run id: the visible text of its row in the Runs list (id, tags, job, status, times)}."""
    page.goto(f"{url}/runs")
    rows = {}
    for run_id in run_ids:
        link = page.locator(f'a[href="/runs/{run_id}"]').first  # the id; "View" comes second
        link.wait_for(timeout=60 * SECONDS)
        row = link.locator("xpath=ancestor::div[.//*[normalize-space(text())='View']][1]")
        rows[run_id] = row.inner_text()
    return rows


CHECKS_TAG = re.compile(r"^(\d+) checks?$")
# Every line a virtualized list shows while its scroll box is scrolled from top to bottom.
SCROLL_AND_READ = """async box => {
    const lines = new Set();
    const read = () => box.innerText.split('\\n').forEach(l => l.trim() && lines.add(l.trim()));
    const scrolls = e => /auto|scroll/.test(getComputedStyle(e).overflowY);
    const scroller = [...box.querySelectorAll('*')].find(
        e => e.scrollHeight > e.clientHeight + 2 && scrolls(e));
    read();
    for (let top = 0; scroller && top < scroller.scrollHeight; top += scroller.clientHeight / 2) {
        scroller.scrollTop = top;
        await new Promise(done => setTimeout(done, 150));
        read();
    }
    return [...lines];
}"""


def checks_in_run(page) -> list[tuple[str, str]]:
    """(check, asset as the UI writes it) of every check the run planned, from the "N checks"
    tag of the run page ("View list"); the dialog, too, renders only the rows in view."""
    tag = page.get_by_text(CHECKS_TAG)
    count = int(CHECKS_TAG.match(tag.inner_text()).group(1))
    tag.hover()
    page.get_by_text("View list", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text(" on ").first.wait_for()
    pairs = set()
    for line in dialog.evaluate(SCROLL_AND_READ):
        check, on, asset = line.partition(" on ")
        if on:
            pairs.add((check, asset.replace(" / ", "/")))
    page.keyboard.press("Escape")
    assert len(pairs) == count, f"the run's list of checks shows {len(pairs)} of {count}"
    return sorted(pairs)


def check_evaluations(page, url: str, run_id: str, shot: Path) -> tuple[list, str]:
    """(planned checks, the event log's text filtered to check evaluations) of one run page.

    The event log renders only the rows in view: the viewport is made tall enough for all."""
    page.goto(f"{url}/runs/{run_id}?logs=type:ASSET_CHECK_EVALUATION")
    tag = page.get_by_text(CHECKS_TAG)
    tag.wait_for(timeout=60 * SECONDS)
    count = int(CHECKS_TAG.match(tag.inner_text()).group(1))
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 400 * max(count, 5)})
    try:
        planned = checks_in_run(page)
        page.get_by_text("Loading run logs").wait_for(state="hidden", timeout=60 * SECONDS)
        page.wait_for_timeout(1500)  # the log renders after its last page of events arrives
        return planned, page.inner_text("body")
    finally:
        page.set_viewport_size(VIEWPORT)
        page.wait_for_timeout(500)
        page.screenshot(path=shot)  # the first check results, as a person sees them
