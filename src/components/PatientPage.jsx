import { useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { deletePatient, getPatient, patchPatient } from "../lib/api.js";
import { formatDate, formatList } from "../lib/format.js";
import { useAsync } from "../lib/useAsync.js";
import ErrorMessage from "./ErrorMessage.jsx";

// One patient: their details, doctor and appointments; a contact update (PATCH) and delete.
export default function PatientPage() {
  const { id } = useParams();
  const { loading, error, data: patient, reload } = useAsync(() => getPatient(id), [id]);

  if (loading && !patient) return <p className="status">Loading…</p>;
  if (error) {
    return (
      <>
        <h1>Patient</h1>
        <ErrorMessage error={error} action="The patient could not be loaded" />
        <p>
          <Link to="/patients">Back to the patients</Link>
        </p>
      </>
    );
  }
  return (
    <article aria-labelledby="patient-heading">
      <h1 id="patient-heading">{patient.name || "(no name)"}</h1>
      <p>
        <Link to={`/patients/${encodeURIComponent(patient.id)}/edit`}>Edit patient</Link>
      </p>
      <dl className="details">
        <dt>Age</dt>
        <dd>{patient.age ?? "unknown"}</dd>
        <dt>Gender</dt>
        <dd>{patient.gender ?? "unknown"}</dd>
        <dt>Blood type</dt>
        <dd>{patient.bloodType ?? "unknown"}</dd>
        <dt>Conditions</dt>
        <dd>{formatList(patient.conditions)}</dd>
        <dt>Address</dt>
        <dd>{[patient.address?.street, patient.address?.city].filter(Boolean).join(", ") || "unknown"}</dd>
        <dt>Email</dt>
        <dd>{patient.email ?? "unknown"}</dd>
        <dt>Phone</dt>
        <dd>{patient.phone ?? "unknown"}</dd>
        <dt>Admitted</dt>
        <dd>{formatDate(patient.admittedAt) || "unknown"}</dd>
        <dt>Doctor</dt>
        <dd>
          {patient.doctor ? (
            <Link to={`/doctors/${encodeURIComponent(patient.doctor.id)}/patients`}>
              {patient.doctor.name} ({patient.doctor.specialty})
            </Link>
          ) : (
            "none assigned"
          )}
        </dd>
      </dl>

      <Appointments appointments={patient.appointments || []} />
      <ContactForm patient={patient} onSaved={reload} />
      <DeletePatient patient={patient} />
    </article>
  );
}

function Appointments({ appointments }) {
  return (
    <section aria-labelledby="appointments-heading">
      <h2 id="appointments-heading">Appointments</h2>
      {appointments.length === 0 ? (
        <p>No appointments.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Reason</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {appointments.map((appointment) => (
              <tr key={appointment.id}>
                <td>{formatDate(appointment.date)}</td>
                <td>{appointment.reason}</td>
                <td>{appointment.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

// Changes only the contact fields, with PATCH, so nothing else in the record is touched.
function ContactForm({ patient, onSaved }) {
  const [phone, setPhone] = useState(patient.phone ?? "");
  const [email, setEmail] = useState(patient.email ?? "");
  const [state, setState] = useState({ saving: false, error: null, saved: false });

  async function submit(event) {
    event.preventDefault();
    setState({ saving: true, error: null, saved: false });
    try {
      await patchPatient(patient.id, { phone: phone.trim(), email: email.trim() });
      setState({ saving: false, error: null, saved: true });
      onSaved();
    } catch (error) {
      setState({ saving: false, error, saved: false });
    }
  }

  return (
    <section aria-labelledby="contact-heading">
      <h2 id="contact-heading">Update contact details</h2>
      <form onSubmit={submit} className="inline-form">
        <label>
          Phone
          <input type="tel" value={phone} onChange={(event) => setPhone(event.target.value)} />
        </label>
        <label>
          Email
          <input type="email" value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
        <button type="submit" disabled={state.saving}>
          Save contact details
        </button>
      </form>
      <ErrorMessage error={state.error} action="The contact details were not saved" />
      <p aria-live="polite" className="status">
        {state.saved ? "Contact details saved." : ""}
      </p>
    </section>
  );
}

function DeletePatient({ patient }) {
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState(null);
  const deleteButton = useRef(null);

  async function confirm() {
    setError(null);
    try {
      await deletePatient(patient.id);
      navigate("/patients", { state: { deleted: patient.name } });
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <section aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete</h2>
      {confirming ? (
        <div role="group" aria-labelledby="confirm-text">
          <p id="confirm-text">Delete {patient.name || "this patient"} and their record?</p>
          <button type="button" className="danger" onClick={confirm} autoFocus>
            Yes, delete
          </button>{" "}
          <button
            type="button"
            onClick={() => {
              setConfirming(false);
              setTimeout(() => deleteButton.current?.focus());
            }}
          >
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" ref={deleteButton} onClick={() => setConfirming(true)}>
          Delete patient
        </button>
      )}
      <ErrorMessage error={error} action="The patient was not deleted" />
    </section>
  );
}
