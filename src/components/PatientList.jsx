import { useEffect, useState } from "react";
import { Link, useLocation, useSearchParams } from "react-router-dom";
import { listPatients } from "../lib/api.js";
import { useAsync } from "../lib/useAsync.js";
import ErrorMessage from "./ErrorMessage.jsx";

const PAGE_SIZE = 5;
const COLUMNS = [
  { field: "name", label: "Name" },
  { field: "age", label: "Age" },
  { field: "gender", label: "Gender" },
  { field: "address.city", label: "City" },
];

// The patients list: search, a gender filter, column sort and pages, all kept in the URL.
export default function PatientList() {
  const [params, setParams] = useSearchParams();
  const deleted = useLocation().state?.deleted;
  const q = params.get("q") || "";
  const gender = params.get("gender") || "";
  const sort = params.get("sort") || "";
  const order = params.get("order") === "desc" ? "desc" : "asc";
  const page = Math.max(1, Number.parseInt(params.get("page") || "1", 10) || 1);
  const [search, setSearch] = useState(q);
  useEffect(() => setSearch(q), [q]);

  const { loading, error, data } = useAsync(
    () => listPatients({ q, gender, sort, order, page, limit: PAGE_SIZE }),
    [q, gender, sort, order, page],
  );
  const total = data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  function update(changes) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next);
  }

  function sortBy(field) {
    const nextOrder = sort === field && order === "asc" ? "desc" : "asc";
    update({ sort: field, order: nextOrder, page: "" });
  }

  return (
    <section aria-labelledby="patients-heading">
      <h1 id="patients-heading">Patients</h1>
      {deleted && (
        <p role="status" className="notice">
          {deleted} was deleted.
        </p>
      )}
      <form
        role="search"
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          update({ q: search.trim(), page: "" });
        }}
      >
        <label>
          Search
          <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} />
        </label>
        <button type="submit">Search</button>
        <label>
          Gender
          <select value={gender} onChange={(event) => update({ gender: event.target.value, page: "" })}>
            <option value="">All</option>
            <option value="female">Female</option>
            <option value="male">Male</option>
            <option value="other">Other</option>
          </select>
        </label>
      </form>

      <ErrorMessage error={error} action="The patients could not be loaded" />
      <p aria-live="polite" className="status">
        {loading ? "Loading…" : error ? "" : `${total} ${total === 1 ? "patient" : "patients"}`}
      </p>

      {data && (
        <table>
          <caption className="visually-hidden">Patients, page {page} of {pages}</caption>
          <thead>
            <tr>
              {COLUMNS.map(({ field, label }) => (
                <th
                  key={field}
                  scope="col"
                  aria-sort={sort === field ? (order === "asc" ? "ascending" : "descending") : undefined}
                >
                  <button type="button" className="sort" onClick={() => sortBy(field)}>
                    {label}
                    <span aria-hidden="true">{sort === field ? (order === "asc" ? " ▲" : " ▼") : ""}</span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.patients.map((patient) => (
              <tr key={patient.id}>
                <td>
                  <Link to={`/patients/${encodeURIComponent(patient.id)}`}>{patient.name || "(no name)"}</Link>
                </td>
                <td>{patient.age ?? ""}</td>
                <td>{patient.gender ?? ""}</td>
                <td>{patient.address?.city ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <nav aria-label="Pages" className="pager">
        <button type="button" disabled={page <= 1} onClick={() => update({ page: String(page - 1) })}>
          Previous page
        </button>
        <span>
          Page {page} of {pages}
        </span>
        <button type="button" disabled={page >= pages} onClick={() => update({ page: String(page + 1) })}>
          Next page
        </button>
      </nav>
    </section>
  );
}
