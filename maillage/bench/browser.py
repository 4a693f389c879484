"""The viewer (app/) in a real browser, offline: its server on 127.0.0.1, Debian's chromium driven by Playwright.

Shared by the end-to-end test (tests/test_e2e_browser.py) and the speed benchmark (`maillage bench-viewer`):
- `ViewerServer` starts the viewer's server (`maillage-viewer`) on a free local port on a build directory, stops it;
- `OfflineBrowser` launches /usr/bin/chromium (never a downloaded browser) where every request to a host
  other than this machine is aborted and counted (`blocked`);
- `ViewerTab` is one tab on the viewer: it knows when Streamlit has finished a script run (it reads the
  app's own messages on its WebSocket); the per-page steps (`Walk`) are what a coordinator does on each
  page, written once for the test and the benchmark. (The test's accessibility check, axe-core, is the
  test's own: tests/test_e2e_browser.py.)
Playwright is imported here only, lazily: it belongs to the `test` extra, the package never needs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from graph_builder.constants import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
# No sandbox (containers, root), no GPU, and none of chromium's own calls home (updates, sync, field trials).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


# Resolves once the browser has painted what it had received (two animation frames).
PAINTED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
# Streamlit's app root once its front end has taken in the end of a run (the elements of a run are committed with it:
# two animation frames after the `script_finished` message alone once showed a list's caption without its links).
IDLE_APP = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# Every element drawn: Streamlit shows a skeleton in place of an element whose code it is still loading (a page's
# first map waits for Plotly's 4.7 MB, drawn a second after the end of its run).
DRAWN = "() => !document.querySelector('[data-testid=\"stSkeleton\"]')"


class BrowserError(RuntimeError):
    """The viewer could not be started or driven (the server's log tail included)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ViewerServer:
    """The viewer's server (`maillage-viewer`: app.viewer.launch) on 127.0.0.1 over the build directory `out_dir`.

    `started` is when the process was launched, `healthy` when /_stcore/health first answered (monotonic s).
    """

    def __init__(self, out_dir: str | Path, port: int | None = None, timeout_s: float = 120,
                 env: dict[str, str] | None = None):
        self.out_dir, self.port, self.timeout_s = str(out_dir), port or free_port(), timeout_s
        self.env = env or {}  # more of the viewer's settings (MAILLAGE_DATA, MAILLAGE_CONTRIBUTIONS...)
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.started = self.healthy = 0.0

    def __enter__(self) -> ViewerServer:
        self._log = tempfile.NamedTemporaryFile("w+", prefix="maillage-streamlit-", suffix=".log")
        env = dict(os.environ, MAILLAGE_OUT=self.out_dir, **self.env)
        command = [sys.executable, "-m", "app.viewer.launch", "--server.address", "127.0.0.1",
                   "--server.port", str(self.port)]
        self.started = time.monotonic()
        # From the repository root, so that .streamlit/config.toml applies as in the README's run command.
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            self._wait_healthy()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_healthy(self) -> None:
        with httpx.Client(timeout=2) as client:  # one for the wait, not one (and its SSL context, 15-30 ms) per try
            while time.monotonic() - self.started < self.timeout_s:
                if self.process.poll() is not None:
                    raise BrowserError(f"streamlit stopped (code {self.process.returncode}):\n{self.log()}")
                try:
                    if client.get(f"{self.url}/_stcore/health").status_code == 200:
                        self.healthy = time.monotonic()
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        raise BrowserError(f"streamlit not healthy after {self.timeout_s} s:\n{self.log()}")

    def log(self, tail: int = 4000) -> str:
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")[-tail:]

    def __exit__(self, *_exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def is_local(url: str) -> bool:
    """True for this machine's addresses and for URLs that need no network (data:, blob:, about:)."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or (parts.hostname or "") in LOCAL_HOSTS


class OfflineBrowser:
    """Headless Debian chromium where any request to another host is aborted and recorded in `blocked`.

    HTTP(S) requests are routed (abort); a WebSocket to another host, which routing does not see, is
    recorded when it opens. `blocked` must stay empty: the viewer works without the network.
    """

    def __init__(self, executable: str = CHROMIUM):
        self.executable = executable
        self.blocked: list[str] = []
        self.served: list[str] = []  # every request to this machine, in order (what the viewer's pages loaded)

    def __enter__(self) -> OfflineBrowser:
        from playwright.sync_api import sync_playwright

        if not Path(self.executable).exists():
            raise BrowserError(f"{self.executable} missing: install Debian's chromium (scripts/setup.sh test)")
        self._playwright = sync_playwright().start()
        try:
            self.browser = self._playwright.chromium.launch(executable_path=self.executable, args=CHROMIUM_ARGS)
        except BaseException:
            self._playwright.stop()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.browser.close()
        self._playwright.stop()

    def _route(self, route) -> None:
        if is_local(route.request.url):
            self.served.append(route.request.url)
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def tab(self, base_url: str, timeout_s: float = 60) -> ViewerTab:
        """A new tab in a new context (no shared cookies or storage: as another person opening a link)."""
        context = self.browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        context.route("**/*", self._route)
        context.on("page", lambda page: page.on("websocket", self._websocket))
        return ViewerTab(context.new_page(), base_url, timeout_s)

    def _websocket(self, websocket) -> None:
        if not is_local(websocket.url):
            self.blocked.append(websocket.url)


class ViewerTab:
    """One browser tab on the viewer; every action waits until the script run it causes has finished.

    Streamlit tells its page when a script run is over (a `script_finished` message on the WebSocket):
    those messages are counted here, which is exact where watching the DOM would guess.
    """

    def __init__(self, page, base_url: str, timeout_s: float):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.page, self.base_url, self.timeout_s = page, base_url.rstrip("/"), timeout_s
        self._message, self._done_status = ForwardMsg, {ForwardMsg.FINISHED_SUCCESSFULLY,
                                                        ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
        self.finished = 0
        page.set_default_timeout(timeout_s * 1000)
        page.on("websocket", self._watch)

    def _watch(self, websocket) -> None:
        if urlsplit(websocket.url).path.endswith("/_stcore/stream"):
            websocket.on("framereceived", self._frame)

    def _frame(self, payload) -> None:
        if isinstance(payload, str):
            return
        message = self._message()
        message.ParseFromString(payload)
        if message.WhichOneof("type") == "script_finished" and message.script_finished in self._done_status:
            self.finished += 1

    def settle(self, action) -> float:
        """Do `action()` and wait for the script run it starts to finish; the seconds it took."""
        before, start = self.finished, time.perf_counter()
        action()
        while self.finished <= before:
            if time.perf_counter() - start > self.timeout_s:
                raise BrowserError(f"no Streamlit run finished within {self.timeout_s} s ({self.page.url})")
            self.page.wait_for_timeout(10)  # lets Playwright deliver the WebSocket frames
        self.page.wait_for_selector(IDLE_APP, state="attached")
        self.page.wait_for_function(DRAWN, polling="raf")
        self.page.evaluate(PAINTED)
        return time.perf_counter() - start

    def open(self, path: str = "/") -> float:
        """Load `path` (a shareable URL: a new Streamlit session) and wait for its first run."""
        self.finished = 0
        return self.settle(lambda: self.page.goto(self.base_url + path))

    def text(self) -> str:
        """The page's main area as a person reads it."""
        return self.page.get_by_test_id("stMain").inner_text()

    def exceptions(self) -> list[str]:
        return self.page.get_by_test_id("stException").all_inner_texts()

    def path(self) -> str:
        """The page's path and query, decoded: what a person copies from the address bar, less the host."""
        parts = urlsplit(self.page.url)
        return unquote(parts.path + (f"?{parts.query}" if parts.query else ""))


@dataclass
class Walk:
    """What a coordinator does on each page, in French (the default language); one method per page step.

    Each step returns the seconds Streamlit took to answer (the benchmark's figure); the test asserts on
    what the tab shows afterwards. New pages add their steps here.
    """

    tab: ViewerTab
    steps: list[tuple[str, float]] = field(default_factory=list)

    def _timed(self, name: str, seconds: float) -> float:
        self.steps.append((name, seconds))
        return seconds

    def page(self, title: str) -> float:
        """Open a page from the sidebar's navigation."""
        nav = self.tab.page.get_by_test_id("stSidebarNav")
        return self._timed(f"page {title}", self.tab.settle(lambda: nav.get_by_role("link", name=title, exact=True).click()))

    def type_in(self, label: str, text: str) -> float:
        """Type `text` in the text field labelled `label` and send it (Enter)."""
        field_ = self.tab.page.get_by_label(label, exact=True)

        def send():
            field_.fill(text)
            field_.press("Enter")

        return self._timed(f"{label} = {text}", self.tab.settle(send))

    def choose(self, label: str, option: str | None = None) -> float:
        """Pick `option` (by default the first one after « (tous) ») in the select box labelled `label`."""
        page = self.tab.page

        def pick():
            page.get_by_label(label, exact=True).click()
            options = page.get_by_role("option")
            (options.nth(1) if option is None else page.get_by_role("option", name=option, exact=True)).click()

        return self._timed(f"{label} = {option or '1er choix'}", self.tab.settle(pick))

    def add(self, label: str, option: str) -> float:
        """Add `option` to the multiple choice labelled `label` (a Streamlit multiselect)."""
        page = self.tab.page

        def pick():
            field_ = page.get_by_label(label, exact=True)
            field_.click()
            field_.fill(option)  # the list shows a few options at a time: typing narrows it to the wanted one
            page.get_by_role("option", name=option, exact=True).click()

        return self._timed(f"{label} + {option}", self.tab.settle(pick))

    def click_node(self, name: str) -> float:
        """Click the network's node labelled `name` (the Réseau page's ECharts SVG; a label belongs to its node,
        a click on it is a click on the node)."""
        label = self.tab.page.locator(".echarts-container").get_by_text(name, exact=True).first
        label.wait_for()
        return self._timed(f"nœud {name}", self.tab.settle(label.click))

    def follow(self, name: str | None = None) -> float:
        """Open the entity link `name` (by default the first one) of the page's main area: the viewer's links
        open the entity's page in the same tab and session, at its shareable URL."""
        links = self.tab.page.get_by_test_id("stMain").locator("a[href*='?id=']")
        if name is not None:
            links = links.filter(has_text=name)
        if not links.count():
            raise BrowserError(f"no link to an entity{f' named {name!r}' if name else ''} on {self.tab.path()}")
        link = links.first
        return self._timed(f"lien {name or '1er'}", self.tab.settle(link.click))
