import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { createPatient, getPlainPatient, listDoctors, replacePatient } from "../lib/api.js";
import { useAsync } from "../lib/useAsync.js";
import ErrorMessage from "./ErrorMessage.jsx";

const EMPTY = {
  name: "",
  age: "",
  gender: "",
  email: "",
  phone: "",
  street: "",
  city: "",
  bloodType: "",
  conditions: "",
  doctorId: "",
};
const BLOOD_TYPES = ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"];

function toForm(patient) {
  return {
    name: patient.name ?? "",
    age: patient.age === undefined || patient.age === null ? "" : String(patient.age),
    gender: patient.gender ?? "",
    email: patient.email ?? "",
    phone: patient.phone ?? "",
    street: patient.address?.street ?? "",
    city: patient.address?.city ?? "",
    bloodType: patient.bloodType ?? "",
    conditions: Array.isArray(patient.conditions) ? patient.conditions.join(", ") : "",
    doctorId: patient.doctorId === undefined || patient.doctorId === null ? "" : String(patient.doctorId),
  };
}

// The record to send: the form's fields over the stored record, so a PUT keeps what the form
// does not show (admission date, doctor, anything else stored).
function toRecord(form, stored) {
  return {
    ...stored,
    name: form.name.trim(),
    age: Number(form.age),
    gender: form.gender,
    email: form.email.trim(),
    phone: form.phone.trim(),
    address: { ...(stored.address || {}), city: form.city.trim(), street: form.street.trim() },
    bloodType: form.bloodType,
    conditions: form.conditions
      .split(",")
      .map((condition) => condition.trim())
      .filter(Boolean),
    doctorId: Number(form.doctorId),
  };
}

function validate(form) {
  const problems = {};
  if (!form.name.trim()) problems.name = "Enter the patient's name.";
  const age = Number(form.age);
  if (form.age.trim() === "" || !Number.isInteger(age) || age < 0 || age > 150) {
    problems.age = "Enter an age in whole years, from 0 to 150.";
  }
  if (!form.gender) problems.gender = "Choose a gender.";
  // Every patient has a doctor: json-server cannot answer ?_expand=doctor for one without.
  if (!form.doctorId) problems.doctorId = "Choose the patient's doctor.";
  if (form.email.trim() && !/^[^\s@]+@[^\s@]+$/.test(form.email.trim())) {
    problems.email = "Enter an email address like name@example.com.";
  }
  return problems;
}

// Create (POST) or edit (PUT) a patient.
export default function PatientForm() {
  const { id } = useParams();
  const editing = id !== undefined;
  const navigate = useNavigate();
  const [stored, setStored] = useState(editing ? null : {});
  const [form, setForm] = useState(EMPTY);
  const [problems, setProblems] = useState({});
  const [loadError, setLoadError] = useState(null);
  const [saveError, setSaveError] = useState(null);
  const [saving, setSaving] = useState(false);
  const doctors = useAsync(() => listDoctors(), []);
  const formRef = useRef(null);
  const errorRef = useRef(null);

  useEffect(() => {
    if (!editing) return undefined;
    let current = true;
    getPlainPatient(id).then(
      (patient) => {
        if (!current) return;
        setStored(patient);
        setForm(toForm(patient));
      },
      (error) => current && setLoadError(error),
    );
    return () => {
      current = false;
    };
  }, [editing, id]);

  useEffect(() => {
    if (saveError) errorRef.current?.focus();
  }, [saveError]);

  function field(name) {
    return {
      name,
      id: `field-${name}`,
      value: form[name],
      onChange: (event) => setForm({ ...form, [name]: event.target.value }),
      "aria-invalid": problems[name] ? true : undefined,
      "aria-describedby": problems[name] ? `field-${name}-problem` : undefined,
    };
  }

  function problem(name) {
    return problems[name] ? (
      <span className="problem" id={`field-${name}-problem`}>
        {problems[name]}
      </span>
    ) : null;
  }

  async function submit(event) {
    event.preventDefault();
    setSaveError(null);
    const found = validate(form);
    setProblems(found);
    const first = Object.keys(found)[0];
    if (first) {
      formRef.current?.querySelector(`[name="${first}"]`)?.focus();
      return;
    }
    setSaving(true);
    try {
      const record = toRecord(form, stored);
      const saved = editing
        ? await replacePatient(id, record)
        : await createPatient({ ...record, admittedAt: new Date().toISOString() });
      navigate(`/patients/${encodeURIComponent(saved.id)}`);
    } catch (error) {
      setSaveError(error);
      setSaving(false);
    }
  }

  const title = editing ? "Edit patient" : "New patient";
  if (loadError) {
    return (
      <>
        <h1>{title}</h1>
        <ErrorMessage error={loadError} action="The patient could not be loaded" />
      </>
    );
  }
  if (!stored) return <p className="status">Loading…</p>;

  return (
    <section aria-labelledby="form-heading">
      <h1 id="form-heading">{title}</h1>
      <div tabIndex={-1} ref={errorRef}>
        <ErrorMessage error={saveError} action="The patient was not saved" />
      </div>
      <form ref={formRef} onSubmit={submit} noValidate className="patient-form">
        <label htmlFor="field-name">Name</label>
        <input {...field("name")} autoComplete="off" required />
        {problem("name")}

        <label htmlFor="field-age">Age</label>
        <input {...field("age")} inputMode="numeric" required />
        {problem("age")}

        <label htmlFor="field-gender">Gender</label>
        <select {...field("gender")} required>
          <option value="">Choose…</option>
          <option value="female">Female</option>
          <option value="male">Male</option>
          <option value="other">Other</option>
        </select>
        {problem("gender")}

        <label htmlFor="field-doctorId">Doctor</label>
        <select {...field("doctorId")} required>
          <option value="">{doctors.loading ? "Loading…" : "Choose…"}</option>
          {(doctors.data || []).map((doctor) => (
            <option key={doctor.id} value={String(doctor.id)}>
              {doctor.name} ({doctor.specialty})
            </option>
          ))}
        </select>
        {problem("doctorId")}
        {doctors.error && (
          <span className="problem" role="alert">
            The doctors could not be loaded: {doctors.error.message}
          </span>
        )}

        <label htmlFor="field-email">Email</label>
        <input {...field("email")} type="email" />
        {problem("email")}

        <label htmlFor="field-phone">Phone</label>
        <input {...field("phone")} type="tel" />

        <label htmlFor="field-street">Street</label>
        <input {...field("street")} />

        <label htmlFor="field-city">City</label>
        <input {...field("city")} />

        <label htmlFor="field-bloodType">Blood type</label>
        <select {...field("bloodType")}>
          <option value="">Unknown</option>
          {BLOOD_TYPES.map((type) => (
            <option key={type} value={type}>
              {type}
            </option>
          ))}
        </select>

        <label htmlFor="field-conditions">Conditions (comma-separated)</label>
        <input {...field("conditions")} />

        <div className="actions">
          <button type="submit" disabled={saving}>
            {editing ? "Save changes" : "Create patient"}
          </button>{" "}
          <Link to={editing ? `/patients/${encodeURIComponent(id)}` : "/patients"}>Cancel</Link>
        </div>
      </form>
    </section>
  );
}
