import { Link, useParams } from "react-router-dom";
import { getDoctor, listDoctorPatients } from "../lib/api.js";
import { useAsync } from "../lib/useAsync.js";
import ErrorMessage from "./ErrorMessage.jsx";

// A doctor's patients, through the nested route /doctors/:id/patients.
export default function DoctorPatients() {
  const { id } = useParams();
  const { loading, error, data } = useAsync(
    () => Promise.all([getDoctor(id), listDoctorPatients(id)]),
    [id],
  );
  const [doctor, patients] = data || [];
  return (
    <section aria-labelledby="doctor-heading">
      <h1 id="doctor-heading">{doctor ? `${doctor.name}'s patients` : "A doctor's patients"}</h1>
      {doctor && <p>{doctor.specialty}</p>}
      {loading && <p className="status">Loading…</p>}
      <ErrorMessage error={error} action="The doctor's patients could not be loaded" />
      {patients &&
        (patients.length === 0 ? (
          <p>No patients.</p>
        ) : (
          <ul>
            {patients.map((patient) => (
              <li key={patient.id}>
                <Link to={`/patients/${encodeURIComponent(patient.id)}`}>{patient.name}</Link>
                {patient.age !== undefined ? `, ${patient.age}` : ""}
              </li>
            ))}
          </ul>
        ))}
      <p>
        <Link to="/doctors">All doctors</Link>
      </p>
    </section>
  );
}
