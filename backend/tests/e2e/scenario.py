"""The clinic's scenario, step by step. Each step drives the front end as a person would,
waits for what a person would wait for, asserts it, and returns what the page showed, so that
the same step can be compared across backends."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.browser import BrowserLog
from tests.e2e.stack import Backend

PATIENTS = frozenset({"patients"})
RELATIONS = frozenset({"patients", "doctors", "appointments"})
NEW_PATIENT = "Zoë Martin"


@dataclass
class Visit:
    """One backend's run of the scenario: its page, and what earlier steps left behind."""

    page: Page
    backend: Backend
    log: BrowserLog
    state: dict[str, Any] = field(default_factory=dict)

    def open(self, path: str) -> None:
        self.page.goto(self.backend.app_url + path)

    def new_patient_id(self) -> str:
        if "new_patient_id" not in self.state:
            raise AssertionError("needs the patient created by 'create a patient'")
        return str(self.state["new_patient_id"])


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Visit], str]
    uses: frozenset[str] = PATIENTS
    expected_statuses: frozenset[int] = frozenset()
    screenshot: str | None = None


def list_status(page: Page) -> str:
    return page.locator("section > p.status").inner_text()


def shown_rows(page: Page) -> list[str]:
    rows = page.locator("tbody tr")
    return [" | ".join(row.locator("td").all_inner_texts()) for row in rows.all()]


def shown_names(page: Page) -> list[str]:
    return page.locator("tbody tr td:first-child").all_inner_texts()


def pager(page: Page) -> str:
    return page.get_by_role("navigation", name="Pages").locator("span").inner_text()


def list_view(page: Page, total: str, names: list[str]) -> str:
    expect(page.locator("section > p.status")).to_have_text(total)
    expect(page.locator("tbody tr td:first-child")).to_have_text(names)
    return "\n".join([list_status(page), pager(page), *shown_rows(page)])


def detail(page: Page, term: str) -> str:
    """The value next to a term of the patient page's details."""
    return page.locator(f"dl.details dt:text-is('{term}') + dd").inner_text()


# --- the patients list --------------------------------------------------------------------


# The root db.json's first five patients, in insertion order.
FIRST_PAGE = ["Alice Martin", "bob Smith", "Carol Davis", "David Lee", "Emma Wilson"]


def list_first_page(visit: Visit) -> str:
    visit.open("/patients")
    page = visit.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients")
    view = list_view(
        page,
        "10 patients",
        FIRST_PAGE,
    )
    expect(page.get_by_role("button", name="Previous page")).to_be_disabled()
    assert pager(page) == "Page 1 of 2"
    return view


def next_page(visit: Visit) -> str:
    visit.open("/patients")
    page = visit.page
    list_view(
        page,
        "10 patients",
        FIRST_PAGE,
    )
    page.get_by_role("button", name="Next page").click()
    view = list_view(
        page,
        "10 patients",
        ["Frank Miller", "Grace Kim", "Henry Taylor", "Iris Chen", "jack Brown"],
    )
    expect(page.get_by_role("button", name="Next page")).to_be_disabled()
    assert pager(page) == "Page 2 of 2"
    return view


def search(visit: Visit) -> str:
    visit.open("/patients")
    page = visit.page
    page.get_by_label("Search").fill("boston")
    page.get_by_role("button", name="Search", exact=True).click()
    return list_view(page, "2 patients", ["Alice Martin", "Carol Davis"])


def filter_by_gender(visit: Visit) -> str:
    visit.open("/patients")
    page = visit.page
    page.get_by_label("Gender").select_option("male")
    return list_view(
        page, "5 patients", ["bob Smith", "David Lee", "Frank Miller", "Henry Taylor", "jack Brown"]
    )


def sort_by_name(visit: Visit) -> str:
    visit.open("/patients")
    page = visit.page
    page.get_by_role("button", name="Name", exact=True).click()
    # JavaScript's order of strings: capitals before lower case, so "bob" and "jack" come last.
    view = list_view(
        page,
        "10 patients",
        ["Alice Martin", "Carol Davis", "David Lee", "Emma Wilson", "Frank Miller"],
    )
    expect(page.locator("th", has_text="Name")).to_have_attribute("aria-sort", "ascending")
    page.get_by_role("button", name="Next page").click()
    return (
        view
        + "\n"
        + list_view(
            page,
            "10 patients",
            ["Grace Kim", "Henry Taylor", "Iris Chen", "bob Smith", "jack Brown"],
        )
    )


def sort_by_age_descending(visit: Visit) -> str:
    visit.open("/patients")
    page = visit.page
    age = page.get_by_role("button", name="Age", exact=True)
    age.click()
    list_view(
        page,
        "10 patients",
        ["Carol Davis", "jack Brown", "Emma Wilson", "Alice Martin", "Iris Chen"],
    )
    age.click()
    expect(page.locator("th", has_text="Age")).to_have_attribute("aria-sort", "descending")
    return list_view(
        page, "10 patients", ["Grace Kim", "Frank Miller", "bob Smith", "Henry Taylor", "David Lee"]
    )


def keyboard_only(visit: Visit) -> str:
    """Search and open a patient with the keyboard alone; focus lands on the new page's content."""
    visit.open("/patients")
    page = visit.page
    list_view(
        page,
        "10 patients",
        FIRST_PAGE,
    )
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "search":
            break
    expect(page.get_by_label("Search")).to_be_focused()
    page.keyboard.type("chen")
    page.keyboard.press("Enter")
    list_view(page, "1 patient", ["Iris Chen"])
    link = page.get_by_role("link", name="Iris Chen")
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Iris Chen":
            break
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Iris Chen")
    expect(page.locator("main")).to_be_focused()
    return f"{page.url.removeprefix(visit.backend.app_url)}\nfocus: main\n{detail(page, 'Age')}"


# --- one patient --------------------------------------------------------------------------


def patient_with_doctor_and_appointments(visit: Visit) -> str:
    visit.open("/patients/1")
    page = visit.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Alice Martin")
    expect(page.locator("dl.details dt:text-is('Doctor') + dd a")).to_have_text(
        "Dr. Sarah Okafor (Pediatrics)"
    )
    appointments = page.locator("section", has=page.get_by_role("heading", name="Appointments"))
    expect(appointments.locator("tbody tr td:nth-child(2)")).to_have_text(
        ["Asthma review", "Inhaler check"]
    )
    return "\n".join(
        [
            "Alice Martin",
            f"Doctor: {detail(page, 'Doctor')}",
            *[
                " | ".join(row.locator("td").all_inner_texts())
                for row in appointments.locator("tbody tr").all()
            ],
        ]
    )


def unknown_patient(visit: Visit) -> str:
    visit.open("/patients/999")
    alert = visit.page.get_by_role("alert")
    expect(alert).to_have_text(
        "The patient could not be loaded: Not found: it may have been deleted."
    )
    return alert.inner_text()


def create_invalid_patient(visit: Visit) -> str:
    visit.open("/patients/new")
    page = visit.page
    expect(page.get_by_label("Doctor").locator("option")).to_have_count(4)
    page.get_by_label("Age").fill("two")
    page.get_by_role("button", name="Create patient").click()
    problems = page.locator(".problem")
    expect(problems).to_have_text(
        [
            "Enter the patient's name.",
            "Enter an age in whole years, from 0 to 150.",
            "Choose a gender.",
            "Choose the patient's doctor.",
        ]
    )
    expect(page.get_by_label("Name")).to_be_focused()
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    assert not [request for request in visit.log.api_requests if not request.startswith("GET")]
    return "\n".join(problems.all_inner_texts()) + "\nfocus: Name"


def create_patient(visit: Visit) -> str:
    visit.open("/patients/new")
    page = visit.page
    page.get_by_label("Name").fill(NEW_PATIENT)
    page.get_by_label("Age").fill("41")
    page.get_by_label("Gender").select_option("female")
    page.get_by_label("Doctor").select_option(label="Dr. Hannah Weiss (General practice)")
    page.get_by_label("Email").fill("zoe.martin@example.com")
    page.get_by_label("Phone").fill("555-0111")
    page.get_by_label("Street").fill("3 Rue de la Paix")
    page.get_by_label("City").fill("Paris")
    page.get_by_label("Blood type").select_option("AB-")
    page.get_by_label("Conditions (comma-separated)").fill("migraine, asthma")
    page.get_by_role("button", name="Create patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_PATIENT)
    match = re.search(r"/patients/([^/]+)$", page.url)
    assert match, page.url
    visit.state["new_patient_id"] = match.group(1)
    visit.state["admitted"] = detail(page, "Admitted")
    assert detail(page, "Conditions") == "migraine, asthma"
    return "\n".join(
        [
            page.url.removeprefix(visit.backend.app_url),
            *(
                f"{term}: {detail(page, term)}"
                for term in ("Age", "Gender", "Address", "Conditions", "Doctor")
            ),
        ]
    )


def list_shows_new_patient(visit: Visit) -> str:
    visit.new_patient_id()
    visit.open("/patients?page=3")
    return list_view(visit.page, "11 patients", [NEW_PATIENT])


def edit_patient_with_put(visit: Visit) -> str:
    patient_id = visit.new_patient_id()
    visit.open(f"/patients/{patient_id}/edit")
    page = visit.page
    expect(page.get_by_label("Name")).to_have_value(NEW_PATIENT)
    expect(page.get_by_label("Conditions (comma-separated)")).to_have_value("migraine, asthma")
    page.get_by_label("Age").fill("42")
    page.get_by_label("City").fill("Lyon")
    page.get_by_label("Doctor").select_option(label="Dr. Miguel Ortega (Cardiology)")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("dl.details dt:text-is('Age') + dd")).to_have_text("42")
    assert detail(page, "Doctor") == "Dr. Miguel Ortega (Cardiology)"
    assert detail(page, "Address") == "3 Rue de la Paix, Lyon"
    # Fields the form does not show survive the PUT.
    assert detail(page, "Admitted") == visit.state["admitted"]
    return "\n".join(
        f"{term}: {detail(page, term)}"
        for term in ("Age", "Address", "Phone", "Blood type", "Doctor")
    )


def update_contact_with_patch(visit: Visit) -> str:
    visit.open("/patients/2")
    page = visit.page
    expect(page.get_by_role("heading", level=1)).to_have_text("bob Smith")
    page.get_by_label("Phone").fill("555-0199")
    page.get_by_role("button", name="Save contact details").click()
    expect(page.get_by_text("Contact details saved.")).to_be_visible()
    expect(page.locator("dl.details dt:text-is('Phone') + dd")).to_have_text("555-0199")
    # PATCH changes only what it sends.
    assert detail(page, "Conditions") == "diabetes, hypertension"
    return "\n".join(
        f"{term}: {detail(page, term)}" for term in ("Phone", "Email", "Age", "Conditions")
    )


# --- doctors ------------------------------------------------------------------------------


def doctors_list(visit: Visit) -> str:
    visit.open("/doctors")
    page = visit.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Doctors")
    expect(page.locator("tbody tr td:first-child")).to_have_text(
        ["Dr. Hannah Weiss", "Dr. Miguel Ortega", "Dr. Sarah Okafor"]
    )
    return "\n".join(shown_rows(page))


def doctor_patients(visit: Visit) -> str:
    visit.open("/doctors/1/patients")
    page = visit.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr. Sarah Okafor's patients")
    items = page.locator("main li")
    expect(items).to_have_text(
        ["Alice Martin, 34", "Carol Davis, 5", "Iris Chen, 37", "jack Brown, 8"]
    )
    return "\n".join(items.all_inner_texts())


# --- errors and delete --------------------------------------------------------------------


def save_after_deleted_elsewhere(visit: Visit) -> str:
    """Someone else deletes the patient while the form is open: the server's 404 is shown."""
    patient_id = visit.new_patient_id()
    visit.open(f"/patients/{patient_id}/edit")
    page = visit.page
    expect(page.get_by_label("Name")).to_have_value(NEW_PATIENT)
    deleted = httpx.delete(f"{visit.backend.api_url}/patients/{patient_id}", timeout=10)
    assert deleted.status_code == 200
    page.get_by_label("Age").fill("43")
    page.get_by_role("button", name="Save changes").click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("The patient was not saved: Not found: it may have been deleted.")
    expect(page.locator("div:has(> [role=alert])")).to_be_focused()
    return alert.inner_text() + "\nfocus: the error"


def delete_patient(visit: Visit) -> str:
    visit.open("/patients/10")
    page = visit.page
    expect(page.get_by_role("heading", level=1)).to_have_text("jack Brown")
    page.get_by_role("button", name="Delete patient").click()
    confirm = page.get_by_role("button", name="Yes, delete")
    expect(confirm).to_be_focused()
    confirm.click()
    expect(page.get_by_role("status")).to_have_text("jack Brown was deleted.")
    view = list_view(page, "9 patients", FIRST_PAGE)
    page.get_by_role("button", name="Next page").click()
    view += "\n" + list_view(
        page, "9 patients", ["Frank Miller", "Grace Kim", "Henry Taylor", "Iris Chen"]
    )
    return "jack Brown was deleted.\n" + view


STEPS: tuple[Step, ...] = (
    Step("patients list, first page", list_first_page, screenshot="frontend-patients.png"),
    Step("next page", next_page),
    Step("search (q)", search),
    Step("filter by gender", filter_by_gender),
    Step("sort by name", sort_by_name),
    Step("sort by age, descending", sort_by_age_descending),
    Step("keyboard only: search and open a patient", keyboard_only),
    Step(
        "patient page with doctor and appointments",
        patient_with_doctor_and_appointments,
        uses=RELATIONS,
    ),
    Step("unknown patient shows not found", unknown_patient, expected_statuses=frozenset({404})),
    Step("create: invalid form stays in the browser", create_invalid_patient, uses=RELATIONS),
    Step("create a patient (POST)", create_patient, uses=RELATIONS),
    Step("list shows the new patient", list_shows_new_patient),
    Step("edit a patient (PUT)", edit_patient_with_put, uses=RELATIONS),
    Step("update contact details (PATCH)", update_contact_with_patch),
    Step("doctors list", doctors_list, uses=RELATIONS),
    Step("a doctor's patients (/doctors/:id/patients)", doctor_patients, uses=RELATIONS),
    Step(
        "save after the patient was deleted elsewhere",
        save_after_deleted_elsewhere,
        uses=RELATIONS,
        expected_statuses=frozenset({404}),
    ),
    Step("delete a patient", delete_patient),
)
