// The API client: one base URL, plain fetch, json-server's REST conventions.
export const API_URL = (import.meta.env.VITE_API_URL || "http://localhost:3000").replace(/\/+$/, "");

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

// A sentence for a person: the server's own message when it sends one, else the status.
async function errorFrom(response) {
  let message = "";
  try {
    const body = await response.json();
    message = body?.error?.message || body?.message || "";
  } catch {
    // not JSON (json-server answers some errors with an HTML page)
  }
  if (!message) {
    message =
      response.status === 404
        ? "Not found: it may have been deleted."
        : `The server answered ${response.status} ${response.statusText}`.trim() + ".";
  }
  return new ApiError(response.status, message);
}

async function request(path, { method = "GET", body, params } = {}) {
  const url = new URL(API_URL + path);
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.append(key, value);
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: body === undefined ? undefined : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, `The API at ${API_URL} cannot be reached.`);
  }
  if (!response.ok) throw await errorFrom(response);
  const data = await response.json();
  const total = response.headers.get("X-Total-Count");
  return { data, total: total === null ? null : Number(total) };
}

export async function listPatients({ q, gender, sort, order, page, limit }) {
  const { data, total } = await request("/patients", {
    params: { q, gender, _sort: sort, _order: sort ? order : undefined, _page: page, _limit: limit },
  });
  return { patients: data, total: total ?? data.length };
}

export async function getPatient(id) {
  const { data } = await request(`/patients/${encodeURIComponent(id)}`, {
    params: { _expand: "doctor", _embed: "appointments" },
  });
  return data;
}

export async function getPlainPatient(id) {
  return (await request(`/patients/${encodeURIComponent(id)}`)).data;
}

export async function createPatient(patient) {
  return (await request("/patients", { method: "POST", body: patient })).data;
}

export async function replacePatient(id, patient) {
  return (await request(`/patients/${encodeURIComponent(id)}`, { method: "PUT", body: patient }))
    .data;
}

export async function patchPatient(id, changes) {
  return (await request(`/patients/${encodeURIComponent(id)}`, { method: "PATCH", body: changes }))
    .data;
}

export async function deletePatient(id) {
  await request(`/patients/${encodeURIComponent(id)}`, { method: "DELETE" });
}

export async function listDoctors() {
  return (await request("/doctors", { params: { _sort: "name" } })).data;
}

export async function getDoctor(id) {
  return (await request(`/doctors/${encodeURIComponent(id)}`)).data;
}

export async function listDoctorPatients(id) {
  return (
    await request(`/doctors/${encodeURIComponent(id)}/patients`, { params: { _sort: "name" } })
  ).data;
}
