"""What the browser saw during a step besides the page: console errors, uncaught exceptions,
failed requests (CORS refusals included) and API answers with an error status."""

from dataclasses import dataclass, field

from playwright.sync_api import ConsoleMessage, Error, Page, Request, Response


@dataclass
class BrowserLog:
    api_url: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    error_statuses: list[int] = field(default_factory=list)
    api_requests: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        page.on("requestfailed", self._request_failed)
        page.on("request", self._request)
        page.on("response", self._response)

    def clear(self) -> None:
        self.console_errors.clear()
        self.failed_requests.clear()
        self.error_statuses.clear()
        self.api_requests.clear()

    def problems(self, expected_statuses: frozenset[int]) -> list[str]:
        """Everything a person would call an error, less the error answers the step expects
        (which Chromium also logs to the console as 'Failed to load resource')."""
        found = [f"failed request: {failure}" for failure in self.failed_requests]
        found += [
            f"API answered {status}"
            for status in self.error_statuses
            if status not in expected_statuses
        ]
        for message in self.console_errors:
            expected = any(f"status of {status} " in message for status in expected_statuses)
            if not expected:
                found.append(f"console error: {message}")
        return found

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _page_error(self, error: Error) -> None:
        self.console_errors.append(f"uncaught {error.name}: {error.message}")

    def _request_failed(self, request: Request) -> None:
        self.failed_requests.append(
            f"{request.method} {self._path(request.url)}: {request.failure}"
        )

    def _request(self, request: Request) -> None:
        if request.url.startswith(self.api_url):
            self.api_requests.append(f"{request.method} {self._path(request.url)}")

    def _response(self, response: Response) -> None:
        if response.url.startswith(self.api_url) and response.status >= 400:
            self.error_statuses.append(response.status)

    def _path(self, url: str) -> str:
        return url.removeprefix(self.api_url)
