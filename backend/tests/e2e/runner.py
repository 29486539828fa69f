"""Runs the scenario on one backend in a fresh browser context and records every step."""

import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, expect
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.browser import BrowserLog
from tests.e2e.scenario import STEPS, Visit
from tests.e2e.stack import Backend

# A person waits a few seconds, not thirty: a step that shows nothing by then has failed.
ACTION_TIMEOUT_MS = 5_000
expect.set_options(timeout=ACTION_TIMEOUT_MS)


@dataclass
class StepRun:
    visible: str = ""
    failure: str | None = None
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.problems

    def summary(self) -> str:
        reasons = ([self.failure] if self.failure is not None else []) + self.problems[:1]
        return f"FAILED: {'; '.join(reasons)}" if reasons else "ok"


def first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " / ".join(lines[:3])


def run_scenario(
    browser: Browser, backend: Backend, screenshots: Path | None
) -> dict[str, StepRun]:
    context = browser.new_context(viewport={"width": 1100, "height": 760}, locale="en-GB")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    log = BrowserLog(backend.api_url)
    log.attach(page)
    visit = Visit(page, backend, log)
    runs: dict[str, StepRun] = {}
    try:
        for step in STEPS:
            log.clear()
            run = StepRun()
            started = time.monotonic()
            try:
                run.visible = step.run(visit)
            except (AssertionError, PlaywrightError) as error:
                run.failure = first_line(error)
            page.wait_for_load_state("networkidle")
            run.seconds = time.monotonic() - started
            run.problems = log.problems(step.expected_statuses)
            if screenshots is not None and step.screenshot and run.ok:
                page.screenshot(path=str(screenshots / step.screenshot), full_page=True)
            runs[step.name] = run
    finally:
        context.close()
    return runs
