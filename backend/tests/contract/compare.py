"""The verdict on one case: each step's service response against json-server's, directly or
through the one documented difference that applies, with a readable account of any mismatch."""

from dataclasses import dataclass

from tests.contract.cases import Case
from tests.contract.differences import NORMALISATIONS, Seen, difference_for
from tests.contract.views import Masks, expectation_of, problems_with, random_id_of
from tests.contract.wire import Request, Response


@dataclass(frozen=True, slots=True)
class CaseRun:
    """The responses one server gave to a case's steps; `host` is its `host:port`."""

    case: Case
    host: str
    responses: tuple[Response, ...]

    def masks(self) -> Masks:
        drawn = (
            random_id_of(response) or f"<no random id in step {index}>"
            for index, (step, response) in enumerate(
                zip(self.case.steps, self.responses, strict=True)
            )
            if step.new_random_id
        )
        return Masks(self.host, tuple(drawn))


@dataclass(frozen=True, slots=True)
class StepVerdict:
    request: Request
    rule: str | None
    problems: tuple[str, ...]

    @property
    def matched(self) -> bool:
        return not self.problems


def _random_id_problems(runs: dict[str, CaseRun], index: int) -> list[str]:
    problems = []
    for side, run in runs.items():
        response = run.responses[index]
        if random_id_of(response) is None:
            problems.append(
                f"{side}: expected a new id of 7 characters [A-Za-z0-9_-], got status "
                f"{response.status} {(response.body or b'')[:200]!r}"
            )
    return problems


def compare_runs(
    expected: CaseRun, actual: CaseRun, *, with_rules: bool = True
) -> list[StepVerdict]:
    """Judge every step of `actual` against `expected`. With rules, the documented
    differences and normalisations apply (json-server against the service); without, the two
    runs must agree exactly (json-server against its own transcript)."""
    if len(expected.responses) != len(actual.responses):
        raise AssertionError(
            f"{expected.case.name}: {len(expected.responses)} recorded steps, "
            f"{len(actual.responses)} run"
        )
    expected_masks, actual_masks = expected.masks(), actual.masks()
    verdicts = []
    requests = [step.request for step in expected.case.steps]
    for index, step in enumerate(expected.case.steps):
        request = step.request
        reference = expected.responses[index]
        expectation = expectation_of(request, reference, expected_masks)
        seen = Seen(
            request,
            reference,
            tuple(zip(requests[:index], expected.responses[:index], strict=True)),
            expected.case.seed,
        )
        rule = difference_for(seen) if with_rules else None
        if rule is not None:
            expectation = rule.expect(seen, expectation)
        if with_rules:
            for normalisation in NORMALISATIONS:
                expectation = normalisation.expect(expectation)
        problems = problems_with(expectation, request, actual.responses[index], actual_masks)
        if step.new_random_id:
            problems += _random_id_problems({"expected": expected, "actual": actual}, index)
        verdicts.append(StepVerdict(request, rule.name if rule else None, tuple(problems)))
    return verdicts


def describe_response(response: Response) -> str:
    headers = "\n".join(f"      {name}: {value}" for name, value in response.headers)
    body = (response.body or b"")[:600].decode("utf-8", errors="replace")
    return f"    {response.status}\n{headers}\n      body: {body!r}"


def report(
    expected: CaseRun,
    actual: CaseRun,
    verdicts: list[StepVerdict],
    labels: tuple[str, str] = ("json-server", "service"),
) -> str:
    """A readable account of the steps that did not match."""
    lines = [f"case {expected.case.name!r}"]
    for index, verdict in enumerate(verdicts):
        if verdict.matched:
            continue
        request = verdict.request
        body = "" if request.body is None else f" body {request.body[:200]!r}"
        headers = "".join(f"\n    {name}: {value}" for name, value in request.headers)
        through = f" (through documented difference {verdict.rule})" if verdict.rule else ""
        lines.append(f"\nstep {index}: {request.method} {request.target}{body}{headers}{through}")
        lines += [f"  - {problem}" for problem in verdict.problems]
        lines.append(f"  {labels[0]}:\n{describe_response(expected.responses[index])}")
        lines.append(f"  {labels[1]}:\n{describe_response(actual.responses[index])}")
    return "\n".join(lines)
